"""The learner's side of the sandbox: `python -m grader.child READ_FD WRITE_FD`.

This process imports the learner's module and calls its functions on request.
It computes nothing the grade depends on; it only reports what the learner's
code returned (or raised). Everything it sends is plain data (see codec.py).
"""
from __future__ import annotations

import os
import sys
import traceback

from grader import codec

# Parts 1-4 are NumPy only; these are the autodiff frameworks that would make them trivial.
FRAMEWORK_MODULES = ("torch", "jax", "jaxlib", "tensorflow", "autograd", "mxnet", "paddle", "tinygrad", "mlx")


class ImportBlocker:
    """A meta-path finder that refuses framework imports and remembers who tried."""

    def __init__(self, part: str):
        self.part = part
        self.attempts: list[str] = []

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in FRAMEWORK_MODULES:
            if top not in self.attempts:
                self.attempts.append(top)
            raise ImportError(f"{self.part} is NumPy only: importing {top} is not allowed here")
        return None


def learner_frames(tb, roots: list[str]) -> list[dict]:
    """The traceback frames that belong to files in the learner's workspace."""
    frames = []
    for frame in traceback.extract_tb(tb):
        filename = os.path.abspath(frame.filename)
        if any(filename.startswith(root) for root in roots):
            frames.append({"file": filename, "line": frame.lineno or 0, "function": frame.name,
                           "code": (frame.line or "").strip()})
    return frames[-6:]


def describe_exception(exc: BaseException, roots: list[str]) -> dict:
    kind = "exception"
    if isinstance(exc, NotImplementedError):
        kind = "not-implemented"
    elif isinstance(exc, SystemExit):
        kind = "system-exit"
    elif isinstance(exc, KeyboardInterrupt):
        kind = "keyboard-interrupt"
    elif isinstance(exc, MemoryError):
        kind = "memory"
    elif isinstance(exc, RecursionError):
        kind = "recursion"
    elif isinstance(exc, SyntaxError):
        kind = "syntax"
    try:
        message = str(exc)
    except BaseException:
        message = "<unprintable message>"
    info = {"kind": kind, "type": type(exc).__name__, "message": message[:500],
            "frames": learner_frames(exc.__traceback__, roots)}
    if isinstance(exc, SyntaxError):
        info["file"] = exc.filename or ""
        info["line"] = exc.lineno or 0
        info["text"] = (exc.text or "").rstrip()
    if isinstance(exc, SystemExit):
        info["code"] = repr(exc.code)
    return info


class Harness:
    def __init__(self, setup: dict):
        self.workspace = os.path.abspath(setup["workspace"])
        self.module_file = setup["module_file"]
        self.module = None
        self.handles: dict[int, object] = {}
        self.roots = [self.workspace]
        self.blocker = None
        if setup["framework"] == "numpy":
            self.blocker = ImportBlocker(setup["kata"])
        else:
            import torch
            torch.set_num_threads(1)
        import numpy  # noqa: F401  (imported before the memory limit is set)
        sys.path.insert(0, self.workspace)
        if self.blocker is not None:
            sys.meta_path.insert(0, self.blocker)
        limit_memory(setup.get("memory_mb"))

    def blocked(self) -> list[str]:
        return list(self.blocker.attempts) if self.blocker else []

    def load(self) -> dict:
        import importlib.util

        name = os.path.splitext(os.path.basename(self.module_file))[0]
        spec = importlib.util.spec_from_file_location(name, self.module_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # lets the learner's other parts import it by name
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:  # noqa: BLE001 - every learner failure must be reported
            return {"ok": False, "error": describe_exception(exc, self.roots), "blocked": self.blocked()}
        self.module = module
        functions = {}
        for attr in dir(module):
            value = getattr(module, attr, None)
            if callable(value):
                functions[attr] = True
        return {"ok": True, "functions": sorted(functions), "blocked": self.blocked()}

    def resolve(self, handle: int, index: tuple):
        value = self.handles[handle]
        for i in index:
            value = value[i]
        return value

    @staticmethod
    def make_tensor(value, requires_grad: bool):
        import numpy as np
        import torch

        tensor = torch.from_numpy(np.array(value, copy=True))
        return tensor.requires_grad_(True) if requires_grad else tensor

    def call(self, request: dict) -> dict:
        fn = getattr(self.module, request["fn"], None)
        if not callable(fn):
            return {"ok": False, "error": {"kind": "missing", "type": "AttributeError",
                                           "message": request["fn"], "frames": []}}
        args = request["args"]
        kwargs = request.get("kwargs") or {}
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            return {"ok": False, "error": describe_exception(exc, self.roots), "blocked": self.blocked()}
        reply = {"ok": True, "result": result, "args_after": list(args), "blocked": self.blocked()}
        if request.get("keep"):
            handle = len(self.handles) + 1
            self.handles[handle] = result
            reply["handle"] = handle
        return reply


def limit_memory(memory_mb) -> None:
    """Cap the address space at what is mapped now plus the learner's budget."""
    if not memory_mb:
        return
    try:
        import resource

        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
        limit = current + int(memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError, ImportError):
        pass  # not Linux: the wall-clock limit still applies


def main() -> None:
    import faulthandler

    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    # Learner subprocesses must not inherit the protocol pipes: the grader detects a
    # dead learner process by end-of-file, which a lingering grandchild would delay.
    os.set_inheritable(read_fd, False)
    os.set_inheritable(write_fd, False)
    inbox = os.fdopen(read_fd, "rb", buffering=0)
    outbox = os.fdopen(write_fd, "wb")
    faulthandler.enable(all_threads=False)
    sys.dont_write_bytecode = True

    harness = None
    while True:
        frame = codec.read_frame(inbox)
        if frame is None:
            os._exit(0)
        make_tensor = Harness.make_tensor if harness is not None and harness.blocker is None else None
        request = codec.decode_message(frame, resolve_ref=harness.resolve if harness else None,
                                       make_tensor=make_tensor)
        op = request["op"]
        if op == "setup":
            harness = Harness(request)
            reply = {"ok": True}
        elif op == "load":
            reply = harness.load()
        elif op == "call":
            reply = harness.call(request)
        else:
            os._exit(0)
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            data = codec.encode_message(reply)
        except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError on a giant result
            data = codec.encode_message({"ok": False, "error": describe_exception(exc, [])})
        outbox.write(len(data).to_bytes(8, "little"))
        outbox.write(data)
        outbox.flush()


if __name__ == "__main__":
    main()
