"""Finding a learner's processes from outside the sandbox, for tests: their pids
inside a PID namespace mean nothing here, so each test marks them with a unique
`sleep` argument and looks for it in every command line."""
from __future__ import annotations

import contextlib
import os
import signal
import uuid
from pathlib import Path


def process_running(pid: int) -> bool:
    """True if `pid` exists and is not a zombie (a killed, not yet reaped process)."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return data[data.rindex(")") + 2] not in "ZX"


def marker() -> str:
    """A `sleep` argument no other process uses."""
    return f"{uuid.uuid4().int % 10**9 + 10**9}.25"


def leftovers(mark: str) -> list[int]:
    """Live processes whose command line contains `mark`."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid() and process_running(int(name)):
            try:
                if mark.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                    found.append(int(name))
            except OSError:
                continue
    return found


def kill_leftovers(mark: str) -> None:
    for pid in leftovers(mark):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
