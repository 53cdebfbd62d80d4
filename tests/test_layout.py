"""The package's shape, as rules: layers without circles, one way in for kata authors,
no reaching into another module's private names, one importable name installed."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "grader"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every `import`/`from ... import` in the file, lazy ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


def grader_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def layer(module: str) -> str:
    """grader.sandbox.process -> grader.sandbox; top-level modules are their own layer."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_the_layers_import_no_circle():
    modules = grader_modules()
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        for target, names in imports_of(path):
            if not target.startswith("grader"):
                continue
            targets = [f"{target}.{n}" if f"{target}.{n}" in modules else target for n in names] or [target]
            for t in targets:
                a, b = layer(name), layer(t)
                if a != b and b != "grader":
                    edges.setdefault(a, set()).add(b)
    # Depth-first search for a cycle among the layers.
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_no_module_takes_another_modules_private_names():
    modules = grader_modules()
    offences = []
    for name, path in modules.items():
        for target, names in imports_of(path):
            if target.startswith("grader") and target != name:
                offences += [f"{name} imports {target}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    assert not offences, offences


def test_every_kata_imports_only_grader_checks():
    for checks in sorted((ROOT / "katas").glob("*/checks.py")):
        used = {module for module, _ in imports_of(checks) if module.startswith("grader")}
        assert used <= {"grader.checks"}, f"{checks.relative_to(ROOT)} imports {sorted(used)}"


def test_the_scaffold_writes_checks_that_import_only_grader_checks():
    template = (PACKAGE / "authoring" / "templates" / "checks.py.tmpl").read_text(encoding="utf-8")
    imports = [line for line in template.splitlines() if line.startswith(("from grader", "import grader"))]
    assert imports and all(line.startswith("from grader.checks import") for line in imports), imports


def test_an_install_adds_one_importable_name():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = config["packages"]
    assert {p.split(".")[0] for p in packages} == {"grader"}
    # Every subpackage of grader/ is listed (a forgotten one would be missing from the wheel).
    on_disk = {module_name(p.parent) for p in PACKAGE.rglob("__init__.py")}
    assert on_disk <= set(packages), sorted(on_disk - set(packages))
    # The built-in katas and references stay at the top level and install as grader's data.
    assert config["package-dir"] == {"grader.katas": "katas", "grader.solutions": "solutions"}
