"""The file faulthandler in the learner's process writes stack dumps to (on a crash,
or when the grader asks at a time limit), read back as the learner's own frames."""
from __future__ import annotations

import os
from pathlib import Path

from grader.sandbox.frames import DUMP_LINE, Frame, in_roots

FAULT_LOG_LIMIT = 1 << 20


class FaultLog:
    """`fd` is the log, opened by the grader and handed to the harness."""

    def __init__(self, folder: str):
        self.fd: int | None = os.open(os.path.join(folder, "faults.log"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                      0o600)

    def size(self) -> int:
        try:
            return os.fstat(self.fd).st_size if self.fd is not None else 0
        except OSError:
            return 0

    def frames(self, roots, snapshot, start: int = 0) -> list[Frame]:
        """The learner's frames (files under `roots`) in the last dump written after `start`."""
        try:
            text = os.pread(self.fd, FAULT_LOG_LIMIT, start).decode("utf-8", errors="replace")
        except (OSError, TypeError):
            return []
        blocks: list[tuple[bool, list[Frame], list[bool]]] = []
        for line in text.splitlines():
            if line.rstrip().endswith("(most recent call first):"):
                blocks.append((line.lstrip().startswith("Current thread"), [], [False]))
                continue
            if blocks and line.strip() == "...":  # faulthandler stops after 100 frames
                blocks[-1][2][0] = True
                continue
            match = DUMP_LINE.match(line)
            if match and blocks and in_roots(match.group(1), roots):
                name, number = Path(match.group(1)).name, int(match.group(2))
                blocks[-1][1].append(Frame(name, number, match.group(3).strip(), snapshot.source_line(name, number)))
        blocks = [b for b in blocks if b[1]]
        if not blocks:
            return []
        _, frames, truncated = next((b for b in blocks if b[0]), blocks[0])
        frames = frames[::-1]  # oldest call first
        if truncated[0] and frames:
            frames[0] = Frame(*frames[0][:4], 1, True)
        return frames

    def close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None
