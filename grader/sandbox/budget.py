"""One memory and process budget for the learner's whole process tree.

A per-process limit (RLIMIT_AS) lets three forked children each use most of the
budget. So the grader also watches the tree from outside: every few tens of
milliseconds it sums the proportional memory of every process in the sandbox and
counts them, and kills the whole sandbox the moment either is over budget.

Where the machine lets the grader create a cgroup v2 leaf with the memory and
pids controllers, the kernel enforces the same budget (memory.max, pids.max) and
`cgroup.kill` ends the tree at once; the watch still runs and names what happened.
"""
from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

from grader.sandbox.proctree import memory_bytes

CGROUP2_MOUNTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")


class TreeWatch:
    """Polls `members()` (the learner's processes) until stopped; calls `kill()` once
    when the tree is over budget and says why in `exceeded`."""

    def __init__(self, members, kill, memory_limit: int | None, max_processes: int, interval: float):
        self.members = members
        self.kill = kill
        self.memory_limit = memory_limit
        self.max_processes = max_processes
        self.interval = interval
        self.baseline = 0
        self.armed = False
        self.exceeded: tuple[str, str] | None = None     # (kind, what was measured)
        self.peak_bytes = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kata-tree-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def arm(self, baseline: int) -> None:
        """From now on learner code runs: memory counts above `baseline` (the harness)."""
        self.baseline = baseline
        self.armed = True

    def measure(self) -> tuple[int, int]:
        pids = self.members()
        return sum(memory_bytes(p) for p in pids), len(pids)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.armed:
                continue
            try:
                used, count = self.measure()
            except Exception:  # noqa: BLE001 - a vanished process mid-read; measure again
                continue
            self.peak_bytes = max(self.peak_bytes, used - self.baseline)
            self.peak_processes = max(self.peak_processes, count)
            if count > self.max_processes:
                self._exceed("processes", f"{count} processes at once (the limit is {self.max_processes})")
            elif self.memory_limit is not None and used - self.baseline > self.memory_limit:
                self._exceed("memory", f"{(used - self.baseline) / 2**20:.0f} MiB together (the limit is "
                                       f"{self.memory_limit / 2**20:.0f} MiB)")
            if self.exceeded:
                return

    def _exceed(self, kind: str, what: str) -> None:
        self.exceeded = (kind, what)
        try:
            self.kill()
        except Exception:  # noqa: BLE001 - the grader kills again when it closes the sandbox
            pass

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)


def _own_cgroup2() -> Path | None:
    """This process's cgroup v2 folder, if a cgroup2 file system is mounted."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    relative = next((line[3:] for line in lines if line.startswith("0::")), None)
    if relative is None:
        return None
    for mount in CGROUP2_MOUNTS:
        if Path(mount, "cgroup.controllers").is_file():
            return Path(mount + relative)
    return None


class CgroupLeaf:
    """A cgroup v2 leaf holding one sandbox, with memory.max and pids.max set."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, memory_limit: int | None, max_processes: int, parent: Path | None = None):
        """A new leaf, or None where the machine does not allow one with both controllers."""
        parent = parent or _own_cgroup2()
        if parent is None:
            return None
        path = parent / f"kata-{uuid.uuid4().hex[:12]}"
        try:
            path.mkdir()
        except OSError:
            return None
        leaf = cls(path)
        try:
            controllers = (path / "cgroup.controllers").read_text().split()
            if "memory" not in controllers or "pids" not in controllers:
                leaf.remove()
                return None
            (path / "memory.max").write_text(str(memory_limit) if memory_limit else "max")
            (path / "memory.swap.max").write_text("0") if (path / "memory.swap.max").exists() else None
            (path / "pids.max").write_text(str(max_processes))
        except OSError:
            leaf.remove()
            return None
        return leaf

    def add(self, pids) -> bool:
        try:
            for pid in pids:
                (self.path / "cgroup.procs").write_text(str(pid))
            return True
        except OSError:
            return False

    def oom_killed(self) -> bool:
        try:
            for line in (self.path / "memory.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def kill(self) -> None:
        try:
            (self.path / "cgroup.kill").write_text("1")
        except OSError:
            pass

    def remove(self) -> None:
        try:
            os.rmdir(self.path)
        except OSError:
            pass
