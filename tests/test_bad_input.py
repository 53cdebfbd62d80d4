"""Whatever a learner's file does, grading neither crashes, hangs nor reports a pass.

Each test writes a small `part2_linear_backward.py` into a fresh workspace and
grades kata part2 (in-process through `grade_kata`, a few through the CLI). The
assertions are on the message in the learner's terms.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from grader import reporting as reports
from grader.sandbox.codec import AsTensor, TensorInfo
from grader.grading.engine import grade_kata
from grader.model.results import ERROR, FAIL, PASS, GradeReport
from grader.sandbox import LearnerFault, LearnerProcess
from grader.workspace.state import STATE_FILE
from processes import leftovers, marker

GOOD = """
import numpy as np

def linear_forward(A, W, b):
    return A @ W + b

def linear_backward(dZ, A, W):
    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
"""

HANG_TIMEOUT = 1.0   # seconds of learner time for the tests that must hit the limit
SMALL_MEMORY = 200   # MiB, for the tests that must hit the memory limit quickly


@pytest.fixture
def grade(learner_workspace):
    """grade(source, **kw) -> KataResult for part2, with `.ws`, `.elapsed` and `.text` (the text report)."""
    def run(source, timeout=10.0, memory_mb=None, seed=7, kata_id="part2"):
        kata, ws = learner_workspace(kata_id, source)
        kwargs = {} if memory_mb is None else {"memory_mb": memory_mb}
        started = time.monotonic()
        result = grade_kata(kata, ws, seed=seed, timeout=timeout, **kwargs)
        result.elapsed = time.monotonic() - started
        result.ws = ws
        result.text = reports.render(GradeReport([result], seed, str(ws)), "text")
        return result
    return run


@pytest.fixture
def cli(tmp_path):
    """cli(*args) runs `python -m grader ...` as a learner would; returns the CompletedProcess."""
    env = {k: v for k, v in os.environ.items() if k != "KATA_WORKSPACE"}
    env["NO_COLOR"] = "1"

    def run(*args, timeout=60):
        return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=timeout)
    return run


def everything(result) -> str:
    """All the learner-facing words of a result: fatal message, check messages and details."""
    parts = [result.fatal or ""]
    for c in result.checks:
        parts += [c.message, *c.details]
    return "\n".join(parts)


def failing(result, status=None):
    return [c for c in result.checks if c.status != PASS and (status is None or c.status == status)]


def assert_not_passed(result):
    assert not result.passed
    assert result.status != "passed"
    assert failing(result), "a bad file must leave at least one failing check"




# ----------------------------------------------------------------- sanity

def test_a_correct_file_passes(grade):
    result = grade(GOOD)
    assert result.passed, everything(result)


# ----------------------------------------------------------------- loading

def test_syntax_error_names_file_and_line(grade):
    result = grade("""
        import numpy as np

        def linear_forward(A, W, b) return A @ W + b
        """)
    assert_not_passed(result)
    assert result.fatal.startswith("syntax error in part2_linear_backward.py, line 3")
    assert "(part2_linear_backward.py, line 3)" not in result.fatal  # not said twice
    assert "def linear_forward(A, W, b) return A @ W + b" in everything(result)


def test_indentation_error_is_a_syntax_error(grade):
    result = grade("""
        def linear_forward(A, W, b):
        return A @ W + b
        """)
    assert "syntax error in part2_linear_backward.py, line 2" in result.fatal


def test_missing_function(grade):
    result = grade("""
        def linear_forward(A, W, b):
            return A @ W + b
        """)
    assert_not_passed(result)
    assert "has no function linear_backward()" in result.fatal


def test_untouched_stub_is_not_implemented_yet(grade):
    result = grade(None)
    assert_not_passed(result)
    assert result.status == "not-implemented"
    assert set(result.not_implemented) == {"linear_forward", "linear_backward"}
    assert "not implemented yet" in result.text


def test_exception_shows_learner_frames_only(grade):
    result = grade("""
        import numpy as np

        def helper(A):
            return A["x"]

        def linear_forward(A, W, b):
            return helper(A) @ W + b

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """)
    assert_not_passed(result)
    check = failing(result, ERROR)[0]
    assert "in linear_forward() raised IndexError" in check.message
    assert check.details == ["part2_linear_backward.py:7 in linear_forward: return helper(A) @ W + b",
                             "part2_linear_backward.py:4 in helper: return A[\"x\"]"]
    # No grader frames (or paths) anywhere in what the learner reads.
    for word in ("child.py", "sandbox.py", "engine.py", "grader/", "Traceback"):
        assert word not in result.text


def test_exception_at_import(grade):
    result = grade("""
        import numpy as np
        SCALE = 1 / 0
        """)
    assert_not_passed(result)
    assert "while importing part2_linear_backward.py raised ZeroDivisionError" in result.fatal
    assert "part2_linear_backward.py:2 in <module>: SCALE = 1 / 0" in everything(result)


def test_exception_with_unprintable_message(grade):
    result = grade("""
        class Weird(Exception):
            def __str__(self):
                raise RuntimeError("no")

        def linear_forward(A, W, b):
            raise Weird()

        def linear_backward(dZ, A, W):
            raise Weird()
        """)
    assert_not_passed(result)
    assert "raised Weird" in everything(result)


# ----------------------------------------------------------------- wrong results

@pytest.mark.parametrize("body, words", [
    ("return (dZ @ W.T, A.T @ dZ)", "3 values, got 2"),                              # arity
    ("return dZ @ W.T", "tuple"),                                                     # not a tuple
    ("return [(dZ @ W.T).tolist(), (A.T @ dZ).tolist(), dZ.sum(0).tolist()]", "NumPy array"),  # type
    ("return None", "None"),
    ("pass", "None"),                                                                 # forgot return
], ids=["arity", "not-a-tuple", "lists", "none", "no-return"])
def test_wrong_return_type_or_arity(grade, body, words):
    result = grade(f"""
        import numpy as np

        def linear_forward(A, W, b):
            return A @ W + b

        def linear_backward(dZ, A, W):
            {body}
        """)
    assert_not_passed(result)
    assert any(words in c.message for c in failing(result)), everything(result)


def test_nan_and_inf_fail(grade):
    result = grade("""
        import numpy as np

        def linear_forward(A, W, b):
            return A @ W + b

        def linear_backward(dZ, A, W):
            dA, dW = dZ @ W.T, A.T @ dZ
            dA[0, 0] = np.nan
            dW[0, 0] = np.inf
            return dA, dW, dZ.sum(axis=0)
        """)
    assert_not_passed(result)
    text = everything(result).lower()
    assert "nan" in text and "inf" in text


# ----------------------------------------------------------------- time limit

def test_endless_loop_hits_time_limit_and_shows_where(grade):
    result = grade("""
        import numpy as np

        def linear_forward(A, W, b):
            while True:
                pass

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """, timeout=HANG_TIMEOUT)
    assert_not_passed(result)
    assert result.fatal.startswith("time limit reached in linear_forward()")
    # Stopped on the loop's line or its body, whichever was running.
    assert re.search(r"part2_linear_backward.py:(4 in linear_forward: while True:|5 in linear_forward: pass)",
                     everything(result)), everything(result)
    assert result.elapsed < HANG_TIMEOUT + 3


def test_slow_import_hits_time_limit(grade):
    result = grade("""
        import time
        time.sleep(60)
        """, timeout=HANG_TIMEOUT)
    assert_not_passed(result)
    assert result.fatal.startswith("time limit reached while importing part2_linear_backward.py")
    assert "part2_linear_backward.py:2 in <module>: time.sleep(60)" in everything(result)
    assert result.elapsed < HANG_TIMEOUT + 3


def test_time_limit_is_a_total_over_all_calls(grade):
    # Each call is fast enough on its own; together they exceed the limit.
    result = grade("""
        import time
        import numpy as np

        def linear_forward(A, W, b):
            time.sleep(0.2)
            return A @ W + b

        def linear_backward(dZ, A, W):
            time.sleep(0.2)
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """, timeout=HANG_TIMEOUT)
    assert_not_passed(result)
    assert "time limit reached" in result.fatal
    assert result.elapsed < HANG_TIMEOUT + 3


# ----------------------------------------------------------------- exits

@pytest.mark.parametrize("where", ["import", "function"])
@pytest.mark.parametrize("how", ["os._exit(0)", "sys.exit(0)", "sys.exit()", "os._exit(3)"])
def test_exit_is_reported_even_with_code_0(grade, where, how):
    call = f"import os, sys\n{how}\n"
    if where == "import":
        source = call + GOOD
    else:
        source = GOOD.replace("    return A @ W + b", f"    import os, sys\n    {how}")
    result = grade(source)
    assert_not_passed(result)
    text = everything(result)
    if how.startswith("sys.exit"):
        assert f"your code called {how}" in text
    else:
        assert "your code ended the grading process" in text and f"exit code {how[-2]}" in text
    expected_where = "while importing part2_linear_backward.py" if where == "import" else "in linear_forward()"
    assert expected_where in text


# ----------------------------------------------------------------- crashes

def test_segfault_is_reported_with_the_learner_line(grade):
    result = grade("""
        import ctypes
        import numpy as np

        def linear_forward(A, W, b):
            return ctypes.string_at(0)

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """)
    assert_not_passed(result)
    assert "segmentation fault" in result.fatal
    assert "in linear_forward()" in result.fatal
    assert "part2_linear_backward.py:5 in linear_forward: return ctypes.string_at(0)" in everything(result)
    assert "child.py" not in result.text and "Fatal Python error" not in result.text


def test_recursion_through_c_code_that_overflows_the_stack_is_a_crash(grade):
    # With a raised limit, recursion through a builtin (map) overflows the C stack: SIGSEGV.
    result = grade("""
        import sys
        import numpy as np
        sys.setrecursionlimit(10**8)

        def linear_forward(A, W, b):
            return list(map(lambda a: linear_forward(a, W, b), [A]))

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """)
    assert_not_passed(result)
    assert "segmentation fault" in result.fatal
    text = everything(result)
    assert "part2_linear_backward.py:6 in linear_forward: return list(map(" in text
    assert "lines above repeated" in text and "recursion" in text


def test_recursion_with_a_raised_limit_runs_into_the_time_limit_and_says_so(grade):
    # Pure-Python recursion does not use the C stack in 3.11+: it just runs until stopped.
    result = grade("""
        import sys
        import numpy as np
        sys.setrecursionlimit(10**8)

        def linear_forward(A, W, b):
            return linear_forward(A, W, b)

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """, timeout=HANG_TIMEOUT)
    assert_not_passed(result)
    assert result.fatal.startswith("time limit reached in linear_forward()")
    assert "unbounded recursion" in result.fatal, everything(result)


def test_unbounded_recursion(grade):
    result = grade("""
        import numpy as np

        def linear_forward(A, W, b):
            return linear_forward(A, W, b)

        def linear_backward(dZ, A, W):
            return linear_backward(dZ, A, W)
        """)
    assert_not_passed(result)
    check = failing(result, ERROR)[0]
    assert "unbounded recursion in linear_forward()" in check.message
    assert len(check.details) == 1  # the recursing line once, not a screenful
    assert check.details[0].startswith("part2_linear_backward.py:4 in linear_forward: return linear_forward(A, W, b)")
    assert "repeated" in check.details[0]


@pytest.mark.parametrize("how", ["raise KeyboardInterrupt", "os.kill(os.getpid(), signal.SIGINT); time.sleep(1)"],
                         ids=["raise", "sigint"])
def test_keyboard_interrupt_from_learner_code(grade, how):
    result = grade(f"""
        import os, signal, time
        import numpy as np

        def linear_forward(A, W, b):
            {how}

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """)
    assert_not_passed(result)
    assert "your code raised KeyboardInterrupt in linear_forward()" in everything(result)


def test_sigint_arriving_between_calls_is_still_the_learners_keyboard_interrupt(grade):
    # A timer thread interrupts the process after linear_forward has returned.
    result = grade("""
        import os, signal, threading, time
        import numpy as np

        def linear_forward(A, W, b):
            threading.Timer(0.01, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
            return A @ W + b

        def linear_backward(dZ, A, W):
            time.sleep(0.05)
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """)
    assert_not_passed(result)
    assert "KeyboardInterrupt" in everything(result)
    assert "died" not in everything(result) and "internal grader error" not in everything(result)
    assert "your code raised KeyboardInterrupt in linear_" in everything(result)


def test_harness_survives_learner_replacing_stdout_and_module_hooks(grade):
    result = grade("""
        import sys
        import numpy as np

        def __getattr__(name):
            raise RuntimeError("module __getattr__ bomb")

        def __dir__():
            raise RuntimeError("module __dir__ bomb")

        def linear_forward(A, W, b):
            sys.stdout = None
            sys.stderr.close()
            return A @ W + b

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """)
    assert result.passed, everything(result)


def test_keyboard_interrupt_at_import(grade):
    result = grade("raise KeyboardInterrupt\n")
    assert_not_passed(result)
    assert result.fatal == "your code raised KeyboardInterrupt while importing part2_linear_backward.py"


# ----------------------------------------------------------------- memory

def test_huge_allocation_is_out_of_memory(grade):
    result = grade("""
        import numpy as np

        def linear_forward(A, W, b):
            return np.ones((10**6, 10**6))

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """)
    assert_not_passed(result)
    assert "out of memory in linear_forward()" in result.fatal
    assert "part2_linear_backward.py:4 in linear_forward: return np.ones((10**6, 10**6))" in everything(result)


BIG_ONCE = """
import numpy as np
DONE = []

def linear_forward(A, W, b):
    if not DONE:
        DONE.append(np.ones((40, 10**6)).sum())   # 320 MB, once
    return A @ W + b

def linear_backward(dZ, A, W):
    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
"""


def test_memory_limit_is_what_stops_an_allocation(grade):
    # 320 MB is fine on this machine, so only the limit can refuse it.
    limited = grade(BIG_ONCE, memory_mb=SMALL_MEMORY)
    assert_not_passed(limited)
    assert f"out of memory in linear_forward() (limit {SMALL_MEMORY} MiB)" in limited.fatal
    roomy = grade(BIG_ONCE, memory_mb=1024)
    assert roomy.passed, everything(roomy)


@pytest.mark.parametrize("chunk", ["bytearray(10**6)", "b'x' * 1000"], ids=["1MB-chunks", "1kB-chunks"])
@pytest.mark.parametrize("scope", ["local", "global"])
def test_slowly_growing_list_is_out_of_memory(grade, chunk, scope):
    result = grade(f"""
        import numpy as np
        KEEP = []

        def linear_forward(A, W, b):
            keep = KEEP if {scope == "global"} else []
            while True:
                keep.append({chunk})

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """, memory_mb=SMALL_MEMORY)
    assert_not_passed(result)
    assert "out of memory in linear_forward()" in result.fatal, everything(result)
    assert result.elapsed < 8


def test_memory_exhausted_at_import_then_native_code_fails(grade):
    # The module keeps the whole budget; OpenBLAS then gives up with exit(1). Still "out of memory".
    result = grade("""
        import numpy as np
        KEEP = []
        try:
            while True:
                KEEP.append(bytearray(1 << 16))
        except MemoryError:
            pass

        def linear_forward(A, W, b):
            return np.ones((64, 4096)) @ np.ones((4096, 64))

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """, memory_mb=SMALL_MEMORY)
    assert_not_passed(result)
    assert "out of memory" in result.fatal, everything(result)


# ----------------------------------------------------------------- output

def test_print_flood_keeps_the_report_short(grade):
    result = grade("""
        import numpy as np
        for i in range(30000):
            print("spam " * 20, i)

        def linear_forward(A, W, b):
            print("x" * 100000)
            return A @ W + b

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """)
    assert result.passed, everything(result)  # printing is allowed; it just is not all shown
    assert result.output_truncated_bytes > 3_000_000
    assert len(result.text.encode()) < 20_000
    assert f"{result.output_truncated_bytes} more bytes not shown" in result.text
    assert result.output.startswith("spam spam")


def test_binary_garbage_on_stdout_is_harmless(grade):
    result = grade("import os\nos.write(1, bytes(range(256)) * 10)\nos.write(2, b'\\xff\\xfe\\x00')\n" + GOOD)
    assert result.passed, everything(result)
    assert "\ufffd" in result.output


# ----------------------------------------------------------------- background processes





@pytest.mark.parametrize("popen_kwargs", ["", "start_new_session=True", "start_new_session=True, env={}"],
                         ids=["same-group", "setsid", "setsid-no-env"])
@pytest.mark.parametrize("where", ["import", "function"])
def test_background_child_is_killed(grade, popen_kwargs, where):
    mark = marker()
    start = f"subprocess.Popen(['sleep', '{mark}'], {popen_kwargs})\n"
    if where == "import":
        source = "import subprocess\n" + start + GOOD
    else:
        source = "STARTED = []\n" + GOOD.replace("    return A @ W + b",
                                                 "    import subprocess\n"
                                                 "    if not STARTED:\n"
                                                 "        STARTED.append(1)\n"
                                                 f"        {start}"
                                                 "    return A @ W + b")
    result = grade(source)
    assert result.passed, everything(result)  # leaving a process behind is not a failure in itself
    assert not leftovers(mark), "a background process survived grading"
    # It held the output pipe open; grading did not wait for it.
    assert result.elapsed < 3


def test_background_daemon_after_learner_exit_does_not_hang_grading(grade):
    # A double-forked daemon with no environment, whose parent then exits. Without a PID
    # namespace or a uid of its own it leaves every tree the grader can trace; grading
    # must still finish promptly even though the daemon holds the output pipe, and
    # with isolation nothing of it survives.
    from grader.sandbox.isolation import current_isolation

    mark = marker()
    result = grade(f"""
        import os, subprocess
        subprocess.Popen(["sh", "-c", "sleep {mark} &"], start_new_session=True, env={{}}).wait()
        os._exit(0)
        """)
    try:
        assert_not_passed(result)
        assert "exit code 0" in result.fatal
        assert result.elapsed < 4
        if current_isolation().isolated:
            assert not leftovers(mark)
    finally:
        for pid in leftovers(mark):
            os.kill(pid, signal.SIGKILL)


def test_time_limit_kills_the_learners_children_too(grade):
    mark = marker()
    result = grade(f"""
        import subprocess, time
        import numpy as np

        def linear_forward(A, W, b):
            p = subprocess.Popen(["sleep", "{mark}"], start_new_session=True, env={{}})
            p.wait()

        def linear_backward(dZ, A, W):
            return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
        """, timeout=HANG_TIMEOUT)
    assert "time limit reached in linear_forward()" in result.fatal
    assert not leftovers(mark)


# ----------------------------------------------------------------- the learner's files

def snapshot(folder: Path, skip: tuple[str, ...] = ()) -> dict:
    """Every file and folder under `folder`: relative path -> (mtime_ns, bytes or None)."""
    tree = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel in skip:
            continue
        st = path.stat()
        tree[rel] = (st.st_mtime_ns, path.read_bytes() if path.is_file() else None)
    return tree


HELPER_USER = """
import numpy as np
from helpers import matmul

open("scratch.txt", "w").write("a relative path")   # lands in the sandbox, not the workspace

def linear_forward(A, W, b):
    return matmul(A, W) + b

def linear_backward(dZ, A, W):
    return matmul(dZ, W.T), matmul(A.T, dZ), dZ.sum(axis=0)
"""


def test_grading_never_writes_to_the_workspace(learner_workspace):
    kata, ws = learner_workspace("part2", HELPER_USER)
    (ws / "helpers.py").write_text("def matmul(a, b):\n    return a @ b\n")
    before = snapshot(ws)
    time.sleep(0.01)  # let a write show up in mtimes
    result = grade_kata(kata, ws, seed=3, timeout=10)
    assert result.passed, everything(result)
    assert snapshot(ws) == before
    assert not list(ws.rglob("__pycache__")) and not list(ws.rglob("*.pyc"))
    assert not (ws / "scratch.txt").exists()


def test_cli_grading_writes_only_its_progress_file(learner_workspace, cli):
    kata, ws = learner_workspace("part2", HELPER_USER)
    (ws / "helpers.py").write_text("def matmul(a, b):\n    return a @ b\n")
    before = snapshot(ws, skip=(STATE_FILE,))
    out = cli("grade", "part2", "-w", ws)
    assert out.returncode == 0, out.stdout + out.stderr
    assert snapshot(ws, skip=(STATE_FILE,)) == before


def test_workspace_files_cannot_shadow_the_harness_modules(learner_workspace):
    kata, ws = learner_workspace("part2", GOOD)
    for name in ("resource", "json", "struct", "traceback", "codec", "signal", "ctypes"):
        (ws / f"{name}.py").write_text("raise SystemExit('shadowed')\n")
    result = grade_kata(kata, ws, seed=3, timeout=10)
    assert result.passed, everything(result)


# ----------------------------------------------------------------- hostile learner code

def test_patching_numpy_changes_nothing(grade):
    result = grade("""
        import numpy as np
        import numpy.testing

        np.allclose = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        np.array_equal = lambda *a, **k: True
        np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, bool)

        def linear_forward(A, W, b):
            return A @ W - b

        def linear_backward(dZ, A, W):
            return 2 * dZ @ W.T, -(A.T @ dZ), dZ.mean(axis=0)
        """)
    assert_not_passed(result)
    bad = {c.name for c in failing(result, FAIL)}
    assert {"forward", "backward"} <= bad


MALICIOUS = """
import os
import numpy as np

MARK = {mark!r}

class Evil:
    def __reduce__(self):
        open(MARK, "w").write("unpickled")
        return (os.system, ("touch " + MARK,))
    def __reduce_ex__(self, protocol):
        return self.__reduce__()
    def __repr__(self):
        raise RuntimeError("repr bomb")
    __str__ = __repr__
    def __eq__(self, other):
        raise RuntimeError("eq bomb")
    __hash__ = None
    def __len__(self):
        raise RuntimeError("len bomb")
    def __getattr__(self, name):
        raise RuntimeError("getattr bomb " + name)

class Number(float):
    def __repr__(self):
        return "not a number at all"

class Lying(tuple):
    def __iter__(self):
        raise RuntimeError("iter bomb")
    def __len__(self):
        return 3

def linear_forward(A, W, b):
    return Evil()

def linear_backward(dZ, A, W):
    cyclic = []
    cyclic.append(cyclic)
    return Lying((Evil(), Number(1.5), cyclic))
"""


def test_malicious_return_values_do_not_crash_the_grader(grade, tmp_path):
    mark = tmp_path / "PWNED"
    result = grade(MALICIOUS.format(mark=str(mark)))
    assert_not_passed(result)
    assert not mark.exists()
    assert "part2_linear_backward.Evil" in everything(result)
    assert "internal grader error" not in everything(result)
    for word in ("bomb", "Traceback"):
        assert word not in result.text


def test_torch_is_refused_in_numpy_parts(grade):
    result = grade("import torch\n" + GOOD)
    assert_not_passed(result)
    assert "NumPy only" in result.fatal
    assert "torch" in result.fatal
    assert any(c.name == "numpy-only" and c.status == FAIL for c in result.checks)


def test_torch_import_caught_by_the_learner_still_fails(grade):
    result = grade("try:\n    import torch\nexcept ImportError:\n    torch = None\n" + GOOD)
    assert_not_passed(result)
    check = next(c for c in result.checks if c.name == "numpy-only")
    assert check.status == FAIL and "NumPy only" in check.message


def test_torch_import_that_bypasses_the_blocker_is_still_noticed(grade):
    # Removing the blocker from sys.meta_path lets the import through; it is still reported.
    result = grade(textwrap.dedent("""
        import sys
        sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ImportBlocker"]
        import importlib
        try:
            importlib.import_module("autograd")   # not installed: no cost, same blocker path
        except ImportError:
            pass
        sys.modules["jax"] = type(sys)("jax")     # what a successful import leaves behind
        """) + GOOD)
    assert_not_passed(result)
    check = next(c for c in result.checks if c.name == "numpy-only")
    assert check.status == FAIL and "jax" in check.message


# ----------------------------------------------------------------- the sandbox directly

def test_a_stopped_child_cannot_block_a_big_request(tmp_path):
    # The learner's process freezes itself between calls; sending it 8 MB must time out, not block.
    (tmp_path / "m.py").write_text(
        "import os, signal, threading, time\n"
        "def freeze_soon():\n"
        "    threading.Thread(target=lambda: (time.sleep(0.1), os.kill(os.getpid(), signal.SIGSTOP))).start()\n"
        "def echo(x):\n"
        "    return x.shape\n")
    with LearnerProcess("part2", tmp_path / "m.py", tmp_path, "numpy", timeout=HANG_TIMEOUT) as process:
        process.load()
        process.call("freeze_soon")
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(LearnerFault) as info:
            process.call("echo", np.zeros(1 << 20))
        assert time.monotonic() - started < HANG_TIMEOUT + 2
        assert info.value.kind == "timeout" and "time limit reached in echo()" in info.value.message


def test_torch_child_works_under_the_memory_limit(tmp_path):
    (tmp_path / "m.py").write_text(
        "import torch\n"
        "def loss(x):\n"
        "    w = torch.ones(x.shape[1], 3, dtype=x.dtype, requires_grad=True)\n"
        "    return torch.nn.functional.cross_entropy(x @ w, torch.zeros(x.shape[0], dtype=torch.long))\n")
    with LearnerProcess("part5", tmp_path / "m.py", tmp_path, "torch", timeout=30, memory_mb=256) as process:
        assert "loss" in process.load()
        value = process.call("loss", AsTensor(np.ones((4, 5)))).value
    assert isinstance(value, TensorInfo)
    assert value.shape == () and value.dtype == "float64" and value.grad_fn is not None
    assert np.isclose(value.value, np.log(3))


def test_a_grader_side_start_failure_is_reported_not_raised(tmp_path, monkeypatch):
    (tmp_path / "m.py").write_text("x = 1\n")
    with LearnerProcess("part2", tmp_path / "m.py", tmp_path, "numpy", timeout=5,
                        python=str(tmp_path / "no-such-python")) as process:
        with pytest.raises(LearnerFault) as info:
            process.load()
    assert info.value.kind == "internal" and info.value.fatal
    assert "not with your code" in info.value.message


def test_a_harness_that_dies_during_start_up_is_an_internal_error(tmp_path, monkeypatch):
    from grader.sandbox import view

    fake = tmp_path / "fake"
    (fake / "grader" / "sandbox").mkdir(parents=True)
    (fake / "grader" / "__init__.py").write_text("")
    (fake / "grader" / "sandbox" / "__init__.py").write_text("")
    (fake / "grader" / "sandbox" / "child.py").write_text("print('harness exploded')\nraise SystemExit(3)\n")
    for path in (fake, *fake.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    monkeypatch.setattr(view, "harness_dir", lambda: str(fake))
    (tmp_path / "m.py").write_text("x = 1\n")
    with LearnerProcess("part2", tmp_path / "m.py", tmp_path, "numpy", timeout=5) as process:
        with pytest.raises(LearnerFault) as info:
            process.load()
    assert info.value.kind == "internal" and "did not start" in info.value.message
    assert "harness exploded" in info.value.details


# ----------------------------------------------------------------- through the CLI

def test_cli_reports_syntax_error_with_exit_1(learner_workspace, cli):
    _, ws = learner_workspace("part2", "import numpy as np\n\ndef linear_forward(A, W, b) return A\n")
    out = cli("grade", "part2", "-w", ws)
    assert out.returncode == 1
    assert "syntax error in part2_linear_backward.py, line 3" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_cli_untouched_stub_exit_1(learner_workspace, cli):
    _, ws = learner_workspace("part2")
    out = cli("grade", "part2", "-w", ws)
    assert out.returncode == 1
    assert "not implemented yet" in out.stdout


def test_cli_endless_loop_exit_1(learner_workspace, cli):
    _, ws = learner_workspace("part2", "while True:\n    pass\n")
    started = time.monotonic()
    out = cli("grade", "part2", "-w", ws, "--timeout", "1")
    assert time.monotonic() - started < 8
    assert out.returncode == 1
    assert "time limit reached while importing part2_linear_backward.py" in out.stdout


def test_cli_segfault_exit_1(learner_workspace, cli):
    _, ws = learner_workspace("part2", "import ctypes\nctypes.string_at(0)\n")
    out = cli("grade", "part2", "-w", ws)
    assert out.returncode == 1
    assert "segmentation fault" in out.stdout


def test_cli_print_flood_exit_1_and_short(learner_workspace, cli):
    _, ws = learner_workspace("part2", "import sys\nsys.stdout.write('flood ' * 1_000_000)\nraise SystemExit(0)\n")
    out = cli("grade", "part2", "-w", ws)
    assert out.returncode == 1
    assert "sys.exit(0)" in out.stdout
    assert len(out.stdout.encode()) < 20_000
    assert "more bytes not shown" in out.stdout


def test_cli_missing_workspace_exit_2(cli, tmp_path):
    out = cli("grade", "part2", "-w", tmp_path / "nowhere")
    assert out.returncode == 2
    assert "is not a kata workspace" in out.stderr


def test_calling_an_unfinished_earlier_part_names_that_part(learner_workspace):
    kata, ws = learner_workspace("part4", """
        import numpy as np
        from part1_softmax_ce import softmax_cross_entropy   # still the untouched stub

        def mlp_forward(X, y, params):
            H1 = np.maximum(X @ params["W1"] + params["b1"], 0)
            return softmax_cross_entropy(H1 @ params["W2"] + params["b2"], y)[0], None

        def mlp_backward(cache):
            raise NotImplementedError
        """)
    result = grade_kata(kata, ws, seed=1, timeout=10)
    assert not result.passed and result.status == "failed"
    message = result.checks[0].message
    assert "mlp_forward calls softmax_cross_entropy() in part1_softmax_ce.py, which is not implemented yet" in message
    assert result.not_implemented == ["mlp_backward"]


def test_a_file_python_cannot_decode_is_reported_first_at_its_line(learner_workspace):
    from grader.grading.engine import grade_kata

    kata, ws = learner_workspace("part2")
    source = GOOD.encode().replace(b"import numpy as np\n", b"import numpy as np\n\n# caf\xe9 (Latin-1)\n", 1)
    assert b"\xe9" in source
    (ws / kata.learner_file).write_bytes(source)
    result = grade_kata(kata, ws, seed=1)
    assert not result.passed and len(result.checks) == 1
    line = source[:source.index(b"\xe9")].count(b"\n") + 1
    assert f"line {line}:" in result.fatal and "Non-UTF-8 code starting with '\\xe9'" in result.fatal
    assert "has no function" not in result.fatal
