"""What a kata's sandbox allows, as data: one budget for the learner's whole process
tree, and the bounds on what the grader reads from it.

Every number a learner might run into lives here, so a message, a test and the
README can all name the same one.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.threads import THREAD_VARIABLES

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MEMORY_MB = 2048
SETUP_TIMEOUT_S = 120.0          # harness start-up (importing torch), not charged to the learner

# The environment of the sandboxed process (and of bubblewrap itself, whose init
# keeps the environment it was started with, readable at /proc/1/environ).
BASE_ENVIRONMENT = {
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "PYTHONHASHSEED": "0",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    **THREAD_VARIABLES,
}


@dataclass(frozen=True)
class Limits:
    """One kata's budget. Time counts the learner's code only (start-up is free);
    memory and processes count the whole tree the learner's code starts."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int | None = DEFAULT_MEMORY_MB   # above what the harness itself uses; None: no limit
    max_processes: int = 32                     # processes alive at once, the harness included
    max_threads: int = 256                      # RLIMIT_NPROC, which counts threads too
    tmpfs_mb: int = 64                          # the private /tmp (tmpfs pages are memory no process owns)
    max_file_bytes: int = 64 * 1024 * 1024      # RLIMIT_FSIZE: no file (a memfd, the fault log) grows past it
    max_result_bytes: int = 64 * 1024 * 1024    # the largest reply the grader reads from the learner's process
    output_bytes: int = 8 * 1024                # captured stdout+stderr shown in the report
    output_tail_bytes: int = 2 * 1024           # kept apart from the head, to diagnose a crash after a flood
    file_bytes: int = 1024 * 1024               # the largest learner file the grader reads
    snapshot_bytes: int = 8 * 1024 * 1024       # all of a workspace's .py files together
    snapshot_files: int = 256
    watch_interval_s: float = 0.05              # how often the tree's memory and processes are measured

    @property
    def memory_bytes(self) -> int | None:
        return None if not self.memory_mb else int(self.memory_mb) * 1024 * 1024
