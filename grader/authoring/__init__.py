"""Authoring katas: `kata new` (scaffold.py and its templates/), the shipped mistakes
and variants (corpus.py), and `kata validate` (validate.py)."""
