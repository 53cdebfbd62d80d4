"""Regenerate the diagnosis tables in README.md (between the diagnoses:begin/end markers)
from grader/model/diagnoses.toml, the katas' own [diagnoses] tables and the shipped mistakes.
Run from the repository root: python tools/diagnosis_table.py"""
import re
from pathlib import Path

from grader.curriculum.catalog import Catalog
from grader.authoring.corpus import example_files, read_expect
from grader.model.diagnoses import registry


def main() -> None:
    catalog = Catalog.builtin()
    proven: dict[str, set] = {}
    for kata in catalog:
        for path in example_files(kata, "mistakes"):
            for id in read_expect(path).get("diagnoses", []):
                proven.setdefault(id, set()).add(kata.id)
    rows = ["| id | name | proven in |", "|---|---|---|"]
    for id, entry in registry().items():
        where = ", ".join(sorted(proven.get(id, []))) or ("every kata" if id == "not-implemented" else "any (fallback)")
        rows.append(f"| `{id}` | {entry['name']} | {where} |")
    rows += ["", "Kata-specific diagnoses (defined in that kata's `kata.toml`):", "",
             "| id | name | kata |", "|---|---|---|"]
    for kata in catalog:
        for id, entry in kata.diagnoses.items():
            if id not in registry():  # a rewording of a shared id is not a new diagnosis
                rows.append(f"| `{id}` | {entry.get('name', id)} | {kata.id} |")
    readme = Path("README.md")
    text = re.sub(r"(<!-- diagnoses:begin -->\n).*?(<!-- diagnoses:end -->)",
                  lambda m: m.group(1) + "\n".join(rows) + "\n" + m.group(2), readme.read_text(), flags=re.S)
    readme.write_text(text)


if __name__ == "__main__":
    main()
