"""Calibration: how close an interviewer's scores came to the pack's reference scores.

Per round (`Calibration`, from `calibrate`):

* per criterion, the signed gap ``user - reference`` in levels and normalised by the scale
  (``gap / (levels - 1)``), so a one-level slip on a 4-point scale (1/3) weighs more than on
  a 10-point one (1/9); positive means over-scored, negative under-scored;
* the mean absolute error (MAE) of the normalised gaps over the criteria both sides scored,
  each criterion counting once whatever its weight (calibration is about judging every
  criterion consistently, not about its importance); 0 is perfect, 1 the worst possible;
* both verdict bands by `scoring.score_rubric` (each over the criteria that side scored) and
  whether they agree. Criteria the user left unscored are listed, not counted as errors.

Over many rounds (`RunningCalibration`): the mean of the per-round MAEs (every round counts
the same, however many criteria it had), the share of rounds whose verdicts agreed, and per
criterion id the mean signed and absolute normalised gap, which shows a habit such as
"tends to over-score communication". Rounds with nothing compared are counted but add no
figures. It is built from `Calibration` objects, from their `to_dict()` output, or from the
bare per-round figures a store keeps (``{"mae": 0.25, "verdict_agrees": true}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from trainer.core.evaluation.scoring import (
    Ratio,
    check_score,
    from_plain,
    parse_fraction,
    score_rubric,
    to_plain,
)
from trainer.core.packs.model import AnyQuestion, Pack, ReferenceAnswer
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric

GapDirection = Literal["over", "under", "match", "unscored", "no-reference"]
Tendency = Literal["over", "under", "even"]


@dataclass(frozen=True, slots=True)
class CriterionGap:
    """The user's and the reference's score for one criterion."""

    criterion_id: str
    title: str
    max_score: int
    user: int | None
    reference: int | None

    @property
    def diff(self) -> int | None:
        """user - reference in levels; positive means over-scored."""
        if self.user is None or self.reference is None:
            return None
        return self.user - self.reference

    @property
    def normalised_diff(self) -> Fraction | None:
        diff = self.diff
        return None if diff is None else Fraction(diff, self.max_score - 1)

    @property
    def direction(self) -> GapDirection:
        if self.reference is None:
            return "no-reference"
        if self.user is None:
            return "unscored"
        if self.user > self.reference:
            return "over"
        return "under" if self.user < self.reference else "match"


@dataclass(frozen=True, slots=True)
class Calibration:
    """One interviewer round compared with the reference scores."""

    gaps: tuple[CriterionGap, ...]
    verdict_levels: tuple[str, ...]
    user_overall: Ratio | None = None
    reference_overall: Ratio | None = None
    user_verdict_level: int | None = None
    reference_verdict_level: int | None = None
    pack_id: str = ""
    question_id: str = ""
    reference_id: str = ""

    @property
    def compared(self) -> tuple[CriterionGap, ...]:
        return tuple(g for g in self.gaps if g.diff is not None)

    @property
    def mae(self) -> Fraction | None:
        """Mean absolute normalised gap over compared criteria; None if none compared."""
        compared = self.compared
        if not compared:
            return None
        total = Fraction(0)
        for gap in compared:
            total += abs(gap.normalised_diff or Fraction(0))
        return total / len(compared)

    @property
    def over(self) -> tuple[str, ...]:
        return tuple(g.criterion_id for g in self.gaps if g.direction == "over")

    @property
    def under(self) -> tuple[str, ...]:
        return tuple(g.criterion_id for g in self.gaps if g.direction == "under")

    @property
    def unscored(self) -> tuple[str, ...]:
        return tuple(g.criterion_id for g in self.gaps if g.direction == "unscored")

    @property
    def user_verdict(self) -> str | None:
        return _level_name(self.verdict_levels, self.user_verdict_level)

    @property
    def reference_verdict(self) -> str | None:
        return _level_name(self.verdict_levels, self.reference_verdict_level)

    @property
    def verdict_agrees(self) -> bool | None:
        if self.user_verdict_level is None or self.reference_verdict_level is None:
            return None
        return self.user_verdict_level == self.reference_verdict_level

    def to_dict(self) -> dict[str, Any]:
        """Plain data; "mae" and "verdict_agrees" are added for stores and ignored on reading."""
        data = to_plain(self)
        mae = self.mae
        data["mae"] = None if mae is None else str(mae)
        data["verdict_agrees"] = self.verdict_agrees
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        return from_plain(cls, data)


def _level_name(levels: Sequence[str], level: int | None) -> str | None:
    return None if level is None else levels[level - 1]


def calibrate(
    criteria: Sequence[ResolvedCriterion],
    user_scores: Mapping[str, int | None],
    reference: ReferenceAnswer,
    *,
    verdict_levels: Sequence[str] | None = None,
    pack_id: str = "",
    question_id: str = "",
) -> Calibration:
    """Compare the user's scores for a reference answer with the pack's reference scores."""
    user = score_rubric(criteria, user_scores, verdict_levels=verdict_levels)
    ref = score_rubric(criteria, reference.scores, verdict_levels=verdict_levels)
    gaps = []
    for crit in criteria:
        mine, theirs = user_scores.get(crit.id), reference.scores.get(crit.id)
        gaps.append(
            CriterionGap(
                crit.id,
                crit.title,
                crit.max_score,
                None if mine is None else check_score(crit, mine),
                None if theirs is None else check_score(crit, theirs),
            )
        )
    return Calibration(
        gaps=tuple(gaps),
        verdict_levels=user.verdict_levels,
        user_overall=user.overall,
        reference_overall=ref.overall,
        user_verdict_level=user.verdict_level,
        reference_verdict_level=ref.verdict_level,
        pack_id=pack_id,
        question_id=question_id,
        reference_id=reference.id,
    )


def calibrate_question(
    pack: Pack, question: AnyQuestion, reference_id: str, user_scores: Mapping[str, int | None]
) -> Calibration:
    """`calibrate` for one of the question's reference answers, on the pack's verdict scale."""
    ref = next((r for r in question.reference_answers if r.id == reference_id), None)
    if ref is None:
        raise ValueError(f"question {question.id!r} has no reference answer {reference_id!r}")
    scale = pack.scale(None)
    return calibrate(
        resolve_rubric(pack, question),
        user_scores,
        ref,
        verdict_levels=tuple(scale.levels) if scale is not None else None,
        pack_id=pack.pack.id,
        question_id=question.id,
    )


@dataclass(frozen=True, slots=True)
class CriterionBias:
    """How one criterion tends to be scored against the reference, over many rounds."""

    criterion_id: str
    compared: int
    mean_diff: Ratio  # signed, normalised: > 0 over-scores
    mean_abs_diff: Ratio

    @property
    def tendency(self) -> Tendency:
        if self.mean_diff > 0:
            return "over"
        return "under" if self.mean_diff < 0 else "even"


@dataclass(frozen=True, slots=True)
class _Round:
    mae: Fraction | None
    verdict_agrees: bool | None
    diffs: tuple[tuple[str, Fraction], ...] = ()


@dataclass(frozen=True, slots=True)
class RunningCalibration:
    """Calibration over many interviewer rounds; see the module docstring for the figures."""

    rounds: int = 0
    scored_rounds: int = 0  # rounds with at least one compared criterion
    mae: Ratio | None = None
    verdict_rounds: int = 0  # rounds where both verdicts were known
    verdict_agreement: Ratio | None = None  # share of those rounds that agreed
    criteria: tuple[CriterionBias, ...] = ()  # in order of first appearance

    @classmethod
    def from_calibrations(
        cls, calibrations: Iterable[Calibration], *, last: int | None = None
    ) -> RunningCalibration:
        """Summarise the rounds given, oldest first; `last` keeps only the newest N."""
        rounds = [
            _Round(
                c.mae,
                c.verdict_agrees,
                tuple(
                    (g.criterion_id, g.normalised_diff)
                    for g in c.gaps
                    if g.normalised_diff is not None
                ),
            )
            for c in calibrations
        ]
        return cls._summarise(rounds, last)

    @classmethod
    def from_dicts(
        cls, items: Iterable[Mapping[str, Any]], *, last: int | None = None
    ) -> RunningCalibration:
        """From `Calibration.to_dict()` output or bare figures ({"mae", "verdict_agrees"})."""
        rounds: list[_Round] = []
        for item in items:
            if "gaps" in item:
                cal = Calibration.from_dict(item)
                rounds.append(
                    _Round(
                        cal.mae,
                        cal.verdict_agrees,
                        tuple(
                            (g.criterion_id, g.normalised_diff)
                            for g in cal.gaps
                            if g.normalised_diff is not None
                        ),
                    )
                )
                continue
            raw_mae = item.get("mae")
            mae = None if raw_mae is None else parse_fraction(raw_mae)
            if mae is not None and not 0 <= mae <= 1:
                raise ValueError(f"mae must be within 0..1, got {raw_mae!r}")
            agrees = item.get("verdict_agrees")
            if agrees is not None and not isinstance(agrees, bool):
                raise ValueError(f"verdict_agrees must be a boolean, got {agrees!r}")
            rounds.append(_Round(mae, agrees))
        return cls._summarise(rounds, last)

    @classmethod
    def _summarise(cls, rounds: list[_Round], last: int | None) -> RunningCalibration:
        if last is not None:
            if last < 1:
                raise ValueError(f"last must be at least 1, got {last}")
            rounds = rounds[-last:]
        maes = [r.mae for r in rounds if r.mae is not None]
        verdicts = [r.verdict_agrees for r in rounds if r.verdict_agrees is not None]
        per: dict[str, list[Fraction]] = {}
        for r in rounds:
            for cid, diff in r.diffs:
                per.setdefault(cid, []).append(diff)
        biases = tuple(
            CriterionBias(
                cid,
                len(diffs),
                sum(diffs, Fraction(0)) / len(diffs),
                sum((abs(d) for d in diffs), Fraction(0)) / len(diffs),
            )
            for cid, diffs in per.items()
        )
        return cls(
            rounds=len(rounds),
            scored_rounds=len(maes),
            mae=sum(maes, Fraction(0)) / len(maes) if maes else None,
            verdict_rounds=len(verdicts),
            verdict_agreement=Fraction(sum(verdicts), len(verdicts)) if verdicts else None,
            criteria=biases,
        )

    @property
    def over_scored(self) -> tuple[str, ...]:
        return tuple(b.criterion_id for b in self.criteria if b.tendency == "over")

    @property
    def under_scored(self) -> tuple[str, ...]:
        return tuple(b.criterion_id for b in self.criteria if b.tendency == "under")

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunningCalibration:
        return from_plain(cls, data)
