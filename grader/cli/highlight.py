"""A tiny ANSI syntax highlighter for Python source, built on the stdlib `tokenize`.

It only adds colour codes around tokens: the text between tokens (spaces,
line continuations) is copied through unchanged, so stripping the codes gives
back the exact source. Anything `tokenize` cannot read is returned plain.
"""
from __future__ import annotations

import builtins
import io
import keyword
import re
import token
import tokenize

RESET = "\033[0m"
_STYLE = {
    "keyword": "\033[35m",        # magenta
    "string": "\033[32m",         # green
    "comment": "\033[2;3m",       # dim italic: comments are long here, keep them quiet
    "number": "\033[36m",         # cyan
    "definition": "\033[1;33m",   # bold yellow: the name after def / class
    "builtin": "\033[34m",        # blue
}
# Python 3.12 splits f-strings into several tokens; older versions have one STRING.
_STRING_TYPES = {token.STRING} | {getattr(token, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
                                  if hasattr(token, n)}
_BUILTINS = frozenset(dir(builtins))
_ANSI = re.compile(r"\033\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _style_of(tok: tokenize.TokenInfo, previous: str) -> str | None:
    if tok.type in _STRING_TYPES:
        return "string"
    if tok.type == token.COMMENT:
        return "comment"
    if tok.type == token.NUMBER:
        return "number"
    if tok.type == token.NAME:
        if previous in ("def", "class"):
            return "definition"
        if keyword.iskeyword(tok.string):
            return "keyword"
        if tok.string in _BUILTINS:
            return "builtin"
    return None


def highlight(source: str) -> str:
    """`source` with ANSI colours; plain `source` if it does not tokenize."""
    lines = io.StringIO(source).readlines()  # split exactly as tokenize will see them
    starts = [0]  # offset of each line's first character, to turn (row, col) into offsets
    for line in lines:
        starts.append(starts[-1] + len(line))
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    out, pos, previous = [], 0, ""
    for tok in tokens:
        style = _style_of(tok, previous)
        if tok.type == token.NAME:
            previous = tok.string
        elif tok.type not in (token.NL, token.NEWLINE, token.COMMENT):
            previous = ""
        if style is None:
            continue
        start = starts[tok.start[0] - 1] + tok.start[1]
        end = starts[tok.end[0] - 1] + tok.end[1]
        out.append(source[pos:start])
        # Colour each line of a multi-line token separately, so a pager or a
        # terminal that resets attributes at line ends still shows it.
        code = _STYLE[style]
        out.append("\n".join(f"{code}{part}{RESET}" if part else "" for part in source[start:end].split("\n")))
        pos = end
    out.append(source[pos:])
    return "".join(out)
