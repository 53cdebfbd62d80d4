"""The reference's results for recorded calls of a torch kata, in a child interpreter
(`python -m grader.grading.repro_expected`): the grader's own process never imports
torch. Reads (kata, calls) pickled on stdin, from the grader itself; writes, pickled,
one entry per call: its expected parts, or why there are none."""
from __future__ import annotations

import pickle
import sys


def main() -> None:
    from grader.grading.repro_replay import Replay, ReproError, compared_parts

    kata, calls = pickle.loads(sys.stdin.buffer.read())
    replay = Replay.__new__(Replay)   # the in-process replay, without sending us here again
    replay.kata, replay.calls, replay._ref, replay._outputs, replay._parts = kata, calls, None, {}, None
    out = []
    for call in calls:
        try:
            out.append(compared_parts(call, replay.expected(call)))
        except ReproError as exc:
            out.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported per call
            out.append(f"the reference could not run on these inputs ({type(exc).__name__}: {exc})")
    sys.stdout.buffer.write(pickle.dumps(out))


if __name__ == "__main__":
    main()
