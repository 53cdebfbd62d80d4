"""The learner's workspace: its folder and files (files.py) and its progress record (state.py)."""
