"""Warm sandboxes: katas forked from one zygote share nothing, and grade as cold ones do."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.curriculum.catalog import Catalog
from grader.curriculum.paths import known_kata_folders
from grader.grading.engine import grade_file
from grader.sandbox import LearnerProcess, view
from grader.sandbox.isolation import current_isolation
from grader.sandbox.policy import Limits
from grader.sandbox.warm import WARM_LEVELS, pool
from processes import kill_leftovers, leftovers, marker

CATALOG = Catalog.builtin()

pytestmark = pytest.mark.skipif(current_isolation().level not in WARM_LEVELS,
                                reason="warm sandboxes need namespaces or a uid drop")


@pytest.fixture(autouse=True)
def _warm_allowed(monkeypatch):
    """These tests are about the warm path: a KATA_WARM=0 in the environment must not skip it."""
    monkeypatch.delenv("KATA_WARM", raising=False)

# Leaves everything it can behind: a module, a patched NumPy function, files in /tmp and
# /dev/shm, an environment variable, a thread and a background process.
LEAVER = """
import os, subprocess, sys, threading, time, types
import numpy as np

sys.modules["left_behind"] = types.ModuleType("left_behind")
np.sum = lambda *args, **kwargs: 42
open("/tmp/left_behind", "w").write("x")
try:
    open("/dev/shm/left_behind", "w").write("x")
except OSError:
    pass
os.environ["LEFT_BEHIND"] = "1"
threading.Thread(target=time.sleep, args=(300,), name="left_behind", daemon=True).start()
subprocess.Popen(["sleep", "<<mark>>"], start_new_session=True)

def look():
    return "left"
"""

# Reports what it finds of the one before.
LOOKER = """
import json, os, sys, threading
import numpy as np

def look():
    return json.dumps({
        "module": "left_behind" in sys.modules,
        "numpy_patched": bool(np.sum([1, 2]) != 3),
        "tmp": os.path.exists("/tmp/left_behind"),
        "dev_shm": os.path.exists("/dev/shm/left_behind"),
        "env": "LEFT_BEHIND" in os.environ,
        "thread": any(t.name == "left_behind" for t in threading.enumerate()),
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    })
"""


def run(zygote, folder: Path, source: str, **kw) -> str:
    module = folder / "m.py"
    folder.mkdir()
    module.write_text(textwrap.dedent(source))
    with LearnerProcess("part2", module, folder, "numpy", timeout=10, zygote=zygote,
                        answers=known_kata_folders(), **kw) as process:
        process.load()
        return process.call("look").value


def test_nothing_of_one_kata_reaches_the_next_from_the_same_zygote(tmp_path):
    mark = marker()
    isolation = current_isolation()
    try:
        with pool().checkout("numpy", isolation, Limits(), view.interpreter(), tuple(known_kata_folders())) as z:
            assert run(z, tmp_path / "a", LEAVER.replace("<<mark>>", mark)) == "left"
            assert not leftovers(mark), "the first kata's background process outlived it"
            seen = json.loads(run(z, tmp_path / "b", LOOKER))
    finally:
        kill_leftovers(mark)
    assert not any(seen[k] for k in ("module", "numpy_patched", "env", "thread")), seen
    assert not seen["tmp"] and not seen["dev_shm"], seen
    if isolation.level == "namespaces":   # its own PID namespace: the kata's init, the harness, nothing else
        assert seen["pids"] == [1, 2], seen


def test_a_warm_grade_agrees_with_a_cold_one_on_a_mistake(tmp_path):
    kata = CATALOG.get("part2")
    mistake = kata.folder / "mistakes" / "divides_by_b.py"
    cold = grade_file(kata, mistake, seed=5, warm=False)
    warm = grade_file(kata, mistake, seed=5, warm=True)
    assert [(c.name, c.status, c.message) for c in warm.checks] == [(c.name, c.status, c.message) for c in cold.checks]
    assert [d.id for c in warm.checks for d in c.diagnoses] == [d.id for c in cold.checks for d in c.diagnoses]


def test_a_warm_kata_over_its_memory_budget_is_stopped_and_the_zygote_lives_on(tmp_path):
    isolation = current_isolation()
    limits = Limits(memory_mb=64)
    with pool().checkout("numpy", isolation, limits, view.interpreter(), tuple(known_kata_folders())) as z:
        folder = tmp_path / "hog"
        folder.mkdir()
        (folder / "m.py").write_text("import numpy as np\ndef look():\n    x = [np.ones(8 << 20) for _ in range(4)]\n"
                                     "    return len(x)\n")
        with LearnerProcess("part2", folder / "m.py", folder, "numpy", limits=limits, zygote=z,
                            answers=known_kata_folders()) as process:
            process.load()
            with pytest.raises(Exception) as info:
                process.call("look")
        assert "memory" in str(info.value)
        assert z.alive()
        assert json.loads(run(z, tmp_path / "after", LOOKER))["module"] is False


def test_the_warm_zygote_holds_no_learner_file(tmp_path):
    # A kata sees its own snapshot at /workspace, never the spool of the others'.
    with pool().checkout("numpy", current_isolation(), Limits(), view.interpreter(),
                         tuple(known_kata_folders())) as z:
        z.write_job({"someone_else.py": b"SECRET = 1\n"})
        listing = run(z, tmp_path / "mine", """
            import os
            def look():
                spool = os.listdir("/kata/spool") if os.path.isdir("/kata/spool") else []
                return sorted(os.listdir(".")) + ["|"] + sorted(os.listdir(os.path.dirname(__file__))) + spool
            """)
    assert "someone_else.py" not in listing and "m.py" in listing


def test_functions_the_grader_hands_over_work_warm(tmp_path):
    from grader.sandbox.codec import AsFunction

    with pool().checkout("numpy", current_isolation(), Limits(), view.interpreter(),
                         tuple(known_kata_folders())) as z:
        folder = tmp_path / "f"
        folder.mkdir()
        (folder / "m.py").write_text("def look(f, x):\n    return f(x)\n")
        with LearnerProcess("part6", folder / "m.py", folder, "numpy", zygote=z,
                            answers=known_kata_folders()) as process:
            process.load()
            assert process.call("look", AsFunction(lambda x: float(np.sum(x * x)), "f"), np.ones(3)).value == 3.0


def test_a_warm_sandbox_that_cannot_start_a_kata_hands_it_to_a_cold_one(tmp_path, monkeypatch):
    # The kata's first process fails to bind a snapshot that is not there: a grader-side
    # failure before any learner code, so the grade must come out as a cold one would.
    from grader.sandbox.warm import WarmPool, Zygote
    import grader.grading.engine as engine

    spawn = Zygote.spawn
    monkeypatch.setattr(Zygote, "spawn", lambda self, config, fds: spawn(self, {**config, "job": "gone"}, fds))
    fresh = WarmPool()
    monkeypatch.setattr(engine, "pool", lambda: fresh)
    kata = CATALOG.get("part2")
    mistake = kata.folder / "mistakes" / "divides_by_b.py"
    first = grade_file(kata, mistake, seed=5, warm=True)
    assert fresh._broken, "the failing zygote was not retired"
    second = grade_file(kata, mistake, seed=5, warm=True)   # straight to cold now
    cold = grade_file(kata, mistake, seed=5, warm=False)
    fresh.close()
    for result in (first, second):
        assert result.fatal is None
        assert [(c.name, c.status) for c in result.checks] == [(c.name, c.status) for c in cold.checks]


def test_the_oom_killer_takes_the_kata_before_the_zygote(tmp_path):
    with pool().checkout("numpy", current_isolation(), Limits(), view.interpreter(),
                         tuple(known_kata_folders())) as z:
        mine = run(z, tmp_path / "score", """
            def look():
                return open("/proc/self/oom_score_adj").read().strip()
            """)
        zygote = open(f"/proc/{z.pid}/oom_score_adj").read().strip()
    assert int(mine) == 1000 and int(zygote) < 1000


SYSTEM_PYTHON = "/usr/bin/python3.11"


def test_warm_katas_with_a_uid_drop_each_get_a_uid_and_leave_nothing(tmp_path):
    import os

    from grader.sandbox import isolation as iso
    from grader.sandbox.warm import Zygote

    if not (os.geteuid() == 0 and os.path.exists(SYSTEM_PYTHON) and iso.readable_by_others(Path(SYSTEM_PYTHON))):
        pytest.skip("the uid drop needs a root grader and an interpreter other users can run")
    isolation, mark = iso.detect("uid-drop"), marker()
    # The level takes "other" permissions from the answer folders: put them back afterwards.
    modes = {p: os.stat(p).st_mode & 0o7777 for p in view.answer_folders(known_kata_folders()) if os.path.isdir(p)}
    zygote = Zygote("numpy", isolation, Limits(), SYSTEM_PYTHON, tuple(known_kata_folders()))
    try:
        run(zygote, tmp_path / "a", LEAVER.replace("<<mark>>", mark), isolation=isolation, python=SYSTEM_PYTHON)
        assert not leftovers(mark), "the first kata's background process outlived it"
        seen = json.loads(run(zygote, tmp_path / "b", LOOKER, isolation=isolation, python=SYSTEM_PYTHON))
        # Its snapshot sits in the shared spool: readable by its own uid alone.
        mine = json.loads(run(zygote, tmp_path / "c", """
            import json, os, stat
            def look():
                st, folder = os.stat(__file__), os.stat(os.path.dirname(__file__))
                return json.dumps([st.st_uid == os.getuid(), stat.S_IMODE(st.st_mode), stat.S_IMODE(folder.st_mode)])
            """, isolation=isolation, python=SYSTEM_PYTHON))
    finally:
        kill_leftovers(mark)
        zygote.close()
        iso.protect_answers.cache_clear()
        for path, mode in modes.items():
            os.chmod(path, mode)
    assert not any(seen[k] for k in ("module", "numpy_patched", "env", "thread")), seen
    assert mine == [True, 0o600, 0o700], mine


def test_no_warm_uid_drop_with_an_interpreter_a_fresh_uid_cannot_read(tmp_path):
    """Forked, such a sandbox would start and then fail each later import as if the
    learner's code were wrong; the zygote refuses, so the grade goes cold and says why."""
    import os

    from grader.sandbox import isolation as iso
    from grader.sandbox.warm import Zygote, ZygoteError

    if not os.geteuid() == 0:
        pytest.skip("the uid drop needs a root grader")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    python = private / "python3"
    python.write_text("")
    python.chmod(0o755)
    with pytest.raises(ZygoteError, match="cannot read"):
        Zygote("numpy", iso.detect("uid-drop"), Limits(), str(python))
