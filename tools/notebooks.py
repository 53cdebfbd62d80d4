"""Regenerate the notebooks shipped in notebooks/ (a test checks they match `kata init --notebook`).

    python tools/notebooks.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.curriculum.catalog import Catalog  # noqa: E402
from grader.notebook.scaffold import init_notebooks  # noqa: E402


def main() -> int:
    target = ROOT / "notebooks"
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        init_notebooks(Path(tmp), list(Catalog.builtin()), core=True, colab=True)
        shutil.copyfile(Path(tmp) / "core_question.ipynb", target / "core_question_colab.ipynb")
    print(f"wrote {target / 'core_question_colab.ipynb'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
