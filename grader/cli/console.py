"""Writing to the terminal: exit codes, warnings on stderr, colour only where it
belongs, prose filled to the terminal's width, aligned tables."""
from __future__ import annotations

import sys

import click

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def fail_usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def warn(message: str) -> None:
    click.echo(message, err=True)


def color() -> bool:
    """Colour on standard output: only on a terminal, never with NO_COLOR."""
    from grader.reporting import should_color

    return should_color(sys.stdout)


def style(text: str, on: bool, **styles) -> str:
    return click.style(text, **styles) if on else text


def wrap(text: str, indent: str = "", hang: str = "") -> str:
    """Fill prose paragraphs to the terminal width (continuation lines get `hang` more
    indent); keep indented (code) lines and list items as lines."""
    import shutil
    import textwrap
    from functools import partial

    width = max(40, min(shutil.get_terminal_size((88, 24)).columns, 100) - 1)
    # Never split a word, a path or a hyphenated name across lines.
    fill = partial(textwrap.fill, width=width, break_long_words=False, break_on_hyphens=False)
    out = []
    for para in text.strip().split("\n\n"):
        lines = para.split("\n")
        if any(line.startswith(("    ", "- ", "* ")) or line.lstrip().startswith("|") for line in lines):
            for line in lines:  # code, tables, lists: fill only list items, keep the rest verbatim
                if line.startswith(("- ", "* ")):
                    out.append(fill(line, initial_indent=indent,
                                subsequent_indent=indent + "  "))
                else:
                    out.append(indent + line)
        else:
            out.append(fill(" ".join(para.split()), initial_indent=indent,
                            subsequent_indent=indent + hang))
        out.append("")
    return "\n".join(out[:-1])


def table(rows, notes=None) -> None:
    """Left-aligned columns; notes[i] lists indented lines to print under row i."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        for note in (notes or {}).get(i, []):
            click.echo(" " * (widths[0] + 4) + note)
