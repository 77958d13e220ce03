"""Validator rules beyond the schema, one case each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_PACK
from trainer.core.packs.validate import validate_files

BASE = EXAMPLE_PACK.read_text()


def findings(tmp_path: Path, text: str, name: str = "p.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text)
    return [d.rule for d in validate_files([path]).diagnostics]


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ("- id: pair-sum", "- id: Pair_Sum", "id-format"),
        ("- id: cache-invalidation", "- id: pair-sum", "id-duplicate"),
        ("{ref: testing, weight: 1}", "{ref: testng, weight: 1}", "ref-unresolved"),
        ("{ref: testing, weight: 1}", "{ref: testing, weight: 0}", "weight-not-positive"),
        ("{ref: testing, weight: 1}", "{ref: communication, weight: 1}", "rubric-duplicate"),
        ("scores: {correctness: 1,", "scores: {correctness: 7,", "score-out-of-range"),
        ("scores: {correctness: 1,", "scores: {corectness: 1,", "score-unknown-criterion"),
        ("scores: {coverage: 2, communication: 2}", "scores: {coverage: 2}", "score-missing"),
        (
            "        correct: true\n        feedback: Asks",
            "        correct: false\n        feedback: Asks",
            "choice-correct-count",
        ),
        (
            "text: '\"What year did you graduate?\"'",
            "text: '\"How old are you, roughly?\"'",
            "choice-duplicate",
        ),
        ("args: [[2, 7, 11, 15], 9]", "args: [[2, 7, 11, 15]]", "test-args-arity"),
        ("function: pair_sum", "function: pair-sum", "signature-name"),
        (
            "      - Think about time, and about who knows that the data changed.",
            "      - ' '",
            "hint-blank",
        ),
        ("title: Cache invalidation strategies", "title: ' '", "text-blank"),
        (
            "{$gen: range, start: 0, stop: 29998}",
            "{$gen: ranged, stop: 5}",
            "test-generator-invalid",
        ),
        ("tags: [caching]", "tags: [Caching]", "tag-format"),
        (
            "      - Silent or confusing; the interviewer cannot follow the reasoning.\n",
            "",
            "descriptor-count",
        ),
    ],
)
def test_rule_fires(tmp_path: Path, old: str, new: str, rule: str) -> None:
    assert old in BASE, old
    assert rule in findings(tmp_path, BASE.replace(old, new, 1))


PROSE = """\
        answer: |
          I would loop over every pair and return the first one that adds up.
"""


def test_prose_reference_answer_to_a_coding_question_is_a_warning(tmp_path: Path) -> None:
    old = BASE[
        BASE.index("        answer: |\n          def pair_sum") : BASE.index("        scores:")
    ]
    text = BASE.replace(old, PROSE, 1)
    path = tmp_path / "p.yaml"
    path.write_text(text)
    [diag] = validate_files([path]).diagnostics
    assert diag.rule == "reference-answer-not-code"
    assert diag.severity.value == "warning"
    assert diag.path_str == "questions[0].reference_answers[0].answer"
    assert "is not Python" in diag.message and "nested-loops" in diag.message


def test_reference_answer_code_in_a_fence_or_without_the_function(tmp_path: Path) -> None:
    old = "        answer: |\n          def pair_sum(nums, target):\n"
    assert old in BASE
    fenced = BASE.replace(
        old,
        "        answer: |\n          Loops:\n          ```python\n"
        "          def pair_sum(nums, target):\n",
        1,
    ).replace(
        "                          return [i, j]\n        scores:",
        "                          return [i, j]\n          ```\n        scores:",
        1,
    )
    assert findings(tmp_path, fenced) == []
    other = BASE.replace(old, "        answer: |\n          def pairs(nums, target):\n", 1)
    assert findings(tmp_path, other) == ["reference-answer-not-code"]


def test_expect_on_a_non_coding_reference_answer_is_a_warning(tmp_path: Path) -> None:
    old = "scores: {coverage: 2, communication: 2}\n"
    assert old in BASE
    text = BASE.replace(old, old + "        expect: wrong_answer\n", 1)
    assert findings(tmp_path, text) == ["expect-without-solution"]


def test_example_is_clean(tmp_path: Path) -> None:
    assert findings(tmp_path, BASE) == []


def test_sample_tests_required(tmp_path: Path) -> None:
    text = BASE.replace("visibility: sample", "visibility: hidden")
    assert "tests-sample-missing" in findings(tmp_path, text)


def test_hidden_tests_required(tmp_path: Path) -> None:
    text = BASE.replace("visibility: hidden", "visibility: sample")
    assert "tests-hidden-missing" in findings(tmp_path, text)


def test_ids_unique_across_packs(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE)
    b.write_text(BASE)
    report = validate_files([a, b])
    rules = [(d.file, d.rule) for d in report.diagnostics]
    assert (str(b), "pack-id-duplicate") in rules
    assert (str(b), "question-id-shared") in rules
    assert all(f == str(b) for f, _ in rules)


def test_every_finding_has_a_position_and_rule(tmp_path: Path) -> None:
    text = BASE.replace("{ref: testing, weight: 1}", "{ref: nope, weight: -1}")
    path = tmp_path / "x.yaml"
    path.write_text(text)
    report = validate_files([path])
    assert report.diagnostics
    for d in report.diagnostics:
        assert d.line > 0 and d.column > 0 and d.rule
