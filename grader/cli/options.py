"""What several commands resolve the same way: where the katas come from (built-in,
then packs), which workspace is meant, and the kata names given."""
from __future__ import annotations

from pathlib import Path

import click

from grader.cli.console import fail_usage, warn

KATAS_META = "backprop_katas.katas_dirs"  # --katas given before the command: `kata --katas DIR list`
KATAS_HELP = ("A kata pack folder (holding katas/<id>/ and solutions/) to use besides the built-in katas; "
              "repeatable. Also: $KATA_PATH, and packs installed as Python packages.")


def remember_group_katas(ctx, param, value):
    ctx.meta[KATAS_META] = tuple(value or ())


def _merge_katas_dirs(ctx, param, value):
    return tuple(ctx.meta.get(KATAS_META, ())) + tuple(value or ())


def catalog_options(command):
    """`--katas DIR` (repeatable) for a command that uses the katas. The command gets
    `katas_dirs`: every --katas, given before the command name or after it; pass it
    to `load_catalog(katas_dirs)`."""
    return click.option("--katas", "katas_dirs", multiple=True, metavar="DIR", callback=_merge_katas_dirs,
                        type=click.Path(file_okay=False, path_type=Path), help=KATAS_HELP)(command)


def load_catalog(katas_dirs=(), workspace=None):
    """The built-in katas, then those of every pack: --katas DIRs, $KATA_PATH, the packs
    recorded in the workspace (`workspace`: an explicit folder, else the one found from
    $KATA_WORKSPACE or the current folder, if any), and installed entry points."""
    from grader.curriculum.catalog import Catalog
    from grader.curriculum.kata import CatalogError

    ctx = click.get_current_context(silent=True)
    katas_dirs = tuple(katas_dirs or ())
    if ctx is not None:  # a command without catalog_options still honours `kata --katas DIR cmd`
        katas_dirs = tuple(ctx.meta.get(KATAS_META, ())) + katas_dirs
    try:
        return Catalog.discover(katas_dirs, recorded=recorded_packs(workspace), warn=warn)
    except CatalogError as exc:
        fail_usage(f"cannot load the katas: {exc}")


def recorded_packs(workspace) -> list[str]:
    """The pack folders `kata init` recorded in the workspace (none if there is no workspace)."""
    from grader.workspace.files import WorkspaceError, find_workspace
    from grader.workspace.state import read_state

    try:
        ws = find_workspace(str(workspace) if workspace else None)
    except WorkspaceError:
        return []
    packs = read_state(ws).get("packs")
    if not isinstance(packs, list):
        return []
    return [p for p in packs if isinstance(p, str) and p]


def record_packs(ws, catalog) -> None:
    """Remember the catalog's folder packs in the workspace, so later commands run in it
    find the same katas without --katas. Installed (entry point) packs are found anyway."""
    from grader.workspace.state import update_state

    folders = [k.source for k in catalog if not k.builtin and not k.source.startswith("entry point")]
    folders = list(dict.fromkeys(folders))
    if not folders:
        return

    def remember(state):
        known = state.get("packs") if isinstance(state.get("packs"), list) else []
        state["packs"] = list(dict.fromkeys([p for p in known if isinstance(p, str)] + folders))
    try:
        update_state(ws, remember, warn=warn)
    except OSError as exc:
        warn(f"warning: could not record the kata packs in {ws}: {exc}")


def resolve(catalog, names):
    """The katas named, each once, in the order given: ids, aliases and the other spellings
    `Catalog.lookup` accepts (`Part1`, `1`, a learner file); a near miss is a usage error
    that says which kata was probably meant."""
    katas = []
    for name in names:
        try:
            kata = catalog.get(name)
        except KeyError as exc:
            fail_usage(exc.args[0])
        if kata not in katas:
            katas.append(kata)
    return katas


def find_workspace_or_none(explicit: str | None, required: bool):
    """The workspace, or None when there is none and the command can do without one.

    An explicit --workspace that is not one is always an error.
    """
    from grader.workspace.files import WorkspaceError, find_workspace

    try:
        return find_workspace(explicit)
    except WorkspaceError as exc:
        if required or explicit:
            fail_usage(str(exc))
        return None


def isolation_label() -> str:
    """What learner code runs under here (a bad $KATA_ISOLATION is a usage error)."""
    from grader.sandbox.isolation import IsolationError, current_isolation

    try:
        return current_isolation().label
    except IsolationError as exc:
        fail_usage(str(exc))
