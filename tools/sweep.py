"""False-alarm sweep: grade every correct file of some katas at many seeds.

Correct files are each kata's reference solution and its shipped variants
(katas/<id>/variants/). Each must pass every check at every seed with no warning
and no diagnosis; anything else is a false alarm. The sweep prints one line per
file with what went wrong and at which seeds, then a summary, and exits 1 if
there was any false alarm (0 otherwise).

Run from the repository root:

    python tools/sweep.py part1 part2 part3 part4 part6 part7 --seeds 200 --jobs 2
    python tools/sweep.py part5 part8 --seeds 20 --jobs 2

Seeds are consecutive from --start (default 1). Grading runs in the sandbox, one
child process per grade, --jobs of them at a time.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from grader.curriculum.catalog import Catalog
from grader.authoring.corpus import example_files, grade_example
from grader.grading.engine import grade_file
from grader.model.results import PASS


@dataclass
class Tally:
    kata: str
    name: str
    graded: int = 0
    alarms: dict[int, str] = field(default_factory=dict)  # seed -> what went wrong
    checks: Counter = field(default_factory=Counter)        # non-pass check -> count
    diagnoses: Counter = field(default_factory=Counter)     # diagnosis id -> count


def what_went_wrong(result) -> tuple[str, list[str], list[str]]:
    """('' if clean, else a short summary), the non-pass checks, the diagnosis ids."""
    bad = [c for c in result.checks if c.status != PASS]
    ids = list(dict.fromkeys(d["id"] for c in result.checks for d in c.diagnoses))
    if result.fatal is None and result.checks and not bad and not ids:
        return "", [], []
    parts = [f"{c.name} {c.status}: {c.message}" for c in bad[:2]]
    if result.fatal:
        parts.insert(0, f"fatal: {result.fatal}")
    if ids:
        parts.append("diagnoses " + ", ".join(ids))
    return "; ".join(parts), [f"{c.name} ({c.status})" for c in bad], ids


def correct_files(catalog: Catalog, kata_ids: list[str]):
    for kata in (catalog.get(k) for k in kata_ids):
        yield kata, kata.reference_path, "reference"
        for path in example_files(kata, "variants"):
            yield kata, path, f"variants/{path.name}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("katas", nargs="*", help="kata ids (default: every built-in kata)")
    parser.add_argument("--seeds", type=int, default=20, help="how many consecutive seeds (default 20)")
    parser.add_argument("--start", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="grades run at once (default 2)")
    args = parser.parse_args(argv)

    catalog = Catalog.builtin()
    kata_ids = args.katas or [k.id for k in catalog]
    seeds = range(args.start, args.start + args.seeds)
    files = list(correct_files(catalog, kata_ids))
    tallies = {(kata.id, name): Tally(kata.id, name) for kata, _, name in files}

    def grade(kata, path, name, seed):
        result = (grade_file(kata, path, seed) if name == "reference"
                  else grade_example(catalog, kata, path, seed))
        return kata.id, name, seed, what_went_wrong(result)

    started = time.monotonic()
    total = len(files) * len(seeds)
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(grade, kata, path, name, seed) for kata, path, name in files for seed in seeds]
        for future in as_completed(futures):
            kata_id, name, seed, (summary, checks, ids) = future.result()
            tally = tallies[(kata_id, name)]
            tally.graded += 1
            if summary:
                tally.alarms[seed] = summary
                tally.checks.update(checks)
                tally.diagnoses.update(ids)
                print(f"FALSE ALARM {kata_id} {name} seed {seed}: {summary}", file=sys.stderr, flush=True)
            done += 1
            if done % 100 == 0 or done == total:
                print(f"[{done}/{total} grades, {time.monotonic() - started:.0f} s]", file=sys.stderr, flush=True)

    alarms = 0
    for tally in tallies.values():
        n = len(tally.alarms)
        alarms += n
        line = f"{'ok  ' if not n else 'FAIL'}  {tally.kata}  {tally.name}: {tally.graded} seeds, {n} false alarms"
        if n:
            worst = ", ".join(str(s) for s in sorted(tally.alarms)[:10])
            line += f" (seeds {worst}{', ...' if n > 10 else ''})"
            line += "; checks " + ", ".join(f"{c} ×{k}" for c, k in tally.checks.most_common())
            if tally.diagnoses:
                line += "; diagnoses " + ", ".join(f"{d} ×{k}" for d, k in tally.diagnoses.most_common())
        print(line)
    elapsed = time.monotonic() - started
    print(f"\n{len(files)} files × {len(seeds)} seeds ({seeds.start}–{seeds.stop - 1}) = {total} grades of "
          f"{', '.join(kata_ids)}: {alarms} false alarms ({elapsed:.0f} s, --jobs {args.jobs})")
    return 1 if alarms else 0


if __name__ == "__main__":
    sys.exit(main())
