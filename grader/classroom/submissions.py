"""What a class's submissions are: discovery, safe ids, and fingerprints.

A submission is a folder holding `.kata-workspace.json` (a `kata init`
workspace), or, as in an LMS export, any folder directly holding a learner file
of a known kata (`part1_softmax_ce.py`, ...) or a notebook named after one
(`part1_softmax_ce.ipynb`, `core_question.ipynb`). Its id is its path relative to
the submissions folder. Any other notebook outside such a folder is a submission
of its own (`alice/homework.ipynb`, or `alice.ipynb` in a flat export): every kata
is looked for in its cells.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from grader.workspace.state import STATE_FILE

SKIP_DIRS = {"__pycache__", "node_modules", "site-packages"}   # and every hidden folder (.git, .kata-backups)


@dataclass
class Submission:
    id: str          # path relative to the submissions folder, "/"-separated ("." for the folder itself)
    path: Path       # absolute
    kind: str        # "workspace" (has the state file), "files" (learner files only) or "notebook"
    notebook: str | None = None   # kind "notebook": the notebook's file name in `path`

    @property
    def safe_id(self) -> str:
        return safe_id(self.id)


_CLEAN_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_HASHED = re.compile(r".*-[0-9a-f]{12}")


def safe_id(sub_id: str) -> str:
    """A file name for a submission id that no other id maps to: the id itself when it
    is a plain lower-case name, else a sanitised version with a hash of the id.

    Plain names never end like a hashed one ("-" and 12 hex digits), and an id with
    capitals is always hashed, so no two ids collide, not even on a file system that
    ignores case."""
    if _CLEAN_ID.fullmatch(sub_id) and not sub_id.endswith((".", "-")) and not _HASHED.fullmatch(sub_id):
        return sub_id
    clean = re.sub(r"[^a-z0-9._-]+", "_", sub_id.lower()).strip("._-")[:60] or "submission"
    return f"{clean}-{hashlib.sha256(sub_id.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}"


def discover(root: Path, catalog, exclude=()) -> list[Submission]:
    """Every submission under `root`, sorted by id. Hidden folders are skipped, and a
    submission's own subfolders are not searched (its backups are not submissions).
    `root` itself is a submission only when no folder below it is one (so a stray
    learner file beside the class's folders hides nobody)."""
    from grader.notebook.sources import CORE_NOTEBOOK, SUFFIX, notebook_name

    root = Path(root).resolve()
    names = {k.learner_file for k in catalog} | {notebook_name(k) for k in catalog} | {CORE_NOTEBOOK}
    excluded = {Path(p).resolve() for p in exclude}
    found, top = [], None
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        files = set(filenames)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS
                             and (here / d).resolve() not in excluded)
        if STATE_FILE in files or names & files:
            sub = Submission(here.relative_to(root).as_posix(), here,
                             "workspace" if STATE_FILE in files else "files")
            if here == root:
                top = sub
                continue
            found.append(sub)
            dirnames[:] = []
            continue
        for name in sorted(f for f in files if f.endswith(SUFFIX) and not f.startswith(".")):
            found.append(Submission((here / name).relative_to(root).as_posix(), here, "notebook", name))
    if top is not None and not found:
        found.append(top)
    return sorted(found, key=lambda s: s.id)


def fingerprint(folder: Path, notebook: str | None = None) -> str:
    """A hash of the names and contents of the folder's *.py and *.ipynb files (the
    learner's files, notebooks and helpers), or of the one `notebook`."""
    digest = hashlib.sha256()
    try:
        files = sorted(p for p in Path(folder).iterdir()
                       if (p.name == notebook if notebook else p.suffix in (".py", ".ipynb")) and p.is_file())
    except OSError as exc:
        return f"unreadable-{exc.errno}"
    for path in files:
        digest.update(path.name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            digest.update(f"unreadable {exc.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()


def notebook_sources(sub: Submission):
    """The grading session's notebook code for `sub`, or None when it has no notebook."""
    from grader.notebook.sources import folder_sources

    return folder_sources(sub.path, sub.path / sub.notebook if sub.notebook else None)


def missing_katas(sub: Submission, katas, sources=None) -> list[str]:
    """Ids of the katas `sub` has no code for: no learner file, and no notebook that defines them."""
    missing = []
    for kata in katas:
        if sub.notebook is None and (sub.path / kata.learner_file).is_file():
            continue
        if sources is not None:
            try:
                path = sources.notebook_for(kata)
                if path is not None and sources.defines(path, kata):
                    continue
            except Exception:  # noqa: BLE001 - an unreadable notebook: graded, and its report says why
                continue
        missing.append(kata.id)
    return missing
