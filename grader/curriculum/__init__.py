"""The curriculum: katas as data (kata.py), where they are (paths.py, packs.py), the
ordered catalog (catalog.py), and importing their trusted code (loading.py)."""
