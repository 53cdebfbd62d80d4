"""Run learner code in a child process with a time limit, a memory limit and captured output.

The grader never imports learner code itself. `LearnerProcess` starts
`python -m grader.child` in its own session, talks to it over two private pipes
(codec.py), and turns every way the child can misbehave (exceptions, exits,
crashes, hangs, floods of output) into a `LearnerFault` phrased for the learner.
"""
from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import termios
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from grader import codec

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MEMORY_MB = 2048
OUTPUT_LIMIT_BYTES = 8 * 1024
OUTPUT_TAIL_BYTES = 2 * 1024     # kept apart from the head, to diagnose a crash after a flood
SETUP_TIMEOUT_S = 120.0          # harness start-up (importing torch), not charged to the learner
PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_MEMORY_WORDS = ("memory allocation", "cannot allocate memory", "out of memory", "memoryerror", "bad_alloc")


class LearnerFault(Exception):
    """Learner code did not return normally. `fatal` means the process is gone."""

    def __init__(self, kind: str, message: str, details: list[str] | None = None,
                 fatal: bool = False, function: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.details = details or []
        self.fatal = fatal
        self.function = function


@dataclass
class CallResult:
    value: object
    args_after: list
    handle: int | None = None


@dataclass
class CapturedOutput:
    """Keeps the first OUTPUT_LIMIT_BYTES of a stream and counts the rest."""
    limit: int = OUTPUT_LIMIT_BYTES
    head: bytearray = field(default_factory=bytearray)
    dropped: int = 0
    tail: bytearray = field(default_factory=bytearray)  # the last OUTPUT_TAIL_BYTES, for diagnosis only

    def feed(self, chunk: bytes) -> None:
        room = self.limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))
        self.tail += chunk[-OUTPUT_TAIL_BYTES:]
        del self.tail[:-OUTPUT_TAIL_BYTES]

    def text(self) -> str:
        return self.head.decode("utf-8", errors="replace")

    def mentions_memory(self) -> bool:
        text = (bytes(self.head) + bytes(self.tail)).decode("utf-8", errors="replace").lower()
        return any(word in text for word in _MEMORY_WORDS)


def _drain(stream, sink: CapturedOutput) -> None:
    while True:
        try:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        except (OSError, ValueError):
            return
        if not chunk:
            return
        sink.feed(chunk)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) for every process in /proc."""
    table = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return table
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
            fields = data[data.rindex(b")") + 2:].split()
            table[int(name)] = (int(fields[1]), fields[0].decode())
        except (OSError, ValueError, IndexError):
            continue
    return table


def _descendants(root: int, table: dict[int, tuple[int, str]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], [root]
    while stack:
        for pid in children.get(stack.pop(), []):
            if pid not in found:
                found.append(pid)
                stack.append(pid)
    return found


def _token_holders(token: str, table: dict[int, tuple[int, str]]) -> list[int]:
    needle = f"KATA_RUN_TOKEN={token}".encode()
    found = []
    for pid in table:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            continue
    return found


def kill_tree(process: subprocess.Popen, token: str) -> None:
    """Kill the child and every process it started, wherever they went.

    The child is a child subreaper (see child.py), so while it lives every
    descendant, even one that called setsid() and cleared its environment, stays
    in its subtree. So: freeze the child, kill its subtree until nothing is
    left, then kill the child's process group and, finally, anything that still
    carries this run's KATA_RUN_TOKEN (descendants orphaned by an earlier death).
    """
    me = os.getpid()
    # returncode None: not reaped yet, so the pid is still ours (alive or a zombie).
    ours = process.returncode is None
    if ours:
        try:
            os.kill(process.pid, signal.SIGSTOP)  # it cannot start anything new meanwhile
        except OSError:
            pass
    for _ in range(100):
        table = _process_table()
        victims = set(_descendants(process.pid, table)) if ours else set()
        victims.update(_token_holders(token, table))
        victims -= {me, process.pid}
        live = [pid for pid in victims if table.get(pid, (0, "X"))[1] not in "ZX"]
        if not live:
            break
        for pid in live:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)
    if ours:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.kill(process.pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


_DUMP_LINE = re.compile(r'^\s*File "(.*)", line (\d+) in (.*)$')


def _in_roots(filename: str, roots: list[str]) -> bool:
    filename = os.path.abspath(filename)
    return any(filename.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class LearnerProcess:
    """One learner module loaded in one sandboxed child process."""

    def __init__(self, kata_id: str, module_file: Path, workspace: Path, framework: str,
                 timeout: float = DEFAULT_TIMEOUT_S, memory_mb: int | None = DEFAULT_MEMORY_MB):
        self.kata_id = kata_id
        self.module_file = Path(module_file)
        self.workspace = Path(workspace)
        self.framework = framework
        self.budget = float(timeout)      # learner time left, in seconds
        self.timeout = float(timeout)
        self.memory_mb = memory_mb
        self.output = CapturedOutput()
        self.process: subprocess.Popen | None = None
        self.token = uuid.uuid4().hex
        self.functions: list[str] = []
        self.blocked_imports: list[str] = []
        self._tmpdir = None
        self._reader = None

    # -- lifecycle -------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self) -> None:
        self._tmpdir = tempfile.TemporaryDirectory(prefix="kata-run-")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        env.update({
            "PYTHONDONTWRITEBYTECODE": "1",   # never write __pycache__ into the learner's folder
            "PYTHONPATH": PACKAGE_ROOT + os.pathsep + env.get("PYTHONPATH", ""),
            "PYTHONHASHSEED": "0",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "KATA_RUN_TOKEN": self.token,
            "PYTHONIOENCODING": "utf-8",
        })
        env.pop("PYTHONSTARTUP", None)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-B", "-m", "grader.child", str(to_child_r), str(from_child_w)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(to_child_r, from_child_w), cwd=self._tmpdir.name, env=env,
                start_new_session=True)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._to_child = os.fdopen(to_child_w, "wb")
        self._from_child = from_child_r
        self._reader = threading.Thread(target=_drain, args=(self.process.stdout, self.output), daemon=True)
        self._reader.start()
        # Harness start-up (including importing torch) is not charged to the learner.
        self._request({"op": "setup", "kata": self.kata_id, "workspace": str(self.workspace),
                       "module_file": str(self.module_file), "framework": self.framework,
                       "memory_mb": self.memory_mb}, budget=120.0, charge=False)

    def close(self) -> None:
        if self.process is None:
            return
        try:
            self._to_child.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        kill_tree(self.process, self.token)
        os.close(self._from_child)
        if self._reader is not None:
            self._reader.join(timeout=1.0)  # a grandchild may still hold the pipe; don't wait for it
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
        self.process = None

    # -- requests ----------------------------------------------------------
    def load(self) -> list[str]:
        reply = self._request({"op": "load"})
        self.blocked_imports = reply.get("blocked", [])
        if not reply["ok"]:
            raise self._fault_from_error(reply["error"], None, loading=True)
        self.functions = reply["functions"]
        return self.functions

    def call(self, fn: str, *args, keep: bool = False) -> CallResult:
        reply = self._request({"op": "call", "fn": fn, "args": list(args), "keep": keep}, function=fn)
        self.blocked_imports = reply.get("blocked", self.blocked_imports)
        if not reply["ok"]:
            raise self._fault_from_error(reply["error"], fn)
        return CallResult(reply["result"], reply["args_after"], reply.get("handle"))

    def _request(self, message: dict, budget: float | None = None, charge: bool = True,
                 function: str | None = None) -> dict:
        if self.process is None:
            raise LearnerFault("dead", "the learner process is not running", fatal=True)
        try:
            codec.write_message(self._to_child, message)
        except (BrokenPipeError, OSError):
            raise self._death(function) from None
        allowed = self.budget if budget is None else budget
        started = time.monotonic()
        try:
            frame = self._read_frame(started + max(allowed, 0.0), function)
        finally:
            if charge:
                self.budget -= time.monotonic() - started
        try:
            return codec.decode_message(frame)
        except Exception as exc:  # garbage on the pipe: learner code tampered with the harness
            kill_tree(self.process, self.token)
            raise LearnerFault("protocol", "lost contact with your code: the grader's connection to it was "
                               f"corrupted ({type(exc).__name__}). Did your code patch Python internals or write to "
                               "file descriptors it did not open?", fatal=True, function=function) from None

    def _read_exact(self, n: int, deadline: float, function: str | None) -> bytes:
        chunks = []
        while n:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_child], [], [], max(remaining, 0))
            if not ready:
                kill_tree(self.process, self.token)
                raise self._timeout(function)
            chunk = os.read(self._from_child, min(n, 1 << 20))
            if not chunk:
                raise self._death(function)
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _read_frame(self, deadline: float, function: str | None) -> bytes:
        size = int.from_bytes(self._read_exact(8, deadline, function), "little")
        if size > codec.MAX_FRAME_BYTES:
            kill_tree(self.process, self.token)
            raise LearnerFault("protocol", "your code returned a result too large to grade "
                               f"({size / 2**20:.0f} MiB)", fatal=True, function=function)
        return self._read_exact(size, deadline, function)

    # -- faults in the learner's terms -----------------------------------
    def _where(self, function: str | None) -> str:
        return f"in {function}()" if function else f"while importing {self.module_file.name}"

    def _timeout(self, function: str | None) -> LearnerFault:
        return LearnerFault(
            "timeout", f"time limit reached {self._where(function)}: your code ran for more than "
            f"{self.timeout:g} s in total (an endless loop, or very slow code?)",
            ["raise the limit with --timeout S if your code is just slow"], fatal=True, function=function)

    def _death(self, function: str | None) -> LearnerFault:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            kill_tree(self.process, self.token)
            code = self.process.returncode
        where = self._where(function)
        if code is not None and code < 0:
            sig = -code
            if sig == signal.SIGSEGV:
                msg = f"your code crashed the Python interpreter {where} (segmentation fault)"
                details = ["deep recursion in C code, or ctypes/a native extension misused, can do this"]
            elif sig == signal.SIGKILL:
                msg = f"your code was killed {where} (out of memory?)"
                details = []
            else:
                msg = f"your code died {where} with {_signal_name(sig)}"
                details = []
            return LearnerFault("crash", msg, details, fatal=True, function=function)
        return LearnerFault(
            "exit", f"your code ended the grading process {where} with exit code {code}",
            ["os._exit() or sys.exit() stops the program; a kata function should return its result instead"],
            fatal=True, function=function)

    def _fault_from_error(self, error: dict, function: str | None, loading: bool = False) -> LearnerFault:
        kind = error.get("kind", "exception")
        where = self._where(function)
        frames = [f"{Path(f['file']).name}:{f['line']} in {f['function']}: {f['code']}"
                  for f in error.get("frames", [])]
        message = error.get("message", "")
        if kind == "missing":
            return LearnerFault("missing", f"{self.module_file.name} has no function {function}()", function=function)
        if kind == "not-implemented":
            return LearnerFault("not-implemented", f"{function or self.module_file.name} is not implemented yet "
                                "(it raises NotImplementedError)", function=function)
        if kind == "syntax":
            line = error.get("line", 0)
            text = error.get("text", "")
            return LearnerFault("syntax", f"syntax error in {Path(error.get('file') or self.module_file).name}, "
                                f"line {line}: {message}", [text] if text else [], fatal=True, function=function)
        if kind == "system-exit":
            return LearnerFault("exit", f"your code called sys.exit({error.get('code', '')}) {where}",
                                ["a kata function should return its result instead of exiting"] + frames,
                                fatal=loading, function=function)
        if kind == "keyboard-interrupt":
            return LearnerFault("interrupt", f"your code raised KeyboardInterrupt {where}", frames,
                                fatal=loading, function=function)
        if kind == "memory":
            return LearnerFault("memory", f"your code ran out of memory {where} (limit {self.memory_mb} MiB)",
                                ["an array far larger than the inputs? check the shapes you allocate"] + frames,
                                fatal=loading, function=function)
        if kind == "recursion":
            return LearnerFault("recursion", f"unbounded recursion {where}: a function keeps calling itself",
                                frames, fatal=loading, function=function)
        blocked = error.get("message", "").endswith("is not allowed here")
        if blocked:
            return LearnerFault("framework-import", message, frames, fatal=True, function=function)
        text = f"{error.get('type', 'Exception')}: {message}" if message else error.get("type", "Exception")
        return LearnerFault("exception", f"{where} raised {text}", frames, fatal=loading, function=function)
