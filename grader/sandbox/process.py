"""`LearnerProcess`: one learner module loaded in one sandboxed child process.

The grader never imports learner code itself. It takes a snapshot of the
learner's files, starts the harness (child.py) in the strongest sandbox the
machine allows (isolation.py, view.py), talks to it over two private pipes with
request ids (codec.py), passes array arguments through shared memory it reads
back itself (shm.py), watches the whole process tree's memory and process count
(budget.py), and turns every way the child can misbehave into a `LearnerFault`
(faults.py). Nothing here raises anything else, and nothing waits without a
deadline.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import channel, codec, view
from grader.sandbox.budget import Cgroup, TreeWatch, files_of_uid, held_memfds
from grader.sandbox.faults import Faults, LearnerFault
from grader.sandbox.faultlog import FaultLog
from grader.sandbox.frames import Frame, format_frames
from grader.sandbox.isolation import (NAMESPACES, PROCESS, UID_DROP, Isolation, current_isolation, forget,
                                     fresh_uid, protect_answers, remove_files_of_uid)
from grader.sandbox.output import CapturedOutput, drain
from grader.sandbox.policy import BASE_ENVIRONMENT, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, SETUP_TIMEOUT_S, Limits
from grader.sandbox.proctree import (children, kill_all, kill_tree, memory_bytes, process_state,
                                     processes_of_uid, subtree)
from grader.sandbox.shm import Arena
from grader.sandbox.snapshot import MaterializedSnapshot, Snapshot, take_snapshot
from grader.sandbox.warm import WarmChild, ZygoteError

PASS_THROUGH = ("KATA_CLASS_JOB",)   # environment kept without namespaces (see classgrade.py)
# Started with `-c`: the harness copy first on sys.path, so `grader` is the harness and nothing else.
BOOTSTRAP = ("import sys; sys.path[:0] = [sys.argv[1]]; "
             "from grader.sandbox.child import main; main(sys.argv[2])")

__all__ = ["CallResult", "LearnerFault", "LearnerProcess", "DEFAULT_MEMORY_MB", "DEFAULT_TIMEOUT_S"]


@dataclass
class CallResult:
    value: object
    args_after: list
    handle: int | None = None


class LearnerProcess:
    """One learner module loaded in one sandboxed child process."""

    def __init__(self, kata_id: str, module_file: Path, workspace: Path, framework: str,
                 timeout: float = DEFAULT_TIMEOUT_S, memory_mb: int | None = DEFAULT_MEMORY_MB, *,
                 snapshot: Snapshot | None = None, limits: Limits | None = None,
                 isolation: Isolation | None = None, python: str | None = None, answers=(), zygote=None):
        self.kata_id = kata_id
        self.module_file = Path(module_file)
        self.framework = framework
        self.limits = limits or Limits(timeout_s=float(timeout), memory_mb=memory_mb)
        self.snapshot = snapshot or take_snapshot(Path(workspace), self.module_file.name, self.limits)
        self.isolation = isolation or current_isolation()
        self.python = python or view.interpreter()
        self.answers = tuple(str(a) for a in answers)   # folders the learner must not see (katas, references)
        self.zygote = zygote                            # a warm zygote to fork from (warm.py), or None: cold
        self._job: str | None = None
        self._baseline = 0
        self._oom_before = 0
        self.faults = Faults(self.module_file.name, self.limits)
        self.budget = float(self.limits.timeout_s)      # learner time left, in seconds
        self.output = CapturedOutput(self.limits.output_bytes, self.limits.output_tail_bytes)
        self.process: subprocess.Popen | None = None
        self.harness_pid: int | None = None
        self.token = uuid.uuid4().hex
        self.uid: int | None = None
        self.functions: list[str] = []
        self.blocked_imports: list[str] = []
        self.roots: list[str] = []          # the learner's files, as the child sees their paths
        self._private: str | None = None    # grader-only scratch folder (fault log, uid-drop home)
        self._materialized: MaterializedSnapshot | None = None
        self._arena: Arena | None = None
        self._watch: TreeWatch | None = None
        self._cgroup: Cgroup | None = None
        self._joiner: threading.Thread | None = None
        self._reader = None
        self._channel: channel.Channel | None = None
        self._fault_log: FaultLog | None = None
        self._extra_fds: list[int] = []
        self._start_fault: LearnerFault | None = None
        self._memory_fault = False
        self._next_id = 0

    # -- lifecycle -------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self) -> None:
        """Start the child and its harness. A failure is kept and raised by `load()`."""
        if self.snapshot.error is not None:
            error = self.snapshot.error
            self._start_fault = LearnerFault(error.kind, error.message, error.details, fatal=True)
            return
        if self.zygote is not None and self._start_warm():
            return
        try:
            self._start()
        except LearnerFault as fault:
            # No learner code has run yet, so whatever happened is the grader's problem.
            if fault.internal:
                self._start_fault = fault
            else:
                why = (f"it was not ready after {SETUP_TIMEOUT_S:g} s" if fault.kind == "timeout"
                       else "it stopped during start-up")
                if self._reader is not None and fault.kind != "timeout":
                    self._reader.join(timeout=1.0)  # the child is gone: collect its last words
                self._start_fault = self.faults.internal("the sandbox did not start", why, self.output.tail_lines())
                if self.isolation.level == NAMESPACES:
                    forget()  # perhaps namespaces stopped working here: the next run finds out
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            self._start_fault = self.faults.internal("the sandbox did not start", f"{type(exc).__name__}: {exc}")
        if self._start_fault is not None and self.process is not None:
            self._kill()

    def _start_warm(self) -> bool:
        """Fork from the zygote. If that fails, no learner code has run, so the failure is
        the warm sandbox's: it is retired, and the kata starts cold, as safely."""
        try:
            self._start()
            return True
        except (ZygoteError, LearnerFault, OSError, subprocess.SubprocessError, ValueError) as exc:
            why = str(getattr(self.process, "error", None) or exc)
            zygote = self.zygote
            self.close()
            zygote.retire(why)
            self.zygote = None
            self.output = CapturedOutput(self.limits.output_bytes, self.limits.output_tail_bytes)
            self.budget = float(self.limits.timeout_s)
            self.uid = None
            return False

    def _command(self, config: dict) -> tuple[list[str], dict, dict]:
        """The command line, environment and extra Popen arguments for this isolation level."""
        env = dict(BASE_ENVIRONMENT)
        python = [self.python, "-s", "-S", "-B", "-c", BOOTSTRAP]
        level = self.isolation.level
        if level == NAMESPACES:
            env.update(HOME=view.TMP, TMPDIR=view.TMP)
            config.update(workspace=view.WORKSPACE, site=[view.SITE])
            options = view.bwrap_options(self.isolation.root, self.framework, str(self._materialized.path),
                                         self.limits, self.python, self.answers)
            args_fd = self._args_pipe(options)
            return ([self.isolation.bwrap, "--args", str(args_fd), "--"] + python + [view.HARNESS, json.dumps(config)],
                    env, {"pass_fds": [args_fd]})
        home = os.path.join(self._private, "home")
        os.mkdir(home, 0o700)
        env.update(HOME=home, TMPDIR=home)
        config.update(workspace=str(self._materialized.path), site=view.grader_site_dirs())
        extra = {"cwd": home}
        if level == UID_DROP:
            protect_answers(tuple(view.answer_folders(self.answers)))
            os.chown(home, self.uid, self.uid)
            self._materialized.own(self.uid)   # no other fresh uid (a classmate's) may read it
            os.chmod(self._private, 0o711)
            extra.update(user=self.uid, group=self.uid, extra_groups=[])
        else:
            env["KATA_RUN_TOKEN"] = self.token   # lets kill_tree find processes that left the tree
            config["subreaper"] = True
        # Without a PID namespace, a class run's worker finds what its sandboxes left by this mark.
        env.update({k: os.environ[k] for k in PASS_THROUGH if k in os.environ})
        return python + [view.harness_dir(), json.dumps(config)], env, extra

    def _args_pipe(self, options: list[str]) -> int:
        """A pipe holding bubblewrap's options, NUL-separated; bwrap reads it to the end, so
        the copy its command inherits is empty."""
        data = b"".join(o.encode() + b"\0" for o in options)
        read_end, write_end = os.pipe()
        try:
            if len(data) > 60000:  # more than a pipe holds before bwrap starts reading
                raise ValueError(f"{len(data)} bytes of sandbox options")
            os.write(write_end, data)
        finally:
            os.close(write_end)
        self._extra_fds.append(read_end)
        return read_end

    def _start(self) -> None:
        self._private = tempfile.mkdtemp(prefix="kata-run-")
        if self.zygote is None:  # a warm sandbox gets the snapshot through its zygote's spool
            self._materialized = self.snapshot.materialize()
        if self.isolation.root and self.isolation.level in (NAMESPACES, UID_DROP):
            self.uid = fresh_uid()
        self._fault_log = FaultLog(self._private)
        self._arena = Arena() if Arena.available() else None
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        passed = [to_child_r, from_child_w, self._fault_log.fd] + ([self._arena.fd] if self._arena else [])
        config = {"in": to_child_r, "out": from_child_w, "faults": self._fault_log.fd,
                  "shm": self._arena.fd if self._arena else -1, "framework": self.framework,
                  "uid": self.uid if self.isolation.level == NAMESPACES else None,
                  "max_threads": self.limits.max_threads if self.isolation.level != PROCESS else None,
                  "max_file_bytes": self.limits.max_file_bytes}
        try:
            if self.zygote is not None:
                self._spawn_warm(config, to_child_r, from_child_w)
            else:
                self._spawn_cold(config, passed)
        except BaseException:
            os.close(to_child_w)
            os.close(from_child_r)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
            for fd in self._extra_fds:
                os.close(fd)
            self._extra_fds = []
            if self._arena is not None:
                os.set_inheritable(self._arena.fd, False)
            os.set_inheritable(self._fault_log.fd, False)
        if self.isolation.level != PROCESS and self.zygote is None:
            self._joiner = threading.Thread(target=self._enter_cgroup, name="kata-cgroup", daemon=True)
            self._joiner.start()
        self._channel = channel.Channel(to_child_w, from_child_r, self.limits.max_result_bytes)
        self._reader = threading.Thread(target=drain, args=(self.process.stdout, self.output), daemon=True)
        self._reader.start()
        # Harness start-up (including importing torch) is not charged to the learner.
        reply = self._request({"op": "setup", "kata": self.kata_id, "module": self.module_file.name,
                               "memory_mb": self.limits.memory_mb},
                              budget=SETUP_TIMEOUT_S, charge=False)
        if not reply.get("ok"):
            error = reply.get("error", {})
            raise self.faults.internal("the sandbox did not start",
                                       f"{error.get('type', '?')}: {error.get('message', '')}", error.get("trace", []))
        self.roots = [str(reply.get("workspace", ""))]
        self.harness_pid = self._find_harness()
        self._start_watch()

    def _spawn_cold(self, config: dict, passed: list[int]) -> None:
        """A sandbox of its own: bubblewrap (or a plain process) started for this kata."""
        command, env, extra = self._command(config)
        passed += extra.pop("pass_fds", [])
        for fd in passed:
            os.set_inheritable(fd, True)
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, pass_fds=passed, env=env,
                                        start_new_session=True, cwd=extra.pop("cwd", self._private), **extra)

    def _spawn_warm(self, config: dict, to_child_r: int, from_child_w: int) -> None:
        """A fork of a warm zygote, in namespaces of its own (see zygote.py)."""
        zygote = self.zygote
        namespaces = self.isolation.level == NAMESPACES
        self._job = zygote.write_job(self.snapshot.files, owner=None if namespaces else self.uid)
        out_r, out_w = os.pipe()
        status_r, status_w = os.pipe()
        home = os.path.join(self._private, "home")
        if not namespaces:  # a dropped uid without a mount namespace: its home is a private folder
            os.mkdir(home, 0o700)
            os.chown(home, self.uid, self.uid)
            os.chmod(self._private, 0o711)
            protect_answers(tuple(view.answer_folders(self.answers)))
        workspace = view.WORKSPACE if namespaces else os.path.join(zygote.spool, self._job)
        env = {"HOME": view.TMP, "TMPDIR": view.TMP} if namespaces else {"HOME": home, "TMPDIR": home}
        config = {**config, "uid": self.uid, "job": self._job, "workspace": workspace, "site": [],
                  "tmpfs_bytes": self.limits.tmpfs_mb * 1024 * 1024, "env": env, "home": home}
        fds = {"in": to_child_r, "out": from_child_w, "faults": self._fault_log.fd, "stdout": out_w, "status": status_w}
        if self._arena is not None:
            fds["shm"] = self._arena.fd
        self._baseline = zygote.prepare_budget()
        try:
            pid = zygote.spawn(config, fds)
        finally:
            os.close(out_w)
            os.close(status_w)
        self.process = WarmChild(pid, os.fdopen(out_r, "rb", buffering=0), status_r)

    def _find_harness(self) -> int:
        """The harness's pid as the grader sees it: under bubblewrap, the child of the
        sandbox's init (bwrap -> init -> harness); otherwise the process itself."""
        if self.zygote is not None:  # the kata's init is the process handed back: the harness is below it
            below = children(self.process.pid)
            return below[0] if below else self.process.pid
        if self.isolation.level != NAMESPACES:
            return self.process.pid
        init = children(self.process.pid)
        below = children(init[0]) if init else []
        return below[0] if below else self.process.pid

    def members(self) -> list[int]:
        """The learner's processes: under bubblewrap every process in the sandbox's PID
        namespace (all below its init), with a dropped uid every process of that uid."""
        if self.process is None:
            return []
        if self.isolation.level == UID_DROP:
            return processes_of_uid(self.uid)
        if self.zygote is not None:
            return [p for p in subtree(self.process.pid) if p != self.process.pid]
        if self.isolation.level == NAMESPACES:
            # Orphans are adopted by the sandbox's init, so below it is everything.
            return [p for init in children(self.process.pid) for p in subtree(init) if p != init]
        return subtree(self.process.pid)

    def _enter_cgroup(self) -> None:
        """Put the sandbox in a cgroup of its own, where the machine allows one. Runs in a
        thread while the harness starts: a process's first move between cgroups waits for
        an RCU grace period (~15 ms), which the interpreter's start-up hides."""
        group = Cgroup.create(self.limits.memory_bytes, self.limits.max_processes)
        if group is None:
            return
        # Move the sandbox's processes in one batch (one grace period): under bubblewrap,
        # wait the few milliseconds until bwrap, its init and the harness all exist.
        expected = 3 if self.isolation.level == NAMESPACES else 1
        until = time.monotonic() + 0.2
        pids = subtree(self.process.pid)
        while len(pids) < expected and time.monotonic() < until and self.process.poll() is None:
            time.sleep(0.0005)
            pids = subtree(self.process.pid)
        if group.add(pids):
            self._cgroup = group
        else:
            group.remove()

    def _start_watch(self) -> None:
        """With the harness ready and no learner code run yet: every process of the sandbox
        in its cgroup (those forked after the first move are already), and the budget watched."""
        memory = self.limits.memory_bytes
        if self._joiner is not None:
            self._joiner.join()
            self._joiner = None
        if self._cgroup is not None:
            inside = set(self._cgroup.pids())
            if not self._cgroup.add([p for p in subtree(self.process.pid) if p not in inside]):
                raise self.faults.internal("the sandbox did not start", "it could not be put in its cgroup")
        group = self._budget_cgroup()
        if group is not None:
            self._oom_before = group.oom_killed_count()
            usage = lambda pids: group.usage()  # noqa: E731 - every page the tree touched
        elif self.isolation.level == UID_DROP:
            usage = lambda pids: (sum(memory_bytes(p) for p in pids) + held_memfds(pids)  # noqa: E731
                                  + files_of_uid(self.uid))
        else:
            usage = None
        self._watch = TreeWatch(self.members, self._kill_learner, memory, self.limits.max_processes,
                                self.limits.watch_interval_s, usage)
        self._watch.arm(self._watch.measure()[0])   # before any learner code: the harness's own memory
        self._watch.start()

    def _budget_cgroup(self):
        """The cgroup that holds this kata: its own, or its zygote's (one kata at a time)."""
        if self._cgroup is not None:
            return self._cgroup
        return self.zygote.cgroup if self.zygote is not None else None

    def close(self) -> None:
        if self._joiner is not None:
            self._joiner.join()
            self._joiner = None
        if self._watch is not None:
            self._watch.stop()
        if self.process is not None:
            self._kill()
            if self._channel is not None:
                self._channel.close()
            if self._reader is not None:
                self._reader.join(timeout=1.0)  # a stray process may still hold the pipe; don't wait for it
            self.process = None
        if self._fault_log is not None:
            self._fault_log.close()
        if self._arena is not None:
            self._arena.close()
            self._arena = None
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        if self._materialized is not None:
            self._materialized.close()
            self._materialized = None
        if self._job is not None:
            self.zygote.drop_job(self._job)
            self._job = None
        if self._private is not None:
            import shutil

            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    # -- ending the learner's processes --------------------------------------
    def _kill_learner(self) -> None:
        """Kill every learner process now (the watch calls this from its thread)."""
        if self._cgroup is not None:
            self._cgroup.kill()
        if self.zygote is not None and self.isolation.level == NAMESPACES:
            self.process.kill()   # the kata's init: its PID namespace goes with it
        elif self.isolation.level == NAMESPACES:
            # Killing the sandbox's init takes its whole PID namespace with it.
            for pid in children(self.process.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        elif self.isolation.level == UID_DROP:
            kill_all(lambda: processes_of_uid(self.uid))
        else:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass

    def _kill(self) -> None:
        """Kill the child and every process it started, wherever they went, and reap it."""
        if self.process is None:
            return
        if self.isolation.level == PROCESS:
            kill_tree(self.process, self.token)
            return
        # The namespace's init finishes dying only once every process in it is gone: wait
        # for that before letting go of the sandbox (its fds close earlier than that).
        inits = [self.process.pid] if self.zygote is not None else children(self.process.pid)
        self._kill_learner()
        if self.isolation.level == NAMESPACES:
            # Killing the init ends its namespace; the init is a zombie once the last process in
            # it is gone, usually within a few milliseconds (short pauses first: every grade ends here).
            until, pause = time.monotonic() + 5.0, 0.0001
            while time.monotonic() < until and any(process_state(p) not in "ZX?" for p in inits):
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
        kill_all(lambda: [p for p in subtree(self.process.pid) if p != self.process.pid])
        try:
            self.process.kill()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self.isolation.level == UID_DROP:
            kill_all(lambda: processes_of_uid(self.uid))
            remove_files_of_uid(self.uid)

    # -- requests ----------------------------------------------------------
    def load(self) -> list[str]:
        if self._start_fault is not None:
            raise self._start_fault
        reply = self._request({"op": "load"})
        self.blocked_imports = [str(b) for b in reply.get("blocked", [])]
        if not reply["ok"]:
            raise self._fault_from_error(reply["error"], None, loading=True)
        functions = reply.get("functions")
        if not isinstance(functions, list):
            raise self.faults.corrupted(None, "a load reply without the list of functions")
        self.functions = [str(f) for f in functions]
        return self.functions

    def call(self, fn: str, *args, keep: bool = False) -> CallResult:
        if self._start_fault is not None:
            raise self._start_fault
        message = {"op": "call", "fn": fn, "args": list(args), "keep": keep, "echo_args": self._arena is None}
        reply = self._request(message, function=fn, arena=self._arena)
        self.blocked_imports = [str(b) for b in reply.get("blocked", self.blocked_imports)]
        if not reply["ok"]:
            raise self._fault_from_error(reply["error"], fn)
        if "result" not in reply:
            raise self.faults.corrupted(fn, "a reply without a result")
        # What the inputs look like now, read from memory the learner's process cannot lie about.
        after = codec.read_back(list(args), self._arena) if self._arena is not None else reply.get("args_after", [])
        handle = reply.get("handle")
        return CallResult(reply["result"], after, handle if isinstance(handle, int) else None)

    def _request(self, message: dict, budget: float | None = None, charge: bool = True,
                 function: str | None = None, arena: Arena | None = None) -> dict:
        if self.process is None or self._channel is None or not self._channel.open:
            raise LearnerFault("dead", "the learner process is not running", fatal=True, function=function)
        self._next_id += 1
        message = {**message, "id": self._next_id}
        if arena is not None:
            arena.begin()
        callbacks: list = []
        data = codec.encode_message(message, arena=arena, callbacks=callbacks)
        allowed = self.budget if budget is None else budget
        started = time.monotonic()
        deadline = started + max(allowed, 0.0)
        try:
            self._channel.send(data, deadline)
            while True:
                reply = self._decode(self._channel.receive(deadline), function)
                if reply.get("op") != "callback":
                    break
                self._answer(reply, callbacks, deadline, function)
        except channel.Timeout:
            self._on_timeout(function)
        except channel.Closed:
            raise self._death(function) from None
        except channel.TooLarge as large:
            self._kill()
            raise self.faults.too_large(function, large.size) from None
        finally:
            if charge:
                self.budget -= time.monotonic() - started
        self._settle_output()
        if not isinstance(reply.get("ok"), bool):
            self._kill()
            raise self.faults.corrupted(function, "not a reply")
        return reply

    def _decode(self, frame: bytes, function: str | None) -> dict:
        try:
            reply = codec.decode_message(frame)
            if not isinstance(reply, dict):
                raise ValueError("not a reply")
        except Exception as exc:  # garbage on the pipe: learner code tampered with the harness
            self._kill()
            raise self.faults.corrupted(function, type(exc).__name__) from None
        # A harness that could not even read the request (out of memory decoding it)
        # answers with an error and no id; anything else must carry this request's id.
        if reply.get("id") != self._next_id and not (reply.get("id") is None and reply.get("ok") is False):
            self._kill()
            raise self.faults.corrupted(function, "a reply to a request the grader did not send")
        return reply

    def _answer(self, request: dict, callbacks: list, deadline: float, function: str | None) -> None:
        """Evaluate one of the functions this request handed over, on the learner's arguments."""
        key = request.get("k")
        if not isinstance(key, int) or not 0 <= key < len(callbacks):
            self._kill()
            raise self.faults.corrupted(function, "a call of a function the grader never handed over")
        spec = callbacks[key]
        try:
            value = spec.function(*request.get("args", []))
            answer = {"ok": True, "value": value}
            data = codec.encode_message(answer)
        except Exception as exc:  # noqa: BLE001 - the learner's arguments made the function fail
            answer = {"ok": False, "error": f"{spec.name}() failed on the arguments your code gave it "
                                            f"({type(exc).__name__}: {exc})"[:500]}
            data = codec.encode_message(answer)
        self._channel.send(data, deadline)

    def _settle_output(self, wait: float = 0.2) -> None:
        """Let the reader thread catch up with what the child printed before it replied."""
        stdout = self.process.stdout if self.process is not None else None
        if stdout is None:
            return
        until = time.monotonic() + wait
        while time.monotonic() < until:
            try:
                pending = struct.unpack("i", fcntl.ioctl(stdout.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
            except (OSError, ValueError):
                return
            if pending <= 0:
                return
            time.sleep(0.002)

    # -- where the learner's code was ---------------------------------------
    def _on_timeout(self, function: str | None):
        """Out of time: note where the learner's code is, kill everything, raise."""
        frames: list[Frame] = []
        pid = self.harness_pid
        if (pid is not None and self.process is not None and self.process.poll() is None
                and process_state(pid) not in "TtZX?"):  # a stopped process cannot dump its stack
            before = self._fault_log.size()
            try:
                os.kill(pid, signal.SIGUSR1)  # faulthandler in the child dumps its stack
            except OSError:
                pass
            until, last = time.monotonic() + 1.0, before  # returns as soon as the dump is written
            while time.monotonic() < until:
                time.sleep(0.02)
                size = self._fault_log.size()
                if size > before and size == last:
                    break
                last = size
            self._kill()
            frames = self._fault_log.frames(self.roots, self.snapshot, before)
        else:
            self._kill()
        raise self.faults.timeout(function, *format_frames(frames))

    # -- faults in the learner's terms -----------------------------------
    def _exit_status(self) -> tuple[int | None, int | None]:
        """(exit code, signal) of the harness. bubblewrap reports a signal as 128 + its number."""
        code = self.process.returncode
        if code is not None and code < 0:
            return None, -code
        if self.zygote is None and self.isolation.level == NAMESPACES and code is not None and 128 < code <= 128 + 64:
            return None, code - 128
        return code, None

    def _death(self, function: str | None) -> LearnerFault:
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._kill()
            if self._watch is not None and self._watch.exceeded:
                return self.faults.over_budget(function, *self._watch.exceeded)
            return self.faults.closed(function)
        self._kill()  # its background processes, if any
        if self._watch is not None and self._watch.exceeded:
            return self.faults.over_budget(function, *self._watch.exceeded)
        group = self._budget_cgroup()
        if group is not None and group.oom_killed_count() > self._oom_before:
            return self.faults.over_budget(function, "memory", f"more than {self.limits.memory_mb} MiB together")
        code, signum = self._exit_status()
        memory = self._memory_fault or self.output.mentions_memory()
        return self.faults.death(function, code, signum, self._fault_log.frames(self.roots, self.snapshot), memory, self.output.tail_lines())

    def _fault_from_error(self, error, function: str | None, loading: bool = False) -> LearnerFault:
        if not isinstance(error, dict):
            self._kill()
            return self.faults.corrupted(function, "an error report that is not one")
        fault = self.faults.from_error(error, function, loading)
        if fault.kind == "memory":
            self._memory_fault = True  # the process may still hold what it allocated
        return fault
