"""`python -m grader.notebook.runner`: grade the cells a kernel sends, in a process of its own.

`%kata grade` runs this with one JSON request on standard input:

    {"katas": ["part2"], "all": false,          # what to grade
     "cells": [["In [3]", "def linear_forward..."], ...],   # the kernel's history, in order
     "live": {"linear_forward": "def linear_forward..."},   # source of what the kernel holds now
     "workspace": "/path" | null, "seed": 12 | null, "timeout": 10, "memory_mb": 2048,
     "color": false, "label": "notebook work.ipynb", "notebook": "work.ipynb" | null,
     "source_only": false}

and reads one JSON reply on standard output: {"ok", "error", "passed", "text", "html",
"sources"}. The kernel's own process never grades: it neither imports the checks,
the references or NumPy for the grader, nor waits on learner code itself; a crash
or an endless loop here, or in the sandbox below, leaves the kernel as it was.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def _catalog(workspace: Path | None, warn):
    from grader.curriculum.catalog import Catalog
    from grader.workspace.state import read_state

    recorded = []
    if workspace is not None:
        packs = read_state(workspace).get("packs")
        recorded = [p for p in packs if isinstance(p, str) and p] if isinstance(packs, list) else []
    return Catalog.discover((), recorded=recorded, warn=warn)


def handle(request: dict, warn=lambda message: None) -> dict:
    from grader.curriculum.kata import CatalogError
    from grader.notebook.cells import Cell, module_source
    from grader.notebook.sources import snapshot_from_cells

    workspace = Path(request["workspace"]) if request.get("workspace") else None
    try:
        catalog = _catalog(workspace, warn)
    except CatalogError as exc:
        return {"ok": False, "error": f"cannot load the katas: {exc}"}
    if request.get("all"):
        katas = list(catalog)
    else:
        katas = []
        for name in request.get("katas") or []:
            try:
                kata = catalog.get(name)
            except KeyError as exc:
                return {"ok": False, "error": exc.args[0]}
            if kata not in katas:
                katas.append(kata)
    if not katas:
        return {"ok": False, "error": "name the katas to grade (e.g. `%kata grade part1`) or pass --all; "
                                      "`%kata list` shows them"}
    cells = [Cell(str(label), str(source)) for label, source in request.get("cells") or []]
    live = {str(k): str(v) for k, v in (request.get("live") or {}).items()}
    origin = request.get("label") or "this notebook"
    if request.get("source_only"):
        return {"ok": True, "sources": {k.id: module_source(cells, list(k.functions), origin=origin, live=live,
                                                            keep_broken=False) for k in katas}}

    from grader.grading.session import GradingSession
    from grader.sandbox.isolation import IsolationError
    from grader.sandbox.policy import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

    folder = workspace or Path.cwd()
    where = Path(request.get("notebook") or "your notebook.ipynb")
    session = GradingSession(
        catalog, folder, request.get("seed"), float(request.get("timeout") or DEFAULT_TIMEOUT_S),
        int(request.get("memory_mb") or DEFAULT_MEMORY_MB), record=workspace is not None, warn=warn,
        label=origin, warm=len(katas) > 1,   # as `kata grade`: warm sandboxes pay from the second kata on
        snapshot_for=lambda kata: snapshot_from_cells(kata, cells, where, origin, live=live, keep_broken=False))
    try:
        report = session.grade(katas)
    except IsolationError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "passed": report.passed,
            "text": session.render(report, "text", color=bool(request.get("color"))),
            "html": session.render(report, "html")}


def main() -> int:
    from grader.threads import use_one_blas_thread

    use_one_blas_thread()   # as `kata` does, before NumPy is imported
    warnings: list[str] = []
    try:
        request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        reply = handle(request, warn=warnings.append)
    except KeyboardInterrupt:
        reply = {"ok": False, "error": "grading interrupted"}
    except Exception as exc:  # noqa: BLE001 - the kernel gets a reply whatever happened
        reply = {"ok": False, "error": f"internal grader error ({type(exc).__name__}: {exc}); this is a bug in "
                                       "the grader, not in your code"}
    reply["warnings"] = warnings
    sys.stdout.write(json.dumps(reply))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
