"""`kata`: a thin Click layer over the grader library.

Heavy imports (NumPy, Jinja2, the checks) happen inside commands, so `kata --help`
stays fast; torch is never imported in this process at all.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _fail_usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _catalog():
    from grader.catalog import Catalog, CatalogError

    try:
        return Catalog.builtin()
    except CatalogError as exc:
        _fail_usage(f"the kata catalog is broken: {exc}")


def _resolve(catalog, names):
    katas = []
    for name in names:
        try:
            kata = catalog.get(name)
        except KeyError as exc:
            _fail_usage(exc.args[0])
        if kata not in katas:
            katas.append(kata)
    return katas


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="kata")
def main():
    """Backprop katas: implement an MLP's forward and backward pass, then let the grader check it.

    \b
    Start here:
      kata init            make ./kata-workspace with the five stubs
      kata list            see the katas and your progress
      kata show part1      read a kata's task and shapes
      kata grade part1     grade one kata (ids or aliases), or --all
      kata hint part1      the next hint when you are stuck
    """


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace existing learner files with fresh stubs (after a backup).")
def init(directory, force):
    """Create a workspace in DIRECTORY (default ./kata-workspace) with one stub per kata.

    Existing files are never overwritten unless --force is given, and even then
    they are first copied into DIRECTORY/.kata-backups/.
    """
    from grader.workspace import DEFAULT_DIR, WorkspaceError, init_workspace

    catalog = _catalog()
    try:
        outcome = init_workspace(directory or Path(DEFAULT_DIR), list(catalog), force=force)
    except (WorkspaceError, OSError) as exc:
        _fail_usage(str(exc))
    ws = outcome.workspace
    if outcome.created:
        click.echo(f"created {len(outcome.created)} stubs in {ws}: {', '.join(outcome.created)}")
    if outcome.replaced:
        click.echo(f"replaced {', '.join(outcome.replaced)} with fresh stubs; "
                   f"your previous versions are in {outcome.backup}")
    if outcome.kept:
        click.echo(f"kept your existing {', '.join(outcome.kept)} (use --force to replace them; "
                   "a backup is made first)")
    first = catalog.katas[0]
    click.echo(f"\nnext: cd {ws}, read the task with `kata show {first.id}`, edit {first.learner_file}, "
               f"then run `kata grade {first.id}`")


@main.command(name="list")
@click.option("-w", "--workspace", help="Workspace folder (default: $KATA_WORKSPACE or the current one).")
def list_katas(workspace):
    """Show every kata with its alias, title and your status."""
    from grader.workspace import WorkspaceError, find_workspace, read_state

    catalog = _catalog()
    state, ws = None, None
    try:
        ws = find_workspace(workspace)
        state = read_state(ws, warn=lambda m: click.echo(m, err=True))
    except WorkspaceError as exc:
        if workspace:
            _fail_usage(str(exc))
    rows = []
    for kata in catalog:
        entry = (state or {}).get("katas", {}).get(kata.id) if state else None
        rows.append((kata.id, kata.alias, kata.title, _status_text(entry) if state else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + ("  " + row[3] if row[3] else ""))
    if ws is None:
        click.echo("\n(no workspace found: run `kata init` to start, or pass --workspace)", err=True)
    else:
        todo = next((k for k in catalog if _status_text(state["katas"].get(k.id)) != "passed"), None)
        click.echo(f"\nworkspace: {ws}" + (f" · next: kata grade {todo.id}" if todo else " · all katas passed"))


def _status_text(entry) -> str:
    if not entry or entry.get("status") in (None, "not-implemented"):
        return "not started"
    if entry.get("status") == "passed":
        return "passed"
    if entry.get("fatal"):
        fatal = str(entry["fatal"])
        return "stopped: " + (fatal if len(fatal) <= 70 else fatal[:67] + "...")
    return f"failing {entry.get('checks_failing', '?')} of {entry.get('checks_total', '?')} checks"


@main.command()
@click.argument("katas", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Grade every kata.")
@click.option("-w", "--workspace", help="Workspace folder (default: $KATA_WORKSPACE, else the nearest one above).")
@click.option("--reference", is_flag=True, help="Grade the shipped reference solutions instead of a workspace.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "json"]), default="text",
              show_default=True, help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed for the hidden test cases (default: random).")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=None,
              help="Seconds of run time allowed to your code per kata (default 10).")
@click.option("--memory", "memory_mb", type=click.IntRange(64, 1 << 20), default=None,
              help="Memory your code may allocate per kata, in MiB (default 2048).")
def grade(katas, all_, workspace, reference, fmt, output, seed, timeout, memory_mb):
    """Grade KATA... (ids like part2 or aliases like linear-backward), or --all.

    Exit status: 0 every check passed, 1 some check failed, 2 usage or setup error.
    """
    import secrets

    from grader import report as reports
    from grader.engine import grade_kata
    from grader.results import GradeReport
    from grader.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S
    from grader.workspace import WorkspaceError, find_workspace, record_grades

    if not katas and not all_:
        _fail_usage("name the katas to grade (e.g. `kata grade part1`) or pass --all; `kata list` shows them")
    catalog = _catalog()
    selected = list(catalog) if all_ else _resolve(catalog, katas)
    if reference and workspace:
        _fail_usage("--reference grades the shipped solutions; it cannot be combined with --workspace")
    ws = None
    if not reference:
        try:
            ws = find_workspace(workspace)
        except WorkspaceError as exc:
            _fail_usage(str(exc))
    seed = secrets.randbelow(1_000_000) if seed is None else seed
    results = []
    for kata in selected:
        if sys.stderr.isatty():
            click.echo(f"grading {kata.id} ({kata.alias})…", err=True)
        source = kata.solutions_dir if reference else ws
        results.append(grade_kata(kata, source, seed, timeout or DEFAULT_TIMEOUT_S, memory_mb or DEFAULT_MEMORY_MB))
    report = GradeReport(results, seed, str(ws) if ws else "reference solutions", reference, __version__)
    if ws is not None:
        try:
            record_grades(ws, results, warn=lambda m: click.echo(m, err=True))
        except OSError as exc:
            click.echo(f"warning: could not record progress in {ws}: {exc}", err=True)
    text = reports.render(report, fmt, color=output is None and fmt == "text" and reports.should_color(sys.stdout))
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail_usage(f"cannot write {output}: {exc}")
        passed = sum(r.passed for r in results)
        click.echo(f"{passed} of {len(results)} katas passed · report written to {output}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    sys.exit(EXIT_OK if report.passed else EXIT_FAILED)


@main.command()
@click.argument("kata")
@click.option("--all", "all_", is_flag=True, help="Show every hint level at once.")
@click.option("--level", type=click.IntRange(1), help="Show this hint level (1 is the gentlest).")
@click.option("-w", "--workspace", help="Workspace folder, where the hints you have seen are recorded.")
def hint(kata, all_, level, workspace):
    """Show the next hint for KATA, from a gentle nudge to nearly the answer."""
    from grader.workspace import WorkspaceError, find_workspace, read_state, write_state

    target = _resolve(_catalog(), [kata])[0]
    if not target.hints:
        click.echo(f"{target.id} has no hints.")
        return
    try:
        ws = find_workspace(workspace)
    except WorkspaceError as exc:
        if workspace:
            _fail_usage(str(exc))
        ws = None
    state = read_state(ws, warn=lambda m: click.echo(m, err=True)) if ws else None
    entry = state["katas"].setdefault(target.id, {}) if state else {}
    seen = int(entry.get("hints_seen", 0) or 0)
    total = len(target.hints)
    if all_:
        shown = range(1, total + 1)
    elif level:
        shown = [min(level, total)]
    else:
        shown = [min(seen + 1, total)]
    for n in shown:
        h = target.hints[n - 1]
        click.echo(click.style(f"{target.id} hint {n} of {total}: {h.title}", bold=True))
        click.echo(h.text.strip() + "\n")
    if state is not None and max(shown) > seen:
        entry["hints_seen"] = max(shown)
        write_state(ws, state)
    if max(shown) < total and not all_:
        click.echo(f"(run `kata hint {target.id}` again for the next hint)")


@main.command()
@click.argument("kata")
def show(kata):
    """Print KATA's instructions: the task, the shapes, and what the grader checks."""
    target = _resolve(_catalog(), [kata])[0]
    click.echo(f"{target.id} ({target.alias}) · {target.interview_part}\n")
    click.echo(target.instructions.rstrip())
