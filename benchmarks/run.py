"""Speed targets of backprop-katas, measured as ratios in one run.

    python benchmarks/run.py [--repeat N] [--quick] [--json] [--threads K]

What is measured (wall clock, time.perf_counter, median of N samples):

1. `kata grade part2 -w WS` vs `python -c "import numpy, click, jinja2"`   target <= 3x
   WS is a fresh `kata init` workspace with the reference part2 copied in.
   Grading starts two interpreters (the CLI and the sandbox child) that both
   import NumPy, so the baseline is the cheapest process that imports the same
   libraries once.
2. `kata grade part5 -w WS` vs `python -c "import torch"`                  target <= 1.6x
   The sandbox child must import torch; everything else should hide under it.
   A context row (no target) uses `import torch; os._exit(0)` as the baseline:
   the sandbox child exits with os._exit, so it never pays torch's interpreter
   teardown, which the plain `import torch` baseline does (a few tenths of a second).
3. `kata --help`, absolute                                                 target <= 0.25 s
   Also shown as a ratio to `python -c pass` (bare interpreter start-up).
5. The sandbox's own cost per kata: one part2 sandbox started, loaded, called once
   and closed (grader.sandbox.LearnerProcess), in namespaces vs as a plain child
   process (the cold path without isolation), interleaved in a worker process
                                                                          target <= +20 ms
   Reported as a ratio and as the median of the per-round differences. (The
   whole `kata grade part2` in each mode is shown as context.)
4. In-process compute at B=64, D=128, H=256, C=10, float32:                target <= 1.0x
   reference NumPy mlp_forward + mlp_backward (solutions/part4) vs torch
   autograd (solutions/part5: leaves built once outside the timing; each
   iteration clears .grad, runs torch_mlp_loss and loss.backward()).
   Both run in a separate worker process with --threads BLAS/OpenMP threads
   (default 1, as in the grader's sandbox, which sets OMP/OPENBLAS/MKL_NUM_THREADS=1;
   torch.set_num_threads is set to the same number). Each sample is a timeit-style
   loop of many iterations; the time per iteration is reported.
   A context row (no target) times part5's full autograd_gradients, which adds
   the NumPy->torch copies and .numpy() views to the same compute.

Why ratios: this machine is shared and noisy, so absolute times drift from run
to run. Each target compares a command against a baseline measured in the same
run, and the commands are interleaved round-robin (A, B, C, A, B, C, ...) so a
noisy stretch slows every command alike. The one absolute target (--help) is
shown next to the bare interpreter start-up for the same reason.

Grading uses a fixed --seed so every repeat does the same work. Nothing here
imports numpy or torch in this process; the compute worker does.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
SEED = "12345"
SHAPES = {"B": 64, "D": 128, "H": 256, "C": 10}
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# -- environment ---------------------------------------------------------------

def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _bytecode_cached(source: Path) -> str:
    """Whether the grader's own .pyc exists (if not, every run compiles it from source)."""
    try:
        return "yes" if Path(importlib.util.cache_from_source(str(source))).is_file() else "no"
    except NotImplementedError:
        return "unknown"


def environment() -> dict:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "python": f"{platform.python_version()} ({sys.executable})",
        "numpy": _version("numpy"),
        "torch": _version("torch"),
        "click": _version("click"),
        "jinja2": _version("jinja2"),
        "nproc": affinity,
        "cpu_count": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(not set)"),
        "thread env": {k: os.environ[k] for k in THREAD_VARS if k in os.environ} or "(none set)",
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", "(not set)"),
        "grader bytecode cached": _bytecode_cached(ROOT / "grader" / "cli.py"),
        "platform": platform.platform(),
    }


# -- commands ------------------------------------------------------------------

def kata_argv() -> list[str]:
    """The `kata` console script next to this interpreter, else `python -m grader`."""
    script = Path(sys.executable).with_name("kata")
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "grader"]


def make_workspace(parent: Path) -> Path:
    """`kata init` a workspace, then overwrite the part2 and part5 stubs with the references."""
    ws = parent / "ws"
    subprocess.run(kata_argv() + ["init", str(ws)], check=True, stdout=subprocess.DEVNULL)
    for name in ("part2_linear_backward.py", "part5_torch_autograd.py"):
        shutil.copyfile(SOLUTIONS / name, ws / name)
    return ws


PROCESS_ONLY = {"KATA_ISOLATION": "process"}


def command_set(ws: Path) -> dict[str, list[str] | tuple[list[str], dict]]:
    """name -> argv, or (argv, extra environment)."""
    py, kata = sys.executable, kata_argv()
    return {
        "grade part2": kata + ["grade", "part2", "-w", str(ws), "--seed", SEED],
        "grade part2 (process only)": (kata + ["grade", "part2", "-w", str(ws), "--seed", SEED], PROCESS_ONLY),
        "import numpy, click, jinja2": [py, "-c", "import numpy, click, jinja2"],
        "grade part5": kata + ["grade", "part5", "-w", str(ws), "--seed", SEED],
        "import torch": [py, "-c", "import torch"],
        "import torch; os._exit(0)": [py, "-c", "import os, torch; os._exit(0)"],
        "kata --help": kata + ["--help"],
        "python -c pass": [py, "-c", "pass"],
    }


def run_once(argv, env: dict) -> float:
    """Wall time of one run; a failing command aborts the benchmark (it would time the wrong thing)."""
    if isinstance(argv, tuple):
        argv, extra = argv
        env = {**env, **extra}
    start = time.perf_counter()
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stdout.decode(errors="replace")[-2000:]
        raise SystemExit(f"command failed (exit {proc.returncode}): {' '.join(argv)}\n{tail}")
    return elapsed


def time_commands(commands: dict[str, list[str]], repeat: int, log) -> dict[str, list[float]]:
    """One untimed warm-up each (page cache), then `repeat` round-robin rounds."""
    env = dict(os.environ)
    env.pop("KATA_WORKSPACE", None)
    for argv in commands.values():
        run_once(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for r in range(repeat):
        for name, argv in commands.items():
            samples[name].append(run_once(argv, env))
        log(f"  round {r + 1}/{repeat} done")
    return samples


# -- in-process compute (runs in a worker process) -----------------------------

def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _per_iteration(fn, loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - start) / loops


def _loops_for(fn, min_time: float) -> int:
    """Like timeit.autorange: the smallest 1-2-5 loop count lasting at least min_time."""
    fn()  # warm-up
    n = 1
    while True:
        for mult in (1, 2, 5):
            loops = n * mult
            start = time.perf_counter()
            for _ in range(loops):
                fn()
            if time.perf_counter() - start >= min_time:
                return loops
        n *= 10


def compute_worker(repeat: int, min_time: float, threads: int) -> dict:
    """Time the NumPy reference and torch autograd, interleaved; print-ready dict."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    part4 = _load(SOLUTIONS / "part4_mlp_backward.py")
    part5 = _load(SOLUTIONS / "part5_torch_autograd.py")

    B, D, H, C = SHAPES["B"], SHAPES["D"], SHAPES["H"], SHAPES["C"]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((B, D)).astype(np.float32)
    y = rng.integers(0, C, size=B).astype(np.int64)
    params = {"W1": (rng.standard_normal((D, H)) * D ** -0.5).astype(np.float32),
              "b1": np.zeros(H, np.float32),
              "W2": (rng.standard_normal((H, C)) * H ** -0.5).astype(np.float32),
              "b2": np.zeros(C, np.float32)}

    def numpy_step():
        _, cache = part4.mlp_forward(X, y, params)
        return part4.mlp_backward(cache)

    X_t = torch.tensor(X, requires_grad=True)
    y_t = torch.tensor(y)
    params_t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    leaves = [X_t, *params_t.values()]

    def torch_step():
        for leaf in leaves:
            leaf.grad = None
        part5.torch_mlp_loss(X_t, y_t, params_t).backward()

    def torch_full():
        return part5.autograd_gradients(X, y, params)

    # Same maths: the two sides must agree before their speed means anything.
    torch_step()
    expected = numpy_step()
    for name, leaf in zip(("X", "W1", "b1", "W2", "b2"), leaves):
        assert np.allclose(expected[name], leaf.grad.numpy(), rtol=1e-4, atol=1e-6), name

    fns = {"numpy fwd+bwd": numpy_step, "torch fwd+bwd": torch_step, "torch autograd_gradients": torch_full}
    loops = {name: _loops_for(fn, min_time) for name, fn in fns.items()}
    samples = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            samples[name].append(_per_iteration(fn, loops[name]))
    return {"samples": samples, "loops": loops, "threads": threads,
            "torch_threads": torch.get_num_threads(), "numpy_config": _blas_name(np)}


def _blas_name(np) -> str:
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: not worth failing the benchmark over
        return "unknown"


def time_compute(repeat: int, min_time: float, threads: int) -> dict:
    env = dict(os.environ)
    env.update({k: str(threads) for k in THREAD_VARS})
    argv = [sys.executable, str(Path(__file__).resolve()), "--compute-worker",
            "--repeat", str(repeat), "--min-time", str(min_time), "--threads", str(threads)]
    out = subprocess.run(argv, check=True, stdout=subprocess.PIPE, env=env).stdout
    return json.loads(out)


# -- summary -------------------------------------------------------------------

def summarize(samples: list[float]) -> dict:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def row(name, samples, baseline_name=None, baseline=None, target=None, absolute=None, unit="s", extra=None):
    """One table row; `target` is a ratio limit, `absolute` a limit on the median itself,
    `extra` a limit on the median per-round difference from the baseline (seconds)."""
    s = summarize(samples)
    r = {"measurement": name, "unit": unit, **s}
    if baseline is not None:
        b = summarize(baseline)
        r.update(baseline=baseline_name, baseline_median=b["median"], ratio=s["median"] / b["median"],
                 ratio_paired=statistics.median(a / c for a, c in zip(samples, baseline)),
                 extra_paired=statistics.median(a - c for a, c in zip(samples, baseline)))
    if extra is not None:
        r.update(target=f"<= +{extra * 1000:g} ms", met=r["extra_paired"] <= extra)
    if target is not None:
        r.update(target=f"<= {target:g}x", met=r["ratio"] <= target)
    if absolute is not None:
        r.update(target=f"<= {absolute:g} {unit}", met=s["median"] <= absolute)
    return r


def sandbox_worker(repeat: int) -> dict:
    """Start, load, call once and close a part2 sandbox at each level, interleaved."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from grader.sandbox import LearnerProcess
    from grader.sandbox.isolation import detect

    levels = {"namespaces": detect("namespaces"), "process": detect("process")}
    module = SOLUTIONS / "part2_linear_backward.py"
    A, W, b = np.ones((7, 5)), np.ones((5, 3)), np.zeros(3)
    samples = {name: [] for name in levels}
    for i in range(repeat + 2):  # two warm-up rounds
        for name, isolation in levels.items():
            start = time.perf_counter()
            with LearnerProcess("part2", module, SOLUTIONS, "numpy", isolation=isolation) as process:
                process.load()
                process.call("linear_forward", A, W, b)
            if i >= 2:
                samples[name].append(time.perf_counter() - start)
    return samples


def time_sandbox(repeat: int) -> dict | None:
    argv = [sys.executable, str(Path(__file__).resolve()), "--sandbox-worker", "--repeat", str(3 * repeat)]
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if done.returncode != 0:  # no namespaces on this machine: nothing to compare
        print(done.stderr.decode(errors="replace")[-500:], file=sys.stderr)
        return None
    return json.loads(done.stdout)


def build_rows(cmd: dict[str, list[float]], comp: dict | None, sandbox: dict | None = None) -> list[dict]:
    rows = [
        row("1. kata grade part2", cmd["grade part2"], "import numpy, click, jinja2",
            cmd["import numpy, click, jinja2"], target=3.0),
        row("2. kata grade part5", cmd["grade part5"], "import torch", cmd["import torch"], target=1.6),
        # The sandbox child leaves with os._exit, skipping torch's slow interpreter teardown that the
        # plain `import torch` baseline pays; this row compares like with like.
        row("   (context) kata grade part5", cmd["grade part5"], "import torch; os._exit(0)",
            cmd["import torch; os._exit(0)"]),
        row("3. kata --help", cmd["kata --help"], "python -c pass", cmd["python -c pass"], absolute=0.25),
        row("   (context) kata grade part2, namespaces", cmd["grade part2"], "kata grade part2, process only",
            cmd["grade part2 (process only)"]),
    ]
    if sandbox is not None:
        rows.append(row("5. sandbox per kata, namespaces", sandbox["namespaces"], "plain child process",
                        sandbox["process"], extra=0.020))
    if comp is not None:
        s = comp["samples"]
        rows.append(row("4. NumPy ref fwd+bwd (part4)", s["numpy fwd+bwd"], "torch autograd fwd+bwd (part5)",
                        s["torch fwd+bwd"], target=1.0, unit="us"))
        rows.append(row("   (context) part5 autograd_gradients", s["torch autograd_gradients"],
                        "torch autograd fwd+bwd (part5)", s["torch fwd+bwd"], unit="us"))
    return rows


def _fmt_time(seconds: float, unit: str) -> str:
    return f"{seconds * 1e6:.1f} us" if unit == "us" else f"{seconds:.3f} s"


def markdown(env: dict, rows: list[dict], comp: dict | None, repeat: int) -> str:
    lines = ["## Environment", ""]
    lines += [f"- {k}: {v}" for k, v in env.items()]
    if comp is not None:
        lines.append(f"- compute worker: {comp['threads']} BLAS/OpenMP thread(s), torch.get_num_threads()="
                     f"{comp['torch_threads']}, numpy BLAS: {comp['numpy_config']}, "
                     f"loops per sample: {comp['loops']}")
    lines += ["", f"## Results (median of {repeat}, round-robin interleaved)", "",
              "| measurement | median [min–max] | baseline | baseline median | ratio (paired) | target | met |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        u = r["unit"]
        spread = f"{_fmt_time(r['median'], u)} [{_fmt_time(r['min'], u)}–{_fmt_time(r['max'], u)}]"
        base = r.get("baseline", "")
        bmed = _fmt_time(r["baseline_median"], u) if "baseline_median" in r else ""
        ratio = f"{r['ratio']:.2f}x ({r['ratio_paired']:.2f}x)" if "ratio" in r else ""
        if "extra_paired" in r and u == "s":
            ratio += f", {r['extra_paired'] * 1000:+.0f} ms"
        met = {True: "yes", False: "**NO**"}.get(r.get("met"), "")
        lines.append(f"| {r['measurement']} | {spread} | {base} | {bmed} | {ratio} | {r.get('target', '')} | {met} |")
    lines += ["", "ratio = median / baseline median; (paired) = median of per-round ratios."]
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=None, help="samples per measurement (default 7, --quick 3)")
    p.add_argument("--quick", action="store_true", help="fewer repeats and shorter compute loops (a smoke run)")
    p.add_argument("--json", action="store_true", help="print JSON (environment, rows, raw samples) instead")
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch threads for target 4 (default 1)")
    p.add_argument("--skip-compute", action="store_true", help="only the command-line targets 1-3")
    p.add_argument("--compute-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--sandbox-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--min-time", type=float, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat is None:
        args.repeat = 3 if args.quick else 7
    if args.min_time is None:
        args.min_time = 0.05 if args.quick else 0.2
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.compute_worker:
        print(json.dumps(compute_worker(args.repeat, args.min_time, args.threads)))
        return
    if args.sandbox_worker:
        print(json.dumps(sandbox_worker(args.repeat)))
        return
    log = (lambda m: print(m, file=sys.stderr, flush=True))
    env = environment()
    with tempfile.TemporaryDirectory(prefix="kata-bench-") as tmp:
        ws = make_workspace(Path(tmp))
        log(f"timing commands ({args.repeat} rounds)…")
        cmd = time_commands(command_set(ws), args.repeat, log)
    comp = None
    if not args.skip_compute:
        log("timing in-process compute…")
        comp = time_compute(args.repeat, args.min_time, args.threads)
    log("timing the sandbox per kata…")
    sandbox = time_sandbox(args.repeat)
    rows = build_rows(cmd, comp, sandbox)
    if args.json:
        print(json.dumps({"environment": env, "repeat": args.repeat, "rows": rows,
                          "command_samples": cmd, "compute": comp, "sandbox": sandbox}, indent=2))
    else:
        print(markdown(env, rows, comp, args.repeat))


if __name__ == "__main__":
    main()
