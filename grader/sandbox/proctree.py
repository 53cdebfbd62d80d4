"""Find and kill every process a learner's code started (Linux /proc; best effort elsewhere)."""
from __future__ import annotations

import os
import signal
import subprocess
import time


def process_table() -> dict[int, tuple[int, str]]:
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


def descendants(root: int, table: dict[int, tuple[int, str]]) -> list[int]:
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


def token_holders(token: str, table: dict[int, tuple[int, str]], var: str = "KATA_RUN_TOKEN") -> list[int]:
    """Processes whose environment holds `var=token` (a mark their ancestor left)."""
    needle = f"{var}={token}".encode()
    found = []
    for pid in table:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            continue
    return found


def kill_all(pids_now, rounds: int = 100, pause: float = 0.002) -> None:
    """SIGKILL whatever `pids_now()` returns until it returns nothing (a fork between
    two rounds is caught by the next)."""
    me = os.getpid()
    for _ in range(rounds):
        live = [p for p in pids_now() if p != me]
        if not live:
            return
        for pid in live:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(pause)


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

    def victims() -> list[int]:
        table = process_table()
        found = set(descendants(process.pid, table)) if ours else set()
        found.update(token_holders(token, table))
        found -= {me, process.pid}
        return [pid for pid in found if table.get(pid, (0, "X"))[1] not in "ZX"]

    kill_all(victims, pause=0.005)
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


def process_state(pid: int) -> str:
    """The state letter of `pid` in /proc (R, S, T, Z, ...), or "?" if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[0].decode()
    except (OSError, ValueError, IndexError):
        return "?"


def children(pid: int) -> list[int]:
    """Direct children of `pid` (all its threads'), from /proc/PID/task/*/children."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            continue
    return out


def subtree(root: int) -> list[int]:
    """`root` and every descendant, walking only the subtree (cheap: no /proc scan)."""
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        if pid in found:
            continue
        found.append(pid)
        stack += children(pid)
    return found


def processes_of_uid(uid: int) -> list[int]:
    """Every live process whose owner (effective uid) is `uid`."""
    out = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return out
    for name in entries:
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid and process_state(int(name)) not in "ZX":
                    out.append(int(name))
            except OSError:
                continue
    return out


def memory_bytes(pid: int) -> int:
    """What `pid` costs in memory: its proportional set size (shared pages split between
    the processes sharing them, so a fork is not counted twice), or its resident size
    where smaps_rollup cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
