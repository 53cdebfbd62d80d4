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


def token_holders(token: str, table: dict[int, tuple[int, str]]) -> list[int]:
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
        table = process_table()
        victims = set(descendants(process.pid, table)) if ours else set()
        victims.update(token_holders(token, table))
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


def process_state(pid: int) -> str:
    """The state letter of `pid` in /proc (R, S, T, Z, ...), or "?" if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[0].decode()
    except (OSError, ValueError, IndexError):
        return "?"
