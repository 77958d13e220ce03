"""Figures the progress screens aggregate, derived once per attempt when it is stored.

Why store them rather than compute them in each query: the stats are SQL aggregates over
tens of thousands of rounds, and these figures need the rubric (each criterion's number
of levels, the verdict scale) that only the attempt's evaluation or calibration, kept as
JSON in `details`, knows. Parsing JSON per row per query would make every chart a Python
loop. The same function fills them for new attempts, for rows written by an older
version (the migration) and for imported ones, so the three always agree.

Everything here reads plain data defensively: `details` may come from an older version
or an imported file, and a missing or odd field only leaves a figure unknown (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trainer.core.storage.schedule import (
    rating_for_calibration,
    rating_for_verdict,
    verdict_position,
)

#: Sources another person's or the trainer's view of a candidate answer comes from,
#: in the order the self-assessment gap prefers them.
OTHER_VIEWS = ("partner", "interviewer", "reference", "auto")


@dataclass(frozen=True, slots=True)
class Derived:
    max_scores: dict[str, int] = field(default_factory=dict)  # criterion id -> top level
    final_scores: dict[str, int] = field(default_factory=dict)  # the merged score per criterion
    position: float | None = None  # verdict band, 0 (lowest) .. 1 (highest)
    rating: int | None = None  # FSRS rating 1..4, None: the round does not review the card
    self_gap: float | None = None  # candidate: mean |self - other view| as a share of the scale


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _criteria(rubric: object) -> list[Mapping[str, Any]]:
    if not isinstance(rubric, Mapping):
        return []
    items = rubric.get("criteria")
    return [c for c in items if isinstance(c, Mapping)] if isinstance(items, list) else []


def _band(rubric: object, level_key: str = "verdict_level") -> float | None:
    if not isinstance(rubric, Mapping):
        return None
    levels = rubric.get("verdict_levels")
    count = len(levels) if isinstance(levels, list) else 0
    return verdict_position(_int(rubric.get(level_key)), count)


def derive(
    role: str,
    details: Mapping[str, Any],
    scores: Mapping[str, Mapping[str, float]],
    *,
    calibration_mae: float | None,
    verdict_agreed: bool | None,
) -> Derived:
    """The stored progress figures of one attempt from its details and scores."""
    max_scores: dict[str, int] = {}
    final: dict[str, int] = {}
    position: float | None = None
    evaluation = details.get("evaluation")
    if isinstance(evaluation, Mapping):
        by_source = evaluation.get("by_source")
        rubrics = list(by_source.values()) if isinstance(by_source, Mapping) else []
        for rubric in [evaluation.get("final"), *rubrics]:
            for c in _criteria(rubric):
                cid, top = c.get("id"), _int(c.get("max_score"))
                if isinstance(cid, str) and top is not None:
                    max_scores.setdefault(cid, top)
        for c in _criteria(evaluation.get("final")):
            cid, score = c.get("id"), _int(c.get("score"))
            if isinstance(cid, str) and score is not None:
                final[cid] = score
        position = _band(evaluation.get("final"))
    calibration = details.get("calibration")
    if isinstance(calibration, Mapping):
        gaps = calibration.get("gaps")
        for g in gaps if isinstance(gaps, list) else []:
            if isinstance(g, Mapping):
                cid, top = g.get("criterion_id"), _int(g.get("max_score"))
                if isinstance(cid, str) and top is not None:
                    max_scores.setdefault(cid, top)
        levels = calibration.get("verdict_levels")
        position = verdict_position(
            _int(calibration.get("user_verdict_level")),
            len(levels) if isinstance(levels, list) else 0,
        )
    if role == "candidate":
        rating = rating_for_verdict(position)
    else:
        rating = rating_for_calibration(calibration_mae, verdict_agreed)
    return Derived(
        max_scores=max_scores,
        final_scores=final,
        position=position,
        rating=rating,
        self_gap=_self_gap(scores, max_scores) if role == "candidate" else None,
    )


def _self_gap(
    scores: Mapping[str, Mapping[str, float]], max_scores: Mapping[str, int]
) -> float | None:
    """Mean gap between the candidate's self-scores and the first other view of each criterion."""
    own = scores.get("self") or {}
    gaps: list[float] = []
    for cid, mine in own.items():
        top = max_scores.get(cid)
        if top is None or top < 2:
            continue
        other = next((scores[s][cid] for s in OTHER_VIEWS if cid in scores.get(s, {})), None)
        if other is not None:
            gaps.append(abs(float(mine) - float(other)) / (top - 1))
    return sum(gaps) / len(gaps) if gaps else None
