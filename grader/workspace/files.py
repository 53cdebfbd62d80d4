"""The learner's workspace folder: discovery, `kata init`, `kata reset`, backups.

Nothing here deletes or overwrites a learner's file without first copying it into
`.kata-backups/<timestamp>/`.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from grader.workspace.backups import backup_files
from grader.workspace.state import STATE_FILE, entry_of, locked, new_state, update_state, write_state

DEFAULT_DIR = "kata-workspace"
ENV_VAR = "KATA_WORKSPACE"


class WorkspaceError(Exception):
    """A setup problem the user must fix (exit code 2)."""


def find_workspace(explicit: str | None = None, cwd: Path | None = None) -> Path:
    """--workspace, else $KATA_WORKSPACE, else the nearest parent holding the state file,
    else ./kata-workspace (the folder `kata init` made from here)."""
    for source, value in (("--workspace", explicit), (ENV_VAR, os.environ.get(ENV_VAR))):
        if value:
            path = Path(value).expanduser().resolve()
            if not (path / STATE_FILE).is_file():
                raise WorkspaceError(f"{path} (from {source}) is not a kata workspace: it has no {STATE_FILE}. "
                                     f"Create one with `kata init {value}`.")
            return path
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_FILE).is_file():
            return folder
    if (here / DEFAULT_DIR / STATE_FILE).is_file():
        return here / DEFAULT_DIR
    raise WorkspaceError(f"no kata workspace here: neither {here} nor a parent folder holds {STATE_FILE}. "
                         f"Create one with `kata init` (it makes ./{DEFAULT_DIR}), then cd into it, "
                         f"or pass --workspace DIR / set {ENV_VAR}.")


def enclosing_workspace(directory: Path) -> Path | None:
    """The workspace that `directory` would sit inside (not `directory` itself), if any:
    `kata init` there would nest a second workspace in the first."""
    directory = Path(directory).expanduser().resolve()
    return next((f for f in directory.parents if (f / STATE_FILE).is_file()), None)


@dataclass
class InitOutcome:
    workspace: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)        # existing files left alone
    replaced: list[str] = field(default_factory=list)    # overwritten under --force
    backup: Path | None = None


def init_workspace(directory: Path, katas, force: bool = False) -> InitOutcome:
    directory = Path(directory).expanduser().resolve()
    if directory.exists() and not directory.is_dir():
        raise WorkspaceError(f"{directory} exists and is not a folder")
    directory.mkdir(parents=True, exist_ok=True)
    outcome = InitOutcome(directory)
    existing = [k.learner_file for k in katas if (directory / k.learner_file).exists()]
    if force and existing:
        outcome.backup = backup_files(directory, existing)
    for kata in katas:
        target = directory / kata.learner_file
        if target.exists() and not force:
            outcome.kept.append(kata.learner_file)
            continue
        (outcome.replaced if target.exists() else outcome.created).append(kata.learner_file)
        shutil.copyfile(kata.stub_path, target)
    with locked(directory):
        if not (directory / STATE_FILE).is_file():
            write_state(directory, new_state())
    return outcome


@dataclass
class ResetOutcome:
    path: Path                    # the learner file, now the fresh stub
    backup: Path | None = None    # where the previous version went (None: nothing to keep)
    unchanged: bool = False       # it already was the stub


def reset_kata(workspace: Path, kata, warn=None) -> ResetOutcome:
    """Put the kata's stub back, after backing up the learner's current file."""
    workspace = Path(workspace)
    path = workspace / kata.learner_file
    outcome = ResetOutcome(path)
    stub = kata.stub_path.read_bytes()
    if path.is_file() and path.read_bytes() == stub:
        outcome.unchanged = True
        return outcome
    if path.exists():
        outcome.backup = backup_files(workspace, [kata.learner_file]) / kata.learner_file
    shutil.copyfile(kata.stub_path, path)

    def forget_last_grade(state):
        # The last grade described the old file. History (attempts, hints,
        # first_passed, solution_viewed) stays: it happened.
        entry = entry_of(state, kata.id)
        entry.update(status=None, checks_total=None, checks_failing=None, fatal=None)
    try:
        update_state(workspace, forget_last_grade, warn)
    except OSError as exc:  # the file is reset either way; only the record is stale
        if warn:
            warn(f"warning: could not record the reset in {workspace}: {exc}")
    return outcome


