"""Imports torch in a NumPy-only kata.

The import alone fails the grade: the sandbox refuses it while the file loads,
before any function is called, so this file needs no function bodies.
"""
import torch  # MISTAKE: this kata is NumPy only  # noqa: F401

KATA_EXPECT = {"fails": ["numpy-only"], "diagnoses": ["framework-import"]}
