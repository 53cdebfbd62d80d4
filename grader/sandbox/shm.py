"""Call arguments in shared memory, so the grader sees in-place changes for itself.

The grader writes every array argument of a call into a memfd it shares with the
child; the child hands the learner's function NumPy arrays (or torch tensors)
that *are* that memory. After the call the grader reads the bytes back from its
own descriptor: whatever the learner's process reports, a changed input shows.

Regions are never reused within one sandbox, because learner code may keep its
inputs (a cache holding X) and read them in a later call.

Runs on both sides: `Arena` in the grader, `map_region` in the child.
"""
from __future__ import annotations

import mmap
import os

PAGE = mmap.PAGESIZE
ALIGN = 64


def _round_up(n: int, to: int) -> int:
    return (n + to - 1) // to * to


class Arena:
    """Grader side: a growing memfd, filled by bump allocation."""

    def __init__(self):
        self.fd = os.memfd_create("kata-args", os.MFD_CLOEXEC)
        self.end = self.start = 0
        self.placed: list[int] = []   # offsets of the current call's arrays, in encoding order

    @staticmethod
    def available() -> bool:
        return hasattr(os, "memfd_create")

    def begin(self) -> None:
        """Start a call: its arrays share one page-aligned region."""
        self.end = _round_up(self.end, PAGE)
        self.placed = []
        self.start = self.end

    def put(self, data: bytes) -> int:
        offset = _round_up(self.end, ALIGN)
        os.ftruncate(self.fd, _round_up(offset + max(len(data), 1), PAGE))
        if data:
            os.pwrite(self.fd, data, offset)
        self.end = offset + max(len(data), 1)
        self.placed.append(offset)
        return offset

    def region(self) -> tuple[int, int]:
        """(start, length) of the current call's region, page-aligned."""
        return self.start, _round_up(self.end - self.start, PAGE) or PAGE

    def read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        return data + bytes(length - len(data))

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


def map_region(fd: int, start: int, length: int):
    """Child side: the call's region as a writable shared mapping (kept alive by the
    arrays that view it)."""
    return mmap.mmap(fd, length, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE, offset=start)
