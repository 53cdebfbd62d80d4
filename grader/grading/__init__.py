"""Grading: one kata (engine.py), a run of them with its record and reports
(session.py), and re-grading on every save (watch.py)."""
