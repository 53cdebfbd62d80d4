"""The pickle-free wire format: what goes in comes out, and nothing else gets in."""
from __future__ import annotations

import io
import json
import math
import struct

import numpy as np
import pytest

from grader.sandbox import codec
from grader.sandbox.codec import AsTensor, Opaque, Ref, TensorInfo


def roundtrip(value, **kw):
    return codec.decode_message(codec.encode_message(value), **kw)


def forged(tree: dict, buffers: list[bytes] = ()) -> bytes:
    """A message as a hostile learner process could write it."""
    header = json.dumps(tree).encode()
    parts = [struct.pack("<II", len(header), len(buffers)), header]
    for buf in buffers:
        parts += [struct.pack("<Q", len(buf)), buf]
    return b"".join(parts)


# ------------------------------------------------------------------ arrays

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_, np.complex128,
                                   np.float16])
def test_array_dtypes_roundtrip_exactly(dtype):
    arr = (np.arange(24).reshape(2, 3, 4) * 1.25).astype(dtype)
    out = roundtrip(arr)
    assert type(out) is np.ndarray
    assert out.dtype == arr.dtype and out.shape == arr.shape
    assert np.array_equal(out, arr)


def test_special_float_values_keep_every_bit():
    arr = np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, np.finfo(np.float64).max])
    out = roundtrip(arr)
    assert out.tobytes() == arr.tobytes()


@pytest.mark.parametrize("arr", [
    np.array(3.5),                                   # 0-d
    np.array(7, dtype=np.int64),                     # 0-d int
    np.zeros((0,)),                                  # empty
    np.zeros((0, 3), dtype=np.float32),              # empty, 2-d
    np.zeros((4, 0, 2)),                             # empty in the middle
], ids=["0d-float", "0d-int", "empty", "empty-2d", "empty-3d"])
def test_degenerate_shapes_roundtrip(arr):
    out = roundtrip(arr)
    assert type(out) is np.ndarray
    assert out.shape == arr.shape and out.dtype == arr.dtype
    assert np.array_equal(out, arr)


@pytest.mark.parametrize("make", [
    lambda a: a.T,                                   # Fortran order
    lambda a: a[::2, ::-1],                          # strided, negative step
    lambda a: a[:, 1],                               # a column
    lambda a: np.broadcast_to(a[0], (5, 6)),         # zero stride
], ids=["transpose", "strided", "column", "broadcast"])
def test_non_contiguous_arrays_roundtrip_by_value(make):
    arr = make(np.arange(30.0).reshape(5, 6))
    out = roundtrip(arr)
    assert out.shape == arr.shape
    assert np.array_equal(out, arr)
    assert out.flags.writeable and out.flags.c_contiguous


def test_decoded_arrays_are_private_writable_copies():
    arr = np.arange(4.0)
    out = roundtrip(arr)
    out[0] = 99
    assert arr[0] == 0 and out.flags.owndata


def test_big_endian_arrays_come_back_native():
    arr = np.arange(5, dtype=">f8")
    out = roundtrip(arr)
    assert out.dtype == np.float64 and out.dtype.isnative
    assert np.array_equal(out, arr)


def test_array_subclasses_come_back_as_plain_arrays():
    m = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    out = roundtrip(m)
    assert type(out) is np.ndarray and out.shape == (3,)


# ------------------------------------------------------------------ scalars

@pytest.mark.parametrize("value", [np.float32(1.5), np.float64(-2.25), np.int64(-7), np.uint8(200), np.bool_(True),
                                   np.float64(np.nan)])
def test_numpy_scalars_stay_numpy_scalars(value):
    out = roundtrip(value)
    assert type(out) is type(value)
    assert out.dtype == value.dtype
    assert out == value or (np.isnan(out) and np.isnan(value))


@pytest.mark.parametrize("value", [0, -1, 2**63, -(2**200), 10**5000], ids=["0", "-1", "2^63", "-2^200", "10^5000"])
def test_python_ints_of_any_size(value):
    out = roundtrip(value)
    assert type(out) is int and out == value


@pytest.mark.parametrize("value", [0.1, -0.0, float("inf"), float("-inf"), 1e-310, 1.7976931348623157e308])
def test_python_floats_keep_every_bit(value):
    out = roundtrip(value)
    assert type(out) is float and struct.pack("<d", out) == struct.pack("<d", value)


def test_nan_float():
    out = roundtrip(float("nan"))
    assert type(out) is float and math.isnan(out)


@pytest.mark.parametrize("value", [None, True, False, "", "héllo \u2603", "\x00\n\"'\\"])
def test_plain_values(value):
    out = roundtrip(value)
    assert out == value and type(out) is type(value)


# ------------------------------------------------------------------ containers

def test_nested_containers_keep_their_types():
    value = {"a": [1, (2.5, np.float32(3)), {"deep": np.arange(3)}], ("t", 1): (), 7: [], None: {"x": None}}
    out = roundtrip(value)
    assert list(out) == ["a", ("t", 1), 7, None]
    assert type(out["a"]) is list and type(out["a"][1]) is tuple
    assert out["a"][1][0] == 2.5 and type(out["a"][1][1]) is np.float32
    assert np.array_equal(out["a"][2]["deep"], np.arange(3))
    assert out[("t", 1)] == () and out[7] == [] and out[None] == {"x": None}


def test_subclasses_of_builtins_travel_as_their_base_values():
    class Sneaky(float):
        def __repr__(self):
            return "not a float"

    class Big(int):
        def __str__(self):
            raise RuntimeError("no")

    class Lying(tuple):
        def __iter__(self):
            raise RuntimeError("no")

    class Keys(dict):
        def items(self):
            raise RuntimeError("no")

    out = roundtrip([Sneaky(1.5), Big(12), Lying((1, 2)), Keys(a=1)])
    assert out == [1.5, 12, (1, 2), {"a": 1}]
    assert [type(v) for v in out] == [float, int, tuple, dict]


def test_self_referencing_containers_are_cut_not_followed():
    a = []
    a.append(a)
    a.append(a)  # 2**depth paths if followed naively
    out = roundtrip(a)
    assert isinstance(out[0], Opaque) and "contains itself" in out[0].summary


def test_very_deep_nesting_becomes_opaque():
    value = 0
    for _ in range(100):
        value = [value]
    out = roundtrip(value)
    depth = 0
    while isinstance(out, list):
        out, depth = out[0], depth + 1
    assert isinstance(out, Opaque) and depth <= codec.MAX_DEPTH + 1


def test_huge_trees_are_cut(monkeypatch):
    monkeypatch.setattr(codec, "MAX_NODES", 50)
    out = roundtrip(list(range(200)))
    assert len(out) == 200
    assert isinstance(out[-1], Opaque) and "too large" in out[-1].summary


# ------------------------------------------------------------------ opaque objects

def test_unknown_objects_become_opaque_descriptions():
    class Thing:
        def __repr__(self):
            return "<thing " + "x" * 500 + ">"

    out = roundtrip(Thing())
    assert isinstance(out, Opaque)
    assert out.type_name.endswith("Thing")
    assert out.summary.startswith("<thing") and len(out.summary) <= 120


def test_hostile_objects_are_described_without_running_their_code_in_the_reader(tmp_path):
    mark = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            mark.write_text("reduce")
            return (print, ("pwned",))

        def __repr__(self):
            raise RuntimeError("repr bomb")

        def __getattr__(self, name):
            raise RuntimeError("getattr bomb")

    out = roundtrip({"x": Evil(), "y": [Evil()]})
    assert isinstance(out["x"], Opaque) and out["x"].summary == "<unprintable>"
    assert isinstance(out["y"][0], Opaque)
    assert not mark.exists()


def test_object_and_other_non_numeric_arrays_are_not_transported():
    for arr in (np.array([object(), 1], dtype=object), np.array(["a", "b"]),
                np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]), np.array(["2020-01-01"], dtype="M8[D]")):
        out = roundtrip(arr)
        assert isinstance(out, Opaque), arr.dtype
        assert out.type_name == "numpy.ndarray"


def test_grader_side_types_roundtrip():
    out = roundtrip([AsTensor(np.ones(2), True), Ref(3, (0, "W1")), Opaque("T", "s"),
                     TensorInfo(np.zeros((2, 2), np.float32), "float32", True, "MmBackward0")])
    assert isinstance(out[0], AsTensor) and out[0].requires_grad and np.array_equal(out[0].value, np.ones(2))
    assert out[1] == Ref(3, (0, "W1"))
    assert out[2] == Opaque("T", "s")
    assert isinstance(out[3], TensorInfo) and out[3].shape == (2, 2) and out[3].grad_fn == "MmBackward0"


def test_hooks_turn_refs_and_tensors_into_live_values():
    out = roundtrip([Ref(1, (2,)), AsTensor(np.arange(3.0), False)],
                    resolve_ref=lambda h, i: ("resolved", h, i), make_tensor=lambda v, rg: ("tensor", v.sum(), rg))
    assert out == [("resolved", 1, (2,)), ("tensor", 3.0, False)]


def test_torch_tensors_are_described_with_autograd_facts():
    torch = pytest.importorskip("torch")
    x = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
    out = roundtrip([x, (x * 2).sum(), torch.zeros(2, dtype=torch.bfloat16)])
    assert isinstance(out[0], TensorInfo) and out[0].requires_grad and out[0].grad_fn is None
    assert out[0].dtype == "float64" and np.array_equal(out[0].value, np.ones((2, 3)))
    assert out[1].shape == () and out[1].grad_fn == "SumBackward0" and float(out[1].value) == 12.0
    assert out[2].dtype == "bfloat16" and out[2].value.dtype == np.float32


# ------------------------------------------------------------------ refusing bad input

def test_object_dtype_in_a_forged_message_is_refused():
    buf = np.array([1, 2], dtype=np.int64).tobytes()
    for dtype in ("|O", "O", "i4,O", "V16", "<U2", "M8[s]"):
        with pytest.raises(ValueError):
            codec.decode_message(forged({"t": "nd", "dtype": dtype, "shape": [2], "buf": 0}, [buf]))


def test_unknown_tags_are_refused():
    with pytest.raises(ValueError, match="unknown tag"):
        codec.decode_message(forged({"t": "pickle", "v": "gASV"}))
    with pytest.raises(ValueError, match="unknown tag"):
        codec.decode_message(forged({"t": "list", "items": [{"t": "eval", "v": "1+1"}]}))


@pytest.mark.parametrize("tree, buffers", [
    ({"t": "nd", "dtype": "<f8", "shape": [3], "buf": 0}, [b"\0" * 16]),          # buffer too short
    ({"t": "nd", "dtype": "<f8", "shape": [-1], "buf": 0}, [b"\0" * 16]),         # negative shape
    ({"t": "nd", "dtype": "<f8", "shape": [2], "buf": 5}, [b"\0" * 16]),          # no such buffer
    ({"t": "nd", "dtype": "<f8", "shape": [2], "buf": -1}, [b"\0" * 16]),         # negative index
    ({"t": "v", "v": {"raw": "json"}}, []),                                        # not a plain value
    ({"t": "int", "v": "zz"}, []),
    ({"t": "float", "v": "1.0; import os"}, []),
], ids=["short", "negative-shape", "no-buffer", "negative-index", "raw-json", "bad-int", "bad-float"])
def test_malformed_messages_raise_value_error(tree, buffers):
    with pytest.raises(ValueError):
        codec.decode_message(forged(tree, buffers))


def test_truncated_message_is_refused():
    data = codec.encode_message(np.arange(10.0))
    with pytest.raises((ValueError, struct.error)):
        codec.decode_message(data[:-8])


def test_frames_roundtrip_through_a_stream_and_refuse_oversize():
    stream = io.BytesIO()
    codec.write_message(stream, {"op": "call", "args": [np.eye(2)]})
    stream.write(struct.pack("<Q", codec.MAX_FRAME_BYTES + 1))
    stream.seek(0)
    msg = codec.decode_message(codec.read_frame(stream))
    assert msg["op"] == "call" and np.array_equal(msg["args"][0], np.eye(2))
    with pytest.raises(ValueError, match="too large"):
        codec.read_frame(stream)


def test_stream_ending_inside_a_frame_raises_and_between_frames_is_none():
    with pytest.raises(EOFError):
        codec.read_frame(io.BytesIO(struct.pack("<Q", 100) + b"short"))
    with pytest.raises(EOFError):
        codec.read_frame(io.BytesIO(b"\x01\x00"))
    assert codec.read_frame(io.BytesIO(b"")) is None


# ------------------------------------------------------------------ functions

def test_a_function_crosses_only_as_a_stand_in():
    # A kata's helper file may hold exact gradients: neither the function's code nor its
    # source may reach the sandbox. A call hands over a numbered stand-in the grader evaluates.
    def scaled(x, SECRET="exact gradient"):
        return 3.0 * x

    sent = codec.AsFunction(scaled, "f")
    handed: list = []
    data = codec.encode_message({"args": [sent]}, callbacks=handed)
    assert handed == [sent] and b"SECRET" not in data and b"exact gradient" not in data
    built = codec.decode_message(data, make_function=lambda key, name: ("stand-in", key, name))
    assert built == {"args": [("stand-in", 0, "f")]}
    with pytest.raises(ValueError):  # only inside a call
        codec.encode_message({"args": [sent]})


def test_a_check_can_hand_learner_code_a_function_the_grader_evaluates(tmp_path):
    from grader.sandbox import LearnerProcess

    evaluated = []

    def cube_sum(x):
        evaluated.append(x.shape)
        return float(np.sum(x ** 3))

    (tmp_path / "m.py").write_text("import inspect\n"
                                   "def apply(f, x):\n    return f(x)\n"
                                   "def source(f):\n    try:\n        return inspect.getsource(f)\n"
                                   "    except (OSError, TypeError) as e:\n        return type(e).__name__\n"
                                   "def bad(f):\n    try:\n        return f('not numbers')\n"
                                   "    except ValueError as e:\n        return str(e)\n")
    with LearnerProcess("part6", tmp_path / "m.py", tmp_path, "numpy", timeout=5) as process:
        process.load()
        x = np.array([1.0, 2.0])
        assert process.call("apply", codec.AsFunction(cube_sum, "f"), x).value == 9.0
        assert evaluated == [(2,)]  # computed here, in the grader
        assert "cube_sum" not in str(process.call("source", codec.AsFunction(cube_sum, "f")).value)
        assert "failed on the arguments your code gave it" in process.call("bad", codec.AsFunction(cube_sum, "f")).value
