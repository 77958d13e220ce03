"""`check_pack_solutions`: every coding approach gets the verdict it declares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainer.core.diagnostics import Severity
from trainer.core.evaluation.pack_run import RunTally, check_pack_solutions
from trainer.core.packs.loader import LoadedPack, load_pack_file

EXAMPLE_PACK = Path(__file__).resolve().parent.parent / "question_packs" / "example.yaml"

HEADER = """\
schema_version: 1
pack: {id: run-test, title: Run test, version: "1.0.0"}
questions:
  - id: add-two
    kind: coding
    title: Add two numbers
    difficulty: easy
    prompt: Add them.
    signature: {function: add, params: [a, b]}
    limits: {time_s: 0.5, memory_mb: 128}
    tests:
      - {id: small, visibility: sample, args: [1, 2], expected: 3}
      - {id: negative, args: [-4, 1], expected: -3}
TESTS_EXTRA
    approaches:
"""

GOOD = """\
      - id: good
        title: Plus
        summary: Adds.
        solution: |
          def add(a, b):
              return a + b
"""


def _load(tmp_path: Path, approaches: str, tests_extra: str = "") -> LoadedPack:
    path = tmp_path / "pack.yaml"
    path.write_text(HEADER.replace("TESTS_EXTRA\n", tests_extra) + approaches, encoding="utf-8")
    loaded = load_pack_file(path, display="pack.yaml")
    assert loaded.pack is not None, loaded.diagnostics
    return loaded


def test_example_pack_solutions_get_their_declared_verdicts() -> None:
    loaded = load_pack_file(EXAMPLE_PACK)
    assert loaded.pack is not None
    assert check_pack_solutions(loaded.pack, loaded.source, "example.yaml") == []


def test_matching_verdicts_give_no_findings(tmp_path: Path) -> None:
    slow = """\
      - id: slow
        title: Sleepy
        summary: Too slow on purpose.
        expect: time_limit
        solution: |
          import time
          def add(a, b):
              time.sleep(5)
"""
    loaded = _load(tmp_path, GOOD + slow)
    assert loaded.pack is not None
    assert check_pack_solutions(loaded.pack, loaded.source, "pack.yaml") == []


MISMATCHES = [
    (
        "wrong",
        "def add(a, b):\n    return a - b\n",
        None,
        "should get accepted but got wrong_answer: test 'small' returned -1, expected 3",
    ),
    (
        "crash",
        "def add(a, b):\n    return a / 0\n",
        None,
        "got runtime_error: test 'small' failed: ZeroDivisionError: division by zero",
    ),
    (
        "broken",
        "def add(a, b)\n    return a + b\n",
        None,
        "got compile_error: the solution does not load: SyntaxError",
    ),
    (
        "not-slow",
        "def add(a, b):\n    return a + b\n",
        "time_limit",
        "should get time_limit but got accepted: all 2 tests finished within the time limit",
    ),
    (
        "slow-but-wrong",
        "def add(a, b):\n    return 0\n",
        "time_limit",
        "should get time_limit but got wrong_answer: test 'small' returned 0, expected 3",
    ),
    (
        "too-slow",
        "import time\ndef add(a, b):\n    time.sleep(5)\n",
        None,
        "got time_limit: test 'small' took longer than 0.5 s",
    ),
    (
        "not-wrong",
        "def add(a, b):\n    return a + b\n",
        "wrong_answer",
        "should get wrong_answer but got accepted: all 2 tests passed",
    ),
]


@pytest.mark.parametrize(
    ("approach_id", "code", "expect", "message"),
    MISMATCHES,
    ids=[m[0] for m in MISMATCHES],
)
def test_mismatch_is_reported_at_the_approach(
    tmp_path: Path, approach_id: str, code: str, expect: str | None, message: str
) -> None:
    body = "".join(f"          {line}\n" for line in code.splitlines())
    approach = (
        f"      - id: {approach_id}\n        title: T\n        summary: S.\n"
        + (f"        expect: {expect}\n" if expect else "")
        + "        solution: |\n"
        + body
    )
    loaded = _load(tmp_path, GOOD + approach)
    assert loaded.pack is not None
    (found,) = check_pack_solutions(loaded.pack, loaded.source, "pack.yaml")
    assert found.rule == "solution-verdict-mismatch"
    assert found.severity is Severity.ERROR
    assert found.path == ("questions", 0, "approaches", 1)
    assert message in found.message and f"'{approach_id}'" in found.message
    assert (found.file, found.line, found.column) == ("pack.yaml", 21, 9)
    assert found.hint is not None and "expect:" in found.hint


def test_without_source_findings_have_no_position(tmp_path: Path) -> None:
    wrong = GOOD.replace("a + b", "a * b").replace("id: good", "id: times")
    loaded = _load(tmp_path, wrong)
    assert loaded.pack is not None
    (found,) = check_pack_solutions(loaded.pack, None, "pack.yaml")
    assert (found.file, found.line, found.column) == ("pack.yaml", 0, 0)
    assert found.path == ("questions", 0, "approaches", 0)


@pytest.mark.parametrize(
    ("extra", "path", "needle"),
    [
        (
            "      - {id: gen, args: [{$gen: nope}, 1], expected: 2}\n",
            ("questions", 0, "tests", 2, "args"),
            "unknown generator",
        ),
        (
            "      - {id: gen, args: [1, 1], expected: {$gen: range, stop: 3, step: 0}}\n",
            ("questions", 0, "tests", 2, "expected"),
            "'step' must not be 0",
        ),
    ],
    ids=["args", "expected"],
)
def test_invalid_generator_is_reported_and_the_question_not_run(
    tmp_path: Path, extra: str, path: tuple[object, ...], needle: str
) -> None:
    wrong = GOOD.replace("a + b", "a * b")  # would be a mismatch if it ran
    loaded = _load(tmp_path, wrong, tests_extra=extra)
    assert loaded.pack is not None
    (found,) = check_pack_solutions(loaded.pack, loaded.source, "pack.yaml")
    assert found.rule == "test-generator-invalid"
    assert found.path == path and needle in found.message and "'gen'" in found.message
    assert found.line == 14


def test_findings_keep_pack_order_with_parallel_runs(tmp_path: Path) -> None:
    approaches = "".join(
        f"      - id: wrong-{i}\n        title: T\n        summary: S.\n        solution: |\n"
        f"          def add(a, b):\n              return {i}\n"
        for i in range(5)
    )
    loaded = _load(tmp_path, approaches)
    assert loaded.pack is not None
    found = check_pack_solutions(loaded.pack, loaded.source, "pack.yaml", jobs=2)
    assert [d.path[-1] for d in found] == [0, 1, 2, 3, 4]
    assert [f"'wrong-{i}'" in d.message for i, d in enumerate(found)] == [True] * 5


SLOW = """\
      - id: slow
        title: Sleepy
        summary: Too slow on purpose.
        expect: time_limit
        solution: |
          import time
          def add(a, b):
              time.sleep(5)
"""
WRONG_DECLARED = """\
      - id: off-by-one
        title: Off by one
        summary: Declared wrong, and it is.
        expect: wrong_answer
        solution: |
          def add(a, b):
              return a + b + 1
"""
NOT_WRONG = WRONG_DECLARED.replace("off-by-one", "claims-wrong").replace(" + 1", "")


def test_tally_counts_what_ran_and_the_declared_verdicts(tmp_path: Path) -> None:
    loaded = _load(tmp_path, GOOD + SLOW + WRONG_DECLARED + NOT_WRONG)
    assert loaded.pack is not None
    tally = RunTally()
    found = check_pack_solutions(loaded.pack, loaded.source, "pack.yaml", tally=tally)
    assert [d.rule for d in found] == ["solution-verdict-mismatch"]  # claims-wrong passes
    assert (tally.packs, tally.approaches, tally.as_declared) == (1, 4, 3)
    assert tally.line() == (
        "4 approaches, 3 as declared, 1 declared time_limit confirmed, "
        "1 of 2 declared wrong_answer confirmed"
    )


def test_tally_of_nothing_and_of_tests_that_cannot_be_generated(tmp_path: Path) -> None:
    assert RunTally().line() == "no coding solutions to run"
    extra = "      - {id: gen, args: [{$gen: nope}, 1], expected: 2}\n"
    loaded = _load(tmp_path, GOOD + SLOW, tests_extra=extra)
    assert loaded.pack is not None
    tally = RunTally()
    check_pack_solutions(loaded.pack, loaded.source, "pack.yaml", tally=tally)
    assert tally.line() == (
        "0 approaches, 0 as declared, 2 not run (their tests could not be generated)"
    )


def test_validate_run_prints_the_summary_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trainer.cli.main import app
    from trainer.core.packs.starter import starter_pack

    path = tmp_path / "pack.yaml"
    text = starter_pack("run", schema_path="s.json", filename="pack.yaml", kinds=["coding"])
    path.write_text(text, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["pack", "validate", "--run", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "run: 2 approaches, 2 as declared, 1 declared time_limit confirmed, "
        "2 reference answers with expect, 2 as declared"
    )
    both = runner.invoke(app, ["pack", "validate", "--run", str(path), str(broken)])
    assert both.output.splitlines()[-1].endswith("as declared (1 file not run: errors)")
    plain = runner.invoke(app, ["pack", "validate", str(path)])
    assert "run:" not in plain.output
    data = runner.invoke(app, ["pack", "validate", "--run", "-f", "json", str(path)])
    run = json.loads(data.output)["run"]
    assert run["approaches"] == 2 and run["confirmed"] == {"time_limit": 1}


ANSWERS = """\
    reference_answers:
      - id: claims-wrong
        answer: |
          def add(a, b):
              return a - b
        scores: {}
        rationale: Subtracts, so the sample fails.
        expect: wrong_answer
      - id: claims-right-but-is-not
        answer: |
          It adds them:
          ```python
          def add(a, b):
              return a * b
          ```
        scores: {}
        rationale: Claimed correct, but multiplies.
        expect: accepted
      - id: not-declared
        answer: "def add(a, b): return 0"
        scores: {}
        rationale: No expect, so it is not run.
"""


def test_reference_answers_with_expect_are_run_and_checked(tmp_path: Path) -> None:
    loaded = _load(tmp_path, GOOD + ANSWERS)
    assert loaded.pack is not None
    tally = RunTally()
    found = check_pack_solutions(loaded.pack, loaded.source, "pack.yaml", tally=tally)
    assert [d.path for d in found] == [("questions", 0, "reference_answers", 1)]
    (diag,) = found
    assert diag.rule == "solution-verdict-mismatch"
    assert "reference answer 'claims-right-but-is-not' of 'add-two' should get accepted" in (
        diag.message
    )
    assert "test 'small' returned 2, expected 3" in diag.message  # the fenced code ran
    assert diag.hint is not None and "rationale" in diag.hint
    assert (tally.approaches, tally.answers, tally.answers_as_declared) == (1, 2, 1)
    assert tally.line().endswith("2 reference answers with expect, 1 as declared")
