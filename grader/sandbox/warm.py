"""Warm sandboxes, the grader's side: zygotes kept per framework, checked out one
kata at a time (zygote.py is the side inside the sandbox).

A `Zygote` is started once, with the same view of the file system as a cold
sandbox (view.py), except that /workspace is only a mount point and the spool of
snapshots is bound at /kata/spool. It is put in a cgroup of its own (once, before
any learner code exists), so every fork is born inside its budget. `spawn` writes
a kata's snapshot into the spool, hands the zygote the kata's pipes over a
private socket, and returns a `WarmChild`: the kata's first process, with the
parts of `subprocess.Popen` that LearnerProcess uses.

`pool()` is the process's pool: `pool().checkout(...)` lends a zygote for one
kata and takes it back. Warming pays where grading repeats: `kata grade --all`,
`kata watch`, `kata validate`, `kata grade-class` workers, the test suite.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from grader.sandbox import view
from grader.sandbox.budget import Cgroup
from grader.sandbox.isolation import NAMESPACES, UID_DROP, Isolation, readable_by_others
from grader.sandbox.policy import BASE_ENVIRONMENT, SETUP_TIMEOUT_S, Limits
from grader.sandbox.proctree import children, kill_all, subtree

BOOTSTRAP = ("import sys; sys.path[:0] = [sys.argv[1]]; "
             "from grader.sandbox.zygote import main; main(sys.argv[2])")
WARM_LEVELS = (NAMESPACES, UID_DROP)


class ZygoteError(Exception):
    """The zygote could not start or spawn; the caller grades cold instead."""


class WarmChild:
    """A kata's first process (its PID namespace's init): what LearnerProcess needs of a
    Popen. Its exit status arrives on a pipe the kata's init writes before it leaves."""

    def __init__(self, pid: int, stdout, status_fd: int):
        self.pid = pid
        self.stdout = stdout
        self._status_fd = status_fd
        self.returncode: int | None = None
        self.error: str | None = None

    def _collect(self, timeout: float) -> bool:
        if self.returncode is not None:
            return True
        ready, _, _ = select.select([self._status_fd], [], [], max(timeout, 0))
        if not ready:
            return False
        data = b""
        while True:
            try:
                chunk = os.read(self._status_fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        try:
            report = json.loads(data or b"{}")
        except ValueError:
            report = {}
        status = report.get("status")
        self.error = report.get("error")   # the kata's init could not set its sandbox up
        if status is None:
            self.returncode = -signal.SIGKILL   # killed before it could say (by us, or the budget)
        elif os.WIFSIGNALED(status):
            self.returncode = -os.WTERMSIG(status)
        else:
            self.returncode = os.WEXITSTATUS(status)
        os.close(self._status_fd)
        self._status_fd = -1
        return True

    def poll(self) -> int | None:
        self._collect(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._collect(3600 if timeout is None else timeout):
            raise subprocess.TimeoutExpired("kata", timeout)
        return self.returncode

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)   # as the namespace's init, it takes every process with it
        except OSError:
            pass


def _ns_pid_to_host(root: int, ns_pid: int) -> int | None:
    """The host pid of the process below `root` whose pid one namespace down is `ns_pid`."""
    for pid in subtree(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                line = next((l for l in f if l.startswith("NSpid:")), "")
        except OSError:
            continue
        levels = line.split()[1:]
        if len(levels) >= 3 and levels[-2] == str(ns_pid) and levels[-1] == "1":
            return pid
    return None


class Zygote:
    """One warm interpreter for one framework (and one isolation level and interpreter)."""

    def __init__(self, framework: str, isolation: Isolation, limits: Limits, python: str, answers=()):
        if isolation.level not in WARM_LEVELS:
            raise ZygoteError(f"no warm sandboxes with isolation {isolation.label}")
        if isolation.level == UID_DROP and not readable_by_others(Path(python)):
            # A fork would start (it needs no exec), then fail on every module it imports
            # later, in the learner's terms; cold, the same grade is a clear setup error.
            raise ZygoteError(f"a fresh uid cannot read {python} or its standard library")
        self.framework = framework
        self.isolation = isolation
        self.namespaces = isolation.level == NAMESPACES
        self.limits = limits
        self.spool = tempfile.mkdtemp(prefix="kata-spool-")
        os.chmod(self.spool, 0o711)   # a dropped uid passes through to its own job, and lists nothing
        self.cgroup: Cgroup | None = None
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None   # the zygote itself, as the host sees it
        self.kata_pid: int | None = None   # the kata being graded (its init), if any
        self.retired: str | None = None     # why it was retired, if it was
        try:
            self._start(python, answers)
        except BaseException:
            self.close()
            raise

    def _start(self, python: str, answers) -> None:
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(BASE_ENVIRONMENT)
        passed = [theirs.fileno()]
        if self.namespaces:
            config = {"control": theirs.fileno(), "framework": self.framework, "namespaces": True,
                      "site": [view.SITE]}
            options = view.bwrap_options(self.isolation.root, self.framework, None, self.limits, python, answers,
                                         spool=self.spool)
            read_end, write_end = os.pipe()
            os.write(write_end, b"".join(o.encode() + b"\0" for o in options))
            os.close(write_end)
            passed.append(read_end)
            command = [self.isolation.bwrap, "--args", str(read_end), "--", python, "-s", "-S", "-B", "-c",
                       BOOTSTRAP, view.HARNESS, json.dumps(config)]
            env.update(HOME=view.TMP, TMPDIR=view.TMP)
        else:
            config = {"control": theirs.fileno(), "framework": self.framework, "namespaces": False,
                      "site": view.grader_site_dirs()}
            command = [python, "-s", "-S", "-B", "-c", BOOTSTRAP, view.harness_dir(), json.dumps(config)]
        for fd in passed:
            os.set_inheritable(fd, True)
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, pass_fds=passed, env=env,
                                            start_new_session=True, cwd=self.spool)
        finally:
            theirs.close()
            for fd in passed[1:]:
                os.close(fd)
        self._errors = b""
        threading.Thread(target=self._drain_errors, daemon=True).start()
        ready = self._line(SETUP_TIMEOUT_S)
        if not ready or not json.loads(ready).get("ready"):
            raise ZygoteError("the warm sandbox did not start" + (f": {self._errors.decode(errors='replace')[-300:]}"
                                                                  if self._errors else ""))
        self.pid = self._find_zygote()
        # Once, before any learner code: the zygote's tree in a cgroup of its own, where allowed.
        group = Cgroup.create(self.limits.memory_bytes, self.limits.max_processes + 2)
        if group is not None and group.add(subtree(self.process.pid)):
            self.cgroup = group
        elif group is not None:
            group.remove()

    def _drain_errors(self) -> None:
        stream = self.process.stderr
        while True:
            try:
                chunk = stream.read1(4096)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self._errors = (self._errors + chunk)[-4096:]

    def _find_zygote(self) -> int:
        if not self.namespaces:
            return self.process.pid
        init = children(self.process.pid)
        below = children(init[0]) if init else []
        return below[0] if below else self.process.pid

    def _line(self, timeout: float) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.control], [], [], max(remaining, 0))
            if not ready:
                return b""
            chunk = self.control.recv(65536)
            if not chunk:
                return b""
            data += chunk
        return data

    def alive(self) -> bool:
        return not self.retired and self.process is not None and self.process.poll() is None

    def retire(self, why: str) -> None:
        """This zygote could not give a kata its sandbox: closed, and (through the pool)
        not tried again in this process."""
        self.retired = why or "it failed"
        self.close()

    def prepare_budget(self) -> int:
        """Before a kata: its hard memory limit above what the zygote holds now; returns that baseline."""
        if self.cgroup is None:
            return 0
        baseline = self.cgroup.usage()
        self.cgroup.set_memory_limit(baseline + self.limits.memory_bytes if self.limits.memory_bytes else None)
        return baseline

    def write_job(self, files: dict[str, bytes], owner: int | None = None) -> str:
        """A kata's snapshot in the spool. With a uid drop and no mount namespace the kata
        reads it in place, so it belongs to the kata's `owner` uid alone."""
        job = uuid.uuid4().hex
        folder = os.path.join(self.spool, job)
        os.mkdir(folder, 0o755)
        for name, data in files.items():
            path = os.path.join(folder, name)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)
            if owner is not None:
                os.chown(path, owner, owner)
                os.chmod(path, 0o600)
        if owner is not None:
            os.chown(folder, owner, owner)
            os.chmod(folder, 0o700)
        return job

    def drop_job(self, job: str) -> None:
        shutil.rmtree(os.path.join(self.spool, job), ignore_errors=True)

    def spawn(self, config: dict, fds: dict[str, int]) -> int:
        """Fork a fresh sandbox for one kata; returns the host pid of its first process."""
        names = list(fds)
        message = json.dumps({"op": "spawn", "fds": names, "config": config}).encode()
        try:
            socket.send_fds(self.control, [message], [fds[n] for n in names])
        except OSError as exc:
            raise ZygoteError(f"the warm sandbox is gone ({exc})") from None
        line = self._line(SETUP_TIMEOUT_S)
        reply = json.loads(line) if line else {"error": "no answer"}
        if "pid" not in reply or reply["pid"] < 0:
            raise ZygoteError(f"the warm sandbox could not fork: {reply.get('error', '?')}")
        if not self.namespaces:
            return int(reply["pid"])
        for _ in range(200):  # the fork is there already; /proc may lag a moment behind
            host = _ns_pid_to_host(self.pid, int(reply["pid"]))
            if host is not None:
                return host
            time.sleep(0.001)
        raise ZygoteError("the warm sandbox's fork cannot be found")

    def close(self) -> None:
        if self.process is not None:
            try:
                self.control.close()
            except OSError:
                pass
            kill_all(lambda: [p for p in subtree(self.process.pid) if p != self.process.pid])
            with contextlib.suppress(OSError):
                self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            self.process = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        shutil.rmtree(self.spool, ignore_errors=True)


class WarmPool:
    """Zygotes by (framework, isolation, interpreter), each lent to one kata at a time."""

    def __init__(self):
        self._free: dict[tuple, list[Zygote]] = {}
        self._lock = threading.Lock()
        self._all: list[Zygote] = []
        self._broken: dict[tuple, str] = {}   # keys whose zygotes failed: graded cold from then on

    @contextlib.contextmanager
    def checkout(self, framework: str, isolation: Isolation, limits: Limits, python: str, answers=()):
        key = (framework, isolation.level, isolation.bwrap, python, tuple(answers), limits.tmpfs_mb)
        with self._lock:
            if key in self._broken:
                raise ZygoteError(f"warm sandboxes failed here before: {self._broken[key]}")
            free = self._free.setdefault(key, [])
            zygote = None
            while free and zygote is None:
                candidate = free.pop()
                if candidate.alive():
                    zygote = candidate
                else:
                    candidate.close()
        if zygote is None:
            try:
                zygote = Zygote(framework, isolation, limits, python, answers)
            except ZygoteError as exc:
                with self._lock:
                    self._broken[key] = str(exc)
                raise
            with self._lock:
                self._all.append(zygote)
        zygote.limits = limits
        try:
            yield zygote
        finally:
            with self._lock:
                if zygote.alive():
                    self._free.setdefault(key, []).append(zygote)
                else:
                    if zygote.retired:
                        self._broken[key] = zygote.retired
                    zygote.close()

    def close(self) -> None:
        with self._lock:
            zygotes, self._all, self._free = self._all, [], {}
        for z in zygotes:
            z.close()


_POOL: WarmPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> WarmPool:
    """This process's pool of zygotes (closed when the process exits)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WarmPool()
            atexit.register(_POOL.close)
        return _POOL


def reset_after_fork() -> None:
    """A forked process must not share its parent's zygotes (their sockets are the parent's)."""
    global _POOL
    _POOL = None
