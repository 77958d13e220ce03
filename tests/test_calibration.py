"""Calibration against reference scores, per round and over many rounds."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from trainer.core.evaluation.calibration import (
    Calibration,
    RunningCalibration,
    calibrate,
    calibrate_question,
)
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import Pack, ReferenceAnswer
from trainer.core.packs.resolve import ResolvedCriterion

EXAMPLE = Path(__file__).resolve().parents[1] / "question_packs" / "example.yaml"
FOUR = ("Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire")


def crit(cid: str, levels: int = 4, weight: float = 1.0) -> ResolvedCriterion:
    names = FOUR if levels == 4 else tuple(f"L{i}" for i in range(1, levels + 1))
    return ResolvedCriterion(cid, cid.title(), weight, names, names)


def ref(**scores: int) -> ReferenceAnswer:
    return ReferenceAnswer(id="ref", answer="...", scores=scores, rationale="because")


CRITERIA = [crit("a"), crit("b"), crit("c")]


@pytest.fixture(scope="module")
def pack() -> Pack:
    loaded = load_pack_file(EXAMPLE)
    assert loaded.ok and loaded.pack is not None
    return loaded.pack


def test_per_criterion_gaps_and_directions() -> None:
    cal = calibrate(CRITERIA, {"a": 3, "b": 2, "c": 1}, ref(a=2, b=2, c=4))
    assert [(g.criterion_id, g.diff, g.direction) for g in cal.gaps] == [
        ("a", 1, "over"),
        ("b", 0, "match"),
        ("c", -3, "under"),
    ]
    assert [g.normalised_diff for g in cal.gaps] == [Fraction(1, 3), 0, Fraction(-1)]
    assert cal.over == ("a",) and cal.under == ("c",)
    assert cal.mae == Fraction(4, 9)  # (1/3 + 0 + 1) / 3


@pytest.mark.parametrize(
    ("levels", "user", "reference", "mae"),
    [
        (3, 2, 1, Fraction(1, 2)),
        (4, 2, 1, Fraction(1, 3)),
        (5, 2, 1, Fraction(1, 4)),
        (10, 10, 1, Fraction(1)),
        (2, 1, 2, Fraction(1)),
    ],
)
def test_mae_is_normalised_by_scale(levels: int, user: int, reference: int, mae: Fraction) -> None:
    cal = calibrate([crit("x", levels)], {"x": user}, ref(x=reference))
    assert cal.mae == mae


def test_perfect_match() -> None:
    cal = calibrate(CRITERIA, {"a": 4, "b": 1, "c": 3}, ref(a=4, b=1, c=3))
    assert cal.mae == 0
    assert cal.over == cal.under == ()
    assert cal.verdict_agrees is True
    assert cal.user_verdict == cal.reference_verdict


def test_mae_is_unweighted() -> None:
    criteria = [crit("heavy", weight=10), crit("light", weight=1)]
    cal = calibrate(criteria, {"heavy": 1, "light": 4}, ref(heavy=1, light=1))
    assert cal.mae == Fraction(1, 2)


def test_unscored_and_unreferenced_criteria_are_not_errors() -> None:
    cal = calibrate(CRITERIA, {"a": 2, "b": None}, ref(a=3, b=2))
    assert [g.direction for g in cal.gaps] == ["under", "unscored", "no-reference"]
    assert cal.unscored == ("b",)
    assert cal.mae == Fraction(1, 3)  # only "a" compared


def test_nothing_compared() -> None:
    cal = calibrate(CRITERIA, {}, ref(a=3))
    assert cal.mae is None
    assert cal.user_verdict is None
    assert cal.verdict_agrees is None


@pytest.mark.parametrize(
    ("user", "reference", "levels", "agrees"),
    [
        ({"a": 2, "b": 3}, {"a": 3, "b": 3}, (3, 3), True),  # mean 2.5 rounds half up
        ({"a": 2, "b": 2}, {"a": 2, "b": 3}, (2, 3), False),
        ({"a": 1, "b": 2}, {"a": 1, "b": 1}, (2, 1), False),  # mean 1.5 -> level 2
        ({"a": 3, "b": 4}, {"a": 4, "b": 4}, (4, 4), True),  # mean 3.5 -> level 4
        ({"a": 1, "b": 4}, {"a": 2, "b": 3}, (3, 3), True),  # different scores, same band
    ],
)
def test_verdict_agreement_follows_the_band_rule(
    user: dict[str, int], reference: dict[str, int], levels: tuple[int, int], agrees: bool
) -> None:
    cal = calibrate([crit("a"), crit("b")], user, ref(**reference))
    assert (cal.user_verdict_level, cal.reference_verdict_level) == levels
    assert cal.verdict_agrees is agrees


def test_calibration_invalid_scores_raise() -> None:
    with pytest.raises(ValueError, match="'a'"):
        calibrate(CRITERIA, {"a": 7}, ref(a=1))


def test_calibrate_question_with_the_example_pack(pack: Pack) -> None:
    q = pack.question("pair-sum")
    assert q is not None
    cal = calibrate_question(
        pack, q, "nested-loops", {"correctness": 2, "efficiency": 2, "communication": 3}
    )
    assert (cal.pack_id, cal.question_id, cal.reference_id) == (
        "example",
        "pair-sum",
        "nested-loops",
    )
    assert cal.over == ("correctness", "communication")
    assert cal.unscored == ("testing",)
    assert cal.mae == Fraction(2, 9)
    assert cal.reference_verdict == "Strong no hire"
    assert cal.user_verdict == "Leaning no hire"
    assert cal.verdict_agrees is False
    with pytest.raises(ValueError, match="no reference answer"):
        calibrate_question(pack, q, "missing", {})


def test_calibration_round_trips_through_json(tmp_path: Path) -> None:
    cal = calibrate([crit("a"), crit("b", 5)], {"a": 3}, ref(a=1, b=2))
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(cal.to_dict()), encoding="utf-8")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["mae"] == "2/3"
    assert data["verdict_agrees"] is False
    assert Calibration.from_dict(data) == cal


# --------------------------------------------------------------------------- running


def rounds() -> list[Calibration]:
    return [
        calibrate(CRITERIA, {"a": 3, "b": 2, "c": 1}, ref(a=2, b=2, c=1)),  # mae 1/9, bands 2, 2
        calibrate(CRITERIA, {"a": 4, "b": 4, "c": 4}, ref(a=1, b=1, c=1)),  # mae 1, disagree
        calibrate(CRITERIA, {}, ref(a=1)),  # nothing compared
        calibrate(CRITERIA, {"a": 1, "c": 3}, ref(a=2, c=3)),  # mae 1/6, bands 2 vs 3
    ]


def test_running_calibration_from_calibrations() -> None:
    run = RunningCalibration.from_calibrations(rounds())
    assert run.rounds == 4
    assert run.scored_rounds == 3
    assert run.mae == (Fraction(1, 9) + 1 + Fraction(1, 6)) / 3
    assert run.verdict_rounds == 3
    assert run.verdict_agreement == Fraction(1, 3)  # only the first round's bands agree
    bias = {b.criterion_id: b for b in run.criteria}
    assert [b.criterion_id for b in run.criteria] == ["a", "b", "c"]
    assert bias["a"].compared == 3
    assert bias["a"].mean_diff == (Fraction(1, 3) + 1 - Fraction(1, 3)) / 3
    assert bias["a"].mean_abs_diff == (Fraction(1, 3) + 1 + Fraction(1, 3)) / 3
    assert bias["b"].mean_diff == Fraction(1, 2)
    assert run.over_scored == ("a", "b", "c")
    assert run.under_scored == ()


def test_running_calibration_keeps_the_last_rounds() -> None:
    run = RunningCalibration.from_calibrations(rounds(), last=2)
    assert run.rounds == 2
    assert run.mae == Fraction(1, 6)
    bias = {b.criterion_id: b for b in run.criteria}
    assert bias["a"].tendency == "under"
    assert bias["c"].tendency == "even"
    with pytest.raises(ValueError):
        RunningCalibration.from_calibrations(rounds(), last=0)


def test_running_calibration_of_nothing() -> None:
    run = RunningCalibration.from_calibrations([])
    assert (run.rounds, run.mae, run.verdict_agreement, run.criteria) == (0, None, None, ())


def test_running_calibration_from_stored_dicts(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    stored = [c.to_dict() for c in rounds()]
    path.write_text(json.dumps(stored), encoding="utf-8")
    from_store = RunningCalibration.from_dicts(json.loads(path.read_text(encoding="utf-8")))
    assert from_store == RunningCalibration.from_calibrations(rounds())


def test_running_calibration_from_bare_figures() -> None:
    figures: list[dict[str, Any]] = [
        {"mae": 0.25, "verdict_agrees": True},
        {"mae": "1/2", "verdict_agrees": False},
        {"mae": None, "verdict_agrees": None},
        {"mae": 0},
    ]
    run = RunningCalibration.from_dicts(figures)
    assert run.rounds == 4 and run.scored_rounds == 3
    assert run.mae == Fraction(1, 4)  # (1/4 + 1/2 + 0) / 3, exact from the written decimal
    assert run.verdict_agreement == Fraction(1, 2)
    assert run.criteria == ()


@pytest.mark.parametrize(
    "item",
    [
        {"mae": 1.5},
        {"mae": -0.1},
        {"mae": "lots"},
        {"mae": True},
        {"verdict_agrees": "yes"},
        {"gaps": "nope"},
    ],
)
def test_running_calibration_rejects_bad_figures(item: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RunningCalibration.from_dicts([item])


def test_running_calibration_round_trips(tmp_path: Path) -> None:
    run = RunningCalibration.from_calibrations(rounds())
    path = tmp_path / "running.json"
    path.write_text(json.dumps(run.to_dict()), encoding="utf-8")
    assert RunningCalibration.from_dict(json.loads(path.read_text(encoding="utf-8"))) == run
