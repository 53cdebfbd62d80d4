"""backprop-katas grader: runs hidden checks against a learner's kata files in a sandbox."""

__version__ = "0.1.0"
