"""Rubric scoring: normalisation, weights, partial rubrics and exact verdict boundaries."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from trainer.core.evaluation.scoring import (
    RubricScore,
    band_thresholds,
    exact_weight,
    from_plain,
    normalise,
    parse_fraction,
    score_rubric,
    to_plain,
    verdict_level,
)
from trainer.core.packs.resolve import ResolvedCriterion

FOUR = ("Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire")
TINY = Fraction(1, 10**12)


def crit(
    cid: str, weight: float = 1.0, levels: tuple[str, ...] = FOUR, *, descriptors: bool = True
) -> ResolvedCriterion:
    return ResolvedCriterion(
        id=cid,
        title=cid.title(),
        weight=weight,
        levels=levels,
        descriptors=tuple(f"{cid} level {i}" for i in range(1, len(levels) + 1))
        if descriptors
        else (),
    )


def scale(n: int) -> tuple[str, ...]:
    return tuple(f"L{i}" for i in range(1, n + 1))


@pytest.mark.parametrize(
    ("score", "max_score", "expected"),
    [
        (1, 4, Fraction(0)),
        (4, 4, Fraction(1)),
        (2, 4, Fraction(1, 3)),
        (3, 5, Fraction(1, 2)),
        (2, 2, Fraction(1)),
        (1, 2, Fraction(0)),
        (7, 10, Fraction(2, 3)),
    ],
)
def test_normalise_maps_levels_onto_zero_to_one(
    score: int, max_score: int, expected: Fraction
) -> None:
    assert normalise(score, max_score) == expected


def test_normalise_rejects_one_level_scale() -> None:
    with pytest.raises(ValueError, match="two levels"):
        normalise(1, 1)


@pytest.mark.parametrize(
    ("overall", "levels", "expected"),
    [
        (Fraction(0), 4, 1),
        (Fraction(1, 6) - TINY, 4, 1),
        (Fraction(1, 6), 4, 2),
        (Fraction(1, 2) - TINY, 4, 2),
        (Fraction(1, 2), 4, 3),  # weighted mean exactly 2.5: half up
        (Fraction(5, 6) - TINY, 4, 3),
        (Fraction(5, 6), 4, 4),
        (Fraction(1), 4, 4),
        (Fraction(1, 2) - TINY, 2, 1),
        (Fraction(1, 2), 2, 2),
        (Fraction(1, 8), 5, 2),  # position 1.5
        (Fraction(1, 8) - TINY, 5, 1),
        (Fraction(7, 8), 5, 5),
        (Fraction(7, 8) - TINY, 5, 4),
        (Fraction(1, 4), 3, 2),
        (Fraction(3, 4), 3, 3),
    ],
)
def test_verdict_level_rounds_half_up_at_exact_boundaries(
    overall: Fraction, levels: int, expected: int
) -> None:
    assert verdict_level(overall, levels) == expected


@pytest.mark.parametrize("levels", [2, 3, 4, 5, 10])
def test_band_thresholds_agree_with_verdict_level(levels: int) -> None:
    thresholds = band_thresholds(levels)
    assert len(thresholds) == levels - 1
    for band, start in enumerate(thresholds, start=2):
        assert verdict_level(start, levels) == band
        assert verdict_level(start - TINY, levels) == band - 1


def test_four_point_thresholds_are_sixths() -> None:
    assert band_thresholds(4) == (Fraction(1, 6), Fraction(1, 2), Fraction(5, 6))


@pytest.mark.parametrize(
    ("overall", "levels"), [(Fraction(-1, 10), 4), (Fraction(11, 10), 4), (Fraction(1, 2), 1)]
)
def test_verdict_level_rejects_out_of_range(overall: Fraction, levels: int) -> None:
    with pytest.raises(ValueError):
        verdict_level(overall, levels)


@pytest.mark.parametrize(
    ("scores", "overall", "verdict"),
    [
        ({"a": 2, "b": 3}, Fraction(1, 2), "Leaning hire"),  # mean 2.5 is a tie: half up
        ({"a": 2, "b": 2, "c": 3}, Fraction(4, 9), "Leaning no hire"),  # mean 7/3
        ({"a": 3, "b": 3, "c": 4}, Fraction(7, 9), "Leaning hire"),  # mean 10/3
        ({"a": 4, "b": 4, "c": 3}, Fraction(8, 9), "Strong hire"),  # mean 11/3
        ({"a": 1, "b": 1}, Fraction(0), "Strong no hire"),
        ({"a": 4, "b": 4}, Fraction(1), "Strong hire"),
    ],
)
def test_equal_weights_mean_and_band(
    scores: dict[str, int], overall: Fraction, verdict: str
) -> None:
    result = score_rubric([crit(k) for k in scores], scores)
    assert result.overall == overall
    assert result.verdict == verdict
    assert result.mean_level == 1 + 3 * overall
    assert not result.partial


def test_weights_are_normalised() -> None:
    result = score_rubric([crit("a", 3), crit("b", 1)], {"a": 4, "b": 1})
    assert result.overall == Fraction(3, 4)
    assert [c.share for c in result.criteria] == [Fraction(3, 4), Fraction(1, 4)]
    assert result.verdict == "Leaning hire"  # position 3.25


def test_decimal_weights_do_not_drift_off_a_tie() -> None:
    # In floats this weighted mean is 0.4999999999999999 and would round down to level 2.
    criteria = [crit("a", 0.1), crit("b", 0.2), crit("c", 0.3)]
    result = score_rubric(criteria, {"a": 1, "b": 1, "c": 4})
    assert result.overall == Fraction(1, 2)
    assert result.verdict_level == 3


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        (0.1, Fraction(1, 10)),
        (3, Fraction(3)),
        (2.5, Fraction(5, 2)),
        (1e-7, Fraction(1, 10**7)),
        (0.0, Fraction(0)),
    ],
)
def test_exact_weight_reads_the_written_decimal(weight: float, expected: Fraction) -> None:
    assert exact_weight(weight) == expected


@pytest.mark.parametrize("weight", [-1.0, float("nan"), float("inf"), True])
def test_exact_weight_rejects_bad_weights(weight: float) -> None:
    with pytest.raises(ValueError):
        exact_weight(weight)


def test_mixed_scales_are_normalised_per_criterion() -> None:
    criteria = [crit("three", levels=scale(3)), crit("five", levels=scale(5))]
    result = score_rubric(criteria, {"three": 2, "five": 3}, verdict_levels=FOUR)
    assert [c.normalised for c in result.criteria] == [Fraction(1, 2), Fraction(1, 2)]
    assert result.overall == Fraction(1, 2)
    assert result.verdict == "Leaning hire"


@pytest.mark.parametrize(
    ("scores", "overall", "unscored"),
    [
        ({"a": 4, "b": None, "c": 1}, Fraction(1, 2), ("b",)),
        ({"a": 4}, Fraction(1), ("b", "c")),
        ({"c": 1, "b": 3}, Fraction(1, 3), ("a",)),
    ],
)
def test_unscored_criteria_are_reported_not_zero(
    scores: dict[str, int | None], overall: Fraction, unscored: tuple[str, ...]
) -> None:
    result = score_rubric([crit("a"), crit("b"), crit("c")], scores)
    assert result.partial
    assert result.unscored == unscored
    assert result.overall == overall
    for line in result.criteria:
        assert (line.score is None) == (line.id in unscored)
        assert (line.share is None) == (line.id in unscored)


@pytest.mark.parametrize(
    ("criteria", "scores"),
    [
        ([crit("a"), crit("b")], {}),
        ([crit("a"), crit("b")], {"a": None, "b": None}),
        ([crit("a", 0), crit("b")], {"a": 4}),  # only a zero-weight criterion scored
        ([], {}),
    ],
)
def test_overall_withheld_when_nothing_weighs(
    criteria: list[ResolvedCriterion], scores: dict[str, int | None]
) -> None:
    result = score_rubric(criteria, scores)
    assert result.overall is None
    assert result.verdict is None
    assert result.mean_level is None


def test_scored_line_carries_level_name_and_descriptor() -> None:
    result = score_rubric([crit("a"), crit("b", descriptors=False)], {"a": 3, "b": 2})
    first, second = result.criteria
    assert (first.level, first.descriptor) == ("Leaning hire", "a level 3")
    assert (second.level, second.descriptor) == ("Leaning no hire", None)
    assert result.scores() == {"a": 3, "b": 2}
    assert result.score_of("b") == 2
    assert result.score_of("zzz") is None


@pytest.mark.parametrize("bad", [0, 5, -1, True, "3", 2.0])
def test_out_of_range_or_non_integer_scores_raise(bad: object) -> None:
    with pytest.raises(ValueError, match="'a'"):
        score_rubric([crit("a")], {"a": bad})  # type: ignore[dict-item]


def test_duplicate_criterion_ids_raise() -> None:
    with pytest.raises(ValueError, match="twice"):
        score_rubric([crit("a"), crit("a")], {"a": 1})


def test_unknown_score_ids_are_ignored_and_reported() -> None:
    result = score_rubric([crit("a")], {"a": 2, "zeta": 3, "beta": 1, "gone": None})
    assert result.ignored == ("beta", "zeta")
    assert result.overall == Fraction(1, 3)


def test_verdict_scale_defaults_to_first_criterion() -> None:
    result = score_rubric([crit("a", levels=scale(5)), crit("b")], {"a": 5, "b": 4})
    assert result.verdict_levels == scale(5)
    assert result.verdict == "L5"


def test_rubric_score_round_trips_through_json(tmp_path: Path) -> None:
    criteria = [crit("a", 0.1), crit("b", 0.2), crit("c", 0.3, levels=scale(5))]
    result = score_rubric(criteria, {"a": 2, "c": 4})
    path = tmp_path / "score.json"
    path.write_text(json.dumps(to_plain(result)), encoding="utf-8")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 1
    assert data["overall"] == str(result.overall)
    back = from_plain(RubricScore, data)
    assert back == result
    assert back.partial and back.unscored == ("b",)


@pytest.mark.parametrize(
    "data",
    [
        {"format": 2, "criteria": [], "verdict_levels": []},
        {"criteria": [{"id": "a"}], "verdict_levels": []},
        {"criteria": [], "verdict_levels": [], "overall": "one half"},
        {"criteria": [], "verdict_levels": [], "overall": "1/0"},
        ["not", "a", "mapping"],
    ],
)
def test_from_plain_rejects_malformed_data(data: object) -> None:
    with pytest.raises(ValueError):
        from_plain(RubricScore, data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3/4", Fraction(3, 4)),
        (" 1/3 ", Fraction(1, 3)),
        (2, Fraction(2)),
        (0.25, Fraction(1, 4)),
        (0.1, Fraction(1, 10)),
        (Fraction(5, 7), Fraction(5, 7)),
    ],
)
def test_parse_fraction(raw: object, expected: Fraction) -> None:
    assert parse_fraction(raw) == expected


@pytest.mark.parametrize("raw", [True, None, "x", float("nan"), [1, 2]])
def test_parse_fraction_rejects(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_fraction(raw)
