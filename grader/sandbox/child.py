"""The learner's side of the sandbox: started by process.py with a JSON config.

This process imports the learner's module and calls its functions on request.
It computes nothing the grade depends on; it only reports what the learner's
code returned (or raised). Everything it sends is plain data (see codec.py).
Nothing here is a wall: learner code runs in this very process and can undo
any of it. The walls are outside (the namespaces, the uid, the grader reading
arguments back from shared memory); what this harness adds is good messages.

Before any learner code runs it drops to the sandbox's uid (when the grader is
root), caps its processes and memory, and puts the snapshot of the learner's
files first on sys.path. faulthandler writes crash and time-limit stack dumps
to the grader's fault log, from which the grader picks the learner's frames.
"""
from __future__ import annotations

import importlib.util
import mmap
import os
import sys
import traceback

from grader.sandbox import codec, debugger
from grader.sandbox.frames import in_roots
from grader.sandbox.shm import PAGE, map_region

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
    elif isinstance(exc, MemoryError) or (isinstance(exc, OSError) and exc.errno == 12):  # ENOMEM
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
    def __init__(self, config: dict, setup: dict):
        self.workspace = config["workspace"]
        self.module_file = os.path.join(self.workspace, config["module"])
        self.module = None
        self.handles: dict[int, object] = {}
        self.roots = [self.workspace]
        Interrupts.roots = self.roots
        self.blocker = None
        if config["framework"] == "numpy":
            self.blocker = ImportBlocker(setup["kata"])
        else:
            import torch
            torch.set_num_threads(1)
        import numpy  # noqa: F401  (imported before the memory limit is set)
        limit_processes(config.get("max_threads"))
        limit_file_size(config.get("max_file_bytes"))
        limit_memory(setup.get("memory_mb"), extra=RESERVE_BYTES)
        self.reserve = None
        self.replenish()
        # Only now can the learner's folder shadow a module name (say, a resource.py).
        sys.path.insert(0, self.workspace)
        debugger.install(setup.get("kata", ""))   # breakpoint(): one line pointing to `kata repro`
        if self.blocker is not None:
            sys.meta_path.insert(0, self.blocker)

    def replenish(self) -> None:
        # MemoryError here comes from RLIMIT_AS (a cgroup limit kills instead), so address
        # space is what must be set aside: an untouched mapping, which costs no page faults.
        if self.reserve is None:
            try:
                self.reserve = mmap.mmap(-1, RESERVE_BYTES)
            except (MemoryError, OSError):
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
        """A tensor on the argument's own (shared) memory, so the grader sees in-place changes."""
        import numpy as np
        import torch

        array = value if isinstance(value, np.ndarray) and value.flags.writeable else np.array(value, copy=True)
        tensor = torch.from_numpy(array)
        return tensor.requires_grad_(True) if requires_grad else tensor

    channel = None   # the Channel of this process, for functions the grader evaluates

    @classmethod
    def make_function(cls, key: int, name: str):
        """A stand-in for a function of the grader's: calling it asks the grader."""
        channel = cls.channel

        def stand_in(*args):
            return channel.callback(key, args)

        stand_in.__name__ = stand_in.__qualname__ = name
        return stand_in

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
        reply = {"ok": True, "result": result, "blocked": self.blocked()}
        if request.get("echo_args"):  # no shared memory on this platform: the grader takes our word
            reply["args_after"] = list(args)
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


def limit_processes(max_threads) -> None:
    """RLIMIT_NPROC: a fork bomb stops in the kernel. It counts the sandbox uid's (or user
    namespace's) processes and threads, so it is only set where those are the sandbox's alone."""
    if not max_threads:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_NPROC, (int(max_threads), int(max_threads)))
    except (OSError, ValueError, ImportError, AttributeError):
        pass


def limit_file_size(max_bytes) -> None:
    """RLIMIT_FSIZE: no file the learner writes (a memfd, the fault log, a /tmp file)
    grows without bound; Python ignores SIGXFSZ, so the write fails with EFBIG."""
    if not max_bytes:
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (int(max_bytes), int(max_bytes)))
    except (OSError, ValueError, ImportError, AttributeError):
        pass


def no_new_privileges() -> None:
    """PR_SET_NO_NEW_PRIVS: no setuid binary or file capability can raise this process
    or anything it starts (Linux; elsewhere there is nothing to set)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def drop_privileges(uid: int) -> None:
    """The grader is root and this sandbox has no user namespace: become a fresh
    unprivileged uid (which clears every capability) before anything else happens."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError("could not drop privileges")


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


class Channel:
    """The two pipes to the grader. Besides request and reply, a call in progress may ask
    the grader to evaluate one of the functions it handed over (a callback)."""

    def __init__(self, inbox, outbox):
        self.inbox = inbox
        self.outbox = outbox
        self.request_id = None

    def send(self, message: dict) -> None:
        data = codec.encode_message(message)
        self.outbox.write(len(data).to_bytes(8, "little"))
        self.outbox.write(data)
        self.outbox.flush()

    def callback(self, key: int, args: tuple):
        self.send({"op": "callback", "id": self.request_id, "k": key, "args": list(args)})
        frame = codec.read_frame(self.inbox)
        if frame is None:
            os._exit(0)
        answer = codec.decode_message(frame)
        if not answer.get("ok"):
            raise ValueError(str(answer.get("error", "the function failed")))
        return answer.get("value")


def main(config_text: str) -> None:
    import json

    serve(json.loads(config_text))


def serve(config: dict) -> None:
    """Drop privileges, set up, then answer the grader's requests until it closes the pipe.
    Started by process.py (a cold sandbox), or forked by zygote.py (a warm one)."""
    import faulthandler
    import signal

    if config.get("uid") is not None:
        drop_privileges(int(config["uid"]))
    no_new_privileges()
    sys.path[:] = [p for p in sys.path if p not in ("", ".")] + list(config.get("site", []))
    read_fd, write_fd = int(config["in"]), int(config["out"])
    # Learner subprocesses must not inherit the protocol pipes: the grader detects a
    # dead learner process by end-of-file, which a lingering grandchild would delay.
    for fd in (read_fd, write_fd, config["faults"]):
        os.set_inheritable(fd, False)
    inbox = os.fdopen(read_fd, "rb", buffering=0)
    outbox = os.fdopen(write_fd, "wb")
    # Crash and time-limit stack dumps go to the grader's fault log (only the learner's
    # frames reach the report).
    fault_log = os.fdopen(int(config["faults"]), "w")
    faulthandler.enable(file=fault_log, all_threads=True)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, file=fault_log, all_threads=True)
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGINT, Interrupts.on_sigint)
    if config.get("subreaper"):
        become_subreaper()
    shm_fd = int(config.get("shm", -1))
    if shm_fd >= 0:
        os.set_inheritable(shm_fd, False)

    def shared(offset: int, dtype, shape):
        import numpy as np

        size = dtype.itemsize
        for n in shape:
            size *= n
        start = offset - offset % PAGE
        region = map_region(shm_fd, start, max(offset - start + size, 1))
        return np.ndarray(shape, dtype=dtype, buffer=region, offset=offset - start)

    channel = Harness.channel = Channel(inbox, outbox)
    harness = None
    while True:
        frame = codec.read_frame(inbox)
        if frame is None:
            os._exit(0)
        request_id = None
        try:
            make_tensor = Harness.make_tensor if harness is not None and harness.blocker is None else None
            request = codec.decode_message(frame, resolve_ref=harness.resolve if harness else None,
                                           make_tensor=make_tensor, make_function=Harness.make_function,
                                           shm=shared if shm_fd >= 0 else None)
            request_id = channel.request_id = request.get("id")
            op = request["op"]
            if op == "setup":
                harness = Harness({**config, "module": request.get("module", "")}, request)
                reply = {"ok": True, "workspace": harness.workspace}
            elif op == "load":
                reply = harness.load()
            elif op == "call":
                reply = harness.call(request)
            else:
                os._exit(0)
        except BaseException as exc:  # noqa: BLE001 - a harness failure, reported as such
            reply = _internal_error(exc, harness.roots if harness else [])
        _flush_std_streams()
        reply["id"] = request_id
        try:
            data = codec.encode_message(reply)
        except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError on a giant result, or a hostile object
            if harness is not None and isinstance(exc, MemoryError):
                harness.reserve = None
            error = describe_exception(exc, harness.roots if harness else [])
            if error["kind"] not in ("memory", "keyboard-interrupt", "system-exit", "recursion"):
                error["kind"] = "unencodable"
            reply = {"ok": False, "error": error, "blocked": harness.blocked() if harness else [],
                     "id": request_id}
            data = codec.encode_message(reply)
        reply = None  # drop the result (and any exception's frames) before the next request
        outbox.write(len(data).to_bytes(8, "little"))
        outbox.write(data)
        outbox.flush()
        channel.request_id = None
        if harness is not None:
            harness.replenish()


if __name__ == "__main__":
    main(sys.argv[1])
