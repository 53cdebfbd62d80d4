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
class Ref:
    """Grader -> learner: a value kept in the learner's process, e.g. part of a returned cache."""
    handle: int
    index: tuple = ()


def _type_name(value) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _summary(value) -> str:
    try:
        text = repr(value)
    except BaseException:  # learner objects may have a broken __repr__
        text = "<unprintable>"
    return text if len(text) <= 120 else text[:117] + "..."


def encode_tree(value, buffers: list, depth: int = 0):
    import numpy as np

    if depth > 20:
        return {"t": "opaque", "type": _type_name(value), "summary": "nested too deeply"}
    # NumPy types first: np.float64 subclasses float and would lose its dtype below.
    if isinstance(value, np.ndarray) and value.dtype.kind in _ALLOWED_KINDS:
        return _encode_array(value, buffers, "nd")
    if isinstance(value, np.generic) and value.dtype.kind in _ALLOWED_KINDS:
        return _encode_array(np.asarray(value), buffers, "npscalar")
    if value is None or isinstance(value, (bool, str)):
        return {"t": "v", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": str(value)}  # str: ints beyond 2**63 survive JSON
    if isinstance(value, float):
        return {"t": "float", "v": repr(value)}  # repr keeps nan/inf and every bit
    if isinstance(value, (list, tuple)):
        return {"t": "list" if isinstance(value, list) else "tuple",
                "items": [encode_tree(v, buffers, depth + 1) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "items": [[encode_tree(k, buffers, depth + 1), encode_tree(v, buffers, depth + 1)]
                                       for k, v in value.items()]}
    if isinstance(value, AsTensor):
        return {"t": "astensor", "rg": value.requires_grad, "v": encode_tree(value.value, buffers, depth + 1)}
    if isinstance(value, Ref):
        return {"t": "ref", "h": value.handle, "i": list(value.index)}
    if isinstance(value, TensorInfo):
        return {"t": "tensor", "dtype": value.dtype, "rg": value.requires_grad, "fn": value.grad_fn,
                "v": encode_tree(value.value, buffers, depth + 1)}
    if isinstance(value, Opaque):
        return {"t": "opaque", "type": value.type_name, "summary": value.summary}
    tensor = _tensor_info(value)
    if tensor is not None:
        return encode_tree(tensor, buffers, depth)
    return {"t": "opaque", "type": _type_name(value), "summary": _summary(value)}


def _encode_array(arr, buffers: list, tag: str) -> dict:
    import numpy as np

    # tobytes() always emits C order; the shape is taken from `arr` itself because
    # np.ascontiguousarray would turn a 0-d array into shape (1,).
    buffers.append(arr.tobytes(order="C"))
    return {"t": tag, "dtype": arr.dtype.str, "shape": list(arr.shape), "buf": len(buffers) - 1}


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


def decode_tree(node, buffers: list, resolve_ref=None, make_tensor=None):
    import numpy as np

    tag = node["t"]
    if tag == "v":
        return node["v"]
    if tag == "int":
        return int(node["v"])
    if tag == "float":
        return float(node["v"])
    if tag in ("nd", "npscalar"):
        dtype = np.dtype(node["dtype"])
        if dtype.kind not in _ALLOWED_KINDS:
            raise ValueError(f"refusing dtype {dtype}")
        shape = tuple(int(s) for s in node["shape"])
        arr = np.frombuffer(buffers[node["buf"]], dtype=dtype).reshape(shape).copy()
        return arr[()] if tag == "npscalar" else arr
    if tag == "list":
        return [decode_tree(n, buffers, resolve_ref, make_tensor) for n in node["items"]]
    if tag == "tuple":
        return tuple(decode_tree(n, buffers, resolve_ref, make_tensor) for n in node["items"])
    if tag == "dict":
        out = {}
        for k, v in node["items"]:
            key = decode_tree(k, buffers, resolve_ref, make_tensor)
            try:
                hash(key)
            except TypeError:
                key = repr(key)
            out[key] = decode_tree(v, buffers, resolve_ref, make_tensor)
        return out
    if tag == "tensor":
        return TensorInfo(decode_tree(node["v"], buffers), str(node["dtype"]), bool(node["rg"]),
                          None if node["fn"] is None else str(node["fn"]))
    if tag == "opaque":
        return Opaque(str(node["type"]), str(node["summary"]))
    if tag == "astensor":
        value = decode_tree(node["v"], buffers, resolve_ref, make_tensor)
        if make_tensor is None:
            return AsTensor(value, bool(node["rg"]))
        return make_tensor(value, bool(node["rg"]))
    if tag == "ref":
        if resolve_ref is None:
            return Ref(int(node["h"]), tuple(node["i"]))
        return resolve_ref(int(node["h"]), tuple(node["i"]))
    raise ValueError(f"unknown tag {tag!r}")


def encode_message(message) -> bytes:
    buffers: list[bytes] = []
    header = json.dumps(encode_tree(message, buffers)).encode()
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


def decode_message(data: bytes, resolve_ref=None, make_tensor=None):
    header_len, nbufs = struct.unpack_from("<II", data, 0)
    pos = 8
    header = json.loads(data[pos:pos + header_len])
    pos += header_len
    buffers = []
    for _ in range(nbufs):
        (n,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        buffers.append(data[pos:pos + n])
        pos += n
    return decode_tree(header, buffers, resolve_ref, make_tensor)


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
