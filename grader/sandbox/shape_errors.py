"""Learner exceptions about shapes, read and explained in the learner's own terms.

NumPy (and torch) say which shapes clashed, but not which of the learner's
expressions had them. The line that raised is in the traceback; its source is
parsed to find the operation (an elementwise `+`, an `@`, an in-place `+=`, a
`np.dot`), so the explanation can say "b[:, None] has shape (3, 1); adding it to
A @ W (7, 3) ...". An operand is named only when the line has exactly one
operation of that kind, so the name is never a guess.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from grader.model.diagnoses import Diagnosis, diagnosis

SHAPE_ERROR = "shape-error"
_SHAPE = r"\(([\d,\s]*)\)"
ELEMENTWISE = {ast.Add: ("adding", "to"), ast.Sub: ("subtracting", "from"), ast.Mult: ("multiplying", "with"),
               ast.Div: ("dividing", "into"), ast.FloorDiv: ("dividing", "into"), ast.Pow: ("raising", "with"),
               ast.Mod: ("taking", "with")}
MATMUL_CALLS = {"dot", "matmul", "mm", "inner"}
# An expression that stands a vector on its side as an (n, 1) column.
COLUMN = re.compile(r"(\[\s*:\s*,\s*(None|np\.newaxis)\s*\]|\.(reshape|view)\(\s*-1\s*,\s*1\s*\)|"
                    r"\.unsqueeze\(\s*(1|-1|dim\s*=\s*(1|-1))\s*\))\s*$")


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text))


def shape_text(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


@dataclass
class Clash:
    """What the exception says: its kind, and the shapes (or sizes) it names."""
    kind: str                 # broadcast | inplace | matmul | dot | reshape | assign | index | axis
    shapes: list = field(default_factory=list)
    sizes: tuple = ()


def parse_message(type_name: str, message: str) -> Clash | None:
    """The shapes in a NumPy or torch error message about shapes, or None."""
    m = re.search(r"operands could not be broadcast together with shapes ((?:\([\d,\s]*\)\s*)+)", message)
    if m:
        return Clash("broadcast", [_shape(s) for s in re.findall(_SHAPE, m.group(1))])
    m = re.search(rf"non-broadcastable output operand with shape {_SHAPE} doesn't match the broadcast shape {_SHAPE}",
                  message)
    if m:
        return Clash("inplace", [_shape(m.group(1)), _shape(m.group(2))])
    m = re.search(r"matmul: Input operand 1 has a mismatch in its core dimension 0.*\(size (\d+) is different "
                  r"from (\d+)\)", message)
    if m:  # the right operand's first axis, then the left operand's last
        return Clash("matmul", sizes=(int(m.group(2)), int(m.group(1))))
    m = re.search(rf"shapes {_SHAPE} and {_SHAPE} not aligned", message)
    if m:
        return Clash("dot", [_shape(m.group(1)), _shape(m.group(2))])
    m = re.search(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)", message)
    if m:
        a, b, c, d = map(int, m.groups())
        return Clash("dot", [(a, b), (c, d)])
    m = re.search(r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton "
                  r"dimension (\d+)", message)
    if m:
        return Clash("broadcast", sizes=(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    m = re.search(rf"cannot reshape array of size (\d+) into shape {_SHAPE}", message)
    if m:
        return Clash("reshape", [_shape(m.group(2))], sizes=(int(m.group(1)),))
    m = re.search(r"shape '\[([-\d,\s]*)\]' is invalid for input of size (\d+)", message)
    if m and "-" not in m.group(1):
        return Clash("reshape", [_shape(m.group(1))], sizes=(int(m.group(2)),))
    m = (re.search(rf"could not broadcast input array from shape {_SHAPE} into shape {_SHAPE}", message) or
         re.search(rf"value array of shape {_SHAPE} could not be broadcast to indexing result of shape {_SHAPE}",
                   message))
    if m:
        return Clash("assign", [_shape(m.group(1)), _shape(m.group(2))])
    m = re.search(r"too many indices for array: array is (\d+)-dimensional, but (\d+) were indexed", message)
    if m:
        return Clash("index", sizes=(int(m.group(1)), int(m.group(2))))
    m = re.search(r"axis (-?\d+) is out of bounds for array of dimension (\d+)", message)
    if m:
        return Clash("axis", sizes=(int(m.group(1)), int(m.group(2))))
    return None


# -- the learner's line ------------------------------------------------------------------

def _tree(code: str):
    """(tree, the text parsed): the line on its own, or completed first when it opens a
    block. (None, code) when it still does not parse."""
    for text in (code, code + "\n    pass", code.rstrip(":") + ":\n    pass"):
        try:
            return ast.parse(text), text
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # null bytes, absurd nesting
            continue
    return None, code


def _segment(code: str, node) -> str:
    text = ast.get_source_segment(code, node) if node is not None else None
    return " ".join(text.split()) if text else ""


def operations(code: str, kind: str) -> list[tuple[str, str, ast.AST]]:
    """(left, right, node) for each operation of this kind in the line: elementwise
    binary ops (and in-place ones) for broadcasting, @ and dot calls for products."""
    tree, code = _tree(code)
    if tree is None:
        return []
    found = []
    for node in ast.walk(tree):
        if kind in ("broadcast", "inplace") and isinstance(node, ast.BinOp) and type(node.op) in ELEMENTWISE:
            found.append((_segment(code, node.left), _segment(code, node.right), node))
        elif kind in ("broadcast", "inplace") and isinstance(node, ast.AugAssign) and type(node.op) in ELEMENTWISE:
            found.append((_segment(code, node.target), _segment(code, node.value), node))
        elif kind in ("matmul", "dot") and isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            found.append((_segment(code, node.left), _segment(code, node.right), node))
        elif kind in ("matmul", "dot") and isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in MATMUL_CALLS:
                if isinstance(node.func, ast.Attribute) and len(node.args) == 1 and \
                        not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy", "torch")):
                    found.append((_segment(code, node.func.value), _segment(code, node.args[0]), node))
                elif len(node.args) >= 2:
                    found.append((_segment(code, node.args[0]), _segment(code, node.args[1]), node))
    if kind == "inplace":  # the in-place op is the one that failed when there is one
        found = [f for f in found if isinstance(f[2], ast.AugAssign)] or found
    if kind == "broadcast" and any(_broadcasts_elsewhere(node) for node in ast.walk(tree)):
        return []  # a comparison or a call such as np.where could have raised instead: name nothing
    return [f for f in found if f[0] and f[1]]


# Calls that take several arguments but never broadcast one against another.
NON_BROADCASTING = MATMUL_CALLS | {"reshape", "view", "sum", "mean", "max", "min", "transpose", "swapaxes", "astype",
                                   "zeros", "ones", "full", "empty", "arange", "range", "unsqueeze", "squeeze",
                                   "expand_dims", "argmax", "argmin", "permute", "einsum", "concatenate", "stack",
                                   "tensor", "asarray", "array", "isinstance", "getattr", "print", "len"}


def _broadcasts_elsewhere(node) -> bool:
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.Call) and len(node.args) + len(node.keywords) >= 2:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        return name not in NON_BROADCASTING
    return False


def _clash_axis(a: tuple, b: tuple):
    """(axis from the left of the longer shape, size in a, size in b) where two shapes
    lined up from the last axis cannot broadcast."""
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for axis in range(n - 1, -1, -1):
        if pa[axis] != pb[axis] and 1 not in (pa[axis], pb[axis]):
            return axis, pa[axis], pb[axis]
    return None


# -- explanations -------------------------------------------------------------------------

def explain_broadcast(clash: Clash, code: str) -> str:
    ops = operations(code, "broadcast")
    if len(clash.shapes) == 3 and not (len(ops) == 1 and isinstance(ops[0][2], ast.AugAssign)):
        ops = []  # three shapes come from an in-place op (or np.where): only an AugAssign is the one
    if len(clash.shapes) < 2:  # torch names only the two sizes and the axis
        a, b, axis = clash.sizes
        if len(ops) == 1 and COLUMN.search(ops[0][1]) and axis == 0:
            left, right, node = ops[0]
            verb, prep = ELEMENTWISE[type(node.op)]
            return (f"{right} is a column of {b} entries; {verb} it {prep} {left} (first axis {a}) broadcasts over "
                    f"the wrong axis: its entries run down the rows (the batch axis), not along the columns. A "
                    f"vector of shape ({b},) lines up with the last axis by itself: use it as it is")
        who = f"{ops[0][0]} and {ops[0][1]}" if len(ops) == 1 else "two tensors"
        return (f"{who} meet at axis {axis} (counted after lining the shapes up from the last axis) with sizes "
                f"{a} and {b}; they can broadcast only where sizes are equal or one of them is 1. Print the shapes "
                "of the operands on this line")
    a, b = clash.shapes[0], clash.shapes[1]
    names = None
    if len(ops) == 1:
        left, right, node = ops[0]
        verb, prep = ELEMENTWISE[type(node.op)]
        names = (left, right, verb, prep)
    where = _clash_axis(a, b)
    rule = ""
    if where:
        axis, x, y = where
        rule = (f"NumPy lines shapes up from the last axis, so axis {axis} pairs {x} with {y}, which is allowed "
                "only when they are equal or one of them is 1")
    # A column (n, 1) against (B, n): a vector of one entry per column, stood on its side.
    column = next(((i, s) for i, s in enumerate((a, b)) if len(s) == 2 and s[1] == 1), None)
    other = b if column and column[0] == 0 else a
    if column and len(other) == 2 and other[1] == column[1][0] and other[0] != other[1]:
        i, s = column
        n = s[0]
        if names:
            col, rest = (names[1], names[0]) if i == 1 else (names[0], names[1])
            head = (f"{col} has shape {shape_text(s)}; {names[2]} it {names[3]} {rest} {shape_text(other)} "
                    "broadcasts over the wrong axis")
        else:
            head = (f"an operand of shape {shape_text(s)} meets one of shape {shape_text(other)}: a column "
                    "broadcasts over the wrong axis")
        return (f"{head}: its {n} entries run down the rows (the batch axis, size {other[0]}), not along the "
                f"{n} columns. A vector of shape ({n},) lines up with the last axis by itself: use it as it is, "
                "without [:, None] or reshape(-1, 1)")
    if len(a) == 2 and tuple(b) == tuple(reversed(a)):
        hint = "one is the transpose of the other: a .T missing or extra"
    else:
        hint = "write down the shape each operand should have"
    if names:
        head = f"{names[0]} has shape {shape_text(a)} and {names[1]} has shape {shape_text(b)}"
    else:
        head = f"two operands on this line have shapes {shape_text(a)} and {shape_text(b)}"
    return f"{head}; {rule + '; ' if rule else ''}{hint}"


def explain_inplace(clash: Clash, code: str) -> str:
    target, result = clash.shapes
    ops = operations(code, "inplace")
    name = ops[0][0] if len(ops) == 1 else "the array updated in place"
    text = (f"{name} has shape {shape_text(target)}, but the value combined into it broadcasts to "
            f"{shape_text(result)}; an in-place update (+=, -=, *=) cannot change the shape of its target")
    if len(result) == len(target) + 1 and tuple(result[1:]) == tuple(target):
        text += f". Summing over the batch first (.sum(axis=0)) gives shape {shape_text(target)}"
    return text


def explain_product(clash: Clash, code: str) -> str:
    ops = operations(code, clash.kind)
    left, right = (ops[0][0], ops[0][1]) if len(ops) == 1 else ("the left operand", "the right operand")
    if clash.kind == "matmul":
        k_left, k_right = clash.sizes
        return (f"in {left} @ {right}, the last axis of {left} has size {k_left} and the first axis of {right} has "
                f"size {k_right}; a matrix product needs these inner sizes to be equal. Write both shapes down: a "
                "transpose (.T) missing or extra is the usual cause")
    a, b = clash.shapes
    text = (f"{left} has shape {shape_text(a)} and {right} has shape {shape_text(b)}; a matrix product needs the "
            f"last axis of the first ({a[-1]}) to equal the first axis of the second ({b[0]})")
    fixes = []
    if len(b) == 2 and a[-1] == b[-1]:
        fixes.append(f"{right}.T has shape {shape_text(b[::-1])}, which fits")
    if len(a) == 2 and a[0] == b[0]:
        fixes.append(f"{left}.T has shape {shape_text(a[::-1])}, which fits")
    return text + (f": {' and '.join(fixes)}" if fixes else "")


def explain(clash: Clash, code: str) -> str:
    if clash.kind == "broadcast":
        return explain_broadcast(clash, code)
    if clash.kind == "inplace":
        return explain_inplace(clash, code)
    if clash.kind in ("matmul", "dot"):
        return explain_product(clash, code)
    if clash.kind == "reshape":
        (shape,), (size,) = clash.shapes, clash.sizes
        holds = 1
        for n in shape:
            holds *= n
        return (f"an array of {size} entries cannot be reshaped to {shape_text(shape)}, which holds {holds}: "
                "reshape keeps every entry, so the array or the target shape is not the one you meant")
    if clash.kind == "assign":
        value, slot = clash.shapes
        return (f"a value of shape {shape_text(value)} is written into a slot of shape {shape_text(slot)}; "
                "the value must have the slot's shape (or broadcast to it)")
    if clash.kind == "index":
        ndim, used = clash.sizes
        return (f"an array with {ndim} ax{'is' if ndim == 1 else 'es'} was indexed with {used} indices: it has fewer "
                "axes than this line expects (a vector of shape (n,) is indexed v[i], not v[0, i])")
    axis, ndim = clash.sizes
    return f"axis {axis} was asked of an array with {ndim} ax{'is' if ndim == 1 else 'es'} (axes 0 to {ndim - 1})"


def shape_error_finding(type_name: str, message: str, frames: list[dict]) -> Diagnosis | None:
    """A `shape-error` diagnosis for a learner exception about shapes, explained from
    the message and the learner's line that raised (the last learner frame); else None."""
    clash = parse_message(type_name, message)
    if clash is None:
        return None
    last = frames[-1] if frames else {}
    code = str(last.get("code", "") or "")
    try:
        text = explain(clash, code)
    except (ValueError, IndexError, TypeError, RecursionError):  # an odd line must not break the report
        return None
    line = last.get("line")
    tree, parsed = _tree(code)
    # A simple statement is shown without its trailing comment; a block's first line as it is.
    shown = _segment(code, tree.body[0]) if tree is not None and parsed == code and len(tree.body) == 1 else code
    where = f"line {line} ({shown or code}): " if code and line else ""
    return diagnosis(SHAPE_ERROR, where + text, shapes=[list(s) for s in clash.shapes])
