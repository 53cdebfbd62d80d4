"""A warm sandbox: the interpreter with its framework imported, forking one fresh
sandbox per kata (the sandbox side; warm.py is the grader's).

The zygote starts inside a bubblewrap sandbox (or, with a uid drop only, as a
plain root process) and imports NumPy, and torch for a torch kata, before any
learner code exists. It never runs learner code itself. For each kata the grader
sends it, over a socket only the two of them hold, a spawn request with the
kata's pipes; the zygote forks, and the fork, before any learner code runs:

- enters new mount, PID, network, IPC and UTS namespaces (so nothing of the
  kata can outlive it, reach the network, or see another kata's processes);
- mounts its own /proc, an empty tmpfs /tmp and /dev/shm, makes /dev read-only,
  binds that kata's snapshot read-only at /workspace and hides the spool of
  snapshots the zygote can see;
- runs a reaper as the namespace's PID 1, which forks the harness: the harness
  drops to the kata's own uid (as root) or drops every capability (in a user
  namespace), sets no_new_privs, and serves the kata (child.serve).

A fork carries only the zygote's pristine state: no module, patch, file,
variable or thread of one kata reaches the next.
"""
from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import socket
import sys

from grader.sandbox import child

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 0x400, 0x800, 0x200000
PR_SET_CHILD_SUBREAPER, PR_CAPBSET_DROP, PR_SET_DUMPABLE = 36, 24, 4
MAX_FDS = 8

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target: str, fstype, flags: int, data: str | None = None) -> None:
    enc = (lambda v: v.encode() if isinstance(v, str) else v)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def drop_capabilities() -> None:
    """Every capability gone, from the bounding set too (a user namespace's sandbox)."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:  # EINVAL: past the last
            break

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()   # _LINUX_CAPABILITY_VERSION_3
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


def _remount_read_only(target: str, extra: int = 0) -> None:
    """Remount `target` read-only, keeping the flags it has: in a user namespace, a mount
    made by a more privileged namespace has its flags locked, and dropping one fails."""
    have = os.statvfs(target).f_flag
    flags = MS_BIND | MS_REMOUNT | MS_RDONLY | extra
    for statvfs_flag, mount_flag in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV),
                                     (os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME),
                                     (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
        if have & statvfs_flag:
            flags |= mount_flag
    _mount(None, target, None, flags)


def _private_view(job: str, tmpfs_bytes: int) -> None:
    """In the fork's new mount namespace: its own /proc, /tmp, /dev/shm and workspace."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmpfs_bytes},mode=1777")
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=1048576,mode=1777")
    _remount_read_only("/dev", MS_NOSUID)
    _mount(f"/kata/spool/{job}", "/workspace", None, MS_BIND)
    _remount_read_only("/workspace", MS_NOSUID | MS_NODEV)
    _mount("tmpfs", "/kata/spool", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4096,mode=0755")
    name = b"kata"
    _libc.sethostname(name, len(name))


def _kata_init(config: dict, fds: dict, namespaces: bool) -> None:
    """The kata's first process: set up its view, fork the harness, reap until it ends,
    report how it ended, and leave (which, as PID 1, ends the whole namespace)."""
    status_fd = fds["status"]
    try:
        if namespaces:
            _private_view(config["job"], int(config["tmpfs_bytes"]))
        harness = os.fork()
        if harness == 0:
            _become_harness(config, fds, namespaces)
        for fd in fds.values():
            if fd != status_fd:
                os.close(fd)
        if namespaces and config.get("uid") is None:
            # A user namespace: the harness shares this uid, so only non-dumpable keeps it
            # out of this process's memory (it holds the status pipe).
            _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
            drop_capabilities()
        while True:
            pid, status = os.wait()
            if pid == harness:
                os.write(status_fd, json.dumps({"status": status}).encode())
                os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - say why, then go
        try:
            os.write(status_fd, json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        finally:
            os._exit(70)


def _become_harness(config: dict, fds: dict, namespaces: bool) -> None:
    try:
        os.close(fds["status"])
        os.setsid()
        for fd in (1, 2):
            os.dup2(fds["stdout"], fd)
        os.close(fds["stdout"])
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
        os.environ.update(config.get("env", {}))
        os.chdir("/tmp" if namespaces else config["home"])
        if namespaces and config.get("uid") is None:
            drop_capabilities()   # a user namespace: the only uid there is; no capability left
        child.serve({**config, "in": fds["in"], "out": fds["out"], "faults": fds["faults"],
                     "shm": fds.get("shm", -1)})
    finally:
        os._exit(0)


def spawn(request: dict, received: list[int], namespaces: bool, control_fd: int) -> int:
    """Fork a fresh sandbox for one kata; returns its first process's pid (as the zygote sees it)."""
    names = request["fds"]
    fds = dict(zip(names, received))
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:
        try:
            os.close(control_fd)   # the zygote's socket never reaches a kata
            os.close(read_end)
            # A kata that fills its budget is what the OOM killer takes first, not the zygote
            # (raising the score needs no privilege; a kata that lowers it again risks only its own grade).
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")
            if namespaces:
                _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
                       "unshare")
                _mount(None, "/", None, MS_REC | MS_PRIVATE)
            first = os.fork()
            if first == 0:
                os.close(write_end)
                _kata_init(request["config"], fds, namespaces)
            os.write(write_end, str(first).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    for fd in received:
        os.close(fd)
    data = os.read(read_end, 64)
    os.close(read_end)
    os.waitpid(middle, 0)
    return int(data) if data else -1


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main(config_text: str) -> None:
    """`python -c ... zygote CONFIG`: import the framework, say ready, serve spawns."""
    config = json.loads(config_text)
    sys.path[:] = [p for p in sys.path if p not in ("", ".")] + list(config.get("site", []))
    import numpy  # noqa: F401  (the point: imported once, before any learner code)

    if config["framework"] == "torch":
        import torch

        torch.set_num_threads(1)
    # Every object so far is the forks' shared inheritance: left out of the cyclic
    # collector, a fork's collections never write to (and so never copy) those pages.
    gc.collect()
    gc.freeze()
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)   # each kata's PID 1 is ours to reap
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=int(config["control"]))
    namespaces = bool(config["namespaces"])
    control.sendall(b'{"ready": true}\n')
    while True:
        _reap()
        try:
            message, received, _, _ = socket.recv_fds(control, 1 << 20, MAX_FDS)
        except OSError:
            os._exit(0)
        if not message:
            os._exit(0)   # the grader has gone: so does every sandbox of ours (die-with-parent)
        try:
            request = json.loads(message)
            pid = spawn(request, received, namespaces, control.fileno())
            reply = {"pid": pid}
        except Exception as exc:  # noqa: BLE001 - reported to the grader, which starts cold instead
            for fd in received:
                try:
                    os.close(fd)
                except OSError:
                    pass
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        control.sendall(json.dumps(reply).encode() + b"\n")
