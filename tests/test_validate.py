"""`kata validate` is the proof that the checks are right, so the suite runs it.

Per file (so a failure names the file): every shipped mistake fails where it
declares and gets its declared diagnosis; every correct variant passes with no
warning and no diagnosis; references pass cleanly and stubs are "not
implemented". NumPy katas are graded at two seeds (cheap); torch at one.
Then the validator itself is tested: it must reject a kata whose files lie.
"""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from grader.authoring import validate
from grader.curriculum.catalog import Catalog
from grader.cli import main
from grader.authoring.corpus import example_files

CATALOG = Catalog.builtin()
SEEDS = (20240611, 7)


def seeds_for(kata):
    return SEEDS if kata.framework == "numpy" else SEEDS[:1]


def explain(row) -> str:
    return f"{row.kata} {row.kind} {row.name}\n  expected: {row.expected}\n  got:      {row.got}"


FILES = [pytest.param(kata, folder, path, seed, id=f"{kata.id}/{folder}/{path.name}@{seed}")
         for kata in CATALOG for folder in ("mistakes", "variants")
         for path in example_files(kata, folder) for seed in seeds_for(kata)]


@pytest.mark.parametrize("kata, folder, path, seed", FILES)
def test_shipped_example(kata, folder, path, seed):
    check = validate.check_mistake if folder == "mistakes" else validate.check_variant
    row = check(CATALOG, kata, path, seed)
    assert row.ok, explain(row)


@pytest.mark.parametrize("kata", list(CATALOG), ids=lambda k: k.id)
def test_reference_stub_and_coverage(kata):
    rows = [validate.check_reference(kata, SEEDS[0]), validate.check_stub(kata, SEEDS[0]),
            *validate.check_authoring(kata)]
    bad = [explain(r) for r in rows if not r.ok]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("kata", list(CATALOG), ids=lambda k: k.id)
def test_every_kata_ships_mistakes_and_variants(kata):
    assert example_files(kata, "mistakes"), f"{kata.id} ships no known mistakes"
    assert example_files(kata, "variants"), f"{kata.id} ships no correct-but-unusual variants"


def test_kata_validate_command_passes_on_a_shipped_kata():
    result = CliRunner().invoke(main, ["validate", "part3", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "rows ok: the katas are valid" in result.output
    assert "mistake" in result.output and "variant" in result.output


# -- the validator catches a kata whose files are wrong ----------------------------------

@pytest.fixture
def part2_copy(tmp_path):
    """A private copy of part2 (kata folder and reference) that a test may break."""
    shutil.copytree(CATALOG.get("part2").folder, tmp_path / "katas" / "part2")
    (tmp_path / "solutions").mkdir()
    ref = CATALOG.get("part2").reference_path
    shutil.copyfile(ref, tmp_path / "solutions" / ref.name)
    catalog = Catalog.from_dirs(tmp_path / "katas", tmp_path / "solutions")
    return catalog, catalog.get("part2")


def _replace_expect(path, text):
    lines = [line for line in path.read_text().splitlines() if not line.startswith("KATA_EXPECT")]
    path.write_text("\n".join(lines) + f"\nKATA_EXPECT = {text}\n")


def test_validator_rejects_a_wrongly_declared_diagnosis(part2_copy):
    catalog, kata = part2_copy
    path = kata.folder / "mistakes" / "sign_flip.py"
    _replace_expect(path, '{"fails": ["backward"], "diagnoses": ["wrong-transpose"]}')
    row = validate.check_mistake(catalog, kata, path, 1)
    assert not row.ok and "missing diagnosis wrong-transpose" in row.got


def test_validator_rejects_a_mistake_without_a_diagnosis_or_with_an_unknown_id(part2_copy):
    catalog, kata = part2_copy
    path = kata.folder / "mistakes" / "sign_flip.py"
    _replace_expect(path, '{"fails": ["backward"]}')
    assert "declares no diagnosis" in validate.check_mistake(catalog, kata, path, 1).got
    _replace_expect(path, '{"fails": ["backward"], "diagnoses": ["sign-flipp"]}')
    assert "unknown diagnosis id 'sign-flipp'" in validate.check_mistake(catalog, kata, path, 1).got


def test_validator_rejects_a_mistake_that_passes(part2_copy):
    catalog, kata = part2_copy
    path = kata.folder / "mistakes" / "sign_flip.py"
    shutil.copyfile(kata.reference_path, path)
    path.write_text(path.read_text() + '\nKATA_EXPECT = {"fails": ["backward"], "diagnoses": ["sign-flip"]}\n')
    row = validate.check_mistake(catalog, kata, path, 1)
    assert not row.ok and row.got.startswith("passed")


def test_validator_rejects_a_variant_that_fails(part2_copy):
    catalog, kata = part2_copy
    wrong = kata.folder / "variants" / "einsum.py"
    shutil.copyfile(kata.folder / "mistakes" / "sign_flip.py", wrong)
    _replace_expect(wrong, '{"passes": True}')
    row = validate.check_variant(catalog, kata, wrong, 1)
    assert not row.ok and "sign-flip" in row.got


def test_validator_rejects_a_reference_that_fails_and_a_stub_that_passes(part2_copy):
    catalog, kata = part2_copy
    shutil.copyfile(kata.folder / "mistakes" / "sign_flip.py", kata.stub_path)  # "stub" now runs
    assert not validate.check_stub(kata, 1).ok
    shutil.copyfile(kata.folder / "mistakes" / "sign_flip.py", kata.reference_path)
    catalog = Catalog.from_dirs(kata.folder.parent, kata.solutions_dir)
    # The reference is also the expected value, so a wrong one can still fail its own
    # finite-difference check; what matters is that validation does not pass it silently
    # when the checks disagree with it.
    row = validate.check_reference(catalog.get("part2"), 1)
    assert not row.ok, explain(row)


def test_validator_reports_an_uncovered_check(part2_copy):
    catalog, kata = part2_copy
    for path in example_files(kata, "mistakes"):
        if "repeatable" in path.read_text():
            path.unlink()
    rows = validate.check_authoring(catalog.get("part2"))
    assert any(not r.ok and "repeatable" in r.got for r in rows)


def test_table_lists_every_row_and_the_verdict():
    rows = [validate.Row("part9", "mistake", "a.py", "fails x → sign-flip", "passed", False),
            validate.Row("part9", "variant", "b.py", "passes", "passed", True)]
    table = validate.format_table(rows)
    assert "FAIL  part9  mistake  a.py" in table and "expected: fails x → sign-flip" in table
    assert "1 of 2 rows ok, 1 failing" in table


def test_validator_reports_a_broken_questions_file(part2_copy):
    catalog, kata = part2_copy
    (kata.folder / "questions.toml").write_text("[[questions]]\nid = 'q1'\nquestion = '''unclosed\n")
    rows = validate.check_authoring(catalog.get("part2"))
    assert any(r.name == "questions.toml" and not r.ok and "questions.toml" in r.got for r in rows)


# -- where validate's grades run ----------------------------------------------------

RUN_ALL = """
import json, os, sys, tempfile
sys.path.insert(0, sys.argv[1])
from grader.authoring import workers

def whoami(i):
    return i, os.getpid(), tempfile.gettempdir()

print(json.dumps({"parent": os.getpid(), "parent_tmp": tempfile.gettempdir(),
                  "results": list(workers.run_all([lambda i=i: whoami(i) for i in range(6)], 2))}))
"""


def test_jobs_run_in_worker_processes_in_order_and_leave_no_scratch():
    import json
    import subprocess
    import sys
    from pathlib import Path

    from grader.authoring import workers

    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("no fork here: the jobs run in threads")
    # A fresh interpreter, one thread, as `kata validate` is.
    done = subprocess.run([sys.executable, "-c", RUN_ALL, str(Path(workers.__file__).parents[2])],
                          capture_output=True, text=True, timeout=120)
    out = json.loads(done.stdout)
    results = out["results"]
    assert [r[0] for r in results] == list(range(6))
    assert out["parent"] not in {r[1] for r in results}, "the jobs ran in the parent, queued on its one lock"
    scratch = {r[2] for r in results}
    assert all(Path(s).name.startswith("kata-validate-") for s in scratch)
    assert not any(Path(s).exists() for s in scratch), "a worker's temporary folder outlived the run"
    assert out["parent_tmp"] not in scratch


def test_with_another_thread_alive_the_jobs_run_in_threads_not_forks():
    import os
    import threading

    from grader.authoring import workers

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pids = list(workers.run_all([os.getpid, os.getpid], 2))
    finally:
        stop.set()
        other.join()
    assert pids == [os.getpid(), os.getpid()]


def test_a_job_that_raises_is_raised_in_the_parent():
    from grader.authoring import workers

    def broken():
        raise RuntimeError("an author's checks.py raised")

    with pytest.raises(RuntimeError, match="checks.py raised"):
        list(workers.run_all([lambda: 1, broken], 2))
