"""`kata interview` at a real terminal (a pseudo-terminal), used as a person would:
read the prompts, type answers (one shape wrong), and let the time run out while
the prompt waits. The clock is a file the test moves forward (KATA_CLOCK_FILE), so
nothing here depends on how fast the machine is; the waits only bound a hang."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest

from grader.curriculum.catalog import Catalog
from grader.interview import content as content_module
from grader.workspace.files import init_workspace

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pseudo-terminal")

CATALOG = Catalog.builtin()
START = 1_767_225_600.0
PATIENCE_S = 90   # the longest any single step may take before the test calls it a hang


class Screen:
    """What the program has written to its terminal so far, and a way to wait for more."""

    def __init__(self, fd: int):
        self.fd = fd
        self.text = ""
        self.seen = 0

    def expect(self, needle: str) -> str:
        """Wait until `needle` appears after what was already matched; return the text up to it."""
        deadline = time.monotonic() + PATIENCE_S
        while True:
            at = self.text.find(needle, self.seen)
            if at >= 0:
                chunk = self.text[self.seen:at + len(needle)]
                self.seen = at + len(needle)
                return chunk
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"waited {PATIENCE_S}s for {needle!r}; the screen ends with:\n"
                                     f"{self.text[-1500:]}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:  # the program exited and closed its side
                    data = b""
                if not data:
                    raise AssertionError(f"the program ended before {needle!r}:\n{self.text[-1500:]}")
                self.text += data.decode("utf-8", "replace").replace("\r\n", "\n")

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\n")


@pytest.fixture
def terminal(tmp_path):
    ws = tmp_path / "ws"
    init_workspace(ws, list(CATALOG))
    clock = tmp_path / "clock"
    clock.write_text(repr(START))
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_WORKSPACE", "KATA_PATH")}
    env.update(KATA_CLOCK_FILE=str(clock), NO_COLOR="1", TERM="xterm", COLUMNS="100", LINES="40")
    started = []

    def start(*args):
        master, slave = pty.openpty()
        process = subprocess.Popen([sys.executable, "-m", "grader", *args], stdin=slave, stdout=slave,
                                   stderr=slave, cwd=ws, env=env, start_new_session=True)
        os.close(slave)
        started.append((process, master))
        return process, Screen(master)

    yield ws, clock, start
    for process, master in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        os.close(master)


def test_prompts_a_wrong_shape_and_the_time_running_out(terminal):
    ws, clock, start = terminal
    shapes = content_module.load(CATALOG).part("part1").shapes
    process, screen = start("interview", "--parts", "part1", "--minutes", "5", "--seed", "4", "--followups", "1")
    screen.expect("5:00 on the clock")
    screen.expect("which of these would you ask the interviewer?")
    screen.expect("Your questions (numbers separated by spaces; Enter for none): ")
    screen.type("1 2")
    screen.expect("The interviewer answers:")
    assert shapes[0].tensor == "logits"
    screen.expect("  logits: ")
    screen.type("C,B")                                    # the transpose: wrong
    screen.expect("✗ it is [B, C] = [64, 10]")
    for prompt in shapes[1:]:
        screen.expect(f"  {prompt.tensor}: ")
        screen.type(prompt.answer)
        screen.expect("✓")
    screen.expect(f"{len(shapes) - 1} of {len(shapes)} shapes right.")
    screen.expect("[part1 · 5:00 left] > ")
    screen.type("hint")
    screen.expect("locked until you submit")
    screen.expect("] > ")
    screen.type("check")
    screen.expect("still a stub")
    screen.expect("[part1 · 5:00 left] > ")
    # The learner sits at the prompt; the clock runs on: a warning, then past the deadline.
    clock.write_text(repr(START + 4 * 60 + 10))
    screen.expect("(1 minute left)")
    clock.write_text(repr(START + 6 * 60))
    screen.expect("The time is up.")
    screen.expect("Follow-up questions (1)")
    screen.expect("your answer (")
    screen.type("")                                       # skipped
    screen.expect("Grading part1 with every hidden check")
    card = screen.expect("The scorecard as a page:")
    assert "0 of 1 parts passed" in card and "time was up" in card
    assert "part1 logits: you said C,B; it is [B, C] = [64, 10]" in card
    assert process.wait(timeout=PATIENCE_S) == 1


def test_closing_the_terminal_keeps_the_clock_and_resume_picks_up(terminal):
    ws, clock, start = terminal
    process, screen = start("interview", "--parts", "part3", "--minutes", "20", "--seed", "2")
    screen.expect("Your questions (numbers separated by spaces; Enter for none): ")
    screen.type("")
    screen.expect("  Z: ")
    process.kill()                                        # the terminal is closed mid-answer
    process.wait(timeout=PATIENCE_S)
    clock.write_text(repr(START + 7 * 60))
    process, screen = start("interview")
    screen.expect("  Z: ")                                # the same question, the same interview
    screen.type("B,H")
    screen.expect("✓")
    for _ in range(4):
        screen.expect(": ")
        screen.type("B,H")
    screen.expect("[part3 · 13:00 left] > ")
    screen.type("quit")
    screen.expect("the clock keeps running")
    assert process.wait(timeout=PATIENCE_S) == 0
