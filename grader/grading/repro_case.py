"""Write one recorded call as a case the learner runs: `inputs.npz` with the grader's
inputs (and the reference's results on them) plus `repro.py`, a plain script that
imports the learner's function, calls it on those inputs and prints what differs.

The script holds no reference code: expected results travel as numbers in the .npz.
It needs NumPy only (and torch for a torch kata), so it runs under `python`,
`python -m pdb`, an IDE's debugger or a notebook (`%run`).
"""
from __future__ import annotations

import functools
import inspect
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.curriculum.kata import Kata
from grader.grading.repro_record import MISSING, Call
from grader.grading.repro_replay import Replay, ReproError, inputs_scale, numbers, part_of, tolerance
from grader.sandbox.codec import AsFunction, AsTensor, Ref

REPRO_DIR = ".kata-repro"   # hidden: grading, `kata watch` and class collection skip it


@dataclass
class Case:
    folder: Path
    script: Path
    inputs: Path
    function: str
    compared: int      # how many expected results the script compares (0: none could be computed)
    call_line: int     # the script's line that calls the learner's function (a place to stop in pdb)


def case_folder(workspace: Path, kata: Kata, check: str) -> Path:
    return Path(workspace) / REPRO_DIR / f"{kata.id}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', check)}"


def _parameter_names(kata: Kata, fn: str) -> list[str]:
    from grader.checks.context import parameter_names

    return parameter_names(str(kata.reference_path)).get(fn, [])


class _Writer:
    """Builds the script's lines and the .npz's arrays together."""

    def __init__(self):
        self.arrays: dict[str, object] = {}
        self.lines: list[str] = []
        # Names the script itself uses, never given to an argument.
        self.names: set[str] = {"data", "got", "np", "copy", "sys", "Path", "HERE", "torch", "functools", "matches",
                                "changed", "inputs_before", "as_graded", "compare", "part", "same", "changes",
                                "MISSING", "what"}
        self.torch = False
        self.functions: list[str] = []   # source of functions the grader handed over
        self.mutable: set[str] = set()   # variables holding arrays, tensors or containers (a callee may change them)

    def name(self, wanted: str) -> str:
        wanted = re.sub(r"\W", "_", wanted) or "arg"
        name, n = wanted, 2
        while name in self.names:
            name, n = f"{wanted}_{n}", n + 1
        self.names.add(name)
        return name

    def store(self, key: str, value) -> str:
        """A Python expression that rebuilds `value` from `data`, with its arrays stored under `key`."""
        import numpy as np

        if isinstance(value, AsTensor):
            self.torch = True
            self.arrays[key] = np.asarray(value.value)
            grad = ", requires_grad=True" if value.requires_grad else ""
            return f'torch.tensor(data["{key}"]{grad})'
        if isinstance(value, np.ndarray):
            self.arrays[key] = value
            return f'data["{key}"]'
        if isinstance(value, (bool, np.bool_)):
            self.arrays[key] = np.asarray(value)
            return f'bool(data["{key}"])'
        if isinstance(value, (int, np.integer)):
            self.arrays[key] = np.asarray(value)
            return f'int(data["{key}"])'
        if isinstance(value, (float, np.floating)):
            self.arrays[key] = np.asarray(value)
            return f'float(data["{key}"])' if isinstance(value, float) else f'data["{key}"][()]'
        if value is None or isinstance(value, str):
            return repr(value)
        if isinstance(value, dict):
            items = [f"{k!r}: {self.store(f'{key}.{k}', v)}" for k, v in value.items()]
            return "{" + ", ".join(items) + "}" if len(items) <= 1 else \
                "{\n" + "".join(f"    {i},\n" for i in items) + "}"
        if isinstance(value, (tuple, list)):
            items = [self.store(f"{key}.{i}", v) for i, v in enumerate(value)]
            if isinstance(value, tuple):
                return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
            return "[" + ", ".join(items) + "]"
        if isinstance(value, AsFunction):
            return self.function(key, value)
        raise ReproError(f"one of its arguments is a {type(value).__name__}, which cannot be written to a file")

    def function(self, key: str, value: AsFunction) -> str:
        """A function the grader handed to the learner's code (a test function such as
        part6's f), written out with its bound parameters stored as data."""
        f = value.function
        bound = ()
        if isinstance(f, functools.partial) and not f.keywords:
            f, bound = f.func, f.args
        try:
            source = inspect.getsource(f)
        except (OSError, TypeError):
            source = None
        if source is None or not inspect.isfunction(f) or f.__closure__ or "\n    def " in source:
            raise ReproError(f"your function receives {value.name}, a function the grader evaluates on its side, "
                             "and that one cannot be written out as a script")
        source = re.sub(r'^(def [^\n]*\n)(\s+"""(?:.|\n)*?"""\n)', r"\1", source)  # its docstring: grader notes
        if source not in self.functions:
            self.functions.append(source)
        args = [self.store(f"{key}.{i}", a) for i, a in enumerate(bound)]
        if not args:
            return f.__name__
        return f"functools.partial({f.__name__}, {', '.join(args)})"


def write_case(workspace: Path, kata: Kata, check: str, seed: int, call: Call, replay: Replay,
               why: str) -> Case:
    """Write the case for `call` (one of the check's recorded calls, `replay.calls`) into the workspace."""
    import numpy as np

    chain = replay.chain(call)
    w = _Writer()
    w.names.update(c.fn for c in chain)
    steps: list[str] = []
    values: dict[int, str] = {}   # handle of a kept result -> the variable holding it
    outputs: dict[int, str] = {}  # id of an earlier call -> the variable holding its result
    final_args: list[tuple[str, str]] = []
    for n, c in enumerate(chain, start=1):
        names = _parameter_names(kata, c.fn)
        exprs = []
        last = c is call
        block = []
        for i, arg in enumerate(c.args):
            pname = names[i] if i < len(names) else f"arg{i + 1}"
            if isinstance(arg, Ref):
                expr = values[arg.handle] + "".join(f"[{k!r}]" for k in arg.index)
                var = w.name(pname)
                block.append(f"{var} = {expr}  # what your {replay.producer(arg).fn} returned")
            else:
                var = w.name(pname)
                prefix = c.fn if sum(o.fn == c.fn for o in chain) == 1 else f"step{n}.{c.fn}"
                block.append(f"{var} = {w.store(f'{prefix}.{pname}', arg)}")
            exprs.append(var)
            if last:
                final_args.append((pname, var))
                if isinstance(arg, (Ref, AsTensor, dict, list, tuple)) or hasattr(arg, "shape"):
                    w.mutable.add(var)
        if last:
            steps.append("\n".join(block))
            break
        out = w.name(f"{c.fn}_result")
        steps.append(f"# Step {n}: your {c.fn} on the inputs it had in the check (what the next step reads)\n"
                     + "\n".join(block) + f"\n{out} = {c.fn}({', '.join(exprs)})")
        values[c.handle] = out
        outputs[id(c)] = out

    # What a correct function returns at each step: the earlier steps' own results too
    # (a forward pass's loss), so a case whose trouble starts there says so.
    targets = [(c, "got" if c is call else outputs[id(c)]) for c in chain]
    expected, problem = [], None
    try:
        expected = [(c, var, replay.expected_parts(c)) for c, var in targets]
    except ReproError as exc:  # the case stays useful without expected values
        problem = f"no expected values: {exc}"
    scale = inputs_scale(chain)
    compares = []
    graded = []   # what the learner's code returned for the same call while graded
    for c, var, parts in expected:
        for path, (want, kind, *accepted) in parts.items():
            key = f"expected.{c.fn}{path}" if c is not call else f"expected{path}"
            key = re.sub(r"[\[\]']+", ".", key).strip(".").replace("..", ".")
            w.arrays[key] = np.asarray(want)
            rtol, atol = tolerance(want, scale)
            also = ""
            if accepted:   # other values the checks accept, e.g. any subgradient at a kink
                w.arrays[key.replace("expected", "lowest", 1)] = np.asarray(accepted[0][0])
                w.arrays[key.replace("expected", "highest", 1)] = np.asarray(accepted[0][1])
                also = (f', accepted=(data["{key.replace("expected", "lowest", 1)}"], '
                        f'data["{key.replace("expected", "highest", 1)}"])')
            compares.append(f'    compare("{var}{path}", part({var}{", " if path else ""}{_keys(path)}), '
                            f'data["{key}"], "{kind}", rtol={rtol:.3g}, atol={atol:.3g}{also}),')
            seen = numbers(part_of(c.value, path)) if c is call and c.value is not MISSING else MISSING
            if seen is not MISSING and np.asarray(seen).dtype.kind in "biuf":
                w.arrays["graded" + key[len("expected"):]] = np.asarray(seen)
                graded.append(f'    same(part(got{", " if path else ""}{_keys(path)}), '
                              f'data["graded{key[len("expected"):]}"]),')

    folder = case_folder(workspace, kata, check)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    inputs = folder / "inputs.npz"
    np.savez(inputs, **{k: np.asarray(v) for k, v in w.arrays.items()})
    script = folder / "repro.py"
    text = _script(kata, check, seed, call, chain, steps, final_args, compares, graded, problem, why, w)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if t.startswith(f"got = {call.fn}("))
    script.write_text(text.replace("@LINE@", str(line)), encoding="utf-8")
    (folder / HELPERS_FILE).write_text(HELPERS, encoding="utf-8")
    return Case(folder, script, inputs, call.fn, len(compares), line)


def _keys(path: str) -> str:
    import ast

    keys, node = [], ast.parse("v" + path, mode="eval").body
    while isinstance(node, ast.Subscript):
        keys.append(repr(ast.literal_eval(node.slice)))
        node = node.value
    return ", ".join(reversed(keys))


HELPERS_FILE = "compare_results.py"
HELPERS = '''"""How repro.py compares your results with the expected ones (plain NumPy, no grader code)."""
import numpy as np

MISSING = object()   # what part() returns for an entry your result does not have


def as_array(value):
    """Your value as a NumPy array (a torch tensor is detached first)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def part(value, *keys):
    """value[k1][k2]...: one entry of your result, or MISSING if it has no such entry."""
    for key in keys:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return MISSING
    return value


def kind(value):
    """What sort of value this is: "array", "number", "tensor" or "tensor on the graph"."""
    if hasattr(value, "detach"):
        return "tensor on the graph" if value.requires_grad else "tensor"
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return "array"
    if isinstance(value, (bool, int, float, np.number, np.bool_, np.ndarray)):
        return "number"
    return type(value).__name__


def article(word):
    return ("an " if word[0] in "aeiou" else "a ") + word


def compare(name, got, expected, expected_kind, rtol, atol, accepted=None):
    """Print how `got` differs from `expected` (or that it matches); True when it matches.
    Each entry may be off by atol + rtol * |expected|, the grader's own tolerance.
    `accepted`: (lowest, highest), arrays of the values the grader also accepts per entry
    (say, any subgradient where the derivative is not defined)."""
    if got is MISSING:
        print(f"{name}: missing from your result (expected shape {expected.shape})")
        return False
    if kind(got) != expected_kind:
        print(f"{name}: yours is {article(kind(got))}, where {article(expected_kind)} is expected")
        values = as_array(got)
        return compare(f"{name} (its values)", values, expected, kind(values), rtol, atol, accepted) and False
    try:
        got = as_array(got).astype(np.float64)
    except (TypeError, ValueError):
        print(f"{name}: is a {type(got).__name__}, not an array of numbers")
        return False
    if expected.dtype == bool and expected.ndim == 0 and got.ndim == 0:
        if bool(got) != bool(expected):
            print(f"{name}: yours is {bool(got)}, expected {bool(expected)}")
        else:
            print(f"{name}: matches ({bool(expected)})")
        return bool(got) == bool(expected)
    if got.shape != expected.shape:
        print(f"{name}: shape {got.shape}, expected {expected.shape}")
        return False
    if accepted is not None and np.isfinite(got).all():   # measured from the nearest accepted value
        expected = np.clip(got, accepted[0], accepted[1])
    with np.errstate(invalid="ignore"):
        error = np.where(np.isfinite(got), np.abs(got - expected), np.inf)
    bad = error > atol + rtol * np.abs(expected)
    if not bad.any():
        print(f"{name}: matches (largest error {error.max() if error.size else 0:.3g})")
        return True
    worst = np.unravel_index(np.argmax(np.where(bad, error, -1)), got.shape) if got.ndim else ()
    if got.ndim == 0:
        print(f"{name}: yours is {float(got):.10g}, expected {float(expected):.10g}")
        return False
    print(f"{name}: differs in {int(bad.sum())} of {got.size} entries, most at index {list(map(int, worst))} "
          f"(error {error[worst]:.6g})")
    print(f"    yours    {float(got[worst]):.10g}")
    print(f"    expected {float(expected[worst]):.10g}")
    if expected[worst] != 0 and np.isfinite(got[worst]):
        print(f"    yours / expected = {float(got[worst] / expected[worst]):.6g}")
    if not np.isfinite(got).all():
        print(f"    {int((~np.isfinite(got)).sum())} entries are NaN or inf")
    return False


def same(got, graded):
    """Whether your result now is exactly what it was while graded."""
    try:
        return as_array(got).shape == graded.shape and bool(np.array_equal(as_array(got), graded, equal_nan=True))
    except (TypeError, ValueError):
        return False


def changes(before, after, name):
    """The inputs your function changed in place, as "name[key] entry [i, j]" strings."""
    if isinstance(before, dict):
        return [c for k in before for c in changes(before[k], part(after, k), f"{name}[{k!r}]")]
    if isinstance(before, (list, tuple)):
        return [c for i, b in enumerate(before) for c in changes(b, part(after, i), f"{name}[{i}]")]
    if isinstance(before, np.ndarray) or hasattr(before, "detach"):
        b, a = as_array(before), as_array(after)
        if a.shape != b.shape:
            return [f"{name} (replaced)"]
        same = (a == b) | (np.isnan(a) & np.isnan(b)) if b.dtype.kind in "fc" else (a == b)
        if not same.all():
            return [f"{name} entry {list(map(int, np.argwhere(~same)[0]))}"]
    return []
'''


def _script(kata: Kata, check: str, seed: int, call: Call, chain: list[Call], steps: list[str],
            final_args: list[tuple[str, str]], compares: list[str], graded: list[str], problem: str | None,
            why: str, w: _Writer) -> str:
    module = Path(kata.learner_file).stem
    functions = sorted({c.fn for c in chain})
    rel = f"{REPRO_DIR}/{case_folder(Path('.'), kata, check).name}/repro.py"
    args = ", ".join(var for _, var in final_args)
    watched = [(p, v) for p, v in final_args]
    lines = [
        f'"""The failing case of check `{check}` of {kata.id} (seed {seed}), written by `kata repro {kata.id}`.',
        "",
        f"It calls your {call.fn} from {kata.learner_file} on the exact inputs the grader used",
        f"({why}),",
        f"and prints how the result differs from what a correct {call.fn} returns. Run it from the workspace:",
        "",
        f"    python {rel}",
        f"    python -m pdb -c 'b @LINE@' -c c {rel}    (stops at the call; `s` steps into it)",
        "",
        f"or put breakpoint() in your {call.fn} and run it. The inputs and expected results are in",
        "inputs.npz next to this file. Nothing here is graded; `kata repro` writes a fresh case.",
        '"""',
        "import copy",
    ]
    if w.functions:
        lines.append("import functools")
    lines += ["import sys", "from pathlib import Path", "", "import numpy as np"]
    if w.torch:
        lines.append("import torch")
    lines += [
        "",
        "# Your kata file is two folders up, in the workspace; compare_results.py is next to this file.",
        'HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()',
        "sys.path[:0] = [str(HERE.parent.parent), str(HERE)]",
        f"from {module} import {', '.join(functions)}  # noqa: E402  (your code)",
        "from compare_results import MISSING, changes, compare, part, same  # noqa: E402,F401",
        "",
        'data = np.load(HERE / "inputs.npz")  # the grader\'s inputs, and the expected results',
    ]
    for source in w.functions:
        lines += ["", "", "# The function the grader handed to your code (a test input, not a solution).",
                  source.rstrip()]
    lines += ["", ""]
    for s in steps[:-1]:
        lines += [s, ""]
    lines += [f"# The call the check is about: your {call.fn} on the grader's inputs",
              steps[-1],
              f"inputs_before = copy.deepcopy([{args}])",
              f"got = {call.fn}({args})",
              "",
              "# Did it change its inputs? The caller still needs them as they were.",
              "changed = []"]
    for i, (pname, var) in enumerate(watched):
        if var in w.mutable:
            lines.append(f'changed += changes(inputs_before[{i}], {var}, "{pname}")')
    lines += ['for what in changed:',
              f'    print(f"{call.fn} changed its input {{what}} in place")',
              ""]
    if compares:
        lines += [f"# Each part of each result next to what correct code returns on these inputs",
                  "matches = ["] + compares + ["]",
                  "# ... and next to what it returned for these same inputs while it was graded",
                  "as_graded = ["] + graded + ["]",
                  "if all(matches) and not changed and not all(as_graded):",
                  f'    print("matches here, but while graded your {call.fn} returned something else for these")',
                  '    print("same inputs: its result depends on what ran before it (state kept between calls,")',
                  '    print("such as a global, a class attribute or a default argument that grows)")',
                  "elif all(matches) and not changed:",
                  f'    print("matches: your {call.fn} returns the expected result on this case")',
                  "elif all(matches):",
                  f'    print("the result matches, but {call.fn} changed its inputs (see above)")',
                  "else:",
                  '    print(f"{matches.count(False)} of {len(matches)} parts of the result differ")']
    else:
        lines += [f"# {problem}" if problem else "# No expected values were stored for this case.",
                  'print("what your function returned:")',
                  "print(got)"]
    return "\n".join(lines) + "\n"
