"""Regenerate the diagnosis table in README.md (between the diagnoses:begin/end markers)
from grader/diagnoses.toml and the shipped mistakes. Run from the repository root."""
import re
from grader.catalog import Catalog
from grader.corpus import example_files, read_expect
from grader.diagnoses import registry
c = Catalog.builtin()
by = {}
for k in c:
    for p in example_files(k, "mistakes"):
        for d in read_expect(p).get("diagnoses", []):
            by.setdefault(d, set()).add(k.id)
rows = ["| id | name | proven in |", "|---|---|---|"]
for id, e in registry().items():
    where = ", ".join(sorted(by.get(id, []))) or ("every kata" if id == "not-implemented" else "any (fallback)")
    rows.append(f"| `{id}` | {e['name']} | {where} |")
s = open("README.md").read()
s = re.sub(r"(<!-- diagnoses:begin -->\n).*?(<!-- diagnoses:end -->)", lambda m: m.group(1) + "\n".join(rows) + "\n" + m.group(2), s, flags=re.S)
open("README.md", "w").write(s)
