"""What the sandboxed process sees, as bubblewrap arguments.

Inside, the root is an empty tmpfs holding only:

    /usr, /lib*, /bin ...   the operating system's libraries and tools, read-only
    <the interpreter>       its prefix at its own path, read-only, with every
                            site-packages folder in it hidden under an empty tmpfs
    /kata/site              one entry per top-level module of the kata's framework and
                            of what it requires (for a NumPy kata: numpy, numpy.libs;
                            torch is not there at all), read-only
    /kata/harness           the harness: grader/sandbox/{child,codec,debugger,frames,shm}.py
    /workspace              the snapshot of the learner's files, read-only
    /tmp                    a private tmpfs of a few MiB: working folder and HOME
    /proc, /dev             this PID namespace's own, and a minimal device set

No other part of this project (no solutions/, no checks.py, no other kata) and
nothing of the user's is mounted; folders that must stay hidden but lie inside
a mounted one are covered with an empty tmpfs.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import site
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox.policy import Limits

SITE, HARNESS, WORKSPACE, TMP, SPOOL = "/kata/site", "/kata/harness", "/workspace", "/tmp", "/kata/spool"
SYSTEM_DIRS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")
HARNESS_FILES = ("child.py", "codec.py", "debugger.py", "frames.py", "shm.py", "zygote.py")
FRAMEWORKS = {"numpy": ("numpy",), "torch": ("torch", "numpy")}
GRADER_PACKAGE = Path(__file__).resolve().parent.parent


def interpreter() -> str:
    """The real interpreter binary (a venv's python is a link to, or a copy of, it)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def grader_site_dirs() -> list[str]:
    """The site-packages folders the grader itself imports from."""
    dirs = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    try:
        dirs += site.getsitepackages()
    except AttributeError:  # pragma: no cover - old virtualenv
        pass
    user = getattr(site, "ENABLE_USER_SITE", False) and site.getusersitepackages()
    if user:
        dirs.append(user)
    out = []
    for d in dirs:
        real = os.path.realpath(d)
        if os.path.isdir(real) and real not in out:
            out.append(real)
    return out


# -- the framework's distributions ---------------------------------------------------

def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.lru_cache(maxsize=None)
def _dist_index(site_dirs: tuple[str, ...]) -> dict[str, str]:
    """Normalized distribution name -> its .dist-info folder (first site dir wins)."""
    index: dict[str, str] = {}
    for d in site_dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist = name[:-len(".dist-info")].rpartition("-")[0] or name[:-len(".dist-info")]
                index.setdefault(_normalize(dist), os.path.join(d, name))
    return index


_REQUIREMENT = re.compile(r"^Requires-Dist:\s*([A-Za-z0-9][A-Za-z0-9._-]*)([^;]*)(?:;(.*))?$")


def _marker_applies(marker: str) -> bool:
    """Extras never apply; other markers are evaluated when `packaging` is there, and
    otherwise assumed to apply (one library too many is harmless, one too few is not)."""
    if not marker.strip():
        return True
    if "extra" in marker:
        return False
    try:
        from packaging.markers import Marker

        return bool(Marker(marker).evaluate())
    except Exception:  # noqa: BLE001
        return True


def _requirements(dist_info: str) -> list[str]:
    try:
        with open(os.path.join(dist_info, "METADATA"), encoding="utf-8", errors="replace") as f:
            head = f.read().split("\n\n", 1)[0]
    except OSError:
        return []
    out = []
    for line in head.splitlines():
        m = _REQUIREMENT.match(line.strip())
        if m and _marker_applies(m.group(3) or ""):
            out.append(m.group(1))
    return out


def _top_levels(dist_info: str) -> set[str]:
    """The site-packages entries a distribution installed (its RECORD's first path parts)."""
    tops = set()
    try:
        with open(os.path.join(dist_info, "RECORD"), encoding="utf-8", errors="replace") as f:
            for line in f:
                first = line.split(",", 1)[0].replace("\\", "/").split("/", 1)[0]
                if first and first not in ("..", "__pycache__") and not first.endswith((".dist-info", ".pth")):
                    tops.add(first)
    except OSError:
        pass
    return tops


@functools.lru_cache(maxsize=None)
def framework_entries(framework: str, site_dirs: tuple[str, ...]) -> tuple[str, ...]:
    """Absolute paths of every site-packages entry the framework's import can need:
    its distributions and, transitively, what they require."""
    index = _dist_index(site_dirs)
    todo, seen, entries = list(FRAMEWORKS.get(framework, ("numpy",))), set(), {}
    while todo:
        name = _normalize(todo.pop())
        if name in seen or name not in index:
            continue
        seen.add(name)
        info = index[name]
        folder = os.path.dirname(info)
        for top in _top_levels(info):
            path = os.path.join(folder, top)
            if os.path.exists(path):
                entries.setdefault(top, path)
        todo += _requirements(info)
    return tuple(sorted(entries.values()))


# -- the harness ----------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def harness_dir() -> str:
    """A private, world-readable copy of the harness files: the only grader code the
    learner's process can import (its `grader` and `grader.sandbox` are empty packages)."""
    root = tempfile.mkdtemp(prefix="kata-harness-")
    package = Path(root) / "grader" / "sandbox"
    package.mkdir(parents=True)
    (Path(root) / "grader" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    here = Path(__file__).resolve().parent
    for name in HARNESS_FILES:
        shutil.copyfile(here / name, package / name)
    for path in (Path(root), Path(root) / "grader", package, *Path(root).rglob("*.py")):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    import atexit

    atexit.register(shutil.rmtree, root, True)
    return root


# -- bubblewrap arguments ----------------------------------------------------------------

@dataclass
class Mounts:
    """Builds a bubblewrap argument list; parents of mount points are made 0755 (bwrap
    would make them 0700 as root, unreadable to the dropped uid)."""
    args: list[str] = field(default_factory=list)
    made: set[str] = field(default_factory=lambda: {"/"})
    mounted: list[str] = field(default_factory=list)

    def _parents(self, dest: str) -> None:
        parts = Path(dest).parts[1:-1]
        for i in range(1, len(parts) + 1):
            path = "/" + "/".join(parts[:i])
            if path in self.made or any(path == m or path.startswith(m + "/") for m in self.mounted):
                continue
            self.args += ["--perms", "0755", "--dir", path]
            self.made.add(path)

    def bind(self, source: str, dest: str) -> None:
        self._parents(dest)
        self.args += ["--ro-bind", source, dest]
        self.made.add(dest)
        self.mounted.append(dest)

    def symlink(self, target: str, dest: str) -> None:
        self._parents(dest)
        self.args += ["--symlink", target, dest]
        self.made.add(dest)

    def tmpfs(self, dest: str, size_mb: int, mode: str = "0755") -> None:
        self._parents(dest)
        self.args += ["--perms", mode, "--size", str(size_mb * 1024 * 1024), "--tmpfs", dest]
        self.made.add(dest)
        self.mounted.append(dest)


def _system(m: Mounts) -> None:
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            m.symlink(os.readlink(path), path)
        elif os.path.isdir(path):
            m.bind(path, path)
    for path in SYSTEM_FILES:
        if os.path.isfile(path):
            m.bind(os.path.realpath(path), path)


def _inside(path: str, folders) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def _interpreter(m: Mounts, python: str) -> None:
    """The interpreter's prefix, unless /usr already holds it, with its site folders hidden."""
    prefix = os.path.realpath(sys.base_prefix) if python == interpreter() else str(Path(python).parent.parent)
    if not _inside(prefix, [p for p in m.mounted]):
        m.bind(prefix, prefix)
    if not _inside(python, m.mounted):
        m.bind(python, python)
    for folder in _interpreter_site_dirs(prefix):
        if _inside(folder, m.mounted):
            m.tmpfs(folder, 1)


def _interpreter_site_dirs(prefix: str) -> list[str]:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [os.path.join(prefix, lib, version, kind) for lib in ("lib", "lib64")
                  for kind in ("site-packages", "dist-packages")]
    candidates += [os.path.join(prefix, "lib", "python3", "dist-packages"),
                   os.path.join(prefix, "local", "lib", version, "dist-packages"),
                   os.path.join(prefix, "local", "lib", version, "site-packages")]
    candidates += grader_site_dirs()
    return sorted({os.path.realpath(c) for c in candidates if os.path.isdir(c)})


def answer_folders(folders) -> list[str]:
    """The folders that hold answers (the caller names the katas' and references'), and
    the git history beside each, which holds every committed reference too."""
    found = {os.path.realpath(p) for p in folders if os.path.isdir(p)}
    found |= {os.path.join(os.path.dirname(p), ".git") for p in list(found)}
    return sorted(p for p in found if os.path.isdir(p))


def hidden_paths(answers=()) -> list[str]:
    """What must stay invisible even when it lies inside a mounted folder: the answers,
    this package (the harness is mounted on its own), and the user's home."""
    paths = [*answers, str(GRADER_PACKAGE), os.path.expanduser("~")]
    return [os.path.realpath(p) for p in paths if os.path.exists(p)]


def namespace_flags(root: bool, zygote: bool = False) -> list[str]:
    """A zygote keeps what it needs to give each fork namespaces of its own (it never
    runs learner code; every fork drops all of it before any learner code runs)."""
    flags = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--hostname", "kata"]
    if root:
        # No user namespace: the harness drops to a fresh uid itself, which needs these two.
        keep = ["CAP_SETUID", "CAP_SETGID"] + (["CAP_SYS_ADMIN"] if zygote else [])
        return flags + ["--cap-drop", "ALL"] + [arg for cap in keep for arg in ("--cap-add", cap)]
    return ["--unshare-user", "--disable-userns"] + flags + (["--cap-add", "ALL"] if zygote else ["--cap-drop", "ALL"])


def bwrap_options(root: bool, framework: str, workspace: str | None, limits: Limits,
                  python: str | None = None, answers=(), spool: str | None = None) -> list[str]:
    """bubblewrap's options (everything but the binary and the command). The caller
    passes them through `--args FD`, so the sandbox's /proc/1/cmdline does not show
    the host paths they name. With `spool` (a zygote), /workspace is an empty mount
    point and the spool of snapshots is at /kata/spool: each fork binds its own."""
    python = python or interpreter()
    m = Mounts()
    _system(m)
    _interpreter(m, python)
    for entry in framework_entries(framework, tuple(grader_site_dirs())):
        m.bind(entry, f"{SITE}/{os.path.basename(entry)}")
    m.bind(harness_dir(), HARNESS)
    if spool is None:
        m.bind(workspace, WORKSPACE)
    else:
        m.bind(spool, SPOOL)
        m.args += ["--perms", "0755", "--dir", WORKSPACE]
    for path in hidden_paths(answer_folders(answers)):
        if _inside(path, [a for a in m.mounted if a not in (SITE, HARNESS, WORKSPACE, SPOOL)]):
            m.tmpfs(path, 1)
    m.tmpfs(TMP, limits.tmpfs_mb, "1777")
    # /dev is a tmpfs of bwrap's with no size limit: give /dev/shm a tiny one, and make
    # the root read-only, so no file system inside can grow past the budget.
    return [*namespace_flags(root, zygote=spool is not None), *m.args, "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(1024 * 1024), "--tmpfs", "/dev/shm", "--remount-ro", "/",
            "--chdir", TMP]


def probe_arguments(binary: str, root: bool) -> list[str]:
    """A minimal sandbox that starts the interpreter: does bwrap work here at all?"""
    m = Mounts()
    _system(m)
    _interpreter(m, interpreter())
    return [binary, *namespace_flags(root), *m.args, "--proc", "/proc", "--dev", "/dev", "--",
            interpreter(), "-S", "-c", "pass"]
