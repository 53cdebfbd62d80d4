"""Run learner code in a child process with a time limit, a memory limit and captured output.

The grader never imports learner code itself. `LearnerProcess` starts
`python -m grader.child` in its own session, talks to it over two private pipes
(codec.py), and turns every way the child can misbehave (exceptions, exits,
crashes, hangs, floods of output) into a `LearnerFault` phrased for the learner.
"""
from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from grader import codec
from grader.frames import DUMP_LINE, Frame, format_frames, in_roots, source_line
from grader.proctree import kill_tree, process_state

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MEMORY_MB = 2048
OUTPUT_LIMIT_BYTES = 8 * 1024
OUTPUT_TAIL_BYTES = 2 * 1024     # kept apart from the head, to diagnose a crash after a flood
SETUP_TIMEOUT_S = 120.0          # harness start-up (importing torch), not charged to the learner
PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_MEMORY_WORDS = ("memory allocation", "cannot allocate memory", "out of memory", "memoryerror", "bad_alloc")


class LearnerFault(Exception):
    """Learner code did not return normally. `fatal` means grading this kata cannot go on."""

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


class LearnerProcess:
    """One learner module loaded in one sandboxed child process.

    Nothing here raises anything but `LearnerFault` (from `load` and `call`),
    and nothing waits without a deadline.
    """

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
        self._to_child: int | None = None
        self._from_child: int | None = None
        self._fault_log: str | None = None
        self._start_fault: LearnerFault | None = None
        self._memory_fault = False

    # -- lifecycle -------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self) -> None:
        """Start the child and its harness. A failure is kept and raised by `load()`."""
        try:
            self._start()
        except LearnerFault as fault:
            # No learner code has run yet, so whatever happened is the grader's problem.
            if fault.kind == "internal":
                self._start_fault = fault
            else:
                why = (f"it was not ready after {SETUP_TIMEOUT_S:g} s" if fault.kind == "timeout"
                       else "it stopped during start-up")
                if self._reader is not None and fault.kind != "timeout":
                    self._reader.join(timeout=1.0)  # the child is gone: collect its last words
                self._start_fault = self._internal("the sandbox did not start", why, self._output_tail_lines())
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            self._start_fault = self._internal("the sandbox did not start", f"{type(exc).__name__}: {exc}")
        if self._start_fault is not None and self.process is not None:
            kill_tree(self.process, self.token)

    def _start(self) -> None:
        self._tmpdir = tempfile.TemporaryDirectory(prefix="kata-run-")
        self._fault_log = os.path.join(self._tmpdir.name, "faults.log")
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
        for name in ("PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONBREAKPOINT"):
            env.pop(name, None)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-B", "-m", "grader.child", str(to_child_r), str(from_child_w), self._fault_log],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(to_child_r, from_child_w), cwd=self._tmpdir.name, env=env,
                start_new_session=True)
        except BaseException:
            os.close(to_child_w)
            os.close(from_child_r)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        os.set_blocking(to_child_w, False)  # writes get a deadline too (see _write_all)
        self._to_child = to_child_w
        self._from_child = from_child_r
        self._reader = threading.Thread(target=_drain, args=(self.process.stdout, self.output), daemon=True)
        self._reader.start()
        # Harness start-up (including importing torch) is not charged to the learner.
        reply = self._request({"op": "setup", "kata": self.kata_id, "workspace": str(self.workspace),
                               "module_file": str(self.module_file), "framework": self.framework,
                               "memory_mb": self.memory_mb}, budget=SETUP_TIMEOUT_S, charge=False)
        if not reply.get("ok"):
            error = reply.get("error", {})
            raise self._internal("the sandbox did not start", f"{error.get('type', '?')}: {error.get('message', '')}",
                                 error.get("trace", []))

    def close(self) -> None:
        if self.process is not None:
            # Kill first: if the child exited by itself, its orphaned descendants would
            # leave its subtree before we could find them.
            kill_tree(self.process, self.token)
            for fd in (self._to_child, self._from_child):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._to_child = self._from_child = None
            if self._reader is not None:
                self._reader.join(timeout=1.0)  # a stray process may still hold the pipe; don't wait for it
            self.process = None
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    # -- requests ----------------------------------------------------------
    def load(self) -> list[str]:
        if self._start_fault is not None:
            raise self._start_fault
        reply = self._request({"op": "load"})
        self.blocked_imports = reply.get("blocked", [])
        if not reply["ok"]:
            raise self._fault_from_error(reply["error"], None, loading=True)
        self.functions = reply["functions"]
        return self.functions

    def call(self, fn: str, *args, keep: bool = False) -> CallResult:
        if self._start_fault is not None:
            raise self._start_fault
        reply = self._request({"op": "call", "fn": fn, "args": list(args), "keep": keep}, function=fn)
        self.blocked_imports = reply.get("blocked", self.blocked_imports)
        if not reply["ok"]:
            raise self._fault_from_error(reply["error"], fn)
        return CallResult(reply["result"], reply["args_after"], reply.get("handle"))

    def _request(self, message: dict, budget: float | None = None, charge: bool = True,
                 function: str | None = None) -> dict:
        if self.process is None or self._to_child is None:
            raise LearnerFault("dead", "the learner process is not running", fatal=True, function=function)
        data = codec.encode_message(message)
        allowed = self.budget if budget is None else budget
        started = time.monotonic()
        deadline = started + max(allowed, 0.0)
        try:
            self._write_all(struct.pack("<Q", len(data)) + data, deadline, function)
            frame = self._read_frame(deadline, function)
        finally:
            if charge:
                self.budget -= time.monotonic() - started
        self._settle_output()
        try:
            reply = codec.decode_message(frame)
            if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
                raise ValueError("not a reply")
            return reply
        except Exception as exc:  # garbage on the pipe: learner code tampered with the harness
            kill_tree(self.process, self.token)
            raise LearnerFault("protocol", "lost contact with your code: the grader's connection to it was "
                               f"corrupted ({type(exc).__name__}). Did your code patch Python internals or write to "
                               "file descriptors it did not open?", fatal=True, function=function) from None

    def _write_all(self, data: bytes, deadline: float, function: str | None) -> None:
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            _, ready, _ = select.select([], [self._to_child], [], max(remaining, 0))
            if not ready:
                self._on_timeout(function)
            try:
                n = os.write(self._to_child, view[:1 << 16])
            except BlockingIOError:
                continue
            except OSError:  # EPIPE: the child is gone
                raise self._death(function) from None
            view = view[n:]

    def _read_exact(self, n: int, deadline: float, function: str | None) -> bytes:
        chunks = []
        while n:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_child], [], [], max(remaining, 0))
            if not ready:
                self._on_timeout(function)
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

    def _settle_output(self, wait: float = 0.2) -> None:
        """Let the reader thread catch up with what the child printed before it replied."""
        stdout = self.process.stdout if self.process is not None else None
        if stdout is None:
            return
        until = time.monotonic() + wait
        while time.monotonic() < until:
            try:
                pending = struct.unpack("i", fcntl.ioctl(stdout.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
            except (OSError, ValueError):
                return
            if pending <= 0:
                return
            time.sleep(0.002)

    # -- where the learner's code was ---------------------------------------
    def _dump_size(self) -> int:
        try:
            return os.path.getsize(self._fault_log) if self._fault_log else 0
        except OSError:
            return 0

    def _dumped_frames(self, start: int = 0) -> list[Frame]:
        """The learner's frames in the last stack dump faulthandler wrote (crash or time limit)."""
        try:
            with open(self._fault_log, "rb") as f:
                f.seek(start)
                text = f.read(1 << 20).decode("utf-8", errors="replace")
        except (OSError, TypeError):
            return []
        blocks: list[tuple[bool, list[Frame], list[bool]]] = []
        for line in text.splitlines():
            if line.rstrip().endswith("(most recent call first):"):
                blocks.append((line.lstrip().startswith("Current thread"), [], [False]))
                continue
            if blocks and line.strip() == "...":  # faulthandler stops after 100 frames
                blocks[-1][2][0] = True
                continue
            match = DUMP_LINE.match(line)
            if match and blocks and in_roots(match.group(1), [str(self.workspace)]):
                file, number = match.group(1), int(match.group(2))
                blocks[-1][1].append(Frame(Path(file).name, number, match.group(3).strip(),
                                           source_line(file, number)))
        blocks = [b for b in blocks if b[1]]
        if not blocks:
            return []
        _, frames, truncated = next((b for b in blocks if b[0]), blocks[0])
        frames = frames[::-1]  # oldest call first
        if truncated[0] and frames:
            frames[0] = Frame(*frames[0][:4], 1, True)
        return frames

    def _on_timeout(self, function: str | None):
        """Out of time: note where the learner's code is, kill everything, raise."""
        frames: list[Frame] = []
        if (self.process is not None and self.process.poll() is None and hasattr(signal, "SIGUSR1")
                and process_state(self.process.pid) not in "Tt"):  # a stopped process cannot dump its stack
            before = self._dump_size()
            try:
                os.kill(self.process.pid, signal.SIGUSR1)  # faulthandler in the child dumps its stack
            except OSError:
                pass
            until, last = time.monotonic() + 1.0, before  # returns as soon as the dump is written
            while time.monotonic() < until:
                time.sleep(0.02)
                size = self._dump_size()
                if size > before and size == last:
                    break
                last = size
            kill_tree(self.process, self.token)
            frames = self._dumped_frames(before)
        else:
            kill_tree(self.process, self.token)
        raise self._timeout(function, *format_frames(frames))

    # -- faults in the learner's terms -----------------------------------
    def _where(self, function: str | None) -> str:
        return f"in {function}()" if function else f"while importing {self.module_file.name}"

    def _output_tail_lines(self) -> list[str]:
        text = bytes(self.output.tail).decode("utf-8", errors="replace")
        return [line for line in text.strip().splitlines()[-3:] if line.strip()]

    def _internal(self, what: str, message: str, details: list[str] | None = None) -> LearnerFault:
        return LearnerFault("internal", f"internal grader error: {what} ({message}); this is a problem with the "
                            "grader or its installation, not with your code", details or [], fatal=True)

    def _timeout(self, function: str | None, frames: list[str] | None = None,
                 recursive: bool = False) -> LearnerFault:
        details = ["raise the limit with --timeout S if your code is just slow"]
        if frames:
            details = ["your code was still running here when it was stopped:"] + frames + details
        guess = ("it looks like unbounded recursion: a function keeps calling itself" if recursive
                 else "an endless loop, or very slow code?")
        return LearnerFault(
            "timeout", f"time limit reached {self._where(function)}: your code ran for more than "
            f"{self.timeout:g} s in total ({guess})",
            details, fatal=True, function=function)

    def _death(self, function: str | None) -> LearnerFault:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            kill_tree(self.process, self.token)
            return LearnerFault("protocol", f"lost contact with your code {self._where(function)}: it closed the "
                                "grader's connection (did it close file descriptors it did not open?)",
                                fatal=True, function=function)
        kill_tree(self.process, self.token)  # its background processes, if any
        where = self._where(function)
        frames, _ = format_frames(self._dumped_frames())
        memory = self._memory_fault or self.output.mentions_memory()
        if code is not None and code < 0:
            sig = -code
            if sig == signal.SIGSEGV:
                msg = f"your code crashed the Python interpreter {where} (segmentation fault)"
                details = ["ctypes or a native extension misused, or recursion so deep that it overflowed "
                           "the C stack (a raised sys.setrecursionlimit), can do this"]
            elif sig == signal.SIGKILL:
                msg = f"your code was killed {where} (out of memory?)"
                details = []
            elif memory:
                msg = f"your code ran out of memory {where} and the process died with {_signal_name(sig)}"
                details = []
            else:
                msg = f"your code died {where} with {_signal_name(sig)}"
                details = []
            if frames:
                details = ["it crashed here:"] + frames + details
            return LearnerFault("crash", msg, details + self._output_tail_lines()[-1:] if memory else details,
                                fatal=True, function=function)
        if code and memory:
            return LearnerFault(
                "memory", f"your code ran out of memory {where} (limit {self.memory_mb} MiB): "
                f"the process stopped with exit code {code}", self._output_tail_lines()[-1:],
                fatal=True, function=function)
        return LearnerFault(
            "exit", f"your code ended the grading process {where} with exit code {code} "
            "(a call to os._exit() or sys.exit()?)",
            ["os._exit() or sys.exit() stops the program; a kata function should return its result instead"],
            fatal=True, function=function)

    def _fault_from_error(self, error: dict, function: str | None, loading: bool = False) -> LearnerFault:
        kind = error.get("kind", "exception")
        where = self._where(function)
        frames, _ = format_frames([Frame(Path(str(f.get("file", "?"))).name, int(f.get("line", 0)),
                                         str(f.get("function", "?")), str(f.get("code", "")),
                                         max(1, int(f.get("repeat", 1))))
                                   for f in error.get("frames", []) if isinstance(f, dict)])
        message = error.get("message", "")
        if kind == "missing":
            return LearnerFault("missing", f"{self.module_file.name} has no function {function}()", function=function)
        if kind == "not-implemented":
            raw = [f for f in error.get("frames", []) if isinstance(f, dict)]
            inner = raw[-1] if raw else {}
            # A part4 that calls its own unfinished part1: name the stub that raised.
            if function and inner.get("function") not in (None, function):
                culprit = f"{inner.get('function')}() in {Path(str(inner.get('file', '?'))).name}"
                return LearnerFault("calls-stub", f"{function} calls {culprit}, which is not implemented yet "
                                    "(it raises NotImplementedError)", frames, fatal=loading, function=function)
            return LearnerFault("not-implemented", f"{function or self.module_file.name} is not implemented yet "
                                "(it raises NotImplementedError)", frames if not function else [],
                                fatal=loading, function=function)
        if kind == "syntax":
            line = error.get("line", 0)
            text = error.get("text", "")
            return LearnerFault("syntax", f"syntax error in {Path(error.get('file') or self.module_file).name}, "
                                f"line {line}: {message}", [text.strip()] if text.strip() else [], fatal=True,
                                function=function)
        if kind == "system-exit":
            return LearnerFault("exit", f"your code called sys.exit({error.get('code', '')}) {where}",
                                ["a kata function should return its result instead of exiting"] + frames,
                                fatal=loading, function=function)
        if kind == "keyboard-interrupt":
            return LearnerFault("interrupt", f"your code raised KeyboardInterrupt {where}", frames,
                                fatal=loading, function=function)
        if kind == "memory":
            # The process may still hold what it allocated; later calls would only fail again.
            self._memory_fault = True
            return LearnerFault("memory", f"your code ran out of memory {where} (limit {self.memory_mb} MiB)",
                                ["an array far larger than the inputs? check the shapes you allocate"] + frames,
                                fatal=True, function=function)
        if kind == "recursion":
            return LearnerFault("recursion", f"unbounded recursion {where}: a function keeps calling itself "
                                "(RecursionError)", frames, fatal=loading, function=function)
        if kind == "unencodable":
            return LearnerFault("unencodable", f"{function}() returned a value the grader could not read "
                                f"({error.get('type', 'Exception')}: {message})",
                                ["return NumPy arrays, numbers, tuples, lists or dicts of them"] + frames,
                                function=function)
        if kind == "internal":
            return self._internal(f"the sandbox failed {where}", f"{error.get('type', 'Exception')}: {message}",
                                  error.get("trace", []))
        blocked = message.endswith("is not allowed here")
        if blocked:
            return LearnerFault("framework-import", message, frames, fatal=True, function=function)
        text = f"{error.get('type', 'Exception')}: {message}" if message else error.get("type", "Exception")
        return LearnerFault("exception", f"{where} raised {text}", frames, fatal=loading, function=function)
