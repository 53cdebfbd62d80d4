"""`kata watch`: re-grade whenever the learner saves a file, and follow them through the katas.

By default the operating system reports saves (`NativeWait`, through watchfiles:
inotify, FSEvents or ReadDirectoryChangesW, and watchfiles' own polling only where
none of them works); with `--interval` the loop polls modification times instead,
which suits network file systems. Either way only the workspace's own top-level
`.py` and `.ipynb` files count: the progress record, its lock, and every folder
(backups, repro cases, notebook checkpoints, `__pycache__`) are ignored, and a save
that leaves a file as it was grades nothing. Everything with a side effect
(grading, showing, waiting, the clock, listing files) is passed in, so tests drive
the loop without sleeping or grading for real.
"""
from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from pathlib import Path
from typing import Callable

DEFAULT_INTERVAL_S = 0.5
WATCHED_SUFFIXES = (".py", ".ipynb")
STEP_MS = 50          # a batch of changes ends after this long without another (an editor's write + rename)
MAX_BATCH_MS = 1600   # ... or after this long in any case


def _sleep(seconds: float) -> None:
    """The real wait; a module attribute so a test of the CLI can replace it."""
    time.sleep(seconds)


def watched(name: str) -> bool:
    """A file name whose saves grade: a visible `.py` or `.ipynb` file."""
    return name.endswith(WATCHED_SUFFIXES) and not name.startswith(".")


def snapshot(workspace: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every visible `*.py` and `*.ipynb` file at the top of the workspace.

    Only those count: grading rewrites the state file and backups go into a hidden
    folder, and neither may trigger another grade. Helper modules the learner
    imports from a kata file are included.
    """
    found = {}
    try:
        names = [n for n in os.listdir(workspace) if watched(n)]
    except OSError:
        return found
    for name in names:
        try:
            st = os.stat(Path(workspace) / name)
        except OSError:  # deleted between listing and stat
            continue
        found[name] = (st.st_mtime_ns, st.st_size)
    return found


def contents(workspace: Path) -> dict[str, str]:
    """A digest of every watched file's bytes: an editor that writes a file twice, or a
    save without changes, grades once at most."""
    found = {}
    for name in snapshot(workspace):
        try:
            with open(Path(workspace) / name, "rb") as f:
                found[name] = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            continue
    return found


class NativeWait:
    """Waits for the operating system to report a save of a watched file.

    watchfiles runs in a thread from the moment this is made, so a save while the
    first grade runs is reported too; calling the object blocks until a batch of
    changes arrives (a batch closes after STEP_MS without another change). Ctrl-C
    interrupts the wait."""

    def __init__(self, workspace: Path):
        import watchfiles  # a dependency of the package, imported only by `kata watch`

        self.workspace = Path(workspace).resolve()
        self._batches: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._watchfiles = watchfiles
        self._thread = threading.Thread(target=self._run, name="kata-watch", daemon=True)
        self._thread.start()

    def relevant(self, change, path: str) -> bool:
        path = Path(path)
        return path.parent == self.workspace and watched(path.name)

    def _run(self) -> None:
        try:
            for batch in self._watchfiles.watch(self.workspace, watch_filter=self.relevant, recursive=False,
                                                step=STEP_MS, debounce=MAX_BATCH_MS, stop_event=self._stop,
                                                raise_interrupt=False):
                self._batches.put(sorted({Path(p).name for _, p in batch}))
        except BaseException as exc:  # noqa: BLE001 - told to the waiting thread, which raises it
            self._failure = exc
            self._batches.put(None)

    def __call__(self) -> list[str]:
        """The names in the next batch of changes."""
        while True:
            try:
                batch = self._batches.get(timeout=0.25)  # short waits: Ctrl-C gets through at once
            except queue.Empty:
                continue
            if batch is None:
                raise RuntimeError(f"the file watcher stopped: {self._failure}")
            return batch

    def close(self) -> None:
        self._stop.set()


def changed_files(before: dict, after: dict) -> list[str]:
    """Names that were added, removed or modified between two snapshots."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


class Watcher:
    """The watch loop.

    - `katas`: the catalog's katas in order; `current` is the one being worked on.
    - `grade(kata) -> KataResult` grades and records; `show(summary, result)` draws
      the screen, where `summary` is the one-line status for the top.
    - `passed`: ids already passed (from the workspace state), to know where to go next.
    """

    def __init__(self, katas: list, current, grade: Callable, show: Callable, files: Callable[[], dict],
                 passed=(), interval: float = DEFAULT_INTERVAL_S, sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.time, wait: Callable[[], object] | None = None):
        """`wait`: blocks until something may have been saved (a `NativeWait`); without
        it the loop sleeps `interval` seconds between looks at the files."""
        self.wait = wait
        self.katas = list(katas)
        self.current = current
        self.grade, self.show, self.files = grade, show, files
        self.passed = set(passed)
        self.interval, self.clock = interval, clock
        self.sleep = sleep if sleep is not None else _sleep
        self.seen: dict = {}

    def run(self, max_polls: int | None = None, stop: Callable[[], bool] = lambda: False) -> None:
        """Grade the current kata, then poll until `stop()` or `max_polls` polls.

        Ctrl-C arrives as KeyboardInterrupt from `sleep` or `grade`; it is left to
        the caller, which knows how to say goodbye.
        """
        self.seen = self.files()
        self.grade_and_show(self.current)
        if self.wait is not None:
            self.poll()  # a save while the first grade ran, before the OS was asked to report saves
        polls = 0
        while not stop() and (max_polls is None or polls < max_polls):
            if self.wait is not None:
                self.wait()
            else:
                self.sleep(self.interval)
            polls += 1
            self.poll()

    def poll(self) -> bool:
        """Check the files once; grade if something was saved. True if it graded."""
        now = self.files()
        changed = changed_files(self.seen, now)
        self.seen = now
        if not changed:
            return False
        self.grade_and_show(self._kata_for(changed))
        return True

    def _kata_for(self, changed: list[str]):
        """The kata a save belongs to: the file's own kata, else the current one (a helper module)."""
        owners = [k for k in self.katas if k.learner_file in changed
                  or Path(k.learner_file).stem + ".ipynb" in changed]
        if not owners or self.current in owners:
            return self.current
        return owners[0]

    def grade_and_show(self, kata) -> None:
        self.current = kata
        result = self.grade(kata)
        if result.passed:
            self.passed.add(kata.id)
        else:
            self.passed.discard(kata.id)
        following = self._next_after(kata) if result.passed else None
        self.show(self.summary(kata, result, following), result)
        if following is not None:
            self.current = following  # the next save of its file (or a helper) grades it

    def _next_after(self, kata):
        """The first kata after `kata` (wrapping round) not yet passed, or None if all are."""
        i = self.katas.index(kata)
        for other in self.katas[i + 1:] + self.katas[:i]:
            if other.id not in self.passed:
                return other
        return None

    def summary(self, kata, result, following) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(self.clock()))
        progress = f"{len(self.passed & {k.id for k in self.katas})} of {len(self.katas)} katas passed overall"
        if result.passed:
            if following is not None:
                state = f"✓ {kata.id} passed · next: {following.id} ({following.alias}), edit {following.learner_file}"
            else:
                state = f"✓ {kata.id} passed · every kata passed"
        elif result.status == "not-implemented":
            state = f"… {kata.id} not implemented yet · edit {kata.learner_file}"
        elif result.fatal:
            state = f"✗ {kata.id} could not run"
        else:
            ok = sum(c.ok for c in result.checks)
            state = f"✗ {kata.id} failing · {ok} of {len(result.checks)} checks pass"
        return f"[{clock}] {state} · {progress} · Ctrl-C to stop"
