"""Copies of a workspace's files, taken before anything replaces them."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

BACKUP_DIR = ".kata-backups"


def backup_files(workspace: Path, names: list[str]) -> Path:
    """Copy the named files into a new `.kata-backups/<timestamp>/` folder; return it.

    The stamp has microseconds, and `mkdir` without exist_ok is the atomic claim,
    so two backups in the same second (or from two processes) never share a folder.
    """
    root = Path(workspace) / BACKUP_DIR
    root.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target, n = root / stamp, 1
    while True:
        try:
            target.mkdir()
            break
        except FileExistsError:
            n += 1
            target = root / f"{stamp}-{n}"
    for name in names:
        shutil.copy2(Path(workspace) / name, target / name)
    return target
