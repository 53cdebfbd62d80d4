"""Make a class of learner submissions to grade with `kata grade-class`.

    python benchmarks/make_class.py DIR [-n 100] [--seed 0] [--no-hostile] [--kill-grader] [--force]

Every student gets, per kata, a random (seeded) pick of: the reference
solution, a shipped correct variant (katas/<id>/variants), a shipped mistake
(katas/<id>/mistakes), the untouched stub, or (LMS exports only) no file at
all. A file whose KATA_EXPECT "needs" other katas (a part4 that imports the
learner's own part1-3) gets those katas' references beside it, as in
`grader.corpus.grade_example`.

About two thirds of the submissions are `kata init` workspaces (with
.kata-workspace.json), in section folders; the rest look like an LMS export: a
folder per student with only the .py files. Unless --no-hostile, a few
submissions are hostile, each with the references everywhere except one file
taken from the bad-input list of tests/test_bad_input.py: an endless loop,
os._exit at import, a huge allocation, a segfault through ctypes, a flood of
prints, a monkey-patched NumPy, a syntax error, a background process left
running, and a list that grows until the memory limit. --kill-grader adds one
that kills the process grading it (grade-class must record it as not graded
and carry on). The hostile submissions count towards -n.

DIR/manifest.json records what each student got and whether each kata should
pass (benchmarks/grade_class.py compares it with the gradebook).
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.curriculum.catalog import Catalog  # noqa: E402
from grader.authoring.corpus import example_files, read_expect  # noqa: E402
from grader.workspace.files import init_workspace  # noqa: E402

# Per kata: how likely each kind of file is.
WEIGHTS = {"reference": 0.33, "variant": 0.20, "mistake": 0.37, "stub": 0.07, "missing": 0.03}

PART2_OK_BACKWARD = "\ndef linear_backward(dZ, A, W):\n    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)\n"

# name -> (kata, source): the learner file of that kata is replaced by the source.
HOSTILE = {
    "infinite-loop": ("part2", "import numpy as np\n\ndef linear_forward(A, W, b):\n    while True:\n        pass\n"
                      + PART2_OK_BACKWARD),
    "os-exit-at-import": ("part2", "import os\nos._exit(0)\n"),
    "huge-allocation": ("part2", "import numpy as np\n\ndef linear_forward(A, W, b):\n"
                        "    return np.ones((10**6, 10**6))\n" + PART2_OK_BACKWARD),
    "segfault": ("part2", "import ctypes\nimport numpy as np\n\ndef linear_forward(A, W, b):\n"
                 "    return ctypes.string_at(0)\n" + PART2_OK_BACKWARD),
    "print-flood": ("part1", None),  # built below from the reference
    "numpy-monkeypatch": ("part2", "import numpy as np\nimport numpy.testing\n\n"
                          "np.allclose = lambda *a, **k: True\n"
                          "np.testing.assert_allclose = lambda *a, **k: None\n"
                          "np.array_equal = lambda *a, **k: True\n"
                          "np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, bool)\n\n"
                          "def linear_forward(A, W, b):\n    return A @ W - b\n\n"
                          "def linear_backward(dZ, A, W):\n    return 2 * dZ @ W.T, -(A.T @ dZ), dZ.mean(axis=0)\n"),
    "syntax-error": ("part3", "import numpy as np\n\ndef relu_forward(Z) return np.maximum(Z, 0)\n"),
    "background-process": ("part2", "import subprocess\n"
                           "subprocess.Popen(['sleep', '300'], start_new_session=True, env={})\n"
                           "import numpy as np\n\ndef linear_forward(A, W, b):\n    return A @ W + b\n"
                           + PART2_OK_BACKWARD),
    "memory-hog": ("part2", "import numpy as np\nKEEP = []\n\ndef linear_forward(A, W, b):\n    while True:\n"
                   "        KEEP.append(bytearray(10**6))\n" + PART2_OK_BACKWARD),
}
KILL_GRADER = ("part1", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n")
# Hostile files that still pass (their bad behaviour is not a wrong answer).
HOSTILE_PASSES = {"print-flood", "background-process"}


def _expect_pass(path: Path) -> bool:
    expect = read_expect(path)
    return bool(expect.get("passes")) or ("warns" in expect and "fails" not in expect)


def make_class(folder: Path, n: int = 100, seed: int = 0, hostile: bool = True, kill_grader: bool = False,
               kata_ids=None) -> dict:
    """Write the class into `folder`; returns the manifest. `kata_ids`: the katas to fill
    in (default: all); in workspaces the others keep their stubs."""
    catalog = Catalog.builtin()
    katas = [catalog.get(k) for k in kata_ids] if kata_ids else list(catalog)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"seed": seed, "katas": [k.id for k in katas], "submissions": {}}
    ids = {k.id for k in katas}
    bad = {name: spec for name, spec in HOSTILE.items() if spec[0] in ids} if hostile else {}
    if kill_grader:
        bad["kills-its-grader"] = KILL_GRADER
    regular = max(0, n - len(bad))
    corpus = {k.id: {"variant": example_files(k, "variants"), "mistake": example_files(k, "mistakes")}
              for k in katas}

    for i in range(1, regular + 1):
        lms = rng.random() < 0.33
        sub_id = f"lms-export/student-{i:03d}" if lms else f"section-{'ab'[i % 2]}/student-{i:03d}"
        picks = {}
        for kata in katas:
            kinds = [k for k in WEIGHTS if lms or k != "missing"]
            kind = rng.choices(kinds, [WEIGHTS[k] for k in kinds])[0]
            if kind in ("variant", "mistake") and not corpus[kata.id][kind]:
                kind = "reference"
            path = rng.choice(corpus[kata.id][kind]) if kind in ("variant", "mistake") else None
            picks[kata.id] = (kind, path)
        for kata_id, (kind, path) in list(picks.items()):  # "needs": references beside it
            if path is not None:
                for other in read_expect(path).get("needs", []):
                    if other in picks:
                        picks[other] = ("reference", None)
        target = folder / sub_id
        entry = _write(target, katas, picks, workspace=not lms)
        manifest["submissions"][sub_id] = entry

    for name, (kata_id, source) in bad.items():
        sub_id = f"hostile/{name}"
        picks = {k.id: ("reference", None) for k in katas}
        kata = catalog.get(kata_id)
        if source is None:  # print flood around the reference
            source = ("for i in range(30000):\n    print('spam ' * 20, i)\n\n"
                      + kata.reference_path.read_text(encoding="utf-8"))
        picks[kata_id] = ("hostile", source)
        entry = _write(folder / sub_id, katas, picks, workspace=True)
        entry["katas"][kata_id]["expect"] = "pass" if name in HOSTILE_PASSES else "fail"
        entry["hostile"] = name
        manifest["submissions"][sub_id] = entry
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _write(target: Path, katas, picks: dict, workspace: bool) -> dict:
    if workspace:
        init_workspace(target, list(Catalog.builtin()))   # every stub and .kata-workspace.json
    else:
        target.mkdir(parents=True, exist_ok=True)
    entry = {"kind": "workspace" if workspace else "files", "katas": {}}
    for kata in katas:
        kind, what = picks[kata.id]
        dest = target / kata.learner_file
        if kind == "reference":
            shutil.copyfile(kata.reference_path, dest)
            expect, name = "pass", "reference"
        elif kind in ("variant", "mistake"):
            shutil.copyfile(what, dest)
            expect, name = ("pass" if _expect_pass(what) else "fail"), what.name
        elif kind == "stub":
            shutil.copyfile(kata.stub_path, dest)
            expect, name = "fail", "stub"
        elif kind == "missing":
            dest.unlink(missing_ok=True)
            expect, name = "fail", "missing"
        else:  # hostile source text
            dest.write_text(what, encoding="utf-8")
            expect, name = "fail", "hostile"
        entry["katas"][kata.id] = {"source": kind, "file": name, "expect": expect}
    return entry


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("-n", type=int, default=100, help="submissions in all, hostile ones included (default 100)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-hostile", action="store_true", help="only references, variants, mistakes and stubs")
    parser.add_argument("--kill-grader", action="store_true", help="add a submission that kills its grading process")
    parser.add_argument("--force", action="store_true", help="delete FOLDER first if it exists")
    parser.add_argument("-k", "--kata", action="append", help="fill in only this kata (repeatable; default: all)")
    args = parser.parse_args(argv)
    if args.folder.exists():
        if not args.force:
            parser.error(f"{args.folder} exists (use --force to replace it)")
        shutil.rmtree(args.folder)
    manifest = make_class(args.folder, args.n, args.seed, not args.no_hostile, args.kill_grader, args.kata)
    subs = manifest["submissions"]
    kinds = {}
    for entry in subs.values():
        for k in entry["katas"].values():
            kinds[k["source"]] = kinds.get(k["source"], 0) + 1
    print(f"made {len(subs)} submissions in {args.folder} "
          f"({sum(e['kind'] == 'workspace' for e in subs.values())} workspaces, "
          f"{sum(e['kind'] == 'files' for e in subs.values())} LMS exports, "
          f"{sum('hostile' in e for e in subs.values())} hostile); kata files: "
          + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main()
