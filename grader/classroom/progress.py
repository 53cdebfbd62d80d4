"""Progress of a class run on a stream (stderr), with an ETA."""
from __future__ import annotations

from typing import TYPE_CHECKING

import sys
import time

from grader.classroom.records import NOT_GRADED

if TYPE_CHECKING:
    from grader.classroom.classrun import ClassRun
    from grader.classroom.submissions import Submission


def num(x: float) -> str:
    """Points as the gradebook writes them: at most two decimals, no trailing zeros."""
    return f"{round(float(x), 2):g}"


def format_clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class ProgressPrinter:
    """Progress on a stream (stderr): one line per finished submission, or on a
    terminal a single line that updates in place (not-graded ones stay on screen)."""

    def __init__(self, stream=None, tty: bool | None = None):
        self.stream = stream or sys.stderr
        if tty is None:
            try:
                tty = self.stream.isatty()
            except (AttributeError, ValueError):
                tty = False
        self.tty = tty
        self.started = time.monotonic()
        self.total = self.done = self.new = self.todo = 0
        self._dirty = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def start(self, run: ClassRun, todo: list) -> None:
        self.started = time.monotonic()
        self.total, self.todo, self.done = len(run.submissions), len(todo), len(run.skipped)
        skipped = f", {len(run.skipped)} already graded" if run.skipped else ""
        self._write(f"grading {len(todo)} of {self.total} submissions{skipped} "
                    f"(seed {run.settings['seed']}, katas {' '.join(run.settings['katas'])})\n")

    def finished(self, run: ClassRun, sub: Submission, record: dict) -> None:
        self.done += 1
        self.new += 1
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.new * (self.todo - self.new)
        width = len(str(self.total))
        head = (f"[{self.done:>{width}}/{self.total}] {format_clock(elapsed)} elapsed, ETA {format_clock(eta)} · ")
        tail = f"{sub.id}: {num(record['total'])}/{num(record['max'])} {record['status']}"
        if record["status"] == NOT_GRADED:
            tail += f" ({record.get('error')})"
        if not self.tty:
            self._write(head + tail + "\n")
            return
        import shutil

        columns = max(40, shutil.get_terminal_size((100, 24)).columns - 1)
        line = (head + tail)[:columns]
        if record["status"] == NOT_GRADED:  # keep it on screen
            self._write("\r" + line.ljust(columns) + "\n")
            self._dirty = False
        else:
            self._write("\r" + line.ljust(columns))
            self._dirty = True

    def close(self) -> None:
        if self.tty and self._dirty:
            self._write("\n")
            self._dirty = False
