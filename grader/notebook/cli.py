"""What `kata init --notebook` prints: the command's body, kept beside the notebook code
so that `grader/cli/learn.py` only hands over to it."""
from __future__ import annotations

from pathlib import Path

import click

from grader.notebook.reader import INSTALL_HINT


def init_notebook_workspace(target: Path, catalog, *, core: bool, colab: bool, force: bool) -> None:
    from grader.notebook.scaffold import init_notebooks
    from grader.workspace.files import WorkspaceError

    try:
        import nbformat  # noqa: F401 - only to say what is missing before anything is written
    except ImportError:
        click.echo(f"error: writing notebooks needs nbformat: {INSTALL_HINT}", err=True)
        raise SystemExit(2) from None
    try:
        outcome = init_notebooks(target, list(catalog), core=core, colab=colab, force=force)
    except (WorkspaceError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    ws = outcome.workspace
    if not (outcome.created or outcome.kept or outcome.replaced):
        click.echo("error: no kata for a notebook here (the core question needs part1 to part5)", err=True)
        raise SystemExit(2)
    if outcome.created:
        click.echo(f"created in {ws}: {', '.join(outcome.created)}")
    if outcome.replaced:
        click.echo(f"replaced {', '.join(outcome.replaced)}; your previous versions are in {outcome.backup}")
    if outcome.kept:
        click.echo(f"kept your existing {', '.join(outcome.kept)} (use --force to replace them; a backup is made first)")
    first = (outcome.created + outcome.replaced + outcome.kept)[0]
    click.echo(f"\nnext: open {Path(ws) / first} in Jupyter (`jupyter lab {ws}`) or upload it to Colab, "
               "and run the cells from the top. In that folder, `kata grade` and `kata watch` grade a kata's "
               "notebook wherever the folder has no .py file of that kata.")
