"""Grading a whole class: `kata grade-class` (run.py, and the parts it names)."""
