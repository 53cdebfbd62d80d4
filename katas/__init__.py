"""Kata definitions: metadata, instructions and learner stubs (data, not engine code)."""
