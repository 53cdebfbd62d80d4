"""Every way learner code can misbehave, as a `LearnerFault` phrased for the learner.

`Faults` knows the kata's file and limits, and turns what the grader observed
(an error the harness described, an exit status, a time-out, a budget the tree
went over) into one message with a few detail lines.
"""
from __future__ import annotations

import signal
from pathlib import Path

from grader.sandbox.frames import Frame, format_frames
from grader.sandbox.policy import Limits
from grader.sandbox.shape_errors import shape_error_finding

INTERNAL_PREFIX = "internal grader error"


class LearnerFault(Exception):
    """Learner code did not return normally. `fatal` means grading this kata cannot go on;
    `internal` means the grader itself failed (not the learner's fault)."""

    def __init__(self, kind: str, message: str, details: list[str] | None = None,
                 fatal: bool = False, function: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.details = details or []
        self.fatal = fatal
        self.function = function
        self.call: str | None = None
        self.diagnoses: list = []  # mistakes recognised in the exception itself (shape_errors)

    @property
    def internal(self) -> bool:
        return self.kind == "internal"


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class Faults:
    def __init__(self, module_name: str, limits: Limits):
        self.module_name = module_name
        self.limits = limits

    def where(self, function: str | None) -> str:
        return f"in {function}()" if function else f"while importing {self.module_name}"

    def internal(self, what: str, message: str, details: list[str] | None = None) -> LearnerFault:
        return LearnerFault("internal", f"{INTERNAL_PREFIX}: {what} ({message}); this is a problem with the "
                            "grader or its installation, not with your code", details or [], fatal=True)

    def timeout(self, function: str | None, frames: list[str] | None = None,
                recursive: bool = False) -> LearnerFault:
        details = ["raise the limit with --timeout S if your code is just slow"]
        if frames:
            details = ["your code was still running here when it was stopped:"] + frames + details
        guess = ("it looks like unbounded recursion: a function keeps calling itself" if recursive
                 else "an endless loop, or very slow code?")
        return LearnerFault("timeout", f"time limit reached {self.where(function)}: your code ran for more than "
                            f"{self.limits.timeout_s:g} s in total ({guess})", details, fatal=True, function=function)

    def corrupted(self, function: str | None, why: str) -> LearnerFault:
        return LearnerFault("protocol", f"lost contact with your code {self.where(function)}: your code corrupted "
                            f"the grader's connection to it ({why}). Did it patch Python internals, or write to "
                            "file descriptors it did not open?", fatal=True, function=function)

    def too_large(self, function: str | None, size: int) -> LearnerFault:
        return LearnerFault("protocol", f"your code returned a result too large to grade ({size / 2**20:.0f} MiB)",
                            fatal=True, function=function)

    def closed(self, function: str | None) -> LearnerFault:
        return LearnerFault("protocol", f"lost contact with your code {self.where(function)}: it closed the "
                            "grader's connection (did it close file descriptors it did not open?)",
                            fatal=True, function=function)

    def over_budget(self, function: str | None, kind: str, what: str) -> LearnerFault:
        if kind == "processes":
            return LearnerFault("processes", f"your code started too many processes {self.where(function)}: "
                                f"{what}", ["a kata function should not need subprocesses or fork(); the grader "
                                            "stopped them all"], fatal=True, function=function)
        return LearnerFault("memory", f"your code ran out of memory {self.where(function)}: its processes used "
                            f"{what}", ["an array far larger than the inputs, or copies kept alive in forked "
                                        "processes? check the shapes you allocate"], fatal=True, function=function)

    def death(self, function: str | None, code: int | None, signum: int | None, frames: list[Frame],
              memory_words: bool, output_tail: list[str]) -> LearnerFault:
        """The process ended: by a signal (`signum`), or with exit status `code`."""
        where = self.where(function)
        lines, _ = format_frames(frames)
        if signum is not None:
            if signum == signal.SIGSEGV:
                msg = f"your code crashed the Python interpreter {where} (segmentation fault)"
                details = ["ctypes or a native extension misused, or recursion so deep that it overflowed "
                           "the C stack (a raised sys.setrecursionlimit), can do this"]
            elif signum == signal.SIGKILL:
                msg = f"your code was killed {where} (out of memory?)"
                details = []
            elif memory_words:
                msg = f"your code ran out of memory {where} and the process died with {signal_name(signum)}"
                details = []
            else:
                msg = f"your code died {where} with {signal_name(signum)}"
                details = []
            if lines:
                details = ["it crashed here:"] + lines + details
            return LearnerFault("crash", msg, details + output_tail[-1:] if memory_words else details,
                                fatal=True, function=function)
        if code and memory_words:
            return LearnerFault("memory", f"your code ran out of memory {where} (limit {self.limits.memory_mb} MiB): "
                                f"the process stopped with exit code {code}", output_tail[-1:], fatal=True,
                                function=function)
        return LearnerFault("exit", f"your code ended the grading process {where} with exit code {code} "
                            "(a call to os._exit() or sys.exit()?)",
                            ["os._exit() or sys.exit() stops the program; a kata function should return its result "
                             "instead"], fatal=True, function=function)

    def from_error(self, error: dict, function: str | None, loading: bool = False) -> LearnerFault:
        """What the harness described: an exception in learner code (or in the harness)."""
        kind = error.get("kind", "exception")
        where = self.where(function)
        raw = [f for f in error.get("frames", []) if isinstance(f, dict)]
        frames, _ = format_frames([Frame(Path(str(f.get("file", "?"))).name, _int(f.get("line")),
                                         str(f.get("function", "?")), str(f.get("code", "")),
                                         max(1, _int(f.get("repeat"), 1))) for f in raw])
        message = str(error.get("message", ""))
        type_name = str(error.get("type", "Exception"))
        if kind == "missing":
            return LearnerFault("missing", f"{self.module_name} has no function {function}()", function=function)
        if kind == "not-implemented":
            inner = raw[-1] if raw else {}
            # A part4 that calls its own unfinished part1: name the stub that raised.
            if function and inner.get("function") not in (None, function):
                culprit = f"{inner.get('function')}() in {Path(str(inner.get('file', '?'))).name}"
                return LearnerFault("calls-stub", f"{function} calls {culprit}, which is not implemented yet "
                                    "(it raises NotImplementedError)", frames, fatal=loading, function=function)
            return LearnerFault("not-implemented", f"{function or self.module_name} is not implemented yet "
                                "(it raises NotImplementedError)", frames if not function else [],
                                fatal=loading, function=function)
        if kind == "syntax":
            text = str(error.get("text", ""))
            return LearnerFault("syntax", f"syntax error in {Path(str(error.get('file') or self.module_name)).name}, "
                                f"line {_int(error.get('line'))}: {message}", [text.strip()] if text.strip() else [],
                                fatal=True, function=function)
        if kind == "system-exit":
            return LearnerFault("exit", f"your code called sys.exit({error.get('code', '')}) {where}",
                                ["a kata function should return its result instead of exiting"] + frames,
                                fatal=loading, function=function)
        if kind == "keyboard-interrupt":
            return LearnerFault("interrupt", f"your code raised KeyboardInterrupt {where}", frames,
                                fatal=loading, function=function)
        if kind == "memory":
            return LearnerFault("memory", f"your code ran out of memory {where} (limit {self.limits.memory_mb} MiB)",
                                ["an array far larger than the inputs? check the shapes you allocate"] + frames,
                                fatal=True, function=function)
        if kind == "recursion":
            return LearnerFault("recursion", f"unbounded recursion {where}: a function keeps calling itself "
                                "(RecursionError)", frames, fatal=loading, function=function)
        if kind == "unencodable":
            return LearnerFault("unencodable", f"{function}() returned a value the grader could not read "
                                f"({type_name}: {message})",
                                ["return NumPy arrays, numbers, tuples, lists or dicts of them"] + frames,
                                function=function)
        if kind == "internal":
            return self.internal(f"the sandbox failed {where}", f"{type_name}: {message}",
                                 [str(x) for x in error.get("trace", [])][:6])
        if message.endswith("is not allowed here"):
            return LearnerFault("framework-import", message, frames, fatal=True, function=function)
        text = f"{type_name}: {message}" if message else type_name
        fault = LearnerFault("exception", f"{where} raised {text}", frames, fatal=loading, function=function)
        found = shape_error_finding(type_name, message, raw)
        fault.diagnoses = [found] if found else []
        return fault


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
