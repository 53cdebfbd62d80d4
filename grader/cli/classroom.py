"""The instructor's class command: grade-class."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.console import EXIT_FAILED, EXIT_OK, fail_usage, warn
from grader.cli.options import catalog_options, load_catalog, resolve


@click.command(name="grade-class")
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
    from grader.classroom import gradebook, progress as printing, records, run as classgrade

    catalog = load_catalog(katas_dirs)
    selected = resolve(catalog, kata_names) if kata_names else list(catalog)
    root = submissions.resolve()
    out = (out if out is not None else root.parent / f"{root.name}-grades").resolve()
    printer = printing.ProgressPrinter(sys.stderr)
    try:
        run = classgrade.grade_class(root, out, catalog, katas=selected, jobs=jobs, force=force, progress=printer,
                                     seed=classgrade.DEFAULT_SEED if seed is None else seed,
                                     timeout=timeout, memory_mb=memory_mb, allow_unisolated=allow_unisolated)
    except classgrade.ClassGradeError as exc:
        fail_usage(str(exc))
    except OSError as exc:
        fail_usage(f"cannot write the results into {out}: {exc}")
    finally:
        printer.close()
    if run.interrupted:
        warn(f"\ninterrupted: {len(run.records)} of {len(run.submissions)} submissions are graded and kept in "
              f"{out}; run the same command again to grade the rest")
        sys.exit(130)
    statuses = {s: sum(r["status"] == s for r in run.records.values())
                for s in ("passed", "failed", "error", "not-graded")}
    totals = [r["total"] for r in run.records.values() if r["status"] != "not-graded"]
    mean = sum(totals) / len(totals) if totals else 0.0
    click.echo(f"{len(run.submissions)} submissions ({len(run.graded)} graded now, {len(run.skipped)} already "
               f"graded) in {printing.format_clock(run.elapsed_s)} · seed {run.settings['seed']} · "
               f"isolation: {run.isolation}")
    click.echo("  " + " · ".join(f"{n} {s}" for s, n in statuses.items() if n)
               + f" · mean {mean:.1f} of {sum(k.points for k in selected):g} points")
    click.echo(f"  gradebook  {out / gradebook.GRADEBOOK}\n  summary    {out / gradebook.SUMMARY}\n"
               f"  reports    {out / records.REPORTS_DIR}/")
    if run.not_graded:
        click.echo(f"{len(run.not_graded)} could not be graded (the next run tries again): "
                   + ", ".join(run.not_graded))
    sys.exit(EXIT_FAILED if run.not_graded else EXIT_OK)
