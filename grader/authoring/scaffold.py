"""`kata new`: scaffold a complete kata from the templates in this folder.

A new kata is written into a pack (`grader/packs.py`): this repository's own root
for a built-in kata, or any folder holding (or about to hold) katas/ and
solutions/. The files are rendered with `string.Template` (`${name}`; a literal
dollar sign is `$$`) and never overwrite anything.
"""
from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).resolve().parent / "templates"
NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
FRAMEWORKS = ("numpy", "torch")


class ScaffoldError(Exception):
    """The kata cannot be created as asked (a usage error: exit 2)."""


@dataclass
class NewKata:
    id: str
    title: str
    alias: str = ""
    framework: str = "numpy"
    order: int = 1
    interview_part: str = ""
    forward: str = ""
    backward: str = ""
    learner_file: str = ""
    files: list[Path] = field(default_factory=list)  # filled in by `create`: what was written

    def __post_init__(self):
        self.alias = self.alias or self.id
        slug = _module_slug(self.alias)
        self.forward = self.forward or f"{slug}_forward"
        self.backward = self.backward or f"{slug}_backward"
        base = self.id if self.alias == self.id else f"{self.id}_{self.alias}"
        self.learner_file = self.learner_file or f"{_module_slug(base)}.py"
        self.interview_part = self.interview_part or "TODO(author): the part of the interview this kata practises"

    @property
    def functions(self) -> list[str]:
        return [self.forward, self.backward]


def _module_slug(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z_]", "_", name)


def check_spec(spec: NewKata) -> None:
    """Raise ScaffoldError for names the catalog or Python would not accept."""
    for what, value in (("id", spec.id), ("alias", spec.alias)):
        if not NAME.fullmatch(value):
            raise ScaffoldError(f"the {what} {value!r} must be lower-case letters, digits, - or _, starting with a "
                                "letter (e.g. part6 or sigmoid-backward)")
    if not spec.title.strip() or "\n" in spec.title:
        raise ScaffoldError("--title must be one non-empty line")
    if spec.framework not in FRAMEWORKS:
        raise ScaffoldError(f"--framework must be one of {', '.join(FRAMEWORKS)}")
    for name in spec.functions:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ScaffoldError(f"{name!r} is not a valid Python function name")
    if spec.forward == spec.backward:
        raise ScaffoldError("the forward and the backward function need different names")
    stem = spec.learner_file[:-3] if spec.learner_file.endswith(".py") else ""
    if not stem.isidentifier() or keyword.iskeyword(stem):
        raise ScaffoldError(f"the learner file {spec.learner_file!r} must be an importable module name ending "
                            "in .py (learners' files import each other)")


def _toml(value: str) -> str:
    """A TOML basic string: JSON's escapes are all valid TOML escapes."""
    return json.dumps(value, ensure_ascii=False)


def _doc(text: str) -> str:
    """Safe inside a triple-quoted Python docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def render(name: str, **values) -> str:
    return Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)


def plan(spec: NewKata) -> dict[str, str]:
    """Relative path (from the pack root) -> contents, for every file of the new kata."""
    numpy = spec.framework == "numpy"
    rules = ("NumPy only; float32 in gives float32 out; never modify the arrays you are given."
             if numpy else
             "the functions take and return NumPy arrays, and may use torch inside; float32 in gives "
             "float32 out; never modify the arrays you are given.")
    imports = "import numpy as np\n" if numpy else "import numpy as np\nimport torch\n"
    common = dict(
        id=spec.id, title=spec.title, title_doc=_doc(spec.title), learner_file=spec.learner_file,
        forward=spec.forward, backward=spec.backward, framework=spec.framework, rules=rules, imports=imports,
    )
    reference_note = ("" if numpy else
                      "\nThe grader's own process never imports torch: checks.py computes the expected values\n"
                      "in NumPy, and `kata validate` grades this file in the sandbox like a learner's.\n")
    expected = render("expected_numpy.py.tmpl" if numpy else "expected_torch.py.tmpl", **common)
    kata_dir = f"katas/{spec.id}"
    files = {
        f"{kata_dir}/kata.toml": render(
            "kata.toml.tmpl", **common, id_toml=_toml(spec.id), alias_toml=_toml(spec.alias), order=spec.order,
            title_toml=_toml(spec.title), part_toml=_toml(spec.interview_part),
            learner_file_toml=_toml(spec.learner_file),
            functions_toml=", ".join(_toml(f) for f in spec.functions),
            framework_diagnosis=', "framework-import"' if numpy else ""),
        f"{kata_dir}/instructions.md": render("instructions.md.tmpl", **common),
        f"{kata_dir}/{spec.learner_file}": render("stub.py.tmpl", **common),
        f"{kata_dir}/checks.py": render("checks.py.tmpl", **common, expected_helpers=expected),
        f"{kata_dir}/mistakes/README.md": render("mistakes_README.md.tmpl", **common),
        f"{kata_dir}/variants/README.md": render("variants_README.md.tmpl", **common),
        f"solutions/{spec.learner_file}": render("reference.py.tmpl", **common, reference_note=reference_note),
    }
    if numpy:
        files[f"{kata_dir}/mistakes/imports_torch.py"] = render("mistake_imports_torch.py.tmpl", **common)
    return files


def create(pack_root: Path, spec: NewKata, catalog=None) -> NewKata:
    """Write the new kata into `pack_root` (creating katas/ and solutions/ as needed).

    Refuses, before writing anything, an id, alias or learner file that any kata of
    `catalog` already uses, and any file that already exists.
    """
    check_spec(spec)
    pack_root = Path(pack_root).expanduser().resolve()
    if pack_root.exists() and not pack_root.is_dir():
        raise ScaffoldError(f"{pack_root} is not a folder")
    for kata in catalog or ():
        for what, name in (("id", spec.id), ("alias", spec.alias)):
            if name in (kata.id, kata.alias):
                raise ScaffoldError(f"the {what} {name!r} is already used by the kata in {kata.folder} "
                                    f"({kata.source}); choose another")
        if kata.learner_file == spec.learner_file:
            raise ScaffoldError(f"the learner file {spec.learner_file} is already used by {kata.id} "
                                f"({kata.folder}); pass --learner-file")
    files = plan(spec)
    if (pack_root / "katas" / spec.id).exists():
        raise ScaffoldError(f"{pack_root / 'katas' / spec.id} already exists; nothing was written")
    existing = [rel for rel in files if (pack_root / rel).exists()]
    if existing:
        raise ScaffoldError(f"{', '.join(str(pack_root / rel) for rel in existing)} already exist(s); "
                            "nothing was written")
    for rel, text in files.items():
        path = pack_root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as f:  # "x": never overwrite, even in a race
            f.write(text)
        spec.files.append(path)
    return spec
