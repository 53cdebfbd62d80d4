"""The IPython extension: `%load_ext grader`, then `%kata ...` in any cell.

    %kata grade part2 [part3 ... | --all] [--seed N] [--timeout S] [--memory MIB]
    %kata source part2      the code `%kata grade part2` would grade, as one module
    %kata hint part2        and show, list, explain, questions, solution, init ...: as `kata ...`

`%kata grade` grades the kata's functions as this kernel defined them last. It
reads the session's input history (the cells in the order they ran, never their
results), takes the cells that define the functions plus what those use (see
`grader.notebook.cells`), and sends that code to `python -m grader.notebook.runner`,
a process of its own that grades it in the sandbox like any file. Nothing is run
again in the kernel and nothing in its namespace changes; an endless loop or a
crash costs the grading process, not the kernel. Jupyter and Colab show the HTML
report; a plain IPython terminal shows the text report.

Progress (attempts, hints seen) goes to the workspace that holds the kernel's
working folder, as for `kata`; where there is none, to ./kata-workspace, made on
first use.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from IPython.core.magic import Magics, line_magic, magics_class

RUNNER = "grader.notebook.runner"
EXTRA_WAIT_S = 90          # per kata, beyond its time limit: starting the sandbox, importing torch
WORKSPACE_COMMANDS = {"list", "hint", "solution", "reset"}   # commands that take -w
RECORDING_COMMANDS = {"hint"}                              # ... and remember something there
MARKDOWN_COMMANDS = {"show", "explain"}
USAGE = """\
%kata grade KATA... [--all] [--seed N] [--timeout S] [--memory MIB]   grade the functions this notebook defined
%kata source KATA        the code that `%kata grade KATA` grades
%kata show KATA          the task, the shapes, what is checked
%kata hint KATA          the next hint (--level N for one level)
%kata list               your progress
%kata explain KATA | questions KATA | solution KATA --yes | init ...   as on the command line"""


def _grade_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%kata grade", add_help=False)
    parser.add_argument("katas", nargs="*")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--memory", type=int)
    return parser


def _stop(proc: subprocess.Popen) -> None:
    """Stop the grading process: SIGINT first (it closes its sandboxes), then SIGKILL."""
    for sig, wait in ((signal.SIGINT, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@magics_class
class KataMagics(Magics):
    def __init__(self, shell):
        super().__init__(shell)
        self._told_workspace = False

    # -- where progress goes ------------------------------------------------
    def workspace(self, create: bool) -> Path | None:
        from grader.workspace.files import DEFAULT_DIR, WorkspaceError, find_workspace, init_workspace
        from grader.workspace.state import STATE_FILE

        try:
            return find_workspace()
        except WorkspaceError:
            pass
        target = Path.cwd() / DEFAULT_DIR
        if (target / STATE_FILE).is_file():
            return target.resolve()
        if not create:
            return None
        try:
            init_workspace(target, [])
        except OSError as exc:
            print(f"(progress is not recorded: cannot create {target}: {exc})", file=sys.stderr)
            return None
        if not self._told_workspace:
            self._told_workspace = True
            print(f"(no kata workspace here: your progress is recorded in {target})", file=sys.stderr)
        return target.resolve()

    # -- what the kernel holds ----------------------------------------------
    def history(self) -> list[list[str]]:
        """The session's cells as they were typed, in the order they ran (this one last)."""
        raw = list(self.shell.history_manager.input_hist_raw)
        return [[f"In [{n}]", source] for n, source in enumerate(raw) if n > 0 and source.strip()]

    def live_sources(self) -> dict[str, str]:
        """Source of every function the notebook defined that the kernel holds now."""
        found = {}
        for name, obj in list(self.shell.user_ns.items()):
            if name.startswith("_") or not inspect.isfunction(obj) or obj.__module__ != "__main__":
                continue
            try:
                found[name] = inspect.getsource(obj)
            except (OSError, TypeError):
                continue
        return found

    def in_terminal(self) -> bool:
        return type(self.shell).__name__ == "TerminalInteractiveShell"

    # -- the magic ----------------------------------------------------------
    @line_magic
    def kata(self, line: str = ""):
        """Grade this notebook's kata functions, or run a kata command: `%kata` alone lists them."""
        try:
            args = shlex.split(line)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return None
        if not args or args[0] in ("-h", "--help", "help"):
            print(USAGE)
            return None
        if args[0] in ("grade", "source"):
            return self.grade(args[1:], source_only=args[0] == "source")
        if args[0] == "watch":
            print("`%kata grade KATA` after you run your cell does what `kata watch` does for files.",
                  file=sys.stderr)
            return None
        return self.command(args)

    def grade(self, argv: list[str], source_only: bool = False):
        parser = _grade_parser()
        try:
            options = parser.parse_args(argv)
        except SystemExit:
            print(f"usage: {USAGE.splitlines()[0]}", file=sys.stderr)
            return None
        workspace = self.workspace(create=not source_only)
        request = {
            "katas": options.katas, "all": options.all, "cells": self.history(), "live": self.live_sources(),
            "workspace": str(workspace) if workspace else None, "seed": options.seed, "timeout": options.timeout,
            "memory_mb": options.memory, "color": self.in_terminal() and _color(sys.stdout),
            "label": _notebook_label(self.shell), "notebook": _notebook_file(self.shell),
            "source_only": source_only,
        }
        from grader.sandbox.policy import DEFAULT_TIMEOUT_S

        n = 8 if options.all else max(1, len(options.katas))
        reply = self.run_runner(request, n * ((options.timeout or DEFAULT_TIMEOUT_S) + EXTRA_WAIT_S))
        for warning in reply.get("warnings", []):
            print(warning, file=sys.stderr)
        if not reply.get("ok"):
            print(f"error: {reply.get('error')}", file=sys.stderr)
            return None
        if source_only:
            for source in reply["sources"].values():
                print(source)
            return None
        from IPython.display import display

        from grader.notebook.display import for_cell

        display({"text/plain": as_magics(reply["text"]), "text/html": as_magics(for_cell(reply["html"]))}, raw=True)
        return None

    def run_runner(self, request: dict, limit: float) -> dict:
        proc = subprocess.Popen([sys.executable, "-m", RUNNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=os.getcwd(), start_new_session=True)
        try:
            out, err = proc.communicate(json.dumps(request).encode("utf-8"), timeout=limit)
        except KeyboardInterrupt:
            _stop(proc)
            return {"ok": False, "error": "grading interrupted"}
        except subprocess.TimeoutExpired:
            _stop(proc)
            return {"ok": False, "error": f"grading took longer than {limit:g} s and was stopped"}
        try:
            return json.loads(out.decode("utf-8"))
        except ValueError:
            tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
            return {"ok": False, "error": "the grading process stopped without a result (exit status "
                                          f"{proc.returncode})" + ("\n" + "\n".join(tail) if tail else "")}

    def command(self, args: list[str]):
        """Any other `kata` command, run as `python -m grader ...` in this kernel's folder."""
        name = args[0]
        if name in WORKSPACE_COMMANDS and not {"-w", "--workspace"} & set(args):
            workspace = self.workspace(create=name in RECORDING_COMMANDS)
            if workspace is not None:
                args = args + ["-w", str(workspace)]
        env = dict(os.environ, COLUMNS=os.environ.get("COLUMNS", "100"))
        try:
            done = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, env=env, timeout=300)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            print(f"error: `kata {name}` was stopped", file=sys.stderr)
            return None
        done.stdout, done.stderr = as_magics(done.stdout), as_magics(done.stderr)
        if done.stdout:
            if name in MARKDOWN_COMMANDS and done.returncode == 0 and not self.in_terminal():
                from IPython.display import display

                display({"text/plain": done.stdout, "text/markdown": done.stdout}, raw=True)
            else:
                print(done.stdout, end="" if done.stdout.endswith("\n") else "\n")
        if done.stderr:
            print(done.stderr, end="" if done.stderr.endswith("\n") else "\n", file=sys.stderr)
        return None


_COMMAND = re.compile(r"(?<![\w%/.-])kata (?=(?:grade|hint|show|explain|questions|solution|list|reset|repro|init)\b)")


def as_magics(text: str) -> str:
    """Commands the reports suggest, as the learner types them here: `%kata hint part2`."""
    return _COMMAND.sub("%kata ", text)


def _color(stream) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _notebook_file(shell) -> str | None:
    """The notebook's file name, when the front end tells the kernel (JupyterLab, VS Code)."""
    session = shell.user_ns.get("__session__") or shell.user_ns.get("__vsc_ipynb_file__")
    if isinstance(session, str) and session.endswith(".ipynb"):
        return Path(session).name
    return None


def _notebook_label(shell) -> str:
    """How the report names what it graded."""
    name = _notebook_file(shell)
    return f"notebook {name}" if name else "this IPython session"


def load(ipython) -> None:
    ipython.register_magics(KataMagics)


def unload(ipython) -> None:
    """Nothing to undo: IPython keeps a registered magic until the kernel stops."""
