"""The interview's clock: seconds since the epoch, from the system or from a file.

The start time is recorded as such a number, so an interview survives closing
the terminal: every command recomputes the time left from it. For tests (and
for rehearsing the last minutes of an interview without waiting for them),
`KATA_CLOCK_FILE=PATH` makes the clock read the time from that file, a number
of seconds since the epoch, every time it is asked.
"""
from __future__ import annotations

import os
import time

CLOCK_FILE_ENV = "KATA_CLOCK_FILE"


class SystemClock:
    poll_s = 1.0   # how often a waiting prompt looks at the clock

    def now(self) -> float:
        return time.time()


class FileClock:
    """The time written in a file (a test moves it forward by rewriting the file)."""
    poll_s = 0.05

    def __init__(self, path: str):
        self.path = path

    def now(self) -> float:
        try:
            with open(self.path, encoding="utf-8") as f:
                return float(f.read().strip())
        except (OSError, ValueError):
            return time.time()


class FixedClock:
    """A clock that moves only when told (`advance`): for tests in the same process."""
    poll_s = 0.01

    def __init__(self, start: float):
        self.t = float(start)

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def current():
    path = os.environ.get(CLOCK_FILE_ENV)
    return FileClock(path) if path else SystemClock()


def local_stamp(t: float) -> str:
    """A time as the workspace record writes timestamps: 2026-12-03T14:15:00+0100."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t))


def minutes_seconds(seconds: float | None) -> str:
    """12:05 for 725 s; 1:02:05 past an hour; "-" for None."""
    if seconds is None:
        return "-"
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
