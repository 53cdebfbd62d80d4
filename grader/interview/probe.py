"""The shapes of the tensors a part's "say the shape" prompts name, computed with the
reference at each of its [[sizes]], for `kata validate`.

A kata's `interview_probe.py` defines `tensors(ref, sizes, rng) -> {name: value}`.
It runs in a child process (`python -m grader.interview.probe`), because a torch
kata's reference imports torch, which the grader's own process never does. The
child reads {"probe", "reference", "sizes"} as JSON on stdin and writes, per set
of sizes, {name: [dims]} (a 0-d value is []) or {"error": "..."} as JSON.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import traceback
from pathlib import Path

TIMEOUT_S = 300


def _load(path: str, name: str):
    folder = str(Path(path).resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def shape_of(value) -> list[int] | None:
    shape = getattr(value, "shape", None)
    if shape is not None:
        return [int(d) for d in shape]
    if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
        return []
    return None


def child(request: dict) -> dict:
    import numpy as np

    try:
        ref = _load(request["reference"], "_interview_reference")
        probe = _load(request["probe"], "_interview_probe")
    except Exception as exc:  # noqa: BLE001 - an author's file: report it, whatever it raises
        return {"error": f"cannot load: {type(exc).__name__}: {exc}"}
    results = []
    for n, sizes in enumerate(request["sizes"]):
        try:
            found = probe.tensors(ref, dict(sizes), np.random.default_rng(1234 + n))
            results.append({str(k): shape_of(v) for k, v in found.items()})
        except Exception as exc:  # noqa: BLE001
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__)[-2:]
            results.append({"error": f"{type(exc).__name__}: {exc} ({' '.join(t.strip() for t in tb[:1])})"})
    return {"sizes": results}


def run(probe: Path, reference: Path, sizes: list[dict]) -> dict:
    """The child's answer, or {"error": ...} when it could not give one."""
    request = json.dumps({"probe": str(probe), "reference": str(reference), "sizes": sizes})
    try:
        out = subprocess.run([sys.executable, "-m", "grader.interview.probe"], input=request, capture_output=True,
                             text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"{probe} took longer than {TIMEOUT_S} s"}
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"{probe} gave no answer: {(out.stderr or out.stdout).strip()[-300:]}"}


if __name__ == "__main__":
    print(json.dumps(child(json.loads(sys.stdin.read()))))
