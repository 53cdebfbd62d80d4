"""The learner's side of the sandbox: `python -m grader.child READ_FD WRITE_FD [FAULT_LOG]`.

This process imports the learner's module and calls its functions on request.
It computes nothing the grade depends on; it only reports what the learner's
code returned (or raised). Everything it sends is plain data (see codec.py).

It is a child subreaper, so every process the learner starts stays in its
subtree where the grader can find and kill it; faulthandler writes crash and
time-limit stack dumps to FAULT_LOG, from which the grader picks the learner's
frames.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import traceback

from grader import codec
from grader.frames import in_roots

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
    """The traceback frames that belong to files in the learner's workspace.

    Runs of one identical frame (unbounded recursion) collapse into one entry
    with a `repeat` count, so the learner sees the recursing line once.
    """
    frames: list[dict] = []
    for frame in traceback.extract_tb(tb):
        if not in_roots(frame.filename, roots):
            continue
        entry = {"file": os.path.abspath(frame.filename), "line": frame.lineno or 0, "function": frame.name,
                 "code": (frame.line or "").strip()[:200], "repeat": 1}
        last = frames[-1] if frames else None
        if last is not None and all(last[k] == entry[k] for k in ("file", "line", "function")):
            last["repeat"] += 1
        else:
            frames.append(entry)
    return frames[-30:]  # the grader collapses cycles and shows the last few


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
        # SyntaxError's str() repeats "(file, line N)"; the grader prints those itself.
        message = str(exc.msg if isinstance(exc, SyntaxError) and exc.msg else exc)
    except BaseException:  # noqa: BLE001 - a learner exception's __str__ may raise
        message = "<unprintable message>"
    try:
        frames = learner_frames(exc.__traceback__, roots)
    except BaseException:  # noqa: BLE001 - e.g. MemoryError while reading the source lines
        frames = []
    try:
        type_name = type(exc).__name__
    except BaseException:  # noqa: BLE001
        type_name = "Exception"
    info = {"kind": kind, "type": type_name, "message": message[:500], "frames": frames}
    if isinstance(exc, SyntaxError):
        info["file"] = str(exc.filename or "")
        info["line"] = int(exc.lineno or 0)
        info["text"] = str(exc.text or "").rstrip()[:200]
    if isinstance(exc, SystemExit):
        try:
            info["code"] = "" if exc.code is None else repr(exc.code)[:100]
        except BaseException:  # noqa: BLE001
            info["code"] = "?"
    return info


RESERVE_BYTES = 8 << 20  # freed on MemoryError so that the harness can still describe it


class Interrupts:
    """A SIGINT that learner code sends itself (say, from a timer thread) becomes its
    KeyboardInterrupt while learner code is on the stack, and never breaks the harness
    between calls: one that arrives then is delivered when learner code next runs.
    Deciding by the interrupted frame's stack (not by a flag) leaves no window."""

    roots: list[str] = []
    pending = False

    @classmethod
    def on_sigint(cls, signum, frame):
        while frame is not None:
            if in_roots(frame.f_code.co_filename, cls.roots):
                raise KeyboardInterrupt
            frame = frame.f_back
        cls.pending = True

    @classmethod
    def deliver_pending(cls) -> None:
        if cls.pending:
            cls.pending = False
            raise KeyboardInterrupt


class Harness:
    def __init__(self, setup: dict):
        self.workspace = os.path.abspath(setup["workspace"])
        self.module_file = setup["module_file"]
        self.module = None
        self.handles: dict[int, object] = {}
        self.roots = [self.workspace]
        Interrupts.roots = self.roots
        self.blocker = None
        if setup["framework"] == "numpy":
            self.blocker = ImportBlocker(setup["kata"])
        else:
            import torch
            torch.set_num_threads(1)
        import numpy  # noqa: F401  (imported before the memory limit is set)
        limit_memory(setup.get("memory_mb"), extra=RESERVE_BYTES)
        self.reserve = None
        self.replenish()
        # Only now can the learner's folder shadow a module name (say, a resource.py).
        sys.path.insert(0, self.workspace)
        if self.blocker is not None:
            sys.meta_path.insert(0, self.blocker)

    def replenish(self) -> None:
        if self.reserve is None:
            try:
                self.reserve = bytearray(RESERVE_BYTES)
            except MemoryError:
                pass

    def failure(self, exc: BaseException) -> dict:
        if isinstance(exc, MemoryError):
            self.reserve = None  # room to build the report
        return {"ok": False, "error": describe_exception(exc, self.roots), "blocked": self.blocked()}

    def blocked(self) -> list[str]:
        if self.blocker is None:
            return []
        # Also what got in without asking the blocker (e.g. code that removed it from sys.meta_path).
        for name in FRAMEWORK_MODULES:
            if name in sys.modules and name not in self.blocker.attempts:
                self.blocker.attempts.append(name)
        return list(self.blocker.attempts)

    def load(self) -> dict:
        name = os.path.splitext(os.path.basename(self.module_file))[0]
        spec = importlib.util.spec_from_file_location(name, self.module_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # lets the learner's other parts import it by name
        try:
            Interrupts.deliver_pending()
            spec.loader.exec_module(module)
            functions = set()
            for attr in list(module.__dict__):
                if callable(module.__dict__.get(attr)):
                    functions.add(str(attr))
        except BaseException as exc:  # noqa: BLE001 - every learner failure must be reported
            return self.failure(exc)
        self.module = module
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

    _helper_modules: dict = {}

    @classmethod
    def make_function(cls, path: str, name: str, args: tuple):
        """A kata helper function (trusted code, imported once per file) with `args` bound."""
        import functools

        module = cls._helper_modules.get(path)
        if module is None:
            spec = importlib.util.spec_from_file_location(f"_kata_helpers_{len(cls._helper_modules)}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            cls._helper_modules[path] = module
        return functools.partial(getattr(module, name), *args)

    def call(self, request: dict) -> dict:
        fn = self.module.__dict__.get(request["fn"]) if self.module is not None else None
        if not callable(fn):
            return {"ok": False, "error": {"kind": "missing", "type": "AttributeError",
                                           "message": request["fn"], "frames": []}}
        args = request["args"]
        kwargs = request.get("kwargs") or {}
        try:
            Interrupts.deliver_pending()
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            return self.failure(exc)
        reply = {"ok": True, "result": result, "args_after": list(args), "blocked": self.blocked()}
        if request.get("keep"):
            handle = len(self.handles) + 1
            self.handles[handle] = result
            reply["handle"] = handle
        return reply


def limit_memory(memory_mb, extra: int = 0) -> None:
    """Cap the address space at what is mapped now plus the learner's budget (plus `extra`)."""
    if not memory_mb:
        return
    try:
        import resource

        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
        limit = current + int(memory_mb) * 1024 * 1024 + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError, ImportError):
        pass  # not Linux: the wall-clock limit still applies


def become_subreaper() -> None:
    """Adopt the learner's orphaned descendants (Linux), so the grader can find and kill them
    even after they called setsid() and dropped their environment."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the learner may have replaced or closed them
            pass


def _internal_error(exc: BaseException, roots: list[str]) -> dict:
    info = describe_exception(exc, roots)
    if info["kind"] in ("memory", "keyboard-interrupt", "system-exit", "recursion"):
        return {"ok": False, "error": info}  # learner code (a signal handler, a thread) did this
    info["kind"] = "internal"
    info["trace"] = [line.rstrip() for line in traceback.format_exception(type(exc), exc, exc.__traceback__)][-4:]
    return {"ok": False, "error": info}


def main() -> None:
    import faulthandler
    import signal

    read_fd, write_fd = int(sys.argv[1]), int(sys.argv[2])
    # Learner subprocesses must not inherit the protocol pipes: the grader detects a
    # dead learner process by end-of-file, which a lingering grandchild would delay.
    os.set_inheritable(read_fd, False)
    os.set_inheritable(write_fd, False)
    inbox = os.fdopen(read_fd, "rb", buffering=0)
    outbox = os.fdopen(write_fd, "wb")
    # Crash and time-limit stack dumps go to a private file the grader reads (only the
    # learner's frames reach the report); without one, to the captured output.
    fault_log = open(sys.argv[3], "w") if len(sys.argv) > 3 else sys.stderr  # noqa: SIM115
    faulthandler.enable(file=fault_log, all_threads=True)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, file=fault_log, all_threads=True)
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGINT, Interrupts.on_sigint)
    become_subreaper()

    harness = None
    while True:
        frame = codec.read_frame(inbox)
        if frame is None:
            os._exit(0)
        try:
            make_tensor = Harness.make_tensor if harness is not None and harness.blocker is None else None
            request = codec.decode_message(frame, resolve_ref=harness.resolve if harness else None,
                                           make_tensor=make_tensor, make_function=Harness.make_function)
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
        except BaseException as exc:  # noqa: BLE001 - a harness failure, reported as such
            reply = _internal_error(exc, harness.roots if harness else [])
        _flush_std_streams()
        try:
            data = codec.encode_message(reply)
        except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError on a giant result, or a hostile object
            if harness is not None and isinstance(exc, MemoryError):
                harness.reserve = None
            error = describe_exception(exc, harness.roots if harness else [])
            if error["kind"] not in ("memory", "keyboard-interrupt", "system-exit", "recursion"):
                error["kind"] = "unencodable"
            reply = {"ok": False, "error": error, "blocked": harness.blocked() if harness else []}
            data = codec.encode_message(reply)
        reply = None  # drop the result (and any exception's frames) before the next request
        outbox.write(len(data).to_bytes(8, "little"))
        outbox.write(data)
        outbox.flush()
        if harness is not None:
            harness.replenish()


if __name__ == "__main__":
    main()
