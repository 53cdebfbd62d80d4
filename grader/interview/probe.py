"""The shapes of the tensors a part's "say the shape" prompts name, computed with the
reference at each of its [[sizes]], for `kata validate`.

A kata's `interview_probe.py` defines `tensors(ref, sizes, rng) -> {name: value}`.
The probes run in a child process (`python -m grader.interview.probe`), because a
torch kata's reference imports torch, which the grader's own process never does.
One child answers every kata's probe (so torch loads once, not per torch kata),
and it starts as soon as the batch is made, so validate's grading runs meanwhile.
The child reads [{"probe", "reference", "sizes"}, ...] as JSON on stdin and writes,
per request and per set of sizes, {name: [dims]} (a 0-d value is []) or
{"error": "..."}, as one JSON list.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
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


def child(request: dict, n: int = 0) -> dict:
    import numpy as np

    try:
        ref = _load(request["reference"], f"_interview_reference_{n}")
        probe = _load(request["probe"], f"_interview_probe_{n}")
    except Exception as exc:  # noqa: BLE001 - an author's file: report it, whatever it raises
        return {"error": f"cannot load: {type(exc).__name__}: {exc}"}
    results = []
    for i, sizes in enumerate(request["sizes"]):
        try:
            found = probe.tensors(ref, dict(sizes), np.random.default_rng(1234 + i))
            results.append({str(k): shape_of(v) for k, v in found.items()})
        except Exception as exc:  # noqa: BLE001
            tb = traceback.format_exception(type(exc), exc, exc.__traceback__)[-2:]
            results.append({"error": f"{type(exc).__name__}: {exc} ({' '.join(t.strip() for t in tb[:1])})"})
    return {"sizes": results}


class Batch:
    """Every probe of one `kata validate`, answered by one child started right away."""

    def __init__(self, requests: list[tuple[Path, Path, list[dict]]]):
        self._size = len(requests)
        self._lock = threading.Lock()
        self._answers: list[dict] | None = None
        self._process = None
        if requests:
            payload = json.dumps([{"probe": str(p), "reference": str(r), "sizes": s} for p, r, s in requests])
            self._process = subprocess.Popen([sys.executable, "-m", "grader.interview.probe"], text=True,
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # A few kB: the pipe takes it without blocking, and the child starts on it now.
            self._process.stdin.write(payload)
            self._process.stdin.close()
            self._process.stdin = None   # sent: communicate() only reads

    def answer(self, index: int) -> dict:
        """The child's answer to request `index`, or {"error": ...} when it gave none."""
        with self._lock:
            if self._answers is None:
                self._answers = self._collect()
        return self._answers[index]

    def _collect(self) -> list[dict]:
        try:
            out, err = self._process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()
            return [{"error": f"the interview probes took longer than {TIMEOUT_S} s"}] * self._size
        try:
            answers = json.loads(out.strip().splitlines()[-1])
            if isinstance(answers, list) and len(answers) == self._size:
                return answers
        except (ValueError, IndexError):
            pass
        return [{"error": f"the interview probes gave no answer: {(err or out).strip()[-300:]}"}] * self._size


def run(probe: Path, reference: Path, sizes: list[dict]) -> dict:
    """One probe's answer, in a child of its own."""
    return Batch([(probe, reference, sizes)]).answer(0)


if __name__ == "__main__":
    print(json.dumps([child(request, n) for n, request in enumerate(json.loads(sys.stdin.read()))]))
