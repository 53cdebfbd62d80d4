"""Reference solutions for the katas, one module per learner file (used by the grader as the ground truth)."""
