"""breakpoint() and pdb inside the sandbox: skipped, with one line saying why.

The learner's process has no terminal (its stdin is /dev/null), so a debugger
started there reads end-of-file at its first prompt and raises BdbQuit, which
failed every check that reached it with "raised BdbQuit" and no explanation.
Here breakpoint(), pdb.set_trace() and pdb.post_mortem() do nothing but print,
once per graded kata, that the grader cannot stop and where to debug instead
(`kata repro`). Skipping is kinder than failing: a breakpoint() left in working
code does not change its results, so the checks still judge what the code
returns, as they would without it.
"""
from __future__ import annotations

import os
import sys

NOTICE = ("breakpoint() cannot stop inside the grader (it runs your code in a sandbox with no terminal), so it "
          "was skipped; run `kata repro {kata}` and debug the case it writes instead")


class _Notice:
    kata = ""
    told = False

    @classmethod
    def skip(cls, *args, **kwargs) -> None:
        """What breakpoint() and pdb's entry points do here: say so, the first time."""
        if cls.told:
            return
        cls.told = True
        for stream in (sys.stdout, sys.stderr):   # what the learner printed before comes first
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - the learner may have replaced or closed them
                pass
        try:
            os.write(2, (NOTICE.format(kata=cls.kata) + "\n").encode())
        except OSError:
            pass


def _patch(pdb) -> None:
    def set_trace(self, frame=None, *args, **kwargs):
        _Notice.skip()

    pdb.Pdb.set_trace = set_trace          # pdb.set_trace() and pdb.Pdb().set_trace() both end here
    pdb.set_trace = _Notice.skip
    pdb.post_mortem = _Notice.skip
    pdb.pm = _Notice.skip


class _PdbLoader:
    """The real pdb's loader, patching the module once it has run."""

    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module):
        self.real.exec_module(module)
        _patch(module)


class _PdbFinder:
    """Patches pdb when learner code imports it (importing it up front would cost every grade)."""

    def find_spec(self, name, path=None, target=None):
        if name != "pdb":
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _PdbLoader(spec.loader)
        return spec


def install(kata: str) -> None:
    """Make breakpoint() and pdb skip, with the notice naming `kata`; before learner code runs."""
    _Notice.kata = kata
    _Notice.told = False
    sys.breakpointhook = _Notice.skip      # also wins over $PYTHONBREAKPOINT
    if "pdb" in sys.modules:
        _patch(sys.modules["pdb"])
    else:
        sys.meta_path.insert(0, _PdbFinder())
