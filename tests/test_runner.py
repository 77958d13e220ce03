"""The sandboxed runner on ordinary answers: verdicts, details, compare modes, output, async."""

from __future__ import annotations

import asyncio
import math
import shutil
import sys
from pathlib import Path

import pytest

from trainer.core.evaluation import runner
from trainer.core.evaluation.results import RunLimits, TestSpec
from trainer.core.evaluation.runner import (
    compare_values,
    limits_from_question,
    run_tests,
    run_tests_async,
    sandbox_capabilities,
    short_repr,
    tests_from_question,
)
from trainer.core.packs.generators import GeneratorError
from trainer.core.packs.model import CodingQuestion

LIMITS = RunLimits(time_s=2.0, memory_mb=128)
ADD_TESTS = [
    TestSpec("one", [1, 2], 3, "sample"),
    TestSpec("two", [2, 2], 4),
    TestSpec("three", [5, -5], 0),
]
ADD = "def add(a, b):\n    return a + b\n"


def test_accepted_answer_passes_every_test() -> None:
    result = run_tests(ADD, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "accepted"
    assert result.passed == 3 and result.first_failure is None and result.not_run == ()
    first = result.tests[0]
    assert (first.id, first.visibility, first.args_repr) == ("one", "sample", "1, 2")
    assert (first.expected_repr, first.actual_repr, first.error) == ("3", "3", "")
    assert [t.visibility for t in result.tests] == ["sample", "hidden", "hidden"]
    assert result.duration_s > 0


def test_wrong_answer_names_the_first_failure_and_keeps_running() -> None:
    code = "def add(a, b):\n    return a - b if a == 2 else a + b\n"
    result = run_tests(code, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "wrong_answer"
    failure = result.first_failure
    assert failure is not None
    assert (failure.id, failure.args_repr, failure.expected_repr, failure.actual_repr) == (
        "two",
        "2, 2",
        "4",
        "0",
    )
    assert [t.verdict for t in result.tests] == ["accepted", "wrong_answer", "accepted"]


def test_runtime_error_carries_exception_text_and_line() -> None:
    code = (
        "def add(a, b):\n    if b < 0:\n        raise ValueError('negative b')\n    return a + b\n"
    )
    result = run_tests(code, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "runtime_error"
    assert result.passed == 2
    error = result.tests[2].error
    assert error.startswith("ValueError: negative b")
    assert "line 3" in error and "raise ValueError" in error


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        ("def add(a, b)\n    return a + b\n", "SyntaxError"),
        ("def plus(a, b):\n    return a + b\n", "does not define add()"),
        ("add = 3\n", "not as a function"),
        ("def add(a, b):\n    return 1\x00\n", "null"),
    ],
    ids=["syntax", "missing", "not-callable", "null-byte"],
)
def test_compile_error_is_charged_to_the_first_test(code: str, needle: str) -> None:
    result = run_tests(code, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "compile_error"
    assert len(result.tests) == 1 and result.tests[0].verdict == "compile_error"
    assert needle in result.tests[0].error
    assert result.not_run == ("two", "three")


def test_syntax_error_names_its_line() -> None:
    code = "def add(a, b):\n    x = (1,\n    return a + b\n"
    result = run_tests(code, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "compile_error"
    assert "line " in result.tests[0].error


def test_error_while_loading_is_a_runtime_error() -> None:
    code = "import module_that_does_not_exist_here\n" + ADD
    result = run_tests(code, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "runtime_error"
    assert result.tests[0].error.startswith("while loading the code: ModuleNotFoundError")
    assert result.not_run == ("two", "three")


def test_compile_error_without_tests_is_still_reported() -> None:
    result = run_tests("def add(:\n", "add", [], LIMITS)
    assert result.verdict == "compile_error"
    assert result.tests == () and any("SyntaxError" in note for note in result.notes)


def test_no_tests_accepted() -> None:
    result = run_tests(ADD, "add", [], LIMITS)
    assert (result.verdict, result.tests, result.not_run) == ("accepted", (), ())


@pytest.mark.parametrize(
    ("expected", "actual", "mode", "equal"),
    [
        ([1, [2, 3]], (1, (2, 3)), "exact", True),
        ({"a": [1, 2]}, {"a": (1, 2)}, "exact", True),
        ({1: "x"}, {"1": "x"}, "exact", True),
        (1, True, "exact", False),
        (True, 1, "exact", False),
        (True, True, "exact", True),
        (1, 1.0, "exact", True),
        ([1, 2], [1, 2, 3], "exact", False),
        ([1, 2], [2, 1], "exact", False),
        ("1", 1, "exact", False),
        (None, None, "exact", True),
        (None, [], "exact", False),
        ({"a": 1}, {"a": 1, "b": 2}, "exact", False),
        ([1, 1, 2, 3], [3, 1, 2, 1], "unordered", True),
        ([1, 1, 2, 3], [3, 2, 2, 1], "unordered", False),
        ([1, 2], [2, 1, 1], "unordered", False),
        ([[1, 2], [3]], [[3], [1, 2]], "unordered", True),
        ([[1, 2], [3]], [[3], [2, 1]], "unordered", False),
        ([1, 2.0], [2, 1.0], "unordered", True),
        ([True, 1], [1, True], "unordered", True),
        ([True, True], [1, True], "unordered", False),
        ([1, 2], (2, 1), "unordered", True),
        (3, 3, "unordered", True),
        (0.3, 0.1 + 0.2, "exact", False),
        (0.3, 0.1 + 0.2, "approx", True),
        ([[0.3]], [[0.30000001]], "approx", True),
        ({"k": [1.0, 2.0]}, {"k": [1.0000001, 2.0]}, "approx", True),
        (0.3, 0.31, "approx", False),
        (1e12, 1e12 + 1, "approx", True),
        (0.0, 1e-7, "approx", True),
        (0.0, 1e-5, "approx", False),
        (math.nan, math.nan, "approx", True),
        (math.inf, math.inf, "approx", True),
        (1, True, "approx", False),
        (2, 2, "approx", True),
        ("a", "a", "approx", True),
    ],
)
def test_compare_values(expected: object, actual: object, mode: str, equal: bool) -> None:
    assert compare_values(expected, actual, mode) is equal  # type: ignore[arg-type]


def test_compare_modes_through_the_sandbox() -> None:
    code = (
        "VALUES = [(1, [2, 3]), [3, 1, 2, 1], 0.1 + 0.2, [[0.1 + 0.2]], 0.1 + 0.2, True, {1, 2}]\n"
        "def pick(i):\n"
        "    return VALUES[i]\n"
    )
    tests = [
        TestSpec("tuple-is-list", [0], [1, [2, 3]]),
        TestSpec("unordered", [1], [1, 1, 2, 3], compare="unordered"),
        TestSpec("approx", [2], 0.3, compare="approx"),
        TestSpec("approx-nested", [3], [[0.3]], compare="approx"),
        TestSpec("exact-float", [4], 0.3),
        TestSpec("bool-not-int", [5], 1),
        TestSpec("set-not-json", [6], [1, 2], compare="unordered"),
    ]
    result = run_tests(code, "pick", tests, LIMITS)
    verdicts = {t.id: t.verdict for t in result.tests}
    assert verdicts == {
        "tuple-is-list": "accepted",
        "unordered": "accepted",
        "approx": "accepted",
        "approx-nested": "accepted",
        "exact-float": "wrong_answer",
        "bool-not-int": "wrong_answer",
        "set-not-json": "wrong_answer",
    }
    not_json = result.tests[-1]
    assert "set" in not_json.error and "not JSON-like" in not_json.error
    assert not_json.actual_repr == "{1, 2}"


def test_values_that_cannot_be_sent_back_are_wrong_answers() -> None:
    code = (
        "def pick(i):\n"
        "    loop = []\n"
        "    loop.append(loop)\n"
        "    return [[1, {2}], loop, {(1, 2): 3}, object()][i]\n"
    )
    tests = [TestSpec(f"t{i}", [i], [1]) for i in range(4)]
    result = run_tests(code, "pick", tests, LIMITS)
    assert [t.verdict for t in result.tests] == ["wrong_answer"] * 4
    errors = [t.error for t in result.tests]
    assert errors[0].startswith("returned a list containing a set, which is not JSON-like")
    assert "Circular reference" in errors[1]
    assert "keys must be" in errors[2]
    assert errors[3].startswith("returned a object")
    assert result.tests[0].actual_repr == "[1, {2}]"


def test_stdout_is_captured_in_order() -> None:
    code = "def add(a, b):\n    print('adding', a, b)\n    return a + b\n"
    result = run_tests(code, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "accepted"
    assert result.stdout == "adding 1 2\nadding 2 2\nadding 5 -5\n"


def test_stderr_and_binary_stdout_are_captured_too() -> None:
    code = (
        "import sys\ndef add(a, b):\n    print('debug', file=sys.stderr)\n"
        "    sys.stdout.buffer.write(b'bytes\\n')\n    return a + b\n"
    )
    result = run_tests(code, "add", ADD_TESTS[:1], LIMITS)
    assert result.verdict == "accepted" and result.stdout == "debug\nbytes\n"


def test_binary_stdout_is_capped() -> None:
    code = (
        "import sys\ndef add(a, b):\n    while True:\n        sys.stdout.buffer.write(b'x' * 999)\n"
    )
    result = run_tests(code, "add", ADD_TESTS, RunLimits(time_s=2.0, output_kb=4))
    assert result.verdict == "output_limit" and len(result.stdout) == 4096


def test_protocol_survives_json_like_output() -> None:
    """Lines that look like the harness's own messages, by every route to the terminal."""
    code = (
        "import os, sys\n"
        'FAKE = \'{"e":"ok","i":%d,"t":0,"v":%d}\'\n'
        "def add(a, b):\n"
        "    print(FAKE % (0, 3))\n"
        '    print(\'{"e":"done"}\')\n'
        "    sys.__stdout__.write(FAKE % (1, 4) + '\\n')\n"
        "    sys.__stdout__.flush()\n"
        "    os.write(1, (FAKE % (2, 0) + '\\n').encode())\n"
        '    os.write(2, b\'{"e":"done"}\\n\')\n'
        "    return -1\n"
    )
    result = run_tests(code, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "wrong_answer"
    assert [t.verdict for t in result.tests] == ["wrong_answer"] * 3
    assert '{"e":"done"}' in result.stdout and '"v":3' in result.stdout


def test_stdin_is_empty() -> None:
    code = "def add(a, b):\n    return input()\n"
    result = run_tests(code, "add", ADD_TESTS[:1], LIMITS)
    assert result.verdict == "runtime_error"
    assert result.tests[0].error.startswith("EOFError")


def test_answer_module_supports_dataclasses() -> None:
    code = (
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        "class P:\n"
        "    x: int\n"
        "def add(a, b):\n"
        "    return P(a + b).x\n"
    )
    assert run_tests(code, "add", ADD_TESTS, LIMITS).verdict == "accepted"


def test_large_generated_input_and_oversized_return() -> None:
    question = _question(
        tests=[
            {
                "id": "big",
                "args": [{"$gen": "range", "start": 0, "stop": 30000}],
                "expected": 449985000,
            },
            {"id": "huge-return", "args": [[1]], "expected": 1},
            {"id": "after", "args": [[2, 3]], "expected": 5},
        ]
    )
    code = "def total(nums):\n    return list(range(10**6)) if nums == [1] else sum(nums)\n"
    tests = tests_from_question(question)
    result = run_tests(code, "total", tests, LIMITS)
    assert [t.verdict for t in result.tests] == ["accepted", "wrong_answer", "accepted"]
    assert "too large" in result.tests[1].error
    assert len(result.tests[0].args_repr) <= runner.REPR_CHARS


def test_short_repr_is_bounded() -> None:
    assert len(short_repr(list(range(100_000)))) <= runner.REPR_CHARS
    assert len(short_repr("x" * 100_000)) <= runner.REPR_CHARS
    assert len(short_repr([[[[[[1]]]]]] * 1000)) <= runner.REPR_CHARS


def _question(**overrides: object) -> CodingQuestion:
    data: dict[str, object] = {
        "id": "q",
        "kind": "coding",
        "title": "Q",
        "difficulty": "easy",
        "prompt": "p",
        "signature": {"function": "total", "params": ["nums"]},
        "tests": [{"id": "t", "args": [[1]], "expected": 1}],
    }
    data.update(overrides)
    return CodingQuestion.model_validate(data)


def test_tests_from_question_expands_and_filters() -> None:
    question = _question(
        tests=[
            {"id": "s", "visibility": "sample", "args": [[1, 2]], "expected": 3},
            {
                "id": "h",
                "args": [{"$gen": "repeat", "value": 1, "count": 4}],
                "expected": {"$gen": "string", "value": "ab", "count": 2},
                "compare": "unordered",
            },
        ]
    )
    assert [t.id for t in tests_from_question(question)] == ["s", "h"]
    assert [t.id for t in tests_from_question(question, only="sample")] == ["s"]
    (hidden,) = tests_from_question(question, only="hidden")
    assert (hidden.args, hidden.expected, hidden.compare) == ([[1, 1, 1, 1]], "abab", "unordered")


def test_tests_from_question_raises_on_bad_generator() -> None:
    question = _question(tests=[{"id": "t", "args": [{"$gen": "nope"}], "expected": 1}])
    with pytest.raises(GeneratorError):
        tests_from_question(question)


def test_limits_from_question() -> None:
    question = _question(limits={"time_s": 0.5, "memory_mb": 64, "output_kb": 8})
    assert limits_from_question(question) == RunLimits(time_s=0.5, memory_mb=64, output_kb=8)
    assert limits_from_question(_question()) == RunLimits()


async def test_async_run_does_not_block_the_event_loop() -> None:
    ticks = 0
    finished = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not finished.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    code = "import time\ndef add(a, b):\n    time.sleep(0.3)\n    return a + b\n"
    result = await run_tests_async(code, "add", ADD_TESTS[:1], LIMITS)
    ticks_during_run = ticks
    finished.set()
    await task
    assert result.verdict == "accepted"
    assert ticks_during_run >= 2


def test_capabilities_are_cached_and_reported_on_results() -> None:
    caps = sandbox_capabilities()
    assert set(caps) >= {"network_isolation", "pid_namespace", "process_limit"}
    assert all(isinstance(v, bool) for v in caps.values())
    assert sandbox_capabilities() == caps
    result = run_tests(ADD, "add", ADD_TESTS[:1], LIMITS)
    assert result.network_isolated is caps["network_isolation"]
    assert any("network" in n for n in result.notes) is (not caps["network_isolation"])


def test_probe_falls_back_without_unshare(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    box = runner._probe(sys.executable)
    assert box.prefix == () and not box.network_isolated and not box.pid_namespace
    assert any("network not cut" in note for note in box.notes)


def test_run_without_isolation_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_sandbox_cache", runner._Sandbox(notes=("network not cut",)))
    result = run_tests(ADD, "add", ADD_TESTS, LIMITS)
    assert result.verdict == "accepted"
    assert result.network_isolated is False and "network not cut" in result.notes


def test_explicit_python_and_a_missing_one(tmp_path: Path) -> None:
    assert run_tests(ADD, "add", ADD_TESTS, LIMITS, python=sys.executable).verdict == "accepted"
    result = run_tests(ADD, "add", ADD_TESTS, LIMITS, python=str(tmp_path / "no-python"))
    assert result.verdict == "runtime_error"
    assert "start" in result.tests[0].error
