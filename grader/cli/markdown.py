"""Kata Markdown (instructions, explanations) on standard output.

On a terminal it is rendered with `rich`: headings, lists, tables, code blocks,
inline code and emphasis, filled to the terminal's width (at most 100 columns,
like the rest of the CLI). Piped or redirected, the Markdown source is printed as
it is, so `kata show part1 > task.md` is a Markdown file. `rich` is imported only
here, when rendering, so `kata --help` never pays for it. NO_COLOR keeps the layout
and drops the colours (rich reads it itself).
"""
from __future__ import annotations

import shutil
import sys

import click

MAX_WIDTH = 100


def echo_markdown(text: str) -> None:
    if not sys.stdout.isatty():
        click.echo(text.strip())
        return
    render(text, sys.stdout, min(shutil.get_terminal_size((88, 24)).columns, MAX_WIDTH))


def render(text: str, file, width: int) -> None:
    """Render `text` for a terminal of `width` columns into `file`."""
    from rich.console import Console
    from rich.markdown import CodeBlock, Heading, Markdown
    from rich.syntax import Syntax
    from rich.theme import Theme

    class LeftHeading(Heading):
        """Every heading flush left: a centred title reads oddly above left-aligned prose."""

        def __rich_console__(self, console, options):
            text = self.text.copy()
            text.justify = "left"
            yield text

    class PlainCodeBlock(CodeBlock):
        """Code indented on the terminal's own background and colours (the ANSI theme), so it
        reads on light and dark terminals alike."""

        def __rich_console__(self, console, options):
            yield Syntax(str(self.text).rstrip(), self.lexer_name, theme=self.theme, word_wrap=True,
                         background_color="default", padding=(0, 0, 0, 4))

    class KataMarkdown(Markdown):
        elements = {**Markdown.elements, "heading_open": LeftHeading, "fence": PlainCodeBlock,
                    "code_block": PlainCodeBlock}

    theme = Theme({"markdown.code": "bold cyan", "markdown.h1": "bold underline", "markdown.h2": "bold magenta",
                   "markdown.h3": "bold"})
    console = Console(file=file, width=width, theme=theme, highlight=False, force_terminal=True)
    console.print(KataMarkdown(text.strip(), code_theme="ansi_dark", inline_code_lexer=None))
