"""Automatic evidence: coding runs, choice grading, hints, time and signal items."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from trainer.core.evaluation.evidence import (
    CodingEvidence,
    coding_evidence,
    correctness_tier,
    format_duration,
    grade_choices,
    hint_usage,
    signal_items,
    suggest_correctness,
    time_usage,
)
from trainer.core.evaluation.results import RunResult, RunVerdict, TestResult
from trainer.core.evaluation.signals import SignalCoverage, SignalHit
from trainer.core.packs.model import MultipleChoiceQuestion
from trainer.core.packs.resolve import ResolvedCriterion

FOUR = ("Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire")


def crit(cid: str, levels: int = 4) -> ResolvedCriterion:
    names = FOUR if levels == 4 else tuple(f"L{i}" for i in range(1, levels + 1))
    return ResolvedCriterion(cid, cid.title(), 1.0, names, tuple(names))


def outcome(tid: str, visibility: str, verdict: RunVerdict = "accepted", **kw: str) -> TestResult:
    """A TestResult in one line."""
    return TestResult(tid, visibility, verdict, **kw)  # type: ignore[arg-type]


S_OK, S_BAD = outcome("s1", "sample"), outcome("s2", "sample", "wrong_answer")
H_OK, H_BAD = outcome("h1", "hidden"), outcome("h2", "hidden", "wrong_answer")
H_SLOW = outcome("h3", "hidden", "time_limit", error="time limit 1.0 s")


@pytest.mark.parametrize(
    ("verdict", "tests", "tier"),
    [
        ("accepted", (S_OK, H_OK), "all-passed"),
        ("accepted", (S_OK,), "all-passed"),
        ("wrong_answer", (S_OK, H_BAD), "samples-passed"),
        ("time_limit", (S_OK, H_OK, H_SLOW), "samples-passed"),
        ("output_limit", (S_OK, H_OK), "samples-passed"),  # whole run failed after the tests
        ("wrong_answer", (S_OK, S_BAD, H_OK), "some-passed"),
        ("wrong_answer", (H_OK, H_BAD), "some-passed"),  # no sample tests at all
        ("wrong_answer", (S_BAD, H_BAD), "none-passed"),
        ("compile_error", (), "none-passed"),
        ("runtime_error", (), "none-passed"),
        ("accepted", (), None),
    ],
)
def test_correctness_tier(
    verdict: RunVerdict, tests: tuple[TestResult, ...], tier: str | None
) -> None:
    assert correctness_tier(RunResult(verdict, tests)) == tier


@pytest.mark.parametrize(
    ("tests", "not_run", "sample_ids", "tier"),
    [
        ((S_OK, H_SLOW), ("h4",), (), "samples-passed"),
        ((S_OK, H_SLOW), ("s9",), ("s1", "s9"), "some-passed"),  # a sample never ran
        ((S_OK, H_SLOW), ("s9",), (), "samples-passed"),  # unknown: counted as hidden
        ((S_OK, H_OK), ("h4",), (), "samples-passed"),  # not everything ran
        ((outcome("s1", "sample", "compile_error"),), ("s2", "h1"), ("s2",), "none-passed"),
        ((), ("s1",), ("s1",), "none-passed"),
    ],
)
def test_tests_that_never_ran_are_not_passed(
    tests: tuple[TestResult, ...],
    not_run: tuple[str, ...],
    sample_ids: tuple[str, ...],
    tier: str,
) -> None:
    verdict: RunVerdict = next((t.verdict for t in tests if not t.passed), "accepted")
    run = RunResult(verdict, tests, not_run=not_run)
    assert correctness_tier(run, sample_ids) == tier


def test_never_started_tests_are_counted_and_reported() -> None:
    run = RunResult("time_limit", (S_OK, H_SLOW), not_run=("s9", "h4", "h5"))
    ev = coding_evidence(run, [crit("correctness")], sample_ids={"s1", "s9"})
    assert (ev.sample_passed, ev.sample_total, ev.hidden_passed, ev.hidden_total) == (1, 2, 0, 3)
    assert ev.total == 5 and not ev.all_passed
    items = {i.code: i for i in ev.items()}
    assert "1 of 5" in items["tests-passed"].message
    assert items["not-run"].message.endswith("s9, h4, h5")
    assert ev.suggestion is not None and ev.suggestion.rule == "some-passed"


@pytest.mark.parametrize(
    ("tests", "verdict", "levels", "score"),
    [
        ((S_OK, H_OK), "accepted", 4, 4),
        ((S_OK, H_BAD), "wrong_answer", 4, 3),
        ((S_BAD, H_OK), "wrong_answer", 4, 2),
        ((S_BAD, H_BAD), "wrong_answer", 4, 1),
        ((S_OK, H_OK), "accepted", 5, 5),
        ((S_OK, H_BAD), "wrong_answer", 5, 4),
        ((S_BAD, H_OK), "wrong_answer", 5, 3),
        ((S_BAD, H_BAD), "wrong_answer", 5, 1),
        ((S_OK, H_OK), "accepted", 2, 2),
        ((S_OK, H_BAD), "wrong_answer", 2, 1),
        ((S_BAD, H_OK), "wrong_answer", 2, 1),
        ((S_BAD, H_OK), "wrong_answer", 3, 1),
        ((S_OK, H_BAD), "wrong_answer", 3, 2),
    ],
)
def test_suggested_correctness_levels(
    tests: tuple[TestResult, ...], verdict: RunVerdict, levels: int, score: int
) -> None:
    suggestion = suggest_correctness(RunResult(verdict, tests), levels)
    assert suggestion is not None
    assert (suggestion.criterion_id, suggestion.score, suggestion.max_score) == (
        "correctness",
        score,
        levels,
    )


def test_coding_evidence_counts_and_first_failure() -> None:
    failing = outcome(
        "dup",
        "sample",
        "wrong_answer",
        args_repr="[3, 3], 6",
        expected_repr="[0, 1]",
        actual_repr="[0, 0]",
    )
    run = RunResult("wrong_answer", (S_OK, failing, H_OK, H_SLOW), notes=("no network namespace",))
    ev = coding_evidence(run, [crit("correctness"), crit("efficiency"), crit("testing")])
    assert (ev.sample_passed, ev.sample_total, ev.hidden_passed, ev.hidden_total) == (1, 2, 1, 2)
    assert ev.passed == 2 and not ev.all_passed
    assert ev.first_failure == failing
    assert ev.failed == (failing, H_SLOW)
    assert ev.suggestion is not None and ev.suggestion.score == 2
    assert ev.notes == ("no network namespace",)
    items = {i.code: i for i in ev.items()}
    assert set(items) == {"tests-passed", "first-failure", "limit-hit", "suggested-score"}
    assert all(i.source == "tests" for i in items.values())
    assert "2 of 4" in items["tests-passed"].message
    assert "samples 1/2" in items["tests-passed"].message
    first = items["first-failure"].message
    assert "dup" in first and "[3, 3], 6" in first and "expected [0, 1]" in first
    assert "got [0, 0]" in first
    assert items["limit-hit"].criterion_id == "efficiency"
    assert items["suggested-score"].criterion_id == "correctness"


@pytest.mark.parametrize(
    ("criteria", "suggests", "efficiency"),
    [
        (["communication"], False, None),
        (["correctness"], True, None),
        (["correctness", "efficiency"], True, "efficiency"),
    ],
)
def test_coding_evidence_depends_on_the_rubric(
    criteria: list[str], suggests: bool, efficiency: str | None
) -> None:
    ev = coding_evidence(RunResult("time_limit", (S_OK, H_SLOW)), [crit(c) for c in criteria])
    assert (ev.suggestion is not None) == suggests
    assert ev.efficiency_id == efficiency
    limit = [i for i in ev.items() if i.code == "limit-hit"]
    assert len(limit) == 1 and limit[0].criterion_id == efficiency


def test_all_passed_run_has_no_failure_item() -> None:
    ev = coding_evidence(RunResult("accepted", (S_OK, H_OK)), [crit("correctness")])
    codes = [i.code for i in ev.items()]
    assert codes == ["tests-passed", "suggested-score"]
    assert ev.items()[0].tone == "good"


def test_compile_error_without_tests_reports_the_verdict() -> None:
    ev = coding_evidence(RunResult("compile_error"), [crit("correctness")])
    items = ev.items()
    assert items[0].code == "verdict" and "compile error" in items[0].message
    assert ev.suggestion is not None and ev.suggestion.score == 1
    assert isinstance(ev, CodingEvidence) and ev.first_failure is None


# --------------------------------------------------------------------------- choices


def mcq(select: str, correct: set[str], ids: str = "abcd") -> MultipleChoiceQuestion:
    data: dict[str, Any] = {
        "kind": "multiple_choice",
        "id": "q",
        "title": "Q",
        "difficulty": "easy",
        "prompt": "Pick.",
        "select": select,
        "choices": [
            {"id": c, "text": f"Choice {c}", "correct": c in correct, "feedback": f"Why {c}"}
            for c in ids
        ],
    }
    return MultipleChoiceQuestion.model_validate(data)


@pytest.mark.parametrize(
    ("selected", "correct", "credit"),
    [
        ([], False, 0),
        (["b"], True, 1),
        (["a"], False, 0),
        (["a", "b"], False, 0),  # several picks in single select: not correct
        (["b", "b"], True, 1),  # duplicates are one pick
        (["b", "nope"], True, 1),  # unknown ids are ignored
        (["nope"], False, 0),
    ],
)
def test_single_select_grading(selected: list[str], correct: bool, credit: int) -> None:
    grade = grade_choices(mcq("single", {"b"}), selected)
    assert grade.correct is correct
    assert grade.credit == credit


@pytest.mark.parametrize(
    ("selected", "correct", "credit"),
    [
        ([], False, Fraction(0)),
        (["a", "c"], True, Fraction(1)),
        (["c", "a"], True, Fraction(1)),
        (["a"], False, Fraction(1, 2)),
        (["a", "b"], False, Fraction(0)),  # one right, one wrong
        (["a", "c", "b"], False, Fraction(1, 2)),
        (["a", "b", "c", "d"], False, Fraction(0)),  # picking everything earns nothing
        (["b", "d"], False, Fraction(0)),  # never below zero
    ],
)
def test_multiple_select_partial_credit(
    selected: list[str], correct: bool, credit: Fraction
) -> None:
    grade = grade_choices(mcq("multiple", {"a", "c"}), selected)
    assert grade.correct is correct
    assert grade.credit == credit


@pytest.mark.parametrize(("selected", "correct"), [([], True), (["a"], False)])
def test_multiple_select_with_no_correct_choice(selected: list[str], correct: bool) -> None:
    grade = grade_choices(mcq("multiple", set()), selected)
    assert grade.correct is correct
    assert grade.credit == (1 if correct else 0)


def test_selected_as_a_string_is_refused() -> None:
    with pytest.raises(ValueError, match="not a string"):
        grade_choices(mcq("single", {"b"}), "b")


def test_choice_feedback_for_each_chosen_and_each_missed() -> None:
    grade = grade_choices(mcq("multiple", {"a", "c"}), ["c", "d", "x"])
    assert grade.selected == ("c", "d")
    assert [c.id for c in grade.chosen] == ["c", "d"]
    assert [c.id for c in grade.missed] == ["a"]
    assert grade.unknown == ("x",)
    assert [c.outcome for c in grade.choices] == [
        "missed",
        "rightly-left",
        "right-pick",
        "wrong-pick",
    ]
    items = grade.items()
    assert all(i.source == "choices" for i in items)
    assert [i.code for i in items] == [
        "choices-wrong",
        "choice-right",
        "choice-wrong",
        "choice-missed",
        "choice-unknown",
    ]
    assert "Why c" in items[1].message and "Why d" in items[2].message
    assert "Why a" in items[3].message


@pytest.mark.parametrize(
    ("selected", "code"),
    [
        ([], "choices-none"),
        (["a", "c"], "choices-correct"),
        (["a"], "choices-partial"),
        (["b"], "choices-wrong"),
    ],
)
def test_choice_summary_item(selected: list[str], code: str) -> None:
    grade = grade_choices(mcq("multiple", {"a", "c"}), selected)
    assert grade.items()[0].code == code


def test_partial_item_shows_percentage() -> None:
    grade = grade_choices(mcq("multiple", {"a", "b", "c"}), ["a"])
    assert "33%" in grade.items()[0].message


# --------------------------------------------------------------------------- hints, time


@pytest.mark.parametrize(
    ("used", "available", "codes", "more_than_one"),
    [
        (0, 3, ["no-hints"], False),
        (1, 3, ["hints-used"], False),
        (2, 3, ["hints-many"], True),
        (3, 3, ["hints-many"], True),
        (0, 0, [], False),
    ],
)
def test_hint_usage(used: int, available: int, codes: list[str], more_than_one: bool) -> None:
    usage = hint_usage(used, available)
    assert [i.code for i in usage.items()] == codes
    assert usage.more_than_one is more_than_one
    assert usage.all_used is (available > 0 and used == available)
    assert all(i.source == "hints" for i in usage.items())


@pytest.mark.parametrize(("used", "available"), [(-1, 3), (1, -1), (True, 3)])
def test_hint_usage_rejects_bad_counts(used: int, available: int) -> None:
    with pytest.raises(ValueError):
        hint_usage(used, available)


@pytest.mark.parametrize(
    ("elapsed", "limit", "overtime", "over_by"),
    [
        (0.0, 1200.0, False, 0.0),
        (1200.0, 1200.0, False, 0.0),  # exactly on the limit is in time
        (1200.5, 1200.0, True, 0.5),
        (1300.0, 1200.0, True, 100.0),
    ],
)
def test_time_usage(elapsed: float, limit: float, overtime: bool, over_by: float) -> None:
    usage = time_usage(elapsed, limit)
    assert usage.overtime is overtime
    assert usage.over_by_s == over_by
    (item,) = usage.items()
    assert item.source == "time"
    assert item.code == ("overtime" if overtime else "in-time")


def test_overtime_message() -> None:
    (item,) = time_usage(1300, 1200).items()
    assert item.message == "Over time by 1:40 (21:40 of 20:00)"


@pytest.mark.parametrize(
    ("elapsed", "limit"), [(-1.0, 60.0), (float("nan"), 60.0), (1.0, float("inf")), (1.0, -5.0)]
)
def test_time_usage_rejects_bad_values(elapsed: float, limit: float) -> None:
    with pytest.raises(ValueError):
        time_usage(elapsed, limit)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (0.2, "0:01"),
        (59, "0:59"),
        (60, "1:00"),
        (61.0, "1:01"),
        (600, "10:00"),
        (3599.5, "1:00:00"),
        (3600, "1:00:00"),
        (3725, "1:02:05"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


# --------------------------------------------------------------------------- signals


def test_signal_items() -> None:
    full = SignalCoverage("a", "Alpha", (SignalHit("x", "x", 0),))
    half = SignalCoverage("b", "Beta", (SignalHit("x", "X", 3), SignalHit("y")))
    none = SignalCoverage("c", "Gamma", (SignalHit("y"),))
    empty = SignalCoverage("d", "Delta", ())
    items = signal_items([full, half, none, empty])
    assert [(i.criterion_id, i.tone) for i in items] == [
        ("a", "good"),
        ("b", "neutral"),
        ("c", "bad"),
    ]
    assert items[1].message == "Beta: mentions x; does not mention y"
    assert items[2].message == "Gamma: mentions none; does not mention y"
    assert all(i.source == "signals" for i in items)


def test_signal_items_report_negated_mentions_as_not_covered() -> None:
    denied = SignalHit("test", "tests", 16, negated=True)
    only_denied = SignalCoverage("q", "Quality", (denied,))
    mixed = SignalCoverage("r", "Rigor", (SignalHit("x", "x", 0), denied, SignalHit("y")))
    items = signal_items([only_denied, mixed])
    assert items[0].message == "Quality: mentions none; mentioned, negated: test"
    assert items[0].tone == "bad"
    assert items[1].message == "Rigor: mentions x; mentioned, negated: test; does not mention y"
    assert items[1].tone == "neutral"
