"""Grading commands: grade, watch."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.console import EXIT_FAILED, EXIT_OK, fail_usage, style, warn
from grader.cli.options import catalog_options, find_workspace_or_none, isolation_label, load_catalog, resolve
from grader.reporting import FORMATS


def notebook_or_workspace(workspace, notebook):
    """(workspace, notebook): a notebook given as the workspace (`-w work.ipynb`) is that
    notebook, in the workspace that holds it if there is one."""
    if workspace and str(workspace).endswith(".ipynb"):
        if notebook:
            fail_usage("give the notebook once: --notebook FILE, or -w FILE")
        notebook, workspace = Path(workspace), None
    if notebook is None:
        return workspace, None
    if not Path(notebook).is_file():
        fail_usage(f"{notebook} is not a notebook file")
    notebook = Path(notebook).resolve()
    if workspace is None:
        from grader.workspace.state import STATE_FILE

        workspace = str(notebook.parent) if (notebook.parent / STATE_FILE).is_file() else None
    return workspace, notebook


def notebook_sources(ws, notebook):
    """The session's source of notebook code, or None where no notebook is involved
    (a workspace of .py files does not even import the notebook support)."""
    if notebook is None and (ws is None or not any(Path(ws).glob("*.ipynb"))):
        return None
    from grader.notebook.sources import folder_sources

    return folder_sources(ws, notebook)


NOTEBOOK_OPTION = click.option(
    "--notebook", type=click.Path(dir_okay=False, path_type=Path),
    help="Grade the code cells of this .ipynb notebook (magics and shell lines left out). A workspace "
         "without a kata's .py file grades the notebook named after it, or the one that defines its functions.")


@click.command()
@click.argument("katas", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Grade every kata.")
@click.option("-w", "--workspace", help="Workspace folder (default: $KATA_WORKSPACE, else the nearest one above).")
@click.option("--reference", is_flag=True, help="Grade the shipped reference solutions instead of a workspace.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed for the hidden test cases (default: random).")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=None,
              help="Seconds of run time allowed to your code per kata (default 10).")
@click.option("--memory", "memory_mb", type=click.IntRange(64, 1 << 20), default=None,
              help="Memory your code may allocate per kata, in MiB (default 2048).")
@NOTEBOOK_OPTION
@catalog_options
def grade(katas, all_, workspace, reference, fmt, output, seed, timeout, memory_mb, notebook, katas_dirs):
    """Grade KATA... (ids like part2 or aliases like linear-backward), or --all.

    Exit status: 0 every check passed, 1 some check failed, 2 usage or setup error.
    """
    from grader.grading.session import GradingSession
    from grader.reporting import should_color
    from grader.sandbox.policy import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S

    if not katas and not all_:
        fail_usage("name the katas to grade (e.g. `kata grade part1`) or pass --all; `kata list` shows them")
    catalog = load_catalog(katas_dirs, workspace)
    selected = list(catalog) if all_ else resolve(catalog, katas)
    if reference and (workspace or notebook):
        fail_usage("--reference grades the shipped solutions; it cannot be combined with --workspace or --notebook")
    workspace, notebook = notebook_or_workspace(workspace, notebook)
    ws = None if reference else find_workspace_or_none(workspace, required=notebook is None)
    if ws is not None:
        from grader.cli.interview import refuse_during_interview
        refuse_during_interview(str(ws), "kata grade")
    isolation_label()  # a bad $KATA_ISOLATION is a usage error before anything runs
    # Warm sandboxes pay once a framework is graded twice; one kata is faster cold.
    session = GradingSession(catalog, ws or (notebook.parent if notebook else None), seed,
                             timeout or DEFAULT_TIMEOUT_S, memory_mb or DEFAULT_MEMORY_MB, warn=warn,
                             warm=len(selected) > 1, record=ws is not None,
                             label=str(notebook) if notebook else None,
                             snapshot_for=None if reference else notebook_sources(ws, notebook))

    def announce(kata):
        if sys.stderr.isatty():
            click.echo(f"grading {kata.id} ({kata.alias})…", err=True)

    report = session.grade(selected, before=announce)
    text = session.render(report, fmt, color=output is None and fmt == "text" and should_color(sys.stdout))
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail_usage(f"cannot write {output}: {exc}")
        passed = sum(r.passed for r in report.katas)
        click.echo(f"{passed} of {len(report.katas)} katas passed · report written to {output}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    sys.exit(EXIT_OK if report.passed else EXIT_FAILED)


@click.command()
@click.argument("kata", required=False)
@click.option("-w", "--workspace", help="Workspace folder (default: $KATA_WORKSPACE or the current one).")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=None,
              help="Poll for saved files every S seconds instead of asking the operating system to "
                   "report them (for network file systems).")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed for the hidden test cases (default: random).")
@NOTEBOOK_OPTION
@catalog_options
def watch(kata, workspace, interval, seed, notebook, katas_dirs):
    """Re-grade on every save and follow you through the katas, until Ctrl-C.

    Starts with KATA (default: the first kata you have not passed). The screen
    shows a one-line summary, then the report. When the kata passes, the next
    save of the following kata's file (or any helper) grades that one.
    """
    from grader.grading.session import GradingSession
    from grader.grading.watch import DEFAULT_INTERVAL_S, Watcher, contents, snapshot
    from grader.reporting import should_color
    from grader.workspace.state import kata_entry, read_state

    catalog = load_catalog(katas_dirs, workspace)
    start = resolve(catalog, [kata])[0] if kata else None
    workspace, notebook = notebook_or_workspace(workspace, notebook)
    ws = find_workspace_or_none(workspace, required=notebook is None)
    folder = ws or notebook.parent
    if ws is not None:
        from grader.cli.interview import refuse_during_interview
        refuse_during_interview(str(ws), "kata watch")
    isolation_label()
    state = read_state(ws, warn=warn) if ws else {}
    passed = {k.id for k in catalog if ws and kata_entry(state, k.id)["status"] == "passed"}
    if start is None:
        start = next((k for k in catalog if k.id not in passed), catalog.katas[0])
    color = should_color(sys.stdout)
    session = GradingSession(catalog, folder, seed, warn=warn, warm=True,  # one warm sandbox per framework
                             record=ws is not None, label=str(notebook) if notebook else None,
                             snapshot_for=notebook_sources(ws, notebook))
    reports = {}

    def grade(k):
        reports[k.id] = session.grade([k])
        return reports[k.id].katas[0]

    def show(summary, result):
        if sys.stdout.isatty():
            click.clear()
        else:
            click.echo()  # a log or a pipe: keep the history, one blank line between runs
        click.echo(style(summary, color, bold=True))
        text = session.render(reports[result.id], "text", color=color)
        click.echo(text, nl=not text.endswith("\n"))

    wait = None
    if interval is None:
        try:
            from grader.grading.watch import NativeWait

            wait = NativeWait(folder)
        except Exception as exc:  # noqa: BLE001 - no watchfiles here, or the OS refused: poll instead
            warn(f"(cannot ask the operating system to report saves ({type(exc).__name__}: {exc}); "
                 f"checking the files every {DEFAULT_INTERVAL_S:g} s instead)")
    if wait is not None:
        files = lambda: contents(folder)  # noqa: E731 - a save without changes grades nothing
    else:
        files = lambda: snapshot(folder)  # noqa: E731
    watcher = Watcher(catalog.katas, start, grade, show, files, passed=passed,
                      interval=interval or DEFAULT_INTERVAL_S, wait=wait)
    try:
        watcher.run()
    except KeyboardInterrupt:
        warn(f"\nstopped watching {folder}.")
    finally:
        if wait is not None:
            wait.close()
    sys.exit(EXIT_OK)
