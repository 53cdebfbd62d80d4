"""`kata watch`: re-grade whenever the learner saves a file, and follow them through the katas.

No file-system notification service: the loop polls modification times, which
works the same on every platform and in every editor (including the ones that
save by writing a new file and renaming it). Everything with a side effect
(grading, showing, sleeping, the clock, listing files) is passed in, so tests
drive the loop without sleeping or grading for real.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

DEFAULT_INTERVAL_S = 0.5


def _sleep(seconds: float) -> None:
    """The real wait; a module attribute so a test of the CLI can replace it."""
    time.sleep(seconds)


def snapshot(workspace: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every visible `*.py` file at the top of the workspace.

    Only Python files count: grading rewrites the state file and backups go into a
    hidden folder, and neither may trigger another grade. Helper modules the
    learner imports from a kata file are included.
    """
    found = {}
    try:
        paths = list(Path(workspace).glob("*.py"))
    except OSError:
        return found
    for path in paths:
        if path.name.startswith("."):
            continue
        try:
            st = path.stat()
        except OSError:  # deleted between listing and stat
            continue
        found[path.name] = (st.st_mtime_ns, st.st_size)
    return found


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
                 clock: Callable[[], float] = time.time):
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
        polls = 0
        while not stop() and (max_polls is None or polls < max_polls):
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
        owners = [k for k in self.katas if k.learner_file in changed]
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
