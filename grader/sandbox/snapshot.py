"""The learner's files, read once, safely, before any learner code runs.

Everything after this (the sandbox, stub detection, tracebacks) uses the
snapshot, never the live folder: a file that is swapped for a FIFO, a link to
/dev/zero or the reference, or that grows after it was read, changes nothing.
Each file is opened with O_NOFOLLOW | O_NONBLOCK relative to the folder's own
descriptor, must be a regular file, and is read up to a size cap.
"""
from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox.policy import Limits


class SnapshotError(Exception):
    """The kata's own file cannot be graded as it is; `message` says why, in the learner's terms."""

    def __init__(self, kind: str, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.details = details or []


@dataclass
class Snapshot:
    """The `.py` files of one folder, as bytes, plus what was left out and why."""
    folder: Path                      # where they were read from (shown, never read again)
    main: str                         # the kata's learner file name
    files: dict[str, bytes] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)   # name -> why it is not in the snapshot
    error: SnapshotError | None = None                       # the main file cannot be graded

    def text(self, name: str) -> str:
        return self.files.get(name, b"").decode("utf-8", errors="replace")

    def source_line(self, name: str, number: int) -> str:
        lines = self.text(name).splitlines()
        return lines[number - 1].strip()[:200] if 0 < number <= len(lines) else ""

    def write(self, target: Path) -> None:
        """The files into `target` (created, world-readable: a dropped uid reads them)."""
        target.mkdir(mode=0o755, exist_ok=True)
        os.chmod(target, 0o755)
        for name, data in self.files.items():
            path = target / name
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)

    def materialize(self) -> "MaterializedSnapshot":
        return MaterializedSnapshot(self)


class MaterializedSnapshot:
    """The snapshot written to a private temporary folder, removed on close."""

    def __init__(self, snapshot: Snapshot):
        self.root = Path(tempfile.mkdtemp(prefix="kata-snapshot-"))
        self.path = self.root / "workspace"
        snapshot.write(self.path)
        os.chmod(self.root, 0o755)

    def own(self, uid: int) -> None:
        """Readable by `uid` alone (a dropped uid shares /tmp with every other one)."""
        for path in (self.root, self.path, *self.path.iterdir()):
            os.chown(path, uid, uid)
            os.chmod(path, 0o700 if path.is_dir() else 0o600)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


def _read_one(dir_fd: int, name: str, limit: int) -> tuple[bytes | None, str | None]:
    """(data, None), or (None, why it cannot be read) for one entry of the folder."""
    try:
        info = os.lstat(name, dir_fd=dir_fd)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.readlink(name, dir_fd=dir_fd)
        except OSError:
            target = "?"
        return None, (f"is a symbolic link (to {target}); the grader grades only regular files: "
                      "copy the file instead of linking it")
    if not stat.S_ISREG(info.st_mode):
        return None, f"is {_kind(info.st_mode)}, not a regular file"
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError as exc:
        return None, f"cannot be opened ({exc.strerror})"
    try:
        info = os.fstat(fd)  # what was opened, not what lstat saw a moment ago
        if not stat.S_ISREG(info.st_mode):
            return None, f"is {_kind(info.st_mode)}, not a regular file"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})"
    finally:
        os.close(fd)
    if size > limit:
        return None, f"is larger than {limit // 1024} KiB, the most the grader reads of one file"
    return b"".join(chunks), None


def decoding_error(name: str, data: bytes) -> SnapshotError | None:
    """What Python would say about a file it cannot decode (PEP 263), at its line and byte.

    Importing such a file can still work (CPython skips comments undecoded), but
    running it as a script fails, so the grader refuses it the way `python file.py`
    does, before any other finding about it."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return SnapshotError("syntax", f"syntax error in {name}: {exc.msg}")
    try:
        data.decode(encoding)
        return None
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
        line = data[:start].count(b"\n") + 1
        code = "\\x" + data[start:start + 1].hex()
        if encoding in ("utf-8", "utf-8-sig"):
            what = f"Non-UTF-8 code starting with '{code}', but no encoding declared"
        else:
            what = f"code that is not valid {encoding} (its declared encoding), starting with '{code}'"
        return SnapshotError("syntax", f"syntax error in {name}, line {line}: {what}",
                             ["save the file as UTF-8, or declare the encoding it is in with a "
                              "`# -*- coding: NAME -*-` first line (PEP 263)"])


def take_snapshot(folder: Path, main: str, limits: Limits | None = None) -> Snapshot:
    """Read `folder`'s top-level `*.py` files, `main` (the kata's learner file) first.

    A problem with `main` itself is `snapshot.error`; other files that cannot be
    read are left out (`skipped`), so importing them fails inside the sandbox."""
    limits = limits or Limits()
    folder = Path(folder)
    snap = Snapshot(folder, main)
    try:
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        snap.error = SnapshotError("missing", f"{folder} cannot be read ({exc.strerror})")
        return snap
    try:
        try:
            names = sorted(n for n in os.listdir(dir_fd) if n.endswith(".py"))
        except OSError as exc:
            names = [main]
            snap.skipped["*"] = f"the folder cannot be listed ({exc.strerror})"
        if main not in names:
            try:
                os.lstat(main, dir_fd=dir_fd)
                names.insert(0, main)  # e.g. a dangling symlink: say what it is
            except OSError:
                snap.error = SnapshotError("missing", f"{folder / main} does not exist")
                return snap
        names = [main] + [n for n in names if n != main]
        total = 0
        for name in names:
            if name != main and (len(snap.files) >= limits.snapshot_files or total >= limits.snapshot_bytes):
                snap.skipped[name] = "left out: the workspace holds too many or too large .py files"
                continue
            data, why = _read_one(dir_fd, name, limits.file_bytes)
            if why is not None:
                if name == main:
                    snap.error = SnapshotError("unreadable", f"{main} {why}")
                    return snap
                snap.skipped[name] = why
                continue
            snap.files[name] = data
            total += len(data)
    finally:
        os.close(dir_fd)
    snap.error = decoding_error(main, snap.files[main])
    return snap
