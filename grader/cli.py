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
# Kept here rather than imported from grader.report so `kata --help` need not load it.
REPORT_FORMATS = ("text", "md", "html", "json", "junit", "gradescope")


def _fail_usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


# -- where the katas come from: built-in, then packs (grader/packs.py) ---------------

_KATAS_META = "backprop_katas.katas_dirs"  # --katas given before the command: `kata --katas DIR list`
_KATAS_HELP = ("A kata pack folder (holding katas/<id>/ and solutions/) to use besides the built-in katas; "
               "repeatable. Also: $KATA_PATH, and packs installed as Python packages.")


def _remember_group_katas(ctx, param, value):
    ctx.meta[_KATAS_META] = tuple(value or ())


def _merge_katas_dirs(ctx, param, value):
    return tuple(ctx.meta.get(_KATAS_META, ())) + tuple(value or ())


def catalog_options(command):
    """`--katas DIR` (repeatable) for a command that uses the katas. The command gets
    `katas_dirs`: every --katas, given before the command name or after it; pass it
    to `_catalog(katas_dirs)`."""
    return click.option("--katas", "katas_dirs", multiple=True, metavar="DIR", callback=_merge_katas_dirs,
                        type=click.Path(file_okay=False, path_type=Path), help=_KATAS_HELP)(command)


def _catalog(katas_dirs=(), workspace=None):
    """The built-in katas, then those of every pack: --katas DIRs, $KATA_PATH, the packs
    recorded in the workspace (`workspace`: an explicit folder, else the one found from
    $KATA_WORKSPACE or the current folder, if any), and installed entry points."""
    from grader.catalog import Catalog, CatalogError

    ctx = click.get_current_context(silent=True)
    katas_dirs = tuple(katas_dirs or ())
    if ctx is not None:  # a command without catalog_options still honours `kata --katas DIR cmd`
        katas_dirs = tuple(ctx.meta.get(_KATAS_META, ())) + katas_dirs
    try:
        return Catalog.discover(katas_dirs, recorded=_recorded_packs(workspace), warn=_warn)
    except CatalogError as exc:
        _fail_usage(f"cannot load the katas: {exc}")


def _recorded_packs(workspace) -> list[str]:
    """The pack folders `kata init` recorded in the workspace (none if there is no workspace)."""
    from grader.workspace import WorkspaceError, find_workspace, read_state

    try:
        ws = find_workspace(str(workspace) if workspace else None)
    except WorkspaceError:
        return []
    packs = read_state(ws).get("packs")
    if not isinstance(packs, list):
        return []
    return [p for p in packs if isinstance(p, str) and p]


def _record_packs(ws, catalog) -> None:
    """Remember the catalog's folder packs in the workspace, so later commands run in it
    find the same katas without --katas. Installed (entry point) packs are found anyway."""
    from grader.workspace import update_state

    folders = [k.source for k in catalog if not k.builtin and not k.source.startswith("entry point")]
    folders = list(dict.fromkeys(folders))
    if not folders:
        return

    def remember(state):
        known = state.get("packs") if isinstance(state.get("packs"), list) else []
        state["packs"] = list(dict.fromkeys([p for p in known if isinstance(p, str)] + folders))
    try:
        update_state(ws, remember, warn=_warn)
    except OSError as exc:
        _warn(f"warning: could not record the kata packs in {ws}: {exc}")


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
@click.option("--katas", multiple=True, metavar="DIR", expose_value=False, callback=_remember_group_katas,
              type=click.Path(file_okay=False, path_type=Path), help=_KATAS_HELP)
def main():
    """Backprop katas: implement an MLP's forward and backward pass, then let the grader check it.

    \b
    Start here:
      kata init             make ./kata-workspace with the five stubs
      kata list             see the katas and your progress
      kata show part1       read a kata's task and shapes
      kata grade part1      grade one kata (ids or aliases), or --all
      kata watch            re-grade every time you save, until Ctrl-C
      kata hint part1       the next hint when you are stuck
    \b
    After a kata:
      kata explain part1    the derivation, every shape said aloud
      kata questions part1  the interviewer's follow-up questions
      kata solution part1   the reference solution
      kata reset part1      start over from the stub (your file is backed up)
    \b
    For instructors:
      kata new ID --title T scaffold a kata (docs/authoring.md walks through it)
      kata validate ID      prove a kata's checks right
      --katas DIR           use a kata pack kept outside this repository
    """


def _warn(message: str) -> None:
    click.echo(message, err=True)


def _isolation_label() -> str:
    """What learner code runs under here (a bad $KATA_ISOLATION is a usage error)."""
    from grader.sandbox.isolation import IsolationError, current_isolation

    try:
        return current_isolation().label
    except IsolationError as exc:
        _fail_usage(str(exc))


def _find_workspace(explicit: str | None, required: bool):
    """The workspace, or None when there is none and the command can do without one.

    An explicit --workspace that is not one is always an error.
    """
    from grader.workspace import WorkspaceError, find_workspace

    try:
        return find_workspace(explicit)
    except WorkspaceError as exc:
        if required or explicit:
            _fail_usage(str(exc))
        return None


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace existing learner files with fresh stubs (after a backup).")
@catalog_options
def init(directory, force, katas_dirs):
    """Create a workspace in DIRECTORY (default ./kata-workspace) with one stub per kata.

    Existing files are never overwritten unless --force is given, and even then
    they are first copied into DIRECTORY/.kata-backups/.
    """
    from grader.workspace import DEFAULT_DIR, STATE_FILE, WorkspaceError, init_workspace

    target = directory or Path(DEFAULT_DIR)
    # Re-running init in a workspace keeps the packs it already records.
    catalog = _catalog(katas_dirs, workspace=target if (target / STATE_FILE).is_file() else None)
    try:
        outcome = init_workspace(target, list(catalog), force=force)
    except (WorkspaceError, OSError) as exc:
        _fail_usage(str(exc))
    ws = outcome.workspace
    _record_packs(ws, catalog)
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


@main.command(name="list")
@click.option("-w", "--workspace", help="Workspace folder (default: $KATA_WORKSPACE or the current one).")
@catalog_options
def list_katas(workspace, katas_dirs):
    """Show every kata and your progress in it.

    \b
    status        the last grade: not started, not implemented yet, failing k of n
                  checks, stopped (your code could not run), or passed
    attempts      how many times you graded it
    hints         hint levels seen, of those available
    first passed  when it first passed (also shown: whether you viewed the solution)
    The arrow marks the next kata to do. With kata packs, a last column
    says where each kata comes from.
    """
    from grader.workspace import kata_entry, read_state

    catalog = _catalog(katas_dirs, workspace)
    ws = _find_workspace(workspace, required=False)
    packs = bool(catalog.packs)  # the common case (built-in katas only) stays as it was
    if ws is None:
        rows = [(k.id, k.alias, k.title) + ((k.source,) if packs else ()) for k in catalog]
        _table([("kata", "alias", "title", "from")] + rows if packs else rows)
        _warn("\n(no workspace found: run `kata init` to start, or pass --workspace)")
        return
    state = read_state(ws, warn=_warn)
    entries = {k.id: kata_entry(state, k.id) for k in catalog}
    todo = next((k for k in catalog if entries[k.id]["status"] != "passed"), None)
    rows, notes = [("", "kata", "alias", "status", "attempts", "hints", "first passed")
                   + (("from",) if packs else ())], {}
    for k in catalog:
        e = entries[k.id]
        mark = "→" if k is todo else ("✓" if e["status"] == "passed" else "")
        rows.append((mark, k.id, k.alias, _status_text(e), str(e["attempts"]),
                     f"{min(e['hints_seen'], len(k.hints))}/{len(k.hints)}", _when(e["first_passed"]) or "-")
                    + ((k.source,) if packs else ()))
        notes[len(rows) - 1] = under = []
        if e["status"] != "passed" and e["fatal"]:
            under.append("↳ " + _one_line(e["fatal"], 100))
        if e["solution_viewed"]:
            under.append("↳ solution viewed " + _when(e["solution_viewed"]))
    _table(rows, notes)
    passed = sum(e["status"] == "passed" for e in entries.values())
    click.echo(f"\nworkspace: {ws} · {passed} of {len(catalog)} katas passed")
    if todo is None:
        click.echo("all katas passed: try `kata questions` for the interviewer's follow-ups")
    elif entries[todo.id]["status"] in (None, "not-implemented"):
        click.echo(f"next: {todo.id} ({todo.alias}): `kata show {todo.id}`, edit {todo.learner_file}, "
                   f"then `kata grade {todo.id}`")
    else:
        click.echo(f"next: kata grade {todo.id} (stuck? `kata hint {todo.id}`)")


def _table(rows, notes=None) -> None:
    """Left-aligned columns; notes[i] lists indented lines to print under row i."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        for note in (notes or {}).get(i, []):
            click.echo(" " * (widths[0] + 4) + note)


def _status_text(entry) -> str:
    status = entry["status"]
    if status == "passed":
        return "passed"
    if status == "not-implemented":
        return "not implemented yet"
    if status is None:
        return "reset to the stub" if entry["attempts"] else "not started"
    if entry["fatal"]:
        return "stopped"
    if entry["checks_failing"] is None or entry["checks_total"] is None:  # a hand-edited record
        return "failing"
    return f"failing {entry['checks_failing']} of {entry['checks_total']} checks"


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _when(stamp: str | None) -> str:
    """A recorded timestamp, shortened to minutes for the table."""
    from datetime import datetime

    if not stamp:
        return ""
    try:
        return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S%z").strftime("%Y-%m-%d %H:%M")
    except ValueError:  # hand-edited: show what is there
        return _one_line(stamp, 20)


@main.command()
@click.argument("katas", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Grade every kata.")
@click.option("-w", "--workspace", help="Workspace folder (default: $KATA_WORKSPACE, else the nearest one above).")
@click.option("--reference", is_flag=True, help="Grade the shipped reference solutions instead of a workspace.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text",
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
    import secrets

    from grader import report as reports
    from grader.engine import grade_kata
    from grader.results import GradeReport
    from grader.sandbox.policy import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S
    from grader.workspace import WorkspaceError, find_workspace, record_grades

    if not katas and not all_:
        _fail_usage("name the katas to grade (e.g. `kata grade part1`) or pass --all; `kata list` shows them")
    catalog = _catalog(katas_dirs, workspace)
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
    report = GradeReport(results, seed, str(ws) if ws else "reference solutions", reference, __version__,
                         _isolation_label())
    if ws is not None:
        try:
            record_grades(ws, results, warn=lambda m: click.echo(m, err=True))
        except OSError as exc:
            click.echo(f"warning: could not record progress in {ws}: {exc}", err=True)
    # The catalog gives the reports hint titles, points and each kata's full check list.
    text = reports.render(report, fmt, color=output is None and fmt == "text" and reports.should_color(sys.stdout),
                          catalog=catalog)
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


@main.command(name="grade-class")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the gradebook, reports and summary (default: SUBMISSIONS-grades beside SUBMISSIONS).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Submissions graded in parallel (default: the number of CPUs).")
@click.option("-k", "--kata", "kata_names", multiple=True, metavar="KATA",
              help="Grade only this kata (id or alias); repeatable. Default: every kata.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None,
              help="Seed for the hidden test cases, the same for every submission (default 1234).")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=None,
              help="Seconds of run time allowed to a submission's code per kata (default 10).")
@click.option("--memory", "memory_mb", type=click.IntRange(64, 1 << 20), default=None,
              help="Memory a submission's code may allocate per kata, in MiB (default 2048).")
@click.option("--force", is_flag=True, help="Grade every submission again, even those already graded.")
@click.option("--allow-unisolated", is_flag=True,
              help="Grade even where learner code gets no namespace or uid isolation (only for code you trust).")
@catalog_options
def grade_class(submissions, out, jobs, kata_names, seed, timeout, memory_mb, force, allow_unisolated, katas_dirs):
    """Grade every submission under SUBMISSIONS in parallel: gradebook, reports, summary.

    \b
    A submission is a folder holding .kata-workspace.json, or (an LMS export) any
    folder holding a learner file such as part1_softmax_ce.py; the gradebook names
    it by its path under SUBMISSIONS. Submissions are only read, never written.
    Each one is graded in its own process with the usual time and memory limits.
    OUT gets:
      gradebook.csv      points per kata, total, max and status per submission
      index.html         the class summary: pass rates, most common mistakes
      reports/*.html     each submission's own report
      results/*.json     one record per submission, reused by the next run
    A re-run skips the submissions already graded whose files have not changed
    (--force grades them all again). Learner code runs in namespaces (or as a
    fresh uid when run as root); without either this command refuses to run
    unless --allow-unisolated is given.

    Exit status: 0 every submission was graded, 1 some could not be (the next run
    retries them), 2 usage or setup error, 130 interrupted (re-run to finish).
    """
    from grader import classgrade

    catalog = _catalog(katas_dirs)
    selected = _resolve(catalog, kata_names) if kata_names else list(catalog)
    root = submissions.resolve()
    out = (out if out is not None else root.parent / f"{root.name}-grades").resolve()
    printer = classgrade.ProgressPrinter(sys.stderr)
    try:
        run = classgrade.grade_class(root, out, catalog, katas=selected, jobs=jobs, force=force, progress=printer,
                                     seed=classgrade.DEFAULT_SEED if seed is None else seed,
                                     timeout=timeout, memory_mb=memory_mb, allow_unisolated=allow_unisolated)
    except classgrade.ClassGradeError as exc:
        _fail_usage(str(exc))
    except OSError as exc:
        _fail_usage(f"cannot write the results into {out}: {exc}")
    finally:
        printer.close()
    if run.interrupted:
        _warn(f"\ninterrupted: {len(run.records)} of {len(run.submissions)} submissions are graded and kept in "
              f"{out}; run the same command again to grade the rest")
        sys.exit(130)
    statuses = {s: sum(r["status"] == s for r in run.records.values())
                for s in ("passed", "failed", "error", "not-graded")}
    totals = [r["total"] for r in run.records.values() if r["status"] != "not-graded"]
    mean = sum(totals) / len(totals) if totals else 0.0
    click.echo(f"{len(run.submissions)} submissions ({len(run.graded)} graded now, {len(run.skipped)} already "
               f"graded) in {classgrade.format_clock(run.elapsed_s)} · seed {run.settings['seed']} · "
               f"isolation: {run.isolation}")
    click.echo("  " + " · ".join(f"{n} {s}" for s, n in statuses.items() if n)
               + f" · mean {mean:.1f} of {sum(k.points for k in selected):g} points")
    click.echo(f"  gradebook  {out / classgrade.GRADEBOOK}\n  summary    {out / classgrade.SUMMARY}\n"
               f"  reports    {out / classgrade.REPORTS_DIR}/")
    if run.not_graded:
        click.echo(f"{len(run.not_graded)} could not be graded (the next run tries again): "
                   + ", ".join(run.not_graded))
    sys.exit(EXIT_FAILED if run.not_graded else EXIT_OK)


@main.command()
@click.argument("katas", nargs=-1)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None,
              help="Seed for the hidden test cases (default 1, so runs are reproducible).")
@click.option("--seeds", "n_seeds", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Grade every file at this many consecutive seeds (a false-alarm sweep).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Files graded in parallel (default: the number of CPUs).")
@catalog_options
def validate(katas, seed, n_seeds, jobs, katas_dirs):
    """Prove that KATA's checks are right (default: every kata; with --katas DIR
    and no KATA, the katas of those packs).

    \b
    The reference passes every check, float32 and float64; the untouched stub
    fails as not implemented; every shipped mistake fails where it declares and
    gets its declared diagnosis; every shipped correct variant passes with no
    warning. Exit status 0 only when all of that holds.
    """
    from grader import validate as validation

    catalog = _catalog(katas_dirs)
    selected = _resolve(catalog, katas) if katas else list(catalog)
    if not katas and katas_dirs:  # an instructor checking their own pack(s)
        roots = {str(Path(d).expanduser().resolve()) for d in katas_dirs}
        selected = [k for k in catalog if k.source in roots]
        if not selected:
            _fail_usage(f"{', '.join(sorted(roots))} holds no katas yet: `kata new ID --title TITLE "
                        f"--katas DIR` scaffolds one")
    first = validation.DEFAULT_SEED if seed is None else seed
    seeds = list(range(first, first + n_seeds))
    show = sys.stderr.isatty()

    def progress(row):
        if show:
            click.echo(f"\r{row.kata} {row.kind} {row.name}"[:78].ljust(78), nl=False, err=True)

    rows = validation.validate(catalog, selected, seeds, jobs, progress)
    if show:
        click.echo("\r" + " " * 78 + "\r", nl=False, err=True)
    click.echo(validation.format_table(rows), nl=False)
    sys.exit(EXIT_OK if all(r.ok for r in rows) else EXIT_FAILED)


@main.command()
@click.argument("kata_id", metavar="ID")
@click.option("--title", required=True, help="The kata's title (one line).")
@click.option("--alias", help="A second, descriptive name such as sigmoid-backward (default: the id).")
@click.option("--framework", type=click.Choice(["numpy", "torch"]), default="numpy", show_default=True,
              help="numpy: the learner may not import an autodiff framework; torch: they may.")
@click.option("--order", type=int, help="Its place in the curriculum (default: after the pack's last kata).")
@click.option("--part", "interview_part", help="The part of the interview it practises (shown by `kata show`).")
@click.option("--forward", help="The forward function's name (default: ALIAS_forward).")
@click.option("--backward", help="The backward function's name (default: ALIAS_backward).")
@click.option("--learner-file", help="The learner's file name (default: ID_ALIAS.py, or ID.py).")
@catalog_options
def new(kata_id, title, alias, framework, order, interview_part, forward, backward, learner_file, katas_dirs):
    """Scaffold a new kata ID: metadata, instructions, stub, reference, checks,
    and folders for its known mistakes and correct variants.

    \b
    It goes into the pack given with --katas DIR (created if needed), else into
    the current folder taken as a pack root: katas/ID/ and solutions/. Nothing is
    ever overwritten, and an id or alias that a known kata uses is refused.
    Then write the reference, adapt the checks (look for TODO(author)), add
    mistakes and a variant, and run `kata validate ID`: until the kata is
    complete, it says what is missing. docs/authoring.md walks through it all.
    """
    from grader.catalog import PACKAGE_ROOT, Catalog, CatalogError
    from grader.scaffold import NewKata, ScaffoldError, create
    from grader.workspace import STATE_FILE

    dirs = list(dict.fromkeys(Path(d).expanduser().resolve() for d in katas_dirs))
    if len(dirs) > 1:
        _fail_usage("kata new writes into one pack: pass --katas DIR once")
    root = dirs[0] if dirs else Path.cwd().resolve()
    if not dirs and (root / STATE_FILE).is_file():
        _fail_usage(f"{root} is a learner's workspace, not a kata pack: pass --katas DIR for where the kata goes")
    is_pack = (root / "katas").is_dir()
    try:  # every known kata, to refuse a name in use; the target only if it already is a pack
        catalog = Catalog.discover([root] if is_pack else [], recorded=_recorded_packs(None), warn=_warn)
    except CatalogError as exc:
        _fail_usage(f"cannot load the katas: {exc}")
    if order is None:
        here = [k.order for k in catalog if (k.builtin if root == PACKAGE_ROOT.resolve() else k.source == str(root))]
        order = max(here, default=0) + 1
    try:
        spec = create(root, NewKata(kata_id, title, alias or "", framework, order, interview_part or "",
                                    forward or "", backward or "", learner_file or ""), list(catalog))
    except (ScaffoldError, OSError) as exc:
        _fail_usage(str(exc))
    where = {f"katas/{spec.id}/kata.toml": "metadata: title, interview part, order, points, hints",
             f"katas/{spec.id}/instructions.md": "the task, as `kata show` prints it",
             f"katas/{spec.id}/{spec.learner_file}": "the stub learners start from",
             f"katas/{spec.id}/checks.py": "the hidden checks",
             f"katas/{spec.id}/mistakes/": "known mistakes, each must fail where it says"
                                            + (" (imports_torch.py is ready)" if framework == "numpy" else ""),
             f"katas/{spec.id}/variants/": "correct variants, each must pass",
             f"solutions/{spec.learner_file}": "the reference"}
    width = max(map(len, where))
    click.echo(f"created kata {spec.id} ({spec.alias}) in {root}:")
    for rel, what in where.items():
        click.echo(f"  {rel.ljust(width)}  {what}")
    flag = "" if root == PACKAGE_ROOT.resolve() else f" --katas {root}"
    click.echo(f"\nnext:\n"
               f"  1. write the reference in solutions/{spec.learner_file}\n"
               f"  2. adapt katas/{spec.id}/checks.py and the texts: look for TODO(author)\n"
               f"  3. add known mistakes to katas/{spec.id}/mistakes/ and a correct variant to variants/\n"
               f"  4. kata validate {spec.id}{flag}    (it says what is still missing)")


@main.command()
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
    from grader.workspace import kata_entry, read_state, record_hints_seen

    target = _resolve(_catalog(katas_dirs, workspace), [kata])[0]
    if all_ and level:
        _fail_usage("choose one of --all and --level")
    total = len(target.hints)
    if not total:
        click.echo(f"{target.id} has no hints; `kata explain {target.id}` walks through the derivation.")
        return
    if level and level > total:
        _fail_usage(f"{target.id} has {total} hint levels: use --level 1 to --level {total}")
    ws = _find_workspace(workspace, required=False)
    seen = min(kata_entry(read_state(ws, warn=_warn), target.id)["hints_seen"], total) if ws else 0
    if all_:
        shown = list(range(1, total + 1))
    elif level:
        shown = [level]
    else:
        shown = [min(seen + 1, total)]
    color = _color()
    for n in shown:
        h = target.hints[n - 1]
        click.echo(_style(f"{target.id} hint {n} of {total}: {h.title}", color, bold=True))
        click.echo(_wrap(h.text) + "\n")
    if ws is None:
        _warn("(no workspace found, so the hints you have seen are not remembered; use --level N)")
    else:
        try:
            record_hints_seen(ws, target.id, max(shown), warn=_warn)
        except OSError as exc:
            _warn(f"warning: could not record the hint in {ws}: {exc}")
    if not all_ and not level and seen >= total:
        click.echo(f"(you had already seen all {total} hints for {target.id}; this is the last one again)")
    if max(shown) < total and not all_:
        click.echo(f"(run `kata hint {target.id}` again for hint {max(shown) + 1} of {total})")
    else:
        click.echo(f"(that is the last hint. Still stuck? `kata explain {target.id}` walks through the "
                   f"derivation, and `kata solution {target.id}` shows the reference)")


def _color() -> bool:
    from grader.report import should_color

    return should_color(sys.stdout)


def _style(text: str, color: bool, **styles) -> str:
    return click.style(text, **styles) if color else text


def _wrap(text: str, indent: str = "", hang: str = "") -> str:
    """Fill prose paragraphs to the terminal width (continuation lines get `hang` more
    indent); keep indented (code) lines and list items as lines."""
    import shutil
    import textwrap

    width = max(40, min(shutil.get_terminal_size((88, 24)).columns, 100) - 1)
    out = []
    for para in text.strip().split("\n\n"):
        lines = para.split("\n")
        if any(line.startswith(("    ", "- ", "* ")) or line.lstrip().startswith("|") for line in lines):
            for line in lines:  # code, tables, lists: fill only list items, keep the rest verbatim
                if line.startswith(("- ", "* ")):
                    out.append(textwrap.fill(line, width, initial_indent=indent,
                                             subsequent_indent=indent + "  "))
                else:
                    out.append(indent + line)
        else:
            out.append(textwrap.fill(" ".join(para.split()), width, initial_indent=indent,
                                     subsequent_indent=indent + hang))
        out.append("")
    return "\n".join(out[:-1])


@main.command()
@click.argument("kata")
@catalog_options
def show(kata, katas_dirs):
    """Print KATA's instructions: the task, the shapes, and what the grader checks."""
    target = _resolve(_catalog(katas_dirs), [kata])[0]
    click.echo(f"{target.id} ({target.alias}) · {target.interview_part}")
    if not target.builtin:
        click.echo(f"from {target.source}")
    click.echo()
    click.echo(target.instructions.rstrip())


@main.command()
@click.argument("kata")
@click.option("-w", "--workspace", help="Workspace folder (default: $KATA_WORKSPACE or the current one).")
@catalog_options
def reset(kata, workspace, katas_dirs):
    """Start KATA over from its stub (your file is backed up first).

    Your current file is first copied into .kata-backups/<timestamp>/ in the
    workspace, so no work is ever lost; the command says where it went.
    """
    from grader.workspace import reset_kata

    target = _resolve(_catalog(katas_dirs, workspace), [kata])[0]
    ws = _find_workspace(workspace, required=True)
    try:
        outcome = reset_kata(ws, target, warn=_warn)
    except OSError as exc:  # the backup comes first, so a failure here has overwritten nothing
        _fail_usage(f"could not reset {target.learner_file}: {exc}")
    if outcome.unchanged:
        click.echo(f"{outcome.path} is already the fresh stub; nothing to do.")
    elif outcome.backup is None:
        click.echo(f"{target.learner_file} was missing; wrote the fresh stub to {outcome.path}.")
    else:
        click.echo(f"saved your {target.learner_file} as {outcome.backup}\n"
                   f"{target.learner_file} is the fresh stub again\n"
                   f"(to undo: cp {outcome.backup} {outcome.path})")


@main.command()
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
    from grader.highlight import highlight
    from grader.workspace import kata_entry, read_state, record_solution_viewed

    target = _resolve(_catalog(katas_dirs, workspace), [kata])[0]
    ws = _find_workspace(workspace, required=False)
    passed = bool(ws and kata_entry(read_state(ws, warn=_warn), target.id)["first_passed"])
    if not passed and not yes:
        _warn(f"You have not passed {target.id} yet: once you have seen the reference, it is hard to "
              f"unsee. `kata hint {target.id}` and `kata explain {target.id}` help without giving it away.")
        try:
            ok = click.confirm("Show the reference solution anyway?", default=False, err=True)
        except click.Abort:  # end of input or Ctrl-C at the question: the answer is no
            ok = False
            _warn("")
        if not ok:
            _warn("not shown (pass --yes to skip this question)")
            sys.exit(EXIT_FAILED)
    try:
        source = target.reference_path.read_text(encoding="utf-8")
    except OSError as exc:
        _fail_usage(f"the reference solution cannot be read: {exc}")
    if ws is not None:
        try:
            record_solution_viewed(ws, target.id, warn=_warn)
        except OSError as exc:
            _warn(f"warning: could not record progress in {ws}: {exc}")
    # The header goes to stderr, so `kata solution part1 --yes > ref.py` is pure Python.
    _warn(f"# {target.id} ({target.alias}): reference solution, {target.reference_path}")
    click.echo(highlight(source) if _color() else source, nl=False)


@main.command()
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
    import secrets

    from grader import report as reports
    from grader.engine import grade_kata
    from grader.results import GradeReport
    from grader.watch import Watcher, snapshot
    from grader.workspace import kata_entry, read_state, record_grades

    catalog = _catalog(katas_dirs, workspace)
    start = _resolve(catalog, [kata])[0] if kata else None
    ws = _find_workspace(workspace, required=True)
    state = read_state(ws, warn=_warn)
    passed = {k.id for k in catalog if kata_entry(state, k.id)["status"] == "passed"}
    if start is None:
        start = next((k for k in catalog if k.id not in passed), catalog.katas[0])
    color = reports.should_color(sys.stdout)
    seeds = {}

    def grade(k):
        seeds[k.id] = secrets.randbelow(1_000_000) if seed is None else seed
        result = grade_kata(k, ws, seeds[k.id])
        try:
            record_grades(ws, [result], warn=_warn)
        except OSError as exc:
            _warn(f"warning: could not record progress in {ws}: {exc}")
        return result

    def show(summary, result):
        if sys.stdout.isatty():
            click.clear()
        else:
            click.echo()  # a log or a pipe: keep the history, one blank line between runs
        click.echo(_style(summary, color, bold=True))
        report = GradeReport([result], seeds[result.id], str(ws), False, __version__, _isolation_label())
        text = reports.render(report, "text", color=color)
        click.echo(text, nl=not text.endswith("\n"))

    watcher = Watcher(catalog.katas, start, grade, show, lambda: snapshot(ws), passed=passed, interval=interval)
    try:
        watcher.run()
    except KeyboardInterrupt:
        _warn(f"\nstopped watching {ws}.")
    sys.exit(EXIT_OK)


@main.command()
@click.argument("kata")
@catalog_options
def explain(kata, katas_dirs):
    """Walk through KATA's derivation, every tensor and its shape said aloud."""
    target = _resolve(_catalog(katas_dirs), [kata])[0]
    text = target.explanation.strip()
    if not text:
        click.echo(f"{target.id} has no explanation yet; its reference solution is commented: "
                   f"`kata solution {target.id}`.")
        return
    color = _color()
    for line in text.splitlines():  # Markdown is readable as it is; only make headings stand out
        click.echo(_style(line, color, bold=True) if line.startswith("#") else line)


@main.command()
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
    from grader.catalog import CatalogError

    catalog = _catalog(katas_dirs)
    if pick and not kata:
        _fail_usage("--show needs a kata, e.g. `kata questions part1 --show 2`")
    targets = _resolve(catalog, [kata]) if kata else list(catalog)
    try:
        asked = [(k, k.questions) for k in targets]
    except CatalogError as exc:
        _fail_usage(f"the kata catalog is broken: {exc}")
    color = _color()
    if pick:
        target, items = asked[0]
        chosen = [(i, q) for i, q in enumerate(items, 1) if pick in (str(i), q["id"])]
        if not chosen:
            known = ", ".join(f"{i} ({q['id']})" for i, q in enumerate(items, 1))
            _fail_usage(f"{target.id} has no question {pick!r}; its questions are {known or 'none'}")
        asked = [(target, chosen)]
        answers = True
    else:
        asked = [(k, list(enumerate(items, 1))) for k, items in asked]
    for target, items in asked:
        click.echo(_style(f"{target.id} ({target.alias}) · {target.title}", color, bold=True))
        for n, q in items:
            click.echo(_wrap(f"{n}. {q['question']}", "  ", " " * (len(str(n)) + 2)))
            if answers:
                click.echo(_style("\n     model answer:", color, dim=True))
                click.echo(_wrap(q["answer"], "     ") + "\n")
        if not answers:
            click.echo()
    if not answers:
        example = targets[0].id
        click.echo(f"Say your answer aloud, then compare: `kata questions {example} --show 1` "
                   f"(or `kata questions {example} --answers` for all of them).")
