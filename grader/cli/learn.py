"""The learner's commands: init, list, show, hint, reset, solution, explain, questions."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.console import EXIT_FAILED, color, fail_usage, style, table, warn, wrap
from grader.cli.options import (catalog_options, find_workspace_or_none, load_catalog, record_packs, resolve)

WORKSPACE_OPTION = click.option("-w", "--workspace",
                                help="Workspace folder (default: $KATA_WORKSPACE or the current one).")


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace existing learner files with fresh stubs (after a backup).")
@click.option("--notebook", is_flag=True, help="Write Jupyter notebooks (one per kata) instead of .py stubs.")
@click.option("--core", is_flag=True, help="With --notebook: one notebook for the core question (parts 1-5).")
@click.option("--colab", is_flag=True, help="With --notebook: a first cell that installs the package (for Colab).")
@catalog_options
def init(directory, force, notebook, core, colab, katas_dirs):
    """Create a workspace in DIRECTORY (default ./kata-workspace) with one stub per kata.

    Existing files are never overwritten unless --force is given, and even then
    they are first copied into DIRECTORY/.kata-backups/. With --notebook, the
    stubs are notebooks: instructions, the stub and a grading cell per kata.
    """
    from grader.workspace.files import DEFAULT_DIR, WorkspaceError, init_workspace
    from grader.workspace.state import STATE_FILE

    target = directory or Path(DEFAULT_DIR)
    refuse_to_nest(target)
    # Re-running init in a workspace keeps the packs it already records.
    catalog = load_catalog(katas_dirs, workspace=target if (target / STATE_FILE).is_file() else None)
    if notebook or core or colab:
        from grader.notebook.cli import init_notebook_workspace

        return init_notebook_workspace(target, catalog, core=core, colab=colab, force=force)
    try:
        outcome = init_workspace(target, list(catalog), force=force)
    except (WorkspaceError, OSError) as exc:
        fail_usage(str(exc))
    ws = outcome.workspace
    record_packs(ws, catalog)
    if catalog.packs:
        click.echo(f"with the katas of {', '.join(catalog.packs)} (commands run in {ws} find them by themselves)")
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


def interactive() -> bool:
    """A person at a terminal who can answer a question."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def refuse_to_nest(target: Path) -> None:
    """A workspace inside a workspace splits the learner's progress in two: ask on a
    terminal, refuse otherwise, and say where the existing one is."""
    from grader.workspace.files import enclosing_workspace
    from grader.workspace.state import STATE_FILE

    outer = enclosing_workspace(target)
    if outer is None or (target / STATE_FILE).is_file():  # re-running init on a workspace nests nothing new
        return
    where = target.expanduser().resolve()
    message = (f"{where} would be a workspace inside the kata workspace {outer}, "
               f"which already has a stub for every kata.")
    advice = (f"Work in {outer} as it is (`kata list` shows your progress), `kata reset KATA` for a fresh stub, "
              f"or `kata init DIR` with a folder outside {outer}.")
    if interactive():
        warn(wrap(message))
        try:
            if click.confirm("Create a second workspace inside it anyway?", default=False, err=True):
                return
        except click.Abort:
            warn("")
        warn(wrap(advice))
        sys.exit(EXIT_FAILED)
    fail_usage(f"{message}\n{advice}")


@click.command(name="list")
@WORKSPACE_OPTION
@catalog_options
def list_katas(workspace, katas_dirs):
    """Show every kata and your progress in it.

    \b
    status        the last grade: not started, not implemented yet, failing k of n
                  checks, stopped (your code could not run), or passed
    attempts      how many times you graded it
    hints         hint levels seen, of those available
    first passed  when it first passed (also shown: whether you viewed the solution)
    due           when `kata review` brings it back: today, in 3d, new (never graded)
    to green      from its first grade to its first pass
    best cold     its fastest pass in a mock interview (`kata interview`)
    The arrow marks the next kata to do. With kata packs, a last column
    says where each kata comes from.
    """
    from grader.workspace.progress import progress
    from grader.workspace.state import read_state

    catalog = load_catalog(katas_dirs, workspace)
    ws = find_workspace_or_none(workspace, required=False)
    packs = bool(catalog.packs)  # the common case (built-in katas only) stays as it was
    if ws is None:
        rows = [(k.id, k.alias, k.title) + ((k.source,) if packs else ()) for k in catalog]
        table([("kata", "alias", "title", "from")] + rows if packs else rows)
        warn("\n(no workspace found: run `kata init` to start, or pass --workspace)")
        return
    from grader.interview.review import LIST_HEADERS, list_columns

    state = read_state(ws, warn=warn)
    now, review = progress(catalog, state), list_columns(catalog, state)
    rows, notes = [("", "kata", "alias", "status", "attempts", "hints", "first passed") + LIST_HEADERS
                   + (("from",) if packs else ())], {}
    for r in now.rows:
        rows.append((r.mark, r.kata.id, r.kata.alias, r.status, str(r.entry["attempts"]), r.hints, r.first_passed)
                    + review[r.kata.id] + ((r.kata.source,) if packs else ()))
        notes[len(rows) - 1] = r.notes
    table(rows, notes)
    click.echo(f"\nworkspace: {ws} · {now.passed} of {len(catalog)} katas passed")
    click.echo(now.next_step())


@click.command()
@click.argument("kata")
@catalog_options
def show(kata, katas_dirs):
    """Print KATA's instructions: the task, the shapes, and what the grader checks."""
    from grader.cli.markdown import echo_markdown

    target = resolve(load_catalog(katas_dirs), [kata])[0]
    # The instructions open with the kata's title; this line says where it sits in the interview.
    click.echo(f"{target.id} ({target.alias}) · in the interview: {target.interview_part}")
    if not target.builtin:
        click.echo(f"from {target.source}")
    click.echo()
    echo_markdown(target.instructions)


@click.command()
@click.argument("kata")
@click.option("--all", "all_", is_flag=True, help="Show every hint level at once.")
@click.option("--level", type=click.IntRange(1), help="Show this hint level (1 is the gentlest).")
@click.option("-w", "--workspace", help="Workspace folder, where the hints you have seen are recorded.")
@catalog_options
def hint(kata, all_, level, workspace, katas_dirs):
    """Show the next hint for KATA that you have not seen yet.

    Hints go from a gentle nudge to nearly the answer, one level per run. The
    levels you have seen are recorded in the workspace (`kata list` counts them);
    --level N shows one level again, --all shows them all.
    """
    from grader.cli.interview import refuse_during_interview
    from grader.workspace.progress import hints_to_show
    from grader.workspace.state import kata_entry, read_state, record_hints_seen

    refuse_during_interview(workspace, "kata hint")
    target = resolve(load_catalog(katas_dirs, workspace), [kata])[0]
    if all_ and level:
        fail_usage("choose one of --all and --level")
    total = len(target.hints)
    if not total:
        click.echo(f"{target.id} has no hints; `kata explain {target.id}` walks through the derivation.")
        return
    if level and level > total:
        fail_usage(f"{target.id} has {total} hint levels: use --level 1 to --level {total}")
    ws = find_workspace_or_none(workspace, required=False)
    seen = min(kata_entry(read_state(ws, warn=warn), target.id)["hints_seen"], total) if ws else 0
    shown = hints_to_show(total, seen, all_, level)
    on = color()
    for n in shown:
        h = target.hints[n - 1]
        click.echo(style(f"{target.id} hint {n} of {total}: {h.title}", on, bold=True))
        click.echo(wrap(h.text) + "\n")
    if ws is None:
        warn("(no workspace found, so the hints you have seen are not remembered; use --level N)")
    else:
        try:
            record_hints_seen(ws, target.id, max(shown), warn=warn)
        except OSError as exc:
            warn(f"warning: could not record the hint in {ws}: {exc}")
    if not all_ and not level and seen >= total:
        click.echo(f"(you had already seen all {total} hints for {target.id}; this is the last one again)")
    if max(shown) < total and not all_:
        click.echo(f"(run `kata hint {target.id}` again for hint {max(shown) + 1} of {total})")
    else:
        click.echo(f"(that is the last hint. Still stuck? `kata explain {target.id}` walks through the "
                   f"derivation, and `kata solution {target.id}` shows the reference)")


@click.command()
@click.argument("kata")
@WORKSPACE_OPTION
@catalog_options
def reset(kata, workspace, katas_dirs):
    """Start KATA over from its stub (your file is backed up first).

    Your current file is first copied into .kata-backups/<timestamp>/ in the
    workspace, so no work is ever lost; the command says where it went.
    """
    from grader.workspace.files import reset_kata

    target = resolve(load_catalog(katas_dirs, workspace), [kata])[0]
    ws = find_workspace_or_none(workspace, required=True)
    try:
        outcome = reset_kata(ws, target, warn=warn)
    except OSError as exc:  # the backup comes first, so a failure here has overwritten nothing
        fail_usage(f"could not reset {target.learner_file}: {exc}")
    if outcome.unchanged:
        click.echo(f"{outcome.path} is already the fresh stub; nothing to do.")
    elif outcome.backup is None:
        click.echo(f"{target.learner_file} was missing; wrote the fresh stub to {outcome.path}.")
    else:
        click.echo(f"saved your {target.learner_file} as {outcome.backup}\n"
                   f"{target.learner_file} is the fresh stub again\n"
                   f"(to undo: cp {outcome.backup} {outcome.path})")


@click.command()
@click.argument("kata")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before showing a kata you have not passed yet.")
@click.option("-w", "--workspace", help="Workspace folder, where viewing the solution is recorded.")
@catalog_options
def solution(kata, yes, workspace, katas_dirs):
    """Show KATA's reference solution (asks first if you have not passed it).

    --yes skips the question. The source goes to standard output,
    syntax-highlighted on a terminal unless NO_COLOR is set; viewing it is
    recorded in the workspace, and `kata list` shows it.
    """
    from grader.cli.highlight import highlight
    from grader.cli.interview import refuse_during_interview
    from grader.workspace.progress import solution_passed
    from grader.workspace.state import read_state, record_solution_viewed

    refuse_during_interview(workspace, "kata solution")
    target = resolve(load_catalog(katas_dirs, workspace), [kata])[0]
    ws = find_workspace_or_none(workspace, required=False)
    if not (ws and solution_passed(read_state(ws, warn=warn), target.id)) and not yes:
        warn(f"You have not passed {target.id} yet: once you have seen the reference, it is hard to "
             f"unsee. `kata hint {target.id}` and `kata explain {target.id}` help without giving it away.")
        try:
            ok = click.confirm("Show the reference solution anyway?", default=False, err=True)
        except click.Abort:  # end of input or Ctrl-C at the question: the answer is no
            ok = False
            warn("")
        if not ok:
            warn("not shown (pass --yes to skip this question)")
            sys.exit(EXIT_FAILED)
    try:
        source = target.reference_path.read_text(encoding="utf-8")
    except OSError as exc:
        fail_usage(f"the reference solution cannot be read: {exc}")
    if ws is not None:
        try:
            record_solution_viewed(ws, target.id, warn=warn)
        except OSError as exc:
            warn(f"warning: could not record progress in {ws}: {exc}")
    # The header goes to stderr, so `kata solution part1 --yes > ref.py` is pure Python.
    warn(f"# {target.id} ({target.alias}): reference solution, {target.reference_path}")
    click.echo(highlight(source) if color() else source, nl=False)


@click.command()
@click.argument("kata")
@catalog_options
def explain(kata, katas_dirs):
    """Walk through KATA's derivation, every tensor and its shape said aloud."""
    from grader.cli.interview import refuse_during_interview

    refuse_during_interview(None, "kata explain")
    target = resolve(load_catalog(katas_dirs), [kata])[0]
    text = target.explanation.strip()
    if not text:
        click.echo(f"{target.id} has no explanation yet; its reference solution is commented: "
                   f"`kata solution {target.id}`.")
        return
    from grader.cli.markdown import echo_markdown

    echo_markdown(text)


@click.command()
@click.argument("kata", required=False)
@click.option("--show", "pick", metavar="N",
              help="Show question N (its number or its id) of KATA, with the model answer.")
@click.option("--answers", is_flag=True, help="Show every model answer under its question.")
@catalog_options
def questions(kata, pick, answers, katas_dirs):
    """The interviewer's follow-up questions, with model answers on demand.

    Without KATA, the questions of every kata. Answer each one aloud first, then compare with the model answer:
    `kata questions part1 --show 2`, or --answers for all of them.
    """
    from grader.cli.interview import refuse_during_interview
    from grader.curriculum.kata import CatalogError

    refuse_during_interview(None, "kata questions")
    catalog = load_catalog(katas_dirs)
    if pick and not kata:
        fail_usage("--show needs a kata, e.g. `kata questions part1 --show 2`")
    targets = resolve(catalog, [kata]) if kata else list(catalog)
    try:
        asked = [(k, k.questions) for k in targets]
    except CatalogError as exc:
        fail_usage(f"the kata catalog is broken: {exc}")
    on = color()
    if pick:
        target, items = asked[0]
        chosen = [(i, q) for i, q in enumerate(items, 1) if pick in (str(i), q["id"])]
        if not chosen:
            known = ", ".join(f"{i} ({q['id']})" for i, q in enumerate(items, 1))
            fail_usage(f"{target.id} has no question {pick!r}; its questions are {known or 'none'}")
        asked = [(target, chosen)]
        answers = True
    else:
        asked = [(k, list(enumerate(items, 1))) for k, items in asked]
    for target, items in asked:
        click.echo(style(f"{target.id} ({target.alias}) · {target.title}", on, bold=True))
        for n, q in items:
            click.echo(wrap(f"{n}. {q['question']}", "  ", " " * (len(str(n)) + 2)))
            if answers:
                click.echo(style("\n     model answer:", on, dim=True))
                click.echo(wrap(q["answer"], "     ") + "\n")
        if not answers:
            click.echo()
    if not answers:
        example = targets[0].id
        click.echo(f"Say your answer aloud, then compare: `kata questions {example} --show 1` "
                   f"(or `kata questions {example} --answers` for all of them).")
