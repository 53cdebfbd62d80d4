"""The sandbox that runs learner code: nothing here trusts what the learner's process says.

Layout (each module one job):

    policy.py     the limits and what the sandbox may see, as data
    isolation.py  which isolation this machine allows (namespaces, uid drop, process only)
    view.py       the file system the sandboxed process sees, as bubblewrap arguments
    snapshot.py   the learner's files, read once and safely, before anything runs
    budget.py     one time/memory/process budget for the whole process tree
    shm.py        arguments in shared memory, so in-place changes are seen from outside
    process.py    `LearnerProcess`: start the child, talk to it, turn misbehaviour into faults
    channel.py    length-prefixed frames over the two pipes, every wait with a deadline
    output.py     what the learner's process prints, kept within bounds
    faultlog.py   the stack dumps faulthandler writes, read back as the learner's frames
    warm.py       warm sandboxes, the grader's side: a zygote per framework, lent one kata at a time
    zygote.py     warm sandboxes, the sandbox side: fork, fresh namespaces, drop privileges, serve
    faults.py     `LearnerFault` and every learner-facing message about a misbehaving process
    child.py      the harness inside the sandbox (with codec.py, frames.py and shm.py the
                  only grader code the learner's process can see)
    codec.py      the pickle-free wire format
    frames.py     learner-only tracebacks
    proctree.py   finding and killing processes

This package's `__init__` imports nothing, because the harness inside the sandbox
imports `grader.sandbox.child` from a copy that holds only the harness files.
"""
from __future__ import annotations

_EXPORTS = {
    "LearnerProcess": "grader.sandbox.process",
    "CallResult": "grader.sandbox.process",
    "LearnerFault": "grader.sandbox.faults",
    "DEFAULT_TIMEOUT_S": "grader.sandbox.policy",
    "DEFAULT_MEMORY_MB": "grader.sandbox.policy",
    "Limits": "grader.sandbox.policy",
    "Snapshot": "grader.sandbox.snapshot",
    "take_snapshot": "grader.sandbox.snapshot",
    "current_isolation": "grader.sandbox.isolation",
}


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader.sandbox' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
