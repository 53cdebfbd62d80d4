"""`kata`: a thin Click layer over the grader library.

Commands live in one module per group (learn, grade, author, classroom) and are
imported only when run or listed, from the table below: a new command is one
function in one of those modules plus one line here. Heavy imports (NumPy,
Jinja2, the checks) happen inside commands, so `kata --help` stays fast; torch is
never imported in this process at all.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import click

from grader import __version__
from grader.cli.options import KATAS_HELP, remember_group_katas
from grader.threads import use_one_blas_thread

COMMANDS = {
    "init": "grader.cli.learn:init",
    "list": "grader.cli.learn:list_katas",
    "show": "grader.cli.learn:show",
    "grade": "grader.cli.grade:grade",
    "watch": "grader.cli.grade:watch",
    "repro": "grader.cli.repro:repro",
    "hint": "grader.cli.learn:hint",
    "explain": "grader.cli.learn:explain",
    "questions": "grader.cli.learn:questions",
    "solution": "grader.cli.learn:solution",
    "reset": "grader.cli.learn:reset",
    "new": "grader.cli.author:new",
    "validate": "grader.cli.author:validate",
    "grade-class": "grader.cli.classroom:grade_class",
    "interview": "grader.cli.interview:interview",
    "review": "grader.cli.interview:review",
}


class LazyGroup(click.Group):
    """A group whose commands are imported from COMMANDS when needed."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def format_help(self, ctx, formatter):
        # Counts come from the shipped katas, so the help never goes stale. A glob, not
        # the catalog: `kata --help` reads no kata.toml.
        from grader.curriculum.paths import BUILTIN_KATAS

        self.help = (self.help or "").replace("{katas}", str(len(list(BUILTIN_KATAS.glob("*/kata.toml")))))
        super().format_help(ctx, formatter)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="kata")
@click.option("--katas", multiple=True, metavar="DIR", expose_value=False, callback=remember_group_katas,
              type=click.Path(file_okay=False, path_type=Path), help=KATAS_HELP)
def main():
    """Backprop katas: implement an MLP's forward and backward pass, then let the grader check it.

    \b
    Start here:
      kata init             make ./kata-workspace: one stub for each of the {katas} katas
      kata list             see the katas and your progress
      kata show part1       read a kata's task and shapes
      kata grade part1      grade a kata (part1, softmax-ce, 1 or its file), or --all
      kata watch            re-grade every time you save, until Ctrl-C
      kata hint part1       the next hint when you are stuck
      kata repro part1      write the failing case as a script to debug
    \b
    After a kata:
      kata explain part1    the derivation, every shape said aloud
      kata questions part1  the interviewer's follow-up questions
      kata solution part1   the reference solution
      kata reset part1      start over from the stub (your file is backed up)
    \b
    Rehearse the onsite:
      kata interview        a timed mock interview, scored by the rubric
      kata review           what to practise today (spaced repetition)
    \b
    For instructors:
      kata new ID --title T scaffold a kata (docs/authoring.md walks through it)
      kata validate ID      prove a kata's checks right
      kata grade-class DIR  grade every submission in a folder (docs/instructors.md)
      --katas DIR           use a kata pack kept outside this repository
    """
    use_one_blas_thread()   # before any command imports NumPy (grader/threads.py says why)
