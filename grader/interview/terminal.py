"""The interview's side of the terminal: print, and read a line before a deadline.

Reading goes through the file descriptor with `select`, so a prompt can give
up when the interview's time runs out while the learner is still typing (or
away in their editor). Lines fed through a pipe work the same, which is how
tests drive a whole interview; a stream without a descriptor (a test runner's
fake stdin) is read line by line, with the deadline checked between lines.
"""
from __future__ import annotations

import io
import os
import select
import sys


class TimeUp(Exception):
    """The interview's time ran out while waiting for an answer."""


class Terminal:
    def __init__(self, clock, stdin=None, stdout=None, interactive: bool | None = None, on_tick=None):
        self.clock = clock
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        try:
            # select() on a console or pipe is POSIX only: elsewhere, read line by line.
            self.fd = self.stdin.fileno() if os.name == "posix" else None
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            self.fd = None
        if interactive is None:
            try:
                interactive = bool(self.stdin.isatty())
            except (AttributeError, ValueError):
                interactive = False
        self.interactive = interactive      # a person at a terminal, not lines from a file
        self.on_tick = on_tick              # called while waiting: `on_tick(now)` may print a notice
        self._buffer = b""
        self._eof = False

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str, deadline: float | None = None) -> str | None:
        """One line (without its newline), or None at the end of input. Raises TimeUp
        when `deadline` passes first."""
        if deadline is not None and self.clock.now() >= deadline:
            raise TimeUp()
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self._line(deadline)
        if line is not None and not self.interactive:
            self.say(line)  # echo what a pipe fed in, so the transcript reads like a session
        elif line is None:
            self.say("")
        return line

    def _line(self, deadline: float | None) -> str | None:
        if self.fd is None:
            raw = self.stdin.readline()
            if deadline is not None and self.clock.now() >= deadline:
                raise TimeUp()
            if not raw:
                return None
            return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw).rstrip("\r\n")
        while b"\n" not in self._buffer and not self._eof:
            now = self.clock.now()
            if deadline is not None and now >= deadline:
                raise TimeUp()
            if self.on_tick is not None:
                self.on_tick(now)
            wait = self.clock.poll_s if deadline is None else min(self.clock.poll_s, max(0.0, deadline - now))
            ready, _, _ = select.select([self.fd], [], [], wait)
            if ready:
                chunk = os.read(self.fd, 4096)
                if chunk:
                    self._buffer += chunk
                else:
                    self._eof = True
        if b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
        elif self._buffer:
            line, self._buffer = self._buffer, b""
        else:
            return None
        return line.decode("utf-8", "replace").rstrip("\r")
