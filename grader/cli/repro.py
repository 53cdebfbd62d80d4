"""`kata repro`: write the failing case of a kata as a script the learner can debug."""
from __future__ import annotations

import sys

import click

from grader.cli.console import EXIT_FAILED, EXIT_OK, fail_usage, warn
from grader.cli.options import catalog_options, find_workspace_or_none, isolation_label, load_catalog, resolve


@click.command()
@click.argument("kata")
@click.option("--check", "check_name", metavar="NAME", help="The check whose case to write (default: the first "
                                                            "that fails). Writes its first case even if it passes.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1),
              help="Seed of the hidden cases (default: the last grade's, if recorded, else 1).")
@click.option("-w", "--workspace", help="Workspace folder (default: $KATA_WORKSPACE, else the nearest one above).")
@catalog_options
def repro(kata, check_name, seed, workspace, katas_dirs):
    """Write KATA's failing case as a small script plus its inputs, to run under a debugger.

    The case goes into .kata-repro/<kata>-<check>/ in the workspace (hidden, never graded):
    repro.py calls your function on the grader's inputs and prints what differs.
    Exit status: 0 a case was written (or nothing fails), 1 it could not be, 2 usage error.
    """
    from grader.grading.repro import last_seed, reproduce
    from grader.curriculum import loading

    catalog = load_catalog(katas_dirs, workspace)
    selected = resolve(catalog, [kata])[0]
    ws = find_workspace_or_none(workspace, required=True)
    from grader.cli.interview import refuse_during_interview
    refuse_during_interview(str(ws), "kata repro")   # the case holds the expected results
    isolation_label()
    if check_name is not None:
        names = [c.name for c in loading.checks(selected)]
        if check_name not in names:
            fail_usage(f"{selected.id} has no check {check_name!r}; its checks: {', '.join(names)}")
    if seed is None:
        seed = last_seed(ws, selected.id)
        seed = 1 if seed is None else seed
    if sys.stderr.isatty():
        click.echo(f"grading {selected.id} at seed {seed} to find the case…", err=True)
    outcome = reproduce(selected, ws, seed, check_name)
    if outcome.nothing:
        click.echo(f"{selected.id} passes every check at seed {seed}: there is nothing to reproduce.")
        if outcome.warned:
            click.echo(f"  check {outcome.warned[0]} passed with a warning; "
                       f"`kata repro {selected.id} --check {outcome.warned[0]}` writes the case it warned about.")
        else:
            click.echo(f"  `kata repro {selected.id} --check NAME` writes a check's first case anyway.")
        sys.exit(EXIT_OK)
    if outcome.reason:
        warn(f"{selected.id}: {outcome.reason.rstrip('.')}.")
        if outcome.check and outcome.check != "numpy-only":
            warn(f"the report of `kata grade {selected.id} --seed {seed}` shows the call and its shapes.")
        sys.exit(EXIT_FAILED)
    case = outcome.case
    rel = case.folder.relative_to(ws)
    status = next(c for c in outcome.result.checks if c.name == outcome.check)
    click.echo(f"{selected.id} · check {outcome.check} ({status.status.value}) at seed {seed}: "
               f"wrote the case of your {case.function} ({outcome.why}) to {rel}/")
    if status.message and status.status.value != "pass":
        click.echo(f"  the grader said: {status.message}")
    click.echo(f"  {rel}/repro.py     calls your {case.function} on those inputs and prints what differs")
    click.echo(f"  {rel}/inputs.npz   the inputs" + (" and the expected results" if case.compared else ""))
    click.echo(f"  {rel}/compare_results.py   how the script compares results (plain NumPy)")
    click.echo("run it from the workspace:")
    click.echo(f"  cd {ws}")
    click.echo(f"  python {rel}/repro.py")
    click.echo(f"  python -m pdb -c 'b {case.call_line}' -c c {rel}/repro.py")
    click.echo(f"      stops where the script calls your {case.function}: `s` steps into it, `n` goes line by "
               "line, `p NAME` prints a variable")
    click.echo(f"or put breakpoint() in your {case.function} and run the script: outside the grader it stops there.")
    sys.exit(EXIT_OK)
