"""Unit tests of the sandbox's parts that need no sandbox: the probe cache, the cgroup
writers (against a fake cgroup file system), the snapshot's refusals, safe parsing."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.sandbox import budget, isolation
from grader.sandbox.snapshot import decoding_error, take_snapshot


# -- the probe cache --------------------------------------------------------------------

@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    isolation.detect.cache_clear()
    yield tmp_path / "backprop-katas" / "namespaces-ok.json"
    isolation.detect.cache_clear()


def test_a_remembered_probe_is_used_and_a_changed_key_is_not(fresh_cache, monkeypatch):
    binary = isolation.find_bwrap()[0]
    if binary is None:
        pytest.skip("no bwrap here")
    key = isolation._probe_key(binary, os.geteuid() == 0)
    isolation._remember(key, "9.9")
    assert isolation._remembered(key) == "9.9"
    assert isolation._remembered(key + "x") is None
    calls = []
    monkeypatch.setattr(isolation, "_probe", lambda *a: calls.append(a) or "")
    found, _ = isolation._namespaces(os.geteuid() == 0)
    if found.bwrap == binary:   # the binary on PATH would be tried first
        assert found.bwrap_version == "9.9" and not calls


def test_forget_removes_the_remembered_probe(fresh_cache):
    isolation._remember("some key", "0.11")
    assert fresh_cache.is_file()
    isolation.forget()
    assert not fresh_cache.exists()


def test_a_failed_probe_is_not_remembered(fresh_cache, monkeypatch):
    monkeypatch.setattr(isolation, "_probe", lambda *a: "Creating new namespace failed: Operation not permitted")
    monkeypatch.setattr(isolation, "_remembered", lambda key: None)
    found, why = isolation._namespaces(False)
    if isolation.find_bwrap()[0] is None:
        pytest.skip("no bwrap here")
    assert found is None and "Operation not permitted" in why
    assert not fresh_cache.exists()


def test_an_unknown_level_is_an_error():
    with pytest.raises(isolation.IsolationError):
        isolation.detect("chroot")


# -- cgroups, against a fake file system ---------------------------------------------------

def test_a_v2_leaf_sets_its_limits_and_is_refused_without_the_controllers(tmp_path, monkeypatch):
    root = tmp_path / "cg"
    (root / "grader").mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    monkeypatch.setattr(budget, "_own_cgroups", lambda: {"": "/grader"})
    original_mkdir = Path.mkdir

    def mkdir(self, *a, **k):  # the kernel fills a new cgroup folder with its files
        original_mkdir(self, *a, **k)
        if self.parent == root / "grader":
            (self / "cgroup.controllers").write_text(controllers[0])
            for name in ("memory.max", "pids.max", "cgroup.procs", "cgroup.kill"):
                (self / name).write_text("")

    monkeypatch.setattr(Path, "mkdir", mkdir)
    controllers = ["memory pids\n"]
    group = budget.CgroupV2.make(root, budget._own_cgroups(), 100 << 20, 32)
    assert group is not None
    assert (group.dirs[0] / "memory.max").read_text() == str((100 << 20) + budget.LEAF_SLACK)
    assert (group.dirs[0] / "pids.max").read_text() == "40"
    assert group.add([123]) and (group.dirs[0] / "cgroup.procs").read_text() == "123"
    group.kill()
    assert (group.dirs[0] / "cgroup.kill").read_text() == "1"
    controllers[0] = "cpu\n"  # no memory controller delegated here
    assert budget.CgroupV2.make(root, budget._own_cgroups(), 100 << 20, 32) is None


def test_a_v1_pair_writes_memory_and_pids_limits(tmp_path, monkeypatch):
    root = tmp_path / "cg"
    for hierarchy, files in (("memory", ("memory.limit_in_bytes",)), ("pids", ("cgroup.procs",))):
        (root / hierarchy / "me").mkdir(parents=True)
        for name in files:
            (root / hierarchy / "me" / name).write_text("")
    original_mkdir = Path.mkdir

    def mkdir(self, *a, **k):
        original_mkdir(self, *a, **k)
        for name in ("memory.limit_in_bytes", "pids.max", "cgroup.procs"):
            (self / name).write_text("")

    monkeypatch.setattr(Path, "mkdir", mkdir)
    group = budget.CgroupV1.make(root, {"memory": "/me", "pids": "/me"}, 64 << 20, 8)
    assert group is not None
    memory, pids = group.dirs
    assert memory.parent == root / "memory" / "me" and pids.parent == root / "pids" / "me"
    assert (memory / "memory.limit_in_bytes").read_text() == str((64 << 20) + budget.LEAF_SLACK)
    assert (pids / "pids.max").read_text() == "16"


def test_held_memfds_are_counted_once(tmp_path):
    fd = os.memfd_create("counted")
    try:
        os.write(fd, b"x" * (1 << 20))
        dup = os.dup(fd)
        try:
            assert budget.held_memfds([os.getpid()]) >= 1 << 20
            assert budget.held_memfds([os.getpid()]) < 2 << 20  # the duplicate is the same file
        finally:
            os.close(dup)
    finally:
        os.close(fd)


# -- the snapshot -------------------------------------------------------------------------

def test_the_snapshot_refuses_links_and_special_files_and_reads_nothing_twice(tmp_path):
    (tmp_path / "real.py").write_text("x = 1\n")
    (tmp_path / "part.py").symlink_to(tmp_path / "real.py")
    snap = take_snapshot(tmp_path, "part.py")
    assert snap.error is not None and "symbolic link" in snap.error.message
    os.unlink(tmp_path / "part.py")
    os.mkfifo(tmp_path / "part.py")
    snap = take_snapshot(tmp_path, "part.py")
    assert snap.error is not None and "FIFO" in snap.error.message


def test_the_snapshot_caps_a_file_and_skips_unreadable_neighbours(tmp_path):
    from grader.sandbox.policy import Limits

    (tmp_path / "part.py").write_text("x = 1\n")
    (tmp_path / "huge.py").write_bytes(b"#" * 5000)
    (tmp_path / "link.py").symlink_to("/dev/zero")
    snap = take_snapshot(tmp_path, "part.py", Limits(file_bytes=4096))
    assert snap.error is None and set(snap.files) == {"part.py"}
    assert "larger than" in snap.skipped["huge.py"] and "symbolic link" in snap.skipped["link.py"]
    (tmp_path / "part.py").write_bytes(b"#" * 5000)
    assert "larger than" in take_snapshot(tmp_path, "part.py", Limits(file_bytes=4096)).error.message


def test_a_file_python_cannot_decode_is_reported_at_its_line_like_python():
    error = decoding_error("part2.py", b"import numpy\n\n# caf\xe9\n")
    assert error is not None and "line 3" in error.message and "Non-UTF-8 code starting with '\\xe9'" in error.message
    assert decoding_error("part2.py", "# -*- coding: latin-1 -*-\n# caf\xe9\n".encode("latin-1")) is None
    assert decoding_error("part2.py", "# café\n".encode()) is None
