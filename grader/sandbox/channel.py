"""Length-prefixed frames over the two pipes between the grader and the harness, every
wait bounded by a deadline. It knows nothing of faults: LearnerProcess turns its three
exceptions into the learner's terms."""
from __future__ import annotations

import os
import select
import struct
import time


class Timeout(Exception):
    """The deadline passed before the other side read or answered."""


class Closed(Exception):
    """The other side is gone (end of file, or a broken pipe)."""


class TooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class Channel:
    def __init__(self, to_child: int, from_child: int, max_frame: int):
        os.set_blocking(to_child, False)  # writes get a deadline too
        self.to_child: int | None = to_child
        self.from_child: int | None = from_child
        self.max_frame = max_frame

    @property
    def open(self) -> bool:
        return self.to_child is not None

    def send(self, data: bytes, deadline: float) -> None:
        view = memoryview(struct.pack("<Q", len(data)) + data)
        while view:
            _, ready, _ = select.select([], [self.to_child], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise Timeout()
            try:
                n = os.write(self.to_child, view[:1 << 16])
            except BlockingIOError:
                continue
            except OSError:  # EPIPE: the child is gone
                raise Closed() from None
            view = view[n:]

    def receive(self, deadline: float) -> bytes:
        size = int.from_bytes(self._read_exact(8, deadline), "little")
        if size > self.max_frame:
            raise TooLarge(size)
        return self._read_exact(size, deadline)

    def _read_exact(self, n: int, deadline: float) -> bytes:
        chunks = []
        while n:
            ready, _, _ = select.select([self.from_child], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise Timeout()
            chunk = os.read(self.from_child, min(n, 1 << 20))
            if not chunk:
                raise Closed()
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        for fd in (self.to_child, self.from_child):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.to_child = self.from_child = None
