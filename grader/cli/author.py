"""The author's commands: validate, new."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.console import EXIT_FAILED, EXIT_OK, fail_usage, warn
from grader.cli.options import catalog_options, load_catalog, recorded_packs, resolve


@click.command()
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
    from grader.authoring import validate as validation
    from grader.grading.engine import use_warm_sandboxes

    use_warm_sandboxes()  # hundreds of grades: each forks from a warm sandbox

    catalog = load_catalog(katas_dirs)
    selected = resolve(catalog, katas) if katas else list(catalog)
    if not katas and katas_dirs:  # an instructor checking their own pack(s)
        roots = {str(Path(d).expanduser().resolve()) for d in katas_dirs}
        selected = [k for k in catalog if k.source in roots]
        if not selected:
            fail_usage(f"{', '.join(sorted(roots))} holds no katas yet: `kata new ID --title TITLE "
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


@click.command()
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
    from grader.authoring.scaffold import NewKata, ScaffoldError, create
    from grader.curriculum.catalog import Catalog
    from grader.curriculum.kata import CatalogError
    from grader.curriculum.paths import BUILTIN_ROOT
    from grader.workspace.state import STATE_FILE

    dirs = list(dict.fromkeys(Path(d).expanduser().resolve() for d in katas_dirs))
    if len(dirs) > 1:
        fail_usage("kata new writes into one pack: pass --katas DIR once")
    root = dirs[0] if dirs else Path.cwd().resolve()
    if not dirs and (root / STATE_FILE).is_file():
        fail_usage(f"{root} is a learner's workspace, not a kata pack: pass --katas DIR for where the kata goes")
    is_pack = (root / "katas").is_dir()
    try:  # every known kata, to refuse a name in use; the target only if it already is a pack
        catalog = Catalog.discover([root] if is_pack else [], recorded=recorded_packs(None), warn=warn)
    except CatalogError as exc:
        fail_usage(f"cannot load the katas: {exc}")
    if order is None:
        here = [k.order for k in catalog if (k.builtin if root == BUILTIN_ROOT else k.source == str(root))]
        order = max(here, default=0) + 1
    try:
        spec = create(root, NewKata(kata_id, title, alias or "", framework, order, interview_part or "",
                                    forward or "", backward or "", learner_file or ""), list(catalog))
    except (ScaffoldError, OSError) as exc:
        fail_usage(str(exc))
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
    flag = "" if root == BUILTIN_ROOT else f" --katas {root}"
    click.echo(f"\nnext:\n"
               f"  1. write the reference in solutions/{spec.learner_file}\n"
               f"  2. adapt katas/{spec.id}/checks.py and the texts: look for TODO(author)\n"
               f"  3. add known mistakes to katas/{spec.id}/mistakes/ and a correct variant to variants/\n"
               f"  4. kata validate {spec.id}{flag}    (it says what is still missing)")
