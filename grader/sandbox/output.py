"""What the learner's process prints: the head kept for the report, the rest counted,
the last bytes kept apart to diagnose a crash after a flood."""
from __future__ import annotations

from dataclasses import dataclass, field

_MEMORY_WORDS = ("memory allocation", "cannot allocate memory", "out of memory", "memoryerror", "bad_alloc")


@dataclass
class CapturedOutput:
    """Keeps the first `limit` bytes of a stream and counts the rest."""
    limit: int = 8 * 1024
    tail_limit: int = 2 * 1024
    head: bytearray = field(default_factory=bytearray)
    dropped: int = 0
    tail: bytearray = field(default_factory=bytearray)  # the last bytes, for diagnosis only

    def feed(self, chunk: bytes) -> None:
        room = self.limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))
        self.tail += chunk[-self.tail_limit:]
        del self.tail[:-self.tail_limit]

    def text(self) -> str:
        return self.head.decode("utf-8", errors="replace")

    def mentions_memory(self) -> bool:
        text = (bytes(self.head) + bytes(self.tail)).decode("utf-8", errors="replace").lower()
        return any(word in text for word in _MEMORY_WORDS)

    def tail_lines(self) -> list[str]:
        text = bytes(self.tail).decode("utf-8", errors="replace")
        return [line for line in text.strip().splitlines()[-3:] if line.strip()]


def drain(stream, sink: CapturedOutput) -> None:
    """Read `stream` to its end into `sink` (the reader thread's loop)."""
    while True:
        try:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        except (OSError, ValueError):
            return
        if not chunk:
            return
        sink.feed(chunk)
