"""A pickle-free wire format between the grader and the learner's process.

The learner process is untrusted: unpickling what it sends could run code in the
grader. So values cross the pipe as a JSON tree plus raw array buffers, and only
plain data comes back out: numbers, strings, lists, tuples, dicts, NumPy arrays
of numeric dtypes, and descriptions of anything else (`Opaque`, `TensorInfo`).

NumPy is imported lazily so the CLI starts fast.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass

MAX_FRAME_BYTES = 512 * 1024 * 1024
MAX_DEPTH = 20             # deeper containers travel as an Opaque description
MAX_NODES = 1_000_000      # a bigger tree (or a self-referencing one) is cut off, not copied
_ALLOWED_KINDS = "biufc"  # bool, int, uint, float, complex: never object dtype


@dataclass(frozen=True)
class Opaque:
    """A value of a type the grader does not transport; described, not copied."""
    type_name: str
    summary: str


@dataclass(frozen=True)
class TensorInfo:
    """A torch tensor as the grader sees it: its values plus autograd facts."""
    value: object            # np.ndarray, detached copy
    dtype: str               # torch dtype name, e.g. "float32"
    requires_grad: bool
    grad_fn: str | None      # class name of grad_fn, None for a leaf

    @property
    def shape(self) -> tuple:
        return tuple(self.value.shape)


@dataclass(frozen=True)
class AsTensor:
    """Grader -> learner: deliver this array as a torch tensor (optionally a leaf that requires grad)."""
    value: object
    requires_grad: bool = False


@dataclass(frozen=True)
class AsFunction:
    """Grader -> learner: hand the learner's code `function` (trusted grader code, say
    the f of a numerical gradient), shown to it as `name`. Neither the function nor
    its source crosses into the sandbox (a kata's helper file may hold exact
    gradients): the learner's code gets a stand-in, and each call of it is evaluated
    by the grader and answered over the wire."""
    function: object
    name: str = "f"


@dataclass(frozen=True)
class Ref:
    """Grader -> learner: a value kept in the learner's process, e.g. part of a returned cache."""
    handle: int
    index: tuple = ()


def _type_name(value) -> str:
    try:
        t = type(value)
        return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    except BaseException:  # a learner metaclass can make even these attributes misbehave
        return "<unknown type>"


def _summary(value) -> str:
    try:
        text = repr(value)
        if not isinstance(text, str):
            raise TypeError
    except BaseException:  # learner objects may have a broken __repr__
        text = "<unprintable>"
    return text if len(text) <= 120 else text[:117] + "..."


class _Budget:
    """Shared by one encode: how many nodes are left, and which containers are open."""

    def __init__(self, nodes: int | None = None):
        self.nodes = MAX_NODES if nodes is None else nodes
        self.open: set[int] = set()
        self.arena = None
        self.callbacks: list | None = None   # grader side: the functions a request hands over


def encode_tree(value, buffers: list, depth: int = 0, budget: _Budget | None = None, arena=None,
                callbacks: list | None = None):
    """`value` as a JSON-able tree; array bytes go to `buffers`, or, given an `arena`
    (the grader's shared memory, see shm.py), there.

    Runs in the learner's process on learner objects, so it relies on the builtin
    types' own methods (not on overridable ones such as __str__ or __iter__) and
    bounds its work: depth, node count and cycles all end in an `Opaque`.
    """
    import numpy as np

    if budget is None:
        budget = _Budget()
        budget.arena = arena
        budget.callbacks = callbacks
    budget.nodes -= 1
    if budget.nodes < 0:
        return {"t": "opaque", "type": _type_name(value), "summary": "too large to transfer"}
    if depth > MAX_DEPTH:
        return {"t": "opaque", "type": _type_name(value), "summary": "nested too deeply"}
    if value is None or type(value) is bool:
        return {"t": "v", "v": value}
    # NumPy first: np.float64 is also a Python float, and its dtype matters to the checks.
    if isinstance(value, np.ndarray) and value.dtype.kind in _ALLOWED_KINDS:
        if budget.arena is not None:
            return _place_array(value, budget.arena)
        return _encode_array(value, buffers, "nd")
    if isinstance(value, np.generic) and value.dtype.kind in _ALLOWED_KINDS:
        return _encode_array(np.asarray(value), buffers, "npscalar")
    if isinstance(value, str):
        return {"t": "v", "v": str.__str__(value)}
    if isinstance(value, int):
        # Hex: ints of any size survive JSON, and hex is exempt from int's str-digits limit.
        return {"t": "int", "v": format(int.__index__(value), "x")}
    if isinstance(value, float):
        return {"t": "float", "v": float.__repr__(value)}  # repr keeps nan/inf and every bit
    if isinstance(value, (list, tuple, dict)):
        if id(value) in budget.open:
            return {"t": "opaque", "type": _type_name(value), "summary": "a container that contains itself"}
        budget.open.add(id(value))
        try:
            if isinstance(value, dict):
                return {"t": "dict", "items": [[encode_tree(k, buffers, depth + 1, budget),
                                                encode_tree(v, buffers, depth + 1, budget)]
                                               for k, v in list(dict.items(value))]}
            items = list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value)
            return {"t": "list" if isinstance(value, list) else "tuple",
                    "items": [encode_tree(v, buffers, depth + 1, budget) for v in items]}
        finally:
            budget.open.discard(id(value))
    if isinstance(value, AsTensor):
        return {"t": "astensor", "rg": value.requires_grad, "v": encode_tree(value.value, buffers, depth + 1, budget)}
    if isinstance(value, AsFunction):
        if budget.callbacks is None:
            raise ValueError("a function can only be handed to the learner's code in a call")
        budget.callbacks.append(value)
        return {"t": "callback", "k": len(budget.callbacks) - 1, "name": str(value.name)}
    if isinstance(value, Ref):
        return {"t": "ref", "h": value.handle, "i": list(value.index)}
    if isinstance(value, TensorInfo):
        return {"t": "tensor", "dtype": value.dtype, "rg": value.requires_grad, "fn": value.grad_fn,
                "v": encode_tree(value.value, buffers, depth + 1, budget)}
    if isinstance(value, Opaque):
        return {"t": "opaque", "type": value.type_name, "summary": value.summary}
    tensor = _tensor_info(value)
    if tensor is not None:
        return encode_tree(tensor, buffers, depth, budget)
    return {"t": "opaque", "type": _type_name(value), "summary": _summary(value)}


def _encode_array(arr, buffers: list, tag: str) -> dict:
    import numpy as np

    arr = np.asarray(arr)  # a plain ndarray view of a subclass; keeps 0-d arrays 0-d
    buffers.append(arr.tobytes(order="C"))
    return {"t": tag, "dtype": arr.dtype.str, "shape": list(arr.shape), "buf": len(buffers) - 1}


def _place_array(arr, arena) -> dict:
    import numpy as np

    arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("="))
    offset = arena.put(arr.tobytes())
    return {"t": "shm", "dtype": arr.dtype.str, "shape": list(arr.shape), "off": offset}


def read_back(value, arena):
    """`value` (what the grader sent, arena-encoded) rebuilt from the arena's bytes now:
    the arguments as the learner's code left them. Walks `value` exactly as
    encode_tree placed it."""
    import numpy as np

    offsets = iter(arena.placed)

    def walk(v):
        if isinstance(v, np.ndarray) and v.dtype.kind in _ALLOWED_KINDS:
            dtype = v.dtype.newbyteorder("=")
            data = arena.read(next(offsets), v.size * dtype.itemsize)
            return np.frombuffer(data, dtype=dtype).reshape(v.shape).copy()
        if isinstance(v, dict):
            return {k: walk(x) for k, x in dict.items(v)}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, tuple):
            return tuple(walk(x) for x in v)
        if isinstance(v, AsTensor):
            return walk(v.value)
        if isinstance(v, AsFunction):
            return v
        return v

    return walk(value)


def _tensor_info(value):
    """Describe a torch tensor without importing torch in processes that never loaded it."""
    import sys

    torch = sys.modules.get("torch")
    if torch is None or not isinstance(value, torch.Tensor):
        return None
    t = value.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    try:
        arr = t.cpu().resolve_conj().resolve_neg().numpy().copy()
    except Exception:
        return Opaque(_type_name(value), f"tensor of dtype {value.dtype} that NumPy cannot hold")
    fn = type(value.grad_fn).__name__ if value.grad_fn is not None else None
    return TensorInfo(arr, str(value.dtype).replace("torch.", ""), bool(value.requires_grad), fn)


def decode_tree(node, buffers: list, resolve_ref=None, make_tensor=None, make_function=None, shm=None):
    import numpy as np

    tag = node["t"]
    if tag == "shm":
        if shm is None:
            raise ValueError("an argument in shared memory, but no shared memory here")
        dtype = np.dtype(str(node["dtype"]))
        if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise ValueError(f"refusing dtype {dtype}")
        return shm(int(node["off"]), dtype, tuple(int(s) for s in node["shape"]))
    if tag == "v":
        value = node["v"]
        if value is not None and not isinstance(value, (bool, str)):
            raise ValueError(f"unexpected plain value of type {type(value).__name__}")
        return value
    if tag == "int":
        return int(str(node["v"]), 16)
    if tag == "float":
        return float(str(node["v"]))
    if tag in ("nd", "npscalar"):
        dtype = np.dtype(str(node["dtype"]))
        if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise ValueError(f"refusing dtype {dtype}")
        shape = tuple(int(s) for s in node["shape"])
        if any(s < 0 for s in shape):
            raise ValueError(f"invalid shape {shape}")
        index = int(node["buf"])
        if not 0 <= index < len(buffers):
            raise ValueError(f"no buffer {index}")
        arr = np.frombuffer(buffers[index], dtype=dtype).reshape(shape)
        arr = arr.astype(dtype.newbyteorder("="))  # a native-order copy the grader may write to
        return arr[()] if tag == "npscalar" else arr
    if tag == "list":
        return [decode_tree(n, buffers, resolve_ref, make_tensor, make_function, shm) for n in node["items"]]
    if tag == "tuple":
        return tuple(decode_tree(n, buffers, resolve_ref, make_tensor, make_function, shm) for n in node["items"])
    if tag == "dict":
        out = {}
        for k, v in node["items"]:
            key = decode_tree(k, buffers, resolve_ref, make_tensor, make_function, shm)
            try:
                hash(key)
            except TypeError:
                key = repr(key)
            out[key] = decode_tree(v, buffers, resolve_ref, make_tensor, make_function, shm)
        return out
    if tag == "tensor":
        return TensorInfo(decode_tree(node["v"], buffers), str(node["dtype"]), bool(node["rg"]),
                          None if node["fn"] is None else str(node["fn"]))
    if tag == "opaque":
        return Opaque(str(node["type"]), str(node["summary"]))
    if tag == "astensor":
        value = decode_tree(node["v"], buffers, resolve_ref, make_tensor, make_function, shm)
        if make_tensor is None:
            return AsTensor(value, bool(node["rg"]))
        return make_tensor(value, bool(node["rg"]))
    if tag == "callback":
        if make_function is None:
            raise ValueError("a function argument can only be decoded by the harness")
        return make_function(int(node["k"]), str(node.get("name", "f")))
    if tag == "ref":
        if resolve_ref is None:
            return Ref(int(node["h"]), tuple(node["i"]))
        return resolve_ref(int(node["h"]), tuple(node["i"]))
    raise ValueError(f"unknown tag {tag!r}")


def encode_message(message, arena=None, callbacks: list | None = None) -> bytes:
    buffers: list[bytes] = []
    header = json.dumps(encode_tree(message, buffers, arena=arena, callbacks=callbacks), allow_nan=False).encode()
    parts = [struct.pack("<II", len(header), len(buffers)), header]
    for buf in buffers:
        parts.append(struct.pack("<Q", len(buf)))
        parts.append(buf)
    return b"".join(parts)


def write_message(fileobj, message) -> None:
    data = encode_message(message)
    fileobj.write(struct.pack("<Q", len(data)))
    fileobj.write(data)
    fileobj.flush()


def read_frame(fileobj) -> bytes | None:
    """One frame's bytes, or None at end of stream."""
    head = _read_exact(fileobj, 8)
    if head is None:
        return None
    (size,) = struct.unpack("<Q", head)
    if size > MAX_FRAME_BYTES:
        raise ValueError(f"frame of {size} bytes is too large")
    data = _read_exact(fileobj, size)
    if data is None:
        raise EOFError("stream ended inside a frame")
    return data


def decode_message(data: bytes, resolve_ref=None, make_tensor=None, make_function=None, shm=None):
    header_len, nbufs = struct.unpack_from("<II", data, 0)
    pos = 8
    header = json.loads(data[pos:pos + header_len])
    pos += header_len
    buffers = []
    for _ in range(nbufs):
        (n,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        if pos + n > len(data):
            raise ValueError("message ends inside an array buffer")
        buffers.append(data[pos:pos + n])
        pos += n
    return decode_tree(header, buffers, resolve_ref, make_tensor, make_function, shm)


def _read_exact(fileobj, n: int) -> bytes | None:
    chunks = []
    remaining = n
    while remaining:
        chunk = fileobj.read(remaining)
        if not chunk:
            if remaining == n:
                return None
            raise EOFError("stream ended inside a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
