"""From notebook cells to one learner module, by reading the code (nothing here runs it).

1. `clean(source)`: IPython's own syntax is not Python. A line magic (`%time f(x)`),
   a shell escape (`!pip install ...`, `files = !ls`), a help request (`np.sum?`) or
   an autocall escape becomes `pass` at the same indentation, so blocks stay valid
   and every other line keeps its number. A cell magic whose body is Python
   (`%%time`, `%%timeit`, `%%capture`, `%%prun`) keeps its body; any other
   (`%%bash`, `%%writefile`, ...) drops the whole cell.
2. `module_source(cells, functions)`: what a grade of those functions needs, in cell
   order. The cell that defines each function (its latest definition) is taken whole,
   as a file would be; from every other cell only the top-level statements that bind
   a name the taken code uses (imports, `def`, `class`, assignments, and assignments
   into it such as `CONFIG["eps"] = ...`), followed transitively. Names a function body
   uses are looked up where the notebook leaves them (the latest binding); names used
   at the top level, where the statement ran (the latest binding before it). Test
   calls, prints and plots in other cells are left out, and so is `import torch` in a
   cell the NumPy functions do not need.
"""
from __future__ import annotations

import ast
import io
import re
import symtable
import tokenize
from dataclasses import dataclass, field

PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
ESCAPES = ("%", "!", "?", "/", ",", ";")
_ASSIGNED_ESCAPE = re.compile(r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]")
_HELP = re.compile(r"[A-Za-z_][\w.\[\]()'\"]*\?{1,2}")
_COMPREHENSIONS = frozenset({"listcomp", "setcomp", "dictcomp", "genexpr"})
END = 1 << 60


@dataclass
class Cell:
    label: str      # how the learner knows it: "In [7]" (kernel history) or "cell 7" (a file)
    source: str


# ----------------------------------------------------------------------------- cleaning

def _complete(lines: list[str]) -> bool:
    """Whether `lines` end a logical line (no open bracket, string or backslash)."""
    text = "\n".join(lines) + "\n"
    if text.rstrip("\n").endswith("\\"):
        return False
    try:
        for _ in tokenize.generate_tokens(io.StringIO(text).readline):
            pass
    except tokenize.TokenError:
        return False
    except (SyntaxError, ValueError):  # an indentation problem: Python reports it later, at its line
        return True
    return True


def _is_escape(stripped: str) -> bool:
    if not stripped or stripped.startswith("#"):
        return False
    return (stripped.startswith(ESCAPES) or bool(_ASSIGNED_ESCAPE.match(stripped))
            or bool(_HELP.fullmatch(stripped)))


def clean(source: str) -> str:
    """`source` with IPython syntax replaced (see the module docstring); "" for a dropped cell."""
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return ""
    if lines[first].startswith("%%"):
        name = (lines[first][2:].split() or [""])[0]
        if name not in PYTHON_CELL_MAGICS:
            return ""
        lines[first] = ""
    out: list[str] = []
    pending: list[str] = []
    continued = False  # the previous line was a replaced escape ending in a backslash
    for line in lines:
        if continued:
            continued = line.rstrip().endswith("\\")
            out.append("")
            continue
        if not pending or _complete(pending):
            pending = []
            stripped = line.lstrip()
            if _is_escape(stripped):
                continued = line.rstrip().endswith("\\")
                line = line[:len(line) - len(stripped)] + "pass"
        pending.append(line)
        out.append(line)
    return "\n".join(out)


# ----------------------------------------------------------------------------- analysis

@dataclass
class Statement:
    cell: int                 # index into the cells
    order: int                # position in the whole notebook
    node: ast.stmt | None     # None for a cell that does not parse
    text: str
    binds: set[str] = field(default_factory=set)
    modifies: set[str] = field(default_factory=set)   # X[...] = ..., X.attr = ...
    eager: set[str] = field(default_factory=set)      # used when the statement runs
    late: set[str] = field(default_factory=set)       # used when a function it defines runs
    star: bool = False
    future: bool = False


def _root_name(target: ast.AST) -> str | None:
    while isinstance(target, (ast.Subscript, ast.Attribute, ast.Starred)):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _scope_names(table: symtable.SymbolTable, eager: set[str], late: set[str], is_eager: bool) -> None:
    """Globals a nested scope refers to; a class body and a comprehension run at once,
    a function body only when called."""
    for child in table.get_children():
        kind = child.get_type()
        kind = getattr(kind, "value", kind)  # an enum from Python 3.13 on
        runs_now = is_eager and (kind == "class" or child.get_name() in _COMPREHENSIONS)
        for sym in child.get_symbols():
            if sym.is_referenced() and (sym.is_global() or sym.is_declared_global()):
                (eager if runs_now else late).add(sym.get_name())
        _scope_names(child, eager, late, runs_now)


def _analyse(cell: int, order: int, node: ast.stmt, text: str) -> Statement:
    stmt = Statement(cell, order, node, text)
    stmt.future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
    stmt.star = isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    try:
        table = symtable.symtable(ast.unparse(node) if stmt.future else text, "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return stmt
    for sym in table.get_symbols():
        name = sym.get_name()
        if sym.is_imported() or sym.is_assigned():
            stmt.binds.add(name)
        if sym.is_referenced():
            stmt.eager.add(name)
    _scope_names(table, stmt.eager, stmt.late, True)
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    for target in targets:
        for part in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
            if isinstance(part, (ast.Subscript, ast.Attribute)):
                name = _root_name(part)
                if name:
                    stmt.modifies.add(name)
    return stmt


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno] + [d.lineno for d in decorators])


@dataclass
class ParsedCell:
    cell: Cell
    clean: str
    statements: list[Statement]
    broken: bool = False          # does not parse


def parse_cells(cells: list[Cell], functions: list[str], keep_broken: bool) -> list[ParsedCell]:
    """Every cell, cleaned and split into analysed top-level statements.

    A cell that does not parse binds nothing, except with `keep_broken` (a notebook
    file, graded as written): if it textually defines one of `functions`, it counts
    as that definition, so the grade reports its syntax error at its line."""
    parsed, order = [], 0
    for index, cell in enumerate(cells):
        text = clean(cell.source)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pc = ParsedCell(cell, text, [], broken=True)
            if keep_broken:
                defined = {f for f in functions if re.search(rf"^\s*def\s+{re.escape(f)}\b", text, re.M)}
                if defined:
                    pc.statements.append(Statement(index, order, None, text, binds=defined))
                    order += 1
            parsed.append(pc)
            continue
        lines = text.split("\n")
        starts = [(_first_line(n), n.end_lineno or n.lineno) for n in tree.body]
        shared = set()
        for i in range(1, len(starts)):
            if starts[i][0] <= starts[i - 1][1]:  # two statements on one line (`a = 1; b = 2`)
                shared.update({i - 1, i})
        statements = []
        for i, node in enumerate(tree.body):
            first, last = starts[i]
            segment = ast.unparse(node) if i in shared else "\n".join(lines[first - 1:last])
            statements.append(_analyse(index, order, node, segment))
            order += 1
        parsed.append(ParsedCell(cell, text, statements))
    return parsed


# ----------------------------------------------------------------------------- the slice

def _same_code(a: str, b: str) -> bool:
    import textwrap

    return textwrap.dedent(a).strip() == textwrap.dedent(b).strip()


@dataclass
class Slice:
    whole: set[int] = field(default_factory=set)                  # cells taken whole
    taken: dict[int, set[str]] = field(default_factory=dict)      # statement order -> names it provides
    defined: dict[str, str] = field(default_factory=dict)         # function -> label of its cell
    future: list[str] = field(default_factory=list)


def slice_cells(parsed: list[ParsedCell], functions: list[str], live: dict[str, str] | None = None) -> Slice:
    """Choose the cells and statements a grade of `functions` needs (see the module docstring).

    `live`: name -> source of the object the kernel holds now (from `inspect.getsource`);
    when given, the definition whose code matches it wins over a later one that did not
    take effect."""
    live = live or {}
    statements = [s for pc in parsed for s in pc.statements]
    by_order = {s.order: s for s in statements}
    result = Slice()
    work: list[tuple[str, int]] = []

    def binding(name: str, limit: int, exclude: int | None) -> Statement | None:
        found = [s for s in statements if name in s.binds and s.order < limit and s.order != exclude]
        if not found and limit != END:   # never bound before its use: take where the notebook leaves it
            found = [s for s in statements if name in s.binds and s.order != exclude]
        if not found:
            return None
        if name in live:
            matching = [s for s in found if s.node is not None and isinstance(
                s.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _same_code(s.text, live[name])]
            if matching:
                return matching[-1]
        return found[-1]

    def take(stmt: Statement, names: set[str]) -> None:
        known = stmt.order in result.taken
        result.taken.setdefault(stmt.order, set()).update(names)
        if known:
            return
        work.extend((n, stmt.order) for n in stmt.eager)
        work.extend((n, END) for n in stmt.late)

    def take_cell(index: int) -> None:
        if index in result.whole:
            return
        result.whole.add(index)
        for s in parsed[index].statements:
            take(s, set(s.binds))

    for function in functions:
        stmt = binding(function, END, None)
        if stmt is not None:
            result.defined[function] = parsed[stmt.cell].cell.label
            take_cell(stmt.cell)
    resolved: set[tuple[str, int]] = set()
    while work:
        name, limit = work.pop()
        if (name, limit) in resolved:
            continue
        resolved.add((name, limit))
        user = by_order.get(limit)
        stmt = binding(name, limit, user.order if user else None)
        if stmt is None:
            continue   # a builtin, or something only the kernel had: the sandbox says NameError
        take(stmt, {name})
        for other in statements:   # assignments into it after it was bound, before it is used
            if name in other.modifies and stmt.order < other.order < limit:
                take(other, set())
    for s in statements:
        if s.star:
            take(s, set())
        if s.future and s.node is not None:
            result.future.extend(a.name for a in s.node.names if a.name not in result.future)
    return result


def _import_text(stmt: Statement, names: set[str]) -> str:
    """An import statement cut down to the names that are needed (`import numpy as np,
    torch` gives `import numpy as np` to a NumPy kata)."""
    node = stmt.node
    if not isinstance(node, (ast.Import, ast.ImportFrom)) or stmt.star:
        return stmt.text

    def bound(alias: ast.alias) -> str:
        return alias.asname or (alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name)
    keep = [a for a in node.names if bound(a) in names]
    if len(keep) == len(node.names) or not keep:
        return stmt.text
    copy = ast.Import(names=keep) if isinstance(node, ast.Import) else ast.ImportFrom(node.module, keep, node.level)
    return ast.unparse(copy)


def _blank_future(pc: ParsedCell) -> str:
    lines = pc.clean.split("\n")
    for s in pc.statements:
        if s.future and s.node is not None:
            for n in range(s.node.lineno, (s.node.end_lineno or s.node.lineno) + 1):
                lines[n - 1] = ""
    return "\n".join(lines)


def module_source(cells: list[Cell], functions: list[str], *, origin: str = "the notebook",
                  live: dict[str, str] | None = None, keep_broken: bool = True) -> str:
    """The learner module to grade: see the module docstring."""
    parsed = parse_cells(cells, functions, keep_broken)
    chosen = slice_cells(parsed, functions, live)
    found = [f for f in functions if f in chosen.defined]
    head = [f"# Graded from {origin}: the cells that define {', '.join(found) or 'none of the functions'},",
            "# and what they use from other cells. Magics and shell lines are left out."]
    if chosen.future:
        head.append(f"from __future__ import {', '.join(chosen.future)}")
    parts = ["\n".join(head) + "\n"]
    for index, pc in enumerate(parsed):
        if index in chosen.whole:
            body = _blank_future(pc)
        else:
            pieces = [_import_text(s, chosen.taken[s.order]) for s in pc.statements
                      if s.order in chosen.taken and not s.future]
            body = "\n".join(pieces)
        if body.strip():
            parts.append(f"# --- {pc.cell.label} ---\n{body.rstrip()}\n")
    return "\n".join(parts)


def defines(cells: list[Cell], functions: list[str]) -> bool:
    """Whether any cell defines (or assigns) one of `functions` at its top level."""
    for pc in parse_cells(cells, functions, keep_broken=True):
        if any(set(functions) & s.binds for s in pc.statements):
            return True
    return False
