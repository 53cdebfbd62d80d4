"""The diagnosis registry is consistent: every id is documented, linked to a hint
in each kata that can report it, and used by some shipped mistake."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.curriculum.catalog import Catalog
from grader.authoring.corpus import example_files, read_expect
from grader.model.diagnoses import diagnosis, hint_for, registry, resolve

CATALOG = Catalog.builtin()
README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
# Reported by the engine itself, or as a generic fallback, rather than proven by one mistake.
ENGINE_ONLY = {"not-implemented", "non-finite"}  # non-finite: a fallback when no specific cause is known


def declared_by_mistakes() -> dict[str, set[str]]:
    by_kata: dict[str, set[str]] = {k.id: set() for k in CATALOG}
    for kata in CATALOG:
        for path in example_files(kata, "mistakes"):
            by_kata[kata.id] |= set(read_expect(path).get("diagnoses", []))
    return by_kata


@pytest.mark.parametrize("id", sorted(registry()))
def test_every_diagnosis_has_a_name_an_explanation_and_a_readme_entry(id):
    entry = registry()[id]
    assert entry.get("name") and len(entry["name"]) <= 60
    assert entry.get("explanation", "").strip()
    assert re.search(rf"`{re.escape(id)}`", README), f"README does not document diagnosis `{id}`"


def test_every_diagnosis_is_proven_by_a_shipped_mistake():
    used = set().union(*declared_by_mistakes().values())
    unproven = sorted(set(registry()) - used - ENGINE_ONLY)
    assert not unproven, f"no shipped mistake declares {unproven}"


@pytest.mark.parametrize("kata", list(CATALOG), ids=lambda k: k.id)
def test_each_declared_diagnosis_links_to_one_hint_of_its_kata(kata):
    for id in declared_by_mistakes()[kata.id]:
        levels = [n for n, h in enumerate(kata.hints, 1) if id in h.diagnoses]
        assert len(levels) == 1, f"{kata.id}: diagnosis {id} should be listed by exactly one hint, got {levels}"


def test_resolve_fills_name_explanation_and_hint_and_keeps_evidence():
    kata = CATALOG.get("part1")
    id = next(i for h in kata.hints for i in h.diagnoses)
    found = resolve(diagnosis(id, "numbers"), kata, check_hint=99)
    assert found.name == registry()[id]["name"]
    assert found.hint == hint_for(kata, id) != 99
    assert found.evidence == "numbers"
    unknown = resolve(diagnosis("no-such-id"), kata, check_hint=2)
    # A diagnosis no hint of the kata lists links none, not the check's hint.
    assert unknown.name == "no-such-id" and unknown.hint is None


@pytest.mark.parametrize("kata", list(CATALOG), ids=lambda k: k.id)
def test_kata_specific_diagnoses_are_named_explained_and_documented(kata):
    for id, entry in kata.diagnoses.items():
        assert (entry.get("name") and entry.get("explanation")) or id in registry(), f"{kata.id}: {id}"
        assert f"`{id}`" in README, f"README does not document {kata.id}'s diagnosis `{id}` (run tools/diagnosis_table.py)"
