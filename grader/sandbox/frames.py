"""Short, learner-only tracebacks: which lines of the learner's files were on the stack."""
from __future__ import annotations

import os
import re
from typing import NamedTuple


class Frame(NamedTuple):
    """One line of learner code on the stack; `repeat` counts a run of identical frames."""
    file: str
    line: int
    function: str
    code: str
    repeat: int = 1
    at_least: bool = False   # the stack was cut off, so `repeat` is a lower bound


def merge_runs(frames: list[Frame]) -> list[Frame]:
    out: list[Frame] = []
    for f in frames:
        if out and out[-1][:4] == f[:4]:
            out[-1] = out[-1]._replace(repeat=out[-1].repeat + f.repeat, at_least=out[-1].at_least or f.at_least)
        else:
            out.append(f)
    return out


def format_frames(frames: list[Frame], keep: int = 6) -> tuple[list[str], bool]:
    """Short traceback lines, oldest call first, with recursion folded up.

    Returns the lines and whether they show recursion (a frame, or a cycle of
    two or three frames, repeated many times).
    """
    frames = merge_runs(frames)
    lines: list[str] = []
    recursive = False
    i = 0
    while i < len(frames):
        folded = False
        for period in (2, 3):
            block = frames[i:i + period]
            if len(block) < period or any(f.repeat > 1 for f in block):
                continue
            n = 1
            while [f[:4] for f in frames[i + n * period:i + (n + 1) * period]] == [f[:4] for f in block]:
                n += 1
            if n >= 3:
                lines += [frame_text(f) for f in block]
                cut = any(f.at_least for f in frames[i:i + n * period])
                lines.append(f"  [the {period} lines above repeated {n}{'+' if cut else ''} times]")
                recursive = recursive or n >= 10
                i += n * period
                folded = True
                break
        if not folded:
            f = frames[i]
            lines.append(frame_text(f))
            recursive = recursive or f.repeat >= 20
            i += 1
    return lines[-keep:], recursive


def frame_text(f: Frame) -> str:
    text = f"{f.file}:{f.line} in {f.function}" + (f": {f.code}" if f.code else "")
    if f.repeat > 1:
        text += f"  [repeated {f.repeat}{'+' if f.at_least else ''} times]"
    return text


DUMP_LINE = re.compile(r'^\s*File "(.*)", line (\d+) in (.*)$')


def in_roots(filename: str, roots: list[str]) -> bool:
    if not os.path.isabs(filename):  # "<frozen runpy>", "<string>": never the learner's file
        return False
    return any(filename == root or filename.startswith(root.rstrip(os.sep) + os.sep) for root in roots)
