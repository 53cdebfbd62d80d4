"""One memory and process budget for the learner's whole process tree.

A per-process limit (RLIMIT_AS) lets three forked children each use most of the
budget, and memory in a memfd or a tmpfs file belongs to no process at all. So:

- Where the grader can create a cgroup for the sandbox (v2 with the memory and
  pids controllers, or v1 memory and pids hierarchies), the kernel charges every
  page the tree touches to it (memfd and tmpfs pages included) and enforces
  the budget; the watch reads the cgroup's own usage.
- Otherwise the watch measures from outside: the proportional memory of every
  process in the sandbox, plus the memfds they hold, plus (with a dropped uid) the
  uid's files in /dev/shm.

Either way the watch polls every few tens of milliseconds, counts the processes,
and kills the whole sandbox the moment it is over budget, saying which budget.
"""
from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

from grader.sandbox.proctree import memory_bytes

CGROUP_ROOT = Path("/sys/fs/cgroup")
LEAF_SLACK = 128 * 1024 * 1024   # the kernel's hard stop sits this far above the watch's limit


class TreeWatch:
    """Polls `members()` (the learner's processes) until stopped; calls `kill()` once
    when the tree is over budget and says why in `exceeded`."""

    def __init__(self, members, kill, memory_limit: int | None, max_processes: int, interval: float,
                 usage=None):
        self.members = members
        self.kill = kill
        self.memory_limit = memory_limit
        self.max_processes = max_processes
        self.interval = interval
        self.usage = usage or (lambda pids: sum(memory_bytes(p) for p in pids) + held_memfds(pids))
        self.baseline = 0
        self.armed = False
        self.exceeded: tuple[str, str] | None = None     # (kind, what was measured)
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
        return self.usage(pids), len(pids)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.armed:
                continue
            try:
                used, count = self.measure()
            except Exception:  # noqa: BLE001 - a vanished process mid-read; measure again
                continue
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


def held_memfds(pids) -> int:
    """Bytes in the memfds the processes hold open (each file counted once): memory
    that is mapped by nobody until it is, so no process's size shows it."""
    seen, total = set(), 0
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            path = f"/proc/{pid}/fd/{fd}"
            try:
                if not os.readlink(path).startswith("/memfd:"):
                    continue
                info = os.stat(path)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_blocks * 512
    return total


def files_of_uid(uid: int, folder: str = "/dev/shm") -> int:
    """Bytes in the files `uid` owns under `folder` (a tmpfs: memory, not disk)."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames:
            try:
                info = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if info.st_uid == uid:
                total += info.st_blocks * 512
    return total


# -- cgroups ---------------------------------------------------------------------------

def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per hierarchy: {"": v2 path, "memory": ..., "pids": ...}."""
    out = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in (controllers.split(",") if controllers else [""]):
            out[name] = path
    return out


class Cgroup:
    """A cgroup holding one sandbox, with its memory and process limits set."""

    kind = ""

    def __init__(self, dirs: list[Path]):
        self.dirs = dirs

    @staticmethod
    def create(memory_limit: int | None, max_processes: int, root: Path = CGROUP_ROOT):
        """A v2 leaf, else a pair of v1 cgroups, else None (no cgroup for us here)."""
        own = _own_cgroups()
        for make in (CgroupV2.make, CgroupV1.make):
            group = make(root, own, memory_limit, max_processes)
            if group is not None:
                return group
        return None

    def add(self, pids) -> bool:
        try:
            for pid in pids:
                for d in self.dirs:
                    (d / "cgroup.procs").write_text(str(pid))
            return True
        except OSError:
            return False

    def pids(self) -> list[int]:
        try:
            return [int(x) for x in (self.dirs[0] / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def remove(self) -> None:
        for d in self.dirs:
            try:
                os.rmdir(d)
            except OSError:
                pass


def _mkdir_all(paths: list[Path]) -> bool:
    made = []
    for p in paths:
        try:
            p.mkdir()
            made.append(p)
        except OSError:
            for q in made:
                try:
                    os.rmdir(q)
                except OSError:
                    pass
            return False
    return True


class CgroupV2(Cgroup):
    kind = "cgroup v2"

    @classmethod
    def make(cls, root: Path, own: dict, memory_limit, max_processes):
        if "" not in own or not (root / "cgroup.controllers").is_file():
            return None
        leaf = root / own[""].lstrip("/") / f"kata-{uuid.uuid4().hex[:12]}"
        if not _mkdir_all([leaf]):
            return None
        group = cls([leaf])
        try:
            controllers = (leaf / "cgroup.controllers").read_text().split()
            if "memory" not in controllers or "pids" not in controllers:
                raise OSError("no memory or pids controller")
            (leaf / "memory.max").write_text(str(memory_limit + LEAF_SLACK) if memory_limit else "max")
            if (leaf / "memory.swap.max").exists():
                (leaf / "memory.swap.max").write_text("0")
            (leaf / "pids.max").write_text(str(max_processes + 8))
        except OSError:
            group.remove()
            return None
        return group

    def usage(self) -> int:
        return int((self.dirs[0] / "memory.current").read_text())

    def set_memory_limit(self, limit: int | None) -> None:
        try:
            (self.dirs[0] / "memory.max").write_text(str(limit + LEAF_SLACK) if limit else "max")
        except OSError:
            pass

    def oom_killed_count(self) -> int:
        return _counter(self.dirs[0] / "memory.events", "oom_kill")

    def kill(self) -> None:
        try:
            (self.dirs[0] / "cgroup.kill").write_text("1")
        except OSError:
            pass


class CgroupV1(Cgroup):
    kind = "cgroup v1"

    @classmethod
    def make(cls, root: Path, own: dict, memory_limit, max_processes):
        if "memory" not in own or "pids" not in own:
            return None
        name = f"kata-{uuid.uuid4().hex[:12]}"
        memory = root / "memory" / own["memory"].lstrip("/") / name
        pids = root / "pids" / own["pids"].lstrip("/") / name
        if not (memory.parent / "memory.limit_in_bytes").is_file() or not (pids.parent / "cgroup.procs").is_file():
            return None
        if not _mkdir_all([memory, pids]):
            return None
        group = cls([memory, pids])
        try:
            if memory_limit:
                limit = str(memory_limit + LEAF_SLACK)
                (memory / "memory.limit_in_bytes").write_text(limit)
                if (memory / "memory.memsw.limit_in_bytes").exists():  # and no swap on top of it
                    (memory / "memory.memsw.limit_in_bytes").write_text(limit)
            (pids / "pids.max").write_text(str(max_processes + 8))
        except OSError:
            group.remove()
            return None
        return group

    def usage(self) -> int:
        return int((self.dirs[0] / "memory.usage_in_bytes").read_text())

    def set_memory_limit(self, limit: int | None) -> None:
        value = str(limit + LEAF_SLACK) if limit else "-1"
        files = [self.dirs[0] / "memory.limit_in_bytes", self.dirs[0] / "memory.memsw.limit_in_bytes"]
        files = [f for f in files if f.exists()]
        for order in (files, files[::-1]):  # memsw must stay >= the limit: the order depends on the direction
            try:
                for f in order:
                    f.write_text(value)
                return
            except OSError:
                continue

    def oom_killed_count(self) -> int:
        return _counter(self.dirs[0] / "memory.oom_control", "oom_kill")

    def kill(self) -> None:
        import signal

        for _ in range(20):  # v1 has no cgroup.kill: signal what is in it until it is empty
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


def _counter(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0
