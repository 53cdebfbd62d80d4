"""How soon `kata watch` reacts to a save: the OS's notification against polling.

    python benchmarks/watch_latency.py [--rounds N]

Two measurements, each the median (and worst) of N saves, alternating a correct and a
wrong part2 so that every save changes the file:

1. pickup: save -> the watch loop asks for a grade. The real `NativeWait` (watchfiles)
   or the polling loop at 0.5 s drives a `Watcher` whose grade only records the time,
   so this is the notification path alone.
2. save -> report: `kata watch part2` as a learner runs it, in a subprocess; the time
   from the save to the new summary line on its stdout, grading included.
"""
from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.curriculum.catalog import Catalog  # noqa: E402
from grader.grading.watch import NativeWait, Watcher, contents, snapshot  # noqa: E402
from grader.workspace.files import init_workspace  # noqa: E402

CATALOG = Catalog.builtin()
PART2 = CATALOG.get("part2")
VERSIONS = [PART2.reference_path.read_bytes(), (PART2.folder / "mistakes" / "divides_by_b.py").read_bytes()]


def save(path: Path, data: bytes) -> float:
    """An editor's save: write a temporary file, then rename it over the old one."""
    tmp = path.with_name("." + path.name + ".swp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return time.monotonic()


class Result:
    passed, status, fatal, checks = False, "failed", None, []


def pickup(native: bool, rounds: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        init_workspace(ws, list(CATALOG))
        target = ws / PART2.learner_file
        graded = []
        event = threading.Event()

        def grade(kata):
            graded.append(time.monotonic())
            event.set()
            return Result()
        wait = NativeWait(ws) if native else None
        files = (lambda: contents(ws)) if native else (lambda: snapshot(ws))
        watcher = Watcher(CATALOG.katas, PART2, grade, lambda s, r: None, files, interval=0.5, wait=wait)
        thread = threading.Thread(target=watcher.run, daemon=True)
        thread.start()
        event.wait(10)
        time.sleep(0.5)
        delays = []
        for i in range(rounds):
            event.clear()
            saved = save(target, VERSIONS[i % 2] + f"\n# save {i}\n".encode())
            if not event.wait(10):
                raise RuntimeError("a save was not picked up within 10 s")
            delays.append(graded[-1] - saved)
            time.sleep(0.3 + (i % 3) * 0.17)   # saves at no fixed phase of the polling interval
        if wait is not None:
            wait.close()
        return delays


def save_to_report(args: list[str], rounds: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        init_workspace(ws, list(CATALOG))
        target = ws / PART2.learner_file
        env = {k: v for k, v in os.environ.items() if k != "KATA_WORKSPACE"}
        proc = subprocess.Popen([sys.executable, "-m", "grader", "watch", "part2", "-w", str(ws), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)

        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put((time.monotonic(), line)) for line in proc.stdout],
                         daemon=True).start()

        def next_summary(deadline: float) -> float:
            while time.monotonic() < deadline:
                try:
                    when, line = lines.get(timeout=0.2)
                except queue.Empty:
                    continue
                if line.startswith("[") and "Ctrl-C to stop" in line:
                    return when
            raise RuntimeError("no report within the deadline")
        try:
            next_summary(time.monotonic() + 60)
            delays = []
            for i in range(rounds):
                time.sleep(0.4 + (i % 3) * 0.17)
                saved = save(target, VERSIONS[i % 2] + f"\n# save {i}\n".encode())
                delays.append(next_summary(time.monotonic() + 60) - saved)
            return delays
        finally:
            proc.terminate()
            proc.wait(10)


def row(name: str, delays: list[float]) -> str:
    ms = sorted(d * 1000 for d in delays)
    return f"| {name} | {statistics.median(ms):.0f} ms | {ms[-1]:.0f} ms | {len(ms)} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    n = parser.parse_args().rounds
    print("| measurement | median | worst | saves |\n|---|---|---|---|")
    print(row("pickup, OS notification (watchfiles)", pickup(True, n)))
    print(row("pickup, polling every 0.5 s", pickup(False, n)))
    print(row("save -> report, `kata watch part2`", save_to_report([], n)))
    print(row("save -> report, `kata watch part2 --interval 0.5`", save_to_report(["--interval", "0.5"], n)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
