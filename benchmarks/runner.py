"""Benchmark the sandboxed code runner against its floor.

One 20-test coding question, measured in one run, interleaved, median of --repeat:
- floor: `python -I -c pass` (a process start) plus the same 20 tests called in-process
  (compile the answer, call it, compare each result);
- runner: `run_tests` on the same answer and tests (one sandboxed child per submission).
The target is the runner within 1.5x of the floor. Prints a short table; always exits 0.
Run: python benchmarks/runner.py [--repeat 15]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this folder is sys.path[0], where benchmarks/typing.py would shadow the
# standard library's typing module: put the repository root there instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    sys.path[0] = os.path.dirname(_HERE)

import argparse
import os
import statistics
import subprocess
import sys
import time

from trainer.core.evaluation.results import TestSpec  # noqa: E402
from trainer.core.evaluation.runner import (  # noqa: E402
    compare_values,
    limits_from_question,
    run_tests,
    sandbox_capabilities,
    tests_from_question,
)
from trainer.core.packs.model import CodingQuestion  # noqa: E402

SOLUTION = """\
def pair_sum(nums, target):
    seen = {}
    for i, x in enumerate(nums):
        if target - x in seen:
            return [seen[target - x], i]
        seen[x] = i
    return []
"""
TARGET = 1.5


def question() -> CodingQuestion:
    """Pair-sum with 20 tests: small hand-written ones and generated lists up to 2,000 items."""
    tests: list[dict[str, object]] = [
        {"id": "example", "visibility": "sample", "args": [[2, 7, 11, 15], 9], "expected": [0, 1]},
        {
            "id": "negatives",
            "visibility": "sample",
            "args": [[-3, 4, 3, 90], 0],
            "expected": [0, 2],
        },
        {"id": "duplicates", "visibility": "sample", "args": [[3, 3], 6], "expected": [0, 1]},
        {"id": "at-end", "args": [[1, 2, 3, 4, 5], 9], "expected": [3, 4]},
    ]
    for k in range(16):
        n = 100 + k * 120
        nums = {
            "$gen": "concat",
            "parts": [{"$gen": "range", "start": 0, "stop": n}, [10**6, 10**6 + 1]],
        }
        tests.append({"id": f"gen-{k}", "args": [nums, 2 * 10**6 + 1], "expected": [n, n + 1]})
    return CodingQuestion.model_validate(
        {
            "id": "pair-sum",
            "kind": "coding",
            "title": "Pair with a given sum",
            "difficulty": "easy",
            "prompt": "Return the indices of the two numbers that add up to target.",
            "signature": {"function": "pair_sum", "params": ["nums", "target"]},
            "tests": tests,
        }
    )


def in_process(tests: list[TestSpec]) -> None:
    """The work the child does, without the child: compile, call, compare."""
    namespace: dict[str, object] = {}
    exec(compile(SOLUTION, "<answer>", "exec"), namespace)
    function = namespace["pair_sum"]
    assert callable(function)
    for test in tests:
        assert compare_values(test.expected, function(*test.args), test.compare)


def timed(action: object) -> float:
    assert callable(action)
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    q = question()
    tests = tests_from_question(q)
    limits = limits_from_question(q)
    caps = sandbox_capabilities()  # the one-off probe is not part of a submission
    warm = run_tests(SOLUTION, "pair_sum", tests, limits)
    assert warm.verdict == "accepted", warm
    floor_cmd = [sys.executable, "-I", "-c", "pass"]

    starts: list[float] = []
    calls: list[float] = []
    runs: list[float] = []
    for _ in range(args.repeat):  # interleaved, so a busy moment hits all three alike
        starts.append(timed(lambda: subprocess.run(floor_cmd, check=True)))
        calls.append(timed(lambda: in_process(tests)))
        runs.append(timed(lambda: run_tests(SOLUTION, "pair_sum", tests, limits)))

    start_s, call_s, run_s = (statistics.median(x) for x in (starts, calls, runs))
    floor_s = start_s + call_s
    ratio = run_s / floor_s
    print(f"sandbox: {', '.join(f'{k}={v}' for k, v in caps.items())}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(tests)} tests, median of {args.repeat} runs, load average {load:.2f}")
    print(f"{'what':46} {'median ms':>10} {'x floor':>8}")
    print(f"{'python -I -c pass (process start)':46} {start_s * 1000:10.1f}")
    print(f"{'20 tests called in-process':46} {call_s * 1000:10.1f}")
    print(f"{'floor (start + in-process)':46} {floor_s * 1000:10.1f} {1.0:8.2f}")
    print(f"{'run_tests (sandboxed child)':46} {run_s * 1000:10.1f} {ratio:8.2f}")
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"target: within {TARGET}x of the floor - {verdict}")


if __name__ == "__main__":
    main()
