"""What the learner types, read the way an interviewer would hear it.

A shape said aloud is a list of dimensions, each a size name of the part
(`B`, `n_in`) or a number (`64`, or `1` for a kept axis): "B,H", "b, h",
"[64, 256]", "(B, 1)", "64x256". A 0-d value is "scalar" (or "()", "[]", "0-d").
A number stands for the size name whose interview value it is.

A follow-up answer is a letter (`b`) or a number (`2`) for a multiple-choice
question, and a number for a numeric one ("0.015625", "1/64", "6e-6").
"""
from __future__ import annotations

import math
import re

from grader.interview.content import SCALAR, FollowUp, ShapePrompt

_SCALAR_WORDS = {"scalar", "()", "[]", "0-d", "0d", "0-dim", "0-dimensional", "a scalar"}
_SPLIT = re.compile(r"\s*(?:,|×|\*|\s+x\s+|(?<=\d)x(?=\d)|\s+)\s*")
LETTERS = "abcdefgh"


def parse_shape(text: str) -> tuple[str, ...] | None:
    """The dimensions of a spoken shape (() for a scalar), or None when it says nothing."""
    said = " ".join(str(text).strip().split())
    if said.lower() in _SCALAR_WORDS:
        return ()
    inner = said.strip("()[] ")
    if not inner:
        return () if said else None
    return tuple(t for t in _SPLIT.split(inner) if t)


def _matches(token: str, want: str, sizes: dict[str, int]) -> bool:
    if token == want:
        return True
    if want == "1":
        return False
    if token.isdigit():
        return sizes.get(want) == int(token)
    # Case does not matter when it names one size only ("b,h" for B,H; "N_IN").
    folded = [name for name in sizes if name.lower() == token.lower()]
    return folded == [want]


def shape_ok(prompt: ShapePrompt, text: str, sizes: dict[str, int]) -> bool:
    said = parse_shape(text)
    if said is None:
        return False
    want = prompt.dims
    return len(said) == len(want) and all(_matches(t, w, sizes) for t, w in zip(said, want))


def show_shape(answer: str, sizes: dict[str, int] | None = None) -> str:
    """How the scorecard writes a right shape: [B, C] = [64, 10]; a scalar as "scalar"."""
    if answer == SCALAR:
        return SCALAR
    dims = answer.split(",")
    text = "[" + ", ".join(dims) + "]"
    if sizes and any(d in sizes for d in dims):
        text += " = [" + ", ".join(str(sizes.get(d, d)) for d in dims) + "]"
    return text


# -- follow-ups ---------------------------------------------------------------------

def parse_number(text: str) -> float | None:
    said = str(text).strip().replace("×", "x").replace(" ", "")
    said = re.sub(r"^(?:about|~|≈)", "", said, flags=re.IGNORECASE)
    m = re.fullmatch(r"([-+]?[\d.eE+-]+)/([-+]?[\d.eE+-]+)", said)
    try:
        value = float(m[1]) / float(m[2]) if m else float(said)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def parse_choice(text: str, n: int) -> int | None:
    """The 0-based option picked: "b", "B)", "2" (1-based), or None."""
    said = str(text).strip().lower().rstrip(").:")
    if len(said) == 1 and said in LETTERS[:n]:
        return LETTERS.index(said)
    if said.isdigit() and 1 <= int(said) <= n:
        return int(said) - 1
    return None


def number_ok(question: FollowUp, value: float | None) -> bool:
    if value is None:
        return False
    if question.within_factor is not None:
        return value > 0 and abs(math.log(value / question.answer)) <= math.log(question.within_factor) + 1e-12
    return abs(value - question.answer) <= (question.tolerance or 0.0) * abs(question.answer) + 1e-15


def parse_picks(text: str, n: int) -> list[int] | None:
    """The 1-based question numbers picked ("1 3 5", "1,3,5", "" for none), or None if unreadable."""
    said = str(text).strip().lower()
    if said in ("", "none", "-", "0"):
        return []
    tokens = [t for t in re.split(r"[\s,;]+", said) if t]
    if not all(t.isdigit() and 1 <= int(t) <= n for t in tokens):
        return None
    return sorted(set(int(t) for t in tokens))
