"""Grade one kata: start the sandbox, load the learner's file, run the hidden checks.

Every outcome becomes a `KataResult`; nothing the learner's code does can make
this raise, hang, or report a check as passed that did not pass.
"""
from __future__ import annotations

import ast
import contextlib
import os
import threading
import time
import traceback
from pathlib import Path

from grader.curriculum import loading
from grader.curriculum.kata import Kata
from grader.curriculum.paths import known_kata_folders
from grader.model.diagnoses import Diagnosis, diagnosis, resolve
from grader.model.problems import SUPPORTS, fold_shape_consequences, settle_supporting
from grader.model.results import ERROR, FAIL, PASS, WARN, CheckResult, KataResult, scrub
from grader.sandbox.faults import LearnerFault
from grader.sandbox.isolation import PROCESS, current_isolation
from grader.sandbox.policy import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, Limits
from grader.sandbox.process import LearnerProcess
from grader.sandbox.snapshot import Snapshot, take_snapshot
from grader.sandbox.warm import WARM_LEVELS, ZygoteError, pool


def stubbed_functions(source: str, names: list[str]) -> list[str]:
    """Functions whose body is still only `raise NotImplementedError(...)` (read with ast, never run)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    stubbed = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            if len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in ast.unparse(body[0]):
                stubbed.append(node.name)
    return stubbed


def _fault_result(kata: Kata, name: str, title: str, fault: LearnerFault, call: str | None = None,
                  seed: int | None = None, hint: int | None = None) -> CheckResult:
    """A check that the learner's code stopped (or the grader, if `fault.internal`)."""
    waiting = fault.kind == "not-implemented"
    diagnoses = [resolve(diagnosis("not-implemented", f"{fault.function or 'this function'} still raises "
                                   "NotImplementedError", function=fault.function or ""), kata)] if waiting else \
        [resolve(d, kata) for d in fault.diagnoses]
    return CheckResult(name, title, ERROR, fault.message, fault.details, call, seed, hint, diagnoses,
                       waiting=waiting, internal=fault.internal)


NUMPY_ONLY, NUMPY_ONLY_TITLE = loading.NUMPY_ONLY


def _framework_result(kata: Kata, attempts: list[str]) -> CheckResult:
    if not attempts:
        return CheckResult(NUMPY_ONLY, NUMPY_ONLY_TITLE, PASS, "no autodiff framework imported")
    return CheckResult(
        NUMPY_ONLY, NUMPY_ONLY_TITLE, FAIL,
        f"{kata.id} is NumPy only, but your code tried to import {', '.join(attempts)}",
        ["the point of this part is to derive the gradients by hand; autograd comes in the torch part"],
        diagnoses=[resolve(diagnosis("framework-import", f"{', '.join(attempts)} was imported in "
                                                         f"{kata.learner_file}"), kata)])


# Catch-all diagnoses that say less than any specific one found alongside them.
GENERIC_DIAGNOSES = {"wrong-shape", "non-finite"}


def finish_diagnoses(found: list[Diagnosis], kata: Kata, check_hint: int | None) -> list[Diagnosis]:
    """Name, explain and link to a hint each finding (once, with the kata's own
    wording); drop duplicates, and generic findings when a specific one explains
    the same failure."""
    unique: dict[str, Diagnosis] = {}
    for d in found:  # the first finding of each id wins, a proof over a supporting one
        if d.id not in unique or (unique[d.id].extra.get(SUPPORTS) and not d.extra.get(SUPPORTS)):
            unique[d.id] = d
    unique = list(unique.values())
    # A supporting finding may yet be dropped (settle_supporting): it never hides a generic one.
    if any(d.id not in GENERIC_DIAGNOSES and not d.extra.get(SUPPORTS) for d in unique):
        unique = [d for d in unique if d.id not in GENERIC_DIAGNOSES]
    return [resolve(d, kata, check_hint) for d in unique]


def run_check(process: LearnerProcess, kata: Kata, check, seed: int) -> CheckResult:
    from grader.checks.compare import UnreadableValue  # NumPy: imported only once grading starts
    from grader.checks.context import CheckContext, CheckFailed

    ctx = CheckContext(process, kata, check, seed)
    try:
        check.run(ctx)
    except CheckFailed as failure:
        return CheckResult(check.name, check.title, FAIL, failure.message, failure.details,
                           ctx.last_call, seed, check.hint, finish_diagnoses(failure.diagnoses, kata, check.hint))
    except UnreadableValue as exc:
        return CheckResult(check.name, check.title, FAIL, f"your code returned {exc}",
                           ["return NumPy arrays (or numbers) of the shapes in the contract"], ctx.last_call, seed,
                           check.hint)
    except LearnerFault as fault:
        fault.call = ctx.last_call  # the report shows which call misbehaved
        raise
    except Exception as exc:  # a bug in a check must never look like a pass
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:]
        return CheckResult(check.name, check.title, ERROR,
                           f"internal grader error ({type(exc).__name__}: {exc}); this is a bug in the grader, "
                           "not in your code", [line.rstrip() for line in tb], ctx.last_call, seed,
                           internal=True, cause=f"{type(exc).__name__}: {exc}")
    if ctx.warnings:
        message, details, _ = ctx.warnings[0]
        extra = [m for m, _, _ in ctx.warnings[1:]]
        found = [d for _, _, ds in ctx.warnings for d in ds]
        return CheckResult(check.name, check.title, WARN, message, details + extra, ctx.last_call, seed, check.hint,
                           finish_diagnoses(found, kata, check.hint))
    return CheckResult(check.name, check.title, PASS, "; ".join(ctx.notes) or "ok", seed=seed)


# Whether grades fork from warm sandboxes (sandbox/warm.py) unless told otherwise: off for a
# single `kata grade`, where starting a zygote costs what a cold start does; on where grading
# repeats (a class, `kata validate`, `kata watch`, the test suite).
WARM = {"default": False}
WARM_ENV_VAR = "KATA_WARM"   # KATA_WARM=0: every grade starts a sandbox of its own (the cold path)


def use_warm_sandboxes(on: bool = True) -> None:
    WARM["default"] = on


def grade_kata(kata: Kata, source_dir: Path, seed: int, timeout: float = DEFAULT_TIMEOUT_S,
               memory_mb: int | None = DEFAULT_MEMORY_MB, only: list[str] | None = None,
               warm: bool | None = None, snapshot: Snapshot | None = None) -> KataResult:
    """Grade `source_dir / kata.learner_file` (a workspace, or the solutions folder), or
    `snapshot` when one is given (learner files read elsewhere, e.g. from a notebook)."""
    return grade_file(kata, Path(source_dir) / kata.learner_file, seed, timeout, memory_mb, only, warm, snapshot)


@contextlib.contextmanager
def _sandbox_source(kata: Kata, limits: Limits, warm: bool):
    """A warm zygote for `kata`'s framework when asked for and possible, else None (cold)."""
    isolation = current_isolation()
    if not warm or isolation.level not in WARM_LEVELS or os.environ.get(WARM_ENV_VAR) == "0":
        yield None
        return
    from grader.sandbox.view import interpreter

    try:
        checkout = pool().checkout(kata.framework, isolation, limits, interpreter(), tuple(known_kata_folders()))
        zygote = checkout.__enter__()
    except ZygoteError:
        yield None   # graded cold, as correctly, only slower
        return
    try:
        yield zygote
    finally:
        checkout.__exit__(None, None, None)


def grade_file(kata: Kata, module_file: Path, seed: int, timeout: float = DEFAULT_TIMEOUT_S,
               memory_mb: int | None = DEFAULT_MEMORY_MB, only: list[str] | None = None,
               warm: bool | None = None, snapshot: Snapshot | None = None) -> KataResult:
    """Grade any file written against `kata`'s contract; its folder goes on sys.path.

    With `snapshot` (whose `main` is `module_file`'s name), those in-memory files are
    graded instead and the folder is never read."""
    started = time.monotonic()
    result = KataResult(kata.id, kata.alias, kata.title, kata.learner_file, kata.source)
    module_file = Path(os.path.abspath(module_file))
    limits = Limits(timeout_s=float(timeout), memory_mb=memory_mb)
    # One snapshot, taken before anything runs: the sandbox, stub detection and
    # tracebacks all read it, never the live file.
    if snapshot is None:
        snapshot = take_snapshot(module_file.parent, module_file.name, limits)
    if snapshot.error is not None:
        error = snapshot.error
        result.fatal = error.message
        if error.kind == "missing":
            result.checks.append(CheckResult("load", "Learner file present", ERROR, result.fatal,
                                             ["run `kata init` to create it, or restore it from a backup"]))
        else:
            result.checks.append(CheckResult("load", f"{kata.learner_file} imports", ERROR, result.fatal,
                                             error.details))
        return result
    # Import the checks, the reference and NumPy while the child interpreter boots: the
    # biggest start-up costs then overlap, and all of them are loaded before any
    # learner code runs.
    # The templates matter only where learner code could rewrite them (a plain process
    # as the grader's user); elsewhere they are not even visible to it, and compiling
    # them would only lengthen the start-up.
    templates = current_isolation().level == PROCESS
    preload = threading.Thread(target=preload_kata, args=(kata, templates), daemon=True)
    preload.start()
    with _sandbox_source(kata, limits, WARM["default"] if warm is None else warm) as zygote, \
            LearnerProcess(kata.id, module_file, module_file.parent, kata.framework, snapshot=snapshot,
                           limits=limits, answers=known_kata_folders(), zygote=zygote) as process:
        preload.join()
        try:
            functions = process.load()
        except LearnerFault as fault:
            result.fatal = fault.message
            result.fatal_internal = fault.internal
            if fault.kind == "framework-import":
                result.checks.append(_framework_result(kata, process.blocked_imports or ["a framework"]))
            else:
                result.checks.append(_fault_result(kata, "load", f"{kata.learner_file} imports", fault))
        else:
            missing = [f for f in kata.functions if f not in functions]
            if missing:
                result.fatal = f"{kata.learner_file} has no function {', '.join(f + '()' for f in missing)}"
                result.checks.append(CheckResult(
                    "functions", "Required functions are defined", ERROR, result.fatal,
                    [f"the grader calls {', '.join(kata.functions)}; keep the names and signatures of the stub"]))
            else:
                result.stubbed = stubbed_functions(snapshot.text(module_file.name), kata.functions)
                checks_started = time.monotonic()
                _run_checks(process, kata, seed, only, result)
                result.checks_s = time.monotonic() - checks_started
    # After close(): the child is gone, so everything it printed has been read.
    result.output = process.output.text()
    result.output_truncated_bytes = process.output.dropped
    result.duration_s = time.monotonic() - started
    return scrub(result)


def preload_kata(kata: Kata, templates: bool) -> None:
    """Import everything trusted a grade of `kata` uses: its checks, its reference (the
    grader never imports torch, so not a torch kata's own), the references its checks
    name in REFERENCES, and with `templates` the report templates."""
    try:
        if templates:
            from grader import reporting

            reporting.preload()
        loading.checks(kata)
        if kata.framework == "numpy":
            loading.reference(kata)
        for filename in getattr(loading.checks_module(kata), "REFERENCES", ()):
            loading.reference_module(kata, filename)
    except Exception:  # noqa: BLE001 - raised again, and reported, where they are used
        pass


def _run_checks(process: LearnerProcess, kata: Kata, seed: int, only, result: KataResult) -> None:
    checks = [c for c in loading.checks(kata) if not only or c.name in only]
    for index, check in enumerate(checks):
        try:
            result.checks.append(run_check(process, kata, check, seed))
        except LearnerFault as fault:
            # A crash or time-out is not about the check's topic, so its hint would mislead.
            result.checks.append(_fault_result(kata, check.name, check.title, fault, fault.call,
                                               seed, None if fault.fatal else check.hint))
            if fault.fatal:
                result.fatal = fault.message
                result.fatal_internal = fault.internal
                skipped = len(checks) - index - 1
                if skipped:
                    result.checks[-1].details.append(f"{skipped} later checks did not run")
                break
    settle_supporting(result.checks)
    fold_shape_consequences(result.checks)
    ran_code = any(not c.waiting for c in result.checks)
    if kata.framework == "numpy" and (process.blocked_imports or (result.fatal is None and ran_code)):
        result.checks.append(_framework_result(kata, process.blocked_imports))
