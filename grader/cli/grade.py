"""Grading commands: grade, watch."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.console import EXIT_FAILED, EXIT_OK, fail_usage, style, warn
from grader.cli.options import catalog_options, find_workspace_or_none, isolation_label, load_catalog, resolve
from grader.reporting import FORMATS


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
@catalog_options
def grade(katas, all_, workspace, reference, fmt, output, seed, timeout, memory_mb, katas_dirs):
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
    if reference and workspace:
        fail_usage("--reference grades the shipped solutions; it cannot be combined with --workspace")
    ws = None if reference else find_workspace_or_none(workspace, required=True)
    if ws is not None:
        from grader.cli.interview import refuse_during_interview
        refuse_during_interview(str(ws), "kata grade")
    isolation_label()  # a bad $KATA_ISOLATION is a usage error before anything runs
    # Warm sandboxes pay once a framework is graded twice; one kata is faster cold.
    session = GradingSession(catalog, ws, seed, timeout or DEFAULT_TIMEOUT_S, memory_mb or DEFAULT_MEMORY_MB,
                             warn=warn, warm=len(selected) > 1)

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
@click.option("--interval", type=click.FloatRange(0.05, 60), default=0.5, show_default=True,
              help="Seconds between checks for saved files.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed for the hidden test cases (default: random).")
@catalog_options
def watch(kata, workspace, interval, seed, katas_dirs):
    """Re-grade on every save and follow you through the katas, until Ctrl-C.

    Starts with KATA (default: the first kata you have not passed). The screen
    shows a one-line summary, then the report. When the kata passes, the next
    save of the following kata's file (or any helper) grades that one.
    """
    from grader.grading.session import GradingSession
    from grader.grading.watch import Watcher, snapshot
    from grader.reporting import should_color
    from grader.workspace.state import kata_entry, read_state

    catalog = load_catalog(katas_dirs, workspace)
    start = resolve(catalog, [kata])[0] if kata else None
    ws = find_workspace_or_none(workspace, required=True)
    from grader.cli.interview import refuse_during_interview
    refuse_during_interview(str(ws), "kata watch")
    isolation_label()
    state = read_state(ws, warn=warn)
    passed = {k.id for k in catalog if kata_entry(state, k.id)["status"] == "passed"}
    if start is None:
        start = next((k for k in catalog if k.id not in passed), catalog.katas[0])
    color = should_color(sys.stdout)
    session = GradingSession(catalog, ws, seed, warn=warn, warm=True)  # one warm sandbox per framework
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

    watcher = Watcher(catalog.katas, start, grade, show, lambda: snapshot(ws), passed=passed, interval=interval)
    try:
        watcher.run()
    except KeyboardInterrupt:
        warn(f"\nstopped watching {ws}.")
    sys.exit(EXIT_OK)
