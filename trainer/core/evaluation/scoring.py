"""Rubric scoring: per-criterion levels, a weighted overall score and a verdict band.

The result screen, the history and calibration all rely on these rules, so they are fixed here:

* **Scores.** A score is the 1-based level on the criterion's own scale (1..len(levels)).
  It is normalised to 0..1 as ``(score - 1) / (len(levels) - 1)``, so criteria on different
  scales can be combined: 3 of 4 and 4 of 5 are both worth 3/4 of the way up.
* **Weights.** Read as the decimal the author wrote (a weight of 0.1 is exactly 1/10, not the
  nearest float) and normalised over the criteria that carry a score. All arithmetic uses
  `fractions.Fraction`, so a tie stays an exact tie and never flips on float drift.
* **Unscored criteria** (missing, or None) are never counted as zero. The overall is the
  weighted mean over the scored criteria only; `partial` is then True and `unscored` names the
  rest, so the screen can say "3 of 4 criteria scored". When nothing with a positive weight is
  scored, the overall and the verdict are withheld (None).
* **Verdict band.** The overall (0..1) is mapped onto the verdict scale of ``n`` levels as
  ``position = 1 + overall * (n - 1)`` and rounded half up: ``level = floor(position + 1/2)``.
  When every criterion uses the verdict scale, ``position`` is simply the weighted mean score.
  On a four-point scale the bands start at overall 1/6, 1/2 and 5/6; a weighted mean of exactly
  2.5 is "Leaning hire" (level 3), 2.4999... is level 2.
* **Verdict scale.** The levels of the first criterion unless given (`evaluate` passes the
  pack's default scale, its first one).

Scores outside a criterion's range, booleans, duplicate criterion ids and negative weights are
programming errors and raise ValueError; score ids that match no criterion are reported in
`ignored` rather than failing, since stored scores may outlive a pack edit.

This module also holds the small plain-data helpers that `Evaluation` and `Calibration` use
for `to_dict()`/`from_dict()`: fractions are written as exact ``"num/den"`` strings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any, TypeVar

from pydantic import PlainSerializer, PlainValidator, TypeAdapter

from trainer.core.packs.resolve import ResolvedCriterion

#: Version of the plain-data layout written by `to_dict()`; `from_dict()` refuses others.
PLAIN_FORMAT = 1

_T = TypeVar("_T")


def parse_fraction(value: object) -> Fraction:
    """Accept what `to_dict` writes ("3/4"), and ints or floats from hand-written data."""
    if isinstance(value, bool):
        raise ValueError("a fraction cannot be a boolean")
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("a fraction must be finite")
        return Fraction(repr(value))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"not a fraction: {value!r}") from exc
    raise ValueError(f"not a fraction: {value!r}")


def _format_fraction(value: Fraction) -> str:
    return str(value)


#: A Fraction that round-trips through plain data as an exact "num/den" string.
Ratio = Annotated[
    Fraction,
    PlainValidator(parse_fraction),
    PlainSerializer(_format_fraction, return_type=str),
]


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[_T]) -> TypeAdapter[_T]:
    """Built once per class: building an adapter costs far more than using it."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def to_plain(obj: object) -> dict[str, Any]:
    """JSON-ready dict of one of this package's dataclasses, tagged with `PLAIN_FORMAT`."""
    data: dict[str, Any] = _adapter(type(obj)).dump_python(obj, mode="json")
    return {"format": PLAIN_FORMAT, **data}


def from_plain(cls: type[_T], data: Mapping[str, Any]) -> _T:
    """Rebuild `cls` from `to_plain` output; raises ValueError on anything malformed."""
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a mapping, got {type(data).__name__}")
    fmt = data.get("format", PLAIN_FORMAT)
    if fmt != PLAIN_FORMAT:
        raise ValueError(f"unsupported plain-data format {fmt!r} (this version reads 1)")
    body = {k: v for k, v in data.items() if k != "format"}
    # pydantic's ValidationError is a ValueError, so callers catch one exception type.
    return _adapter(cls).validate_python(body)


def exact_weight(weight: float) -> Fraction:
    """The weight as the decimal the author wrote: 0.1 -> 1/10, not 3602879701896397/2**55."""
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise ValueError(f"weight must be a number, got {weight!r}")
    if isinstance(weight, float) and not math.isfinite(weight):
        raise ValueError(f"weight must be finite, got {weight!r}")
    value = Fraction(weight) if isinstance(weight, int) else Fraction(repr(weight))
    if value < 0:
        raise ValueError(f"weight must not be negative, got {weight!r}")
    return value


def normalise(score: int, max_score: int) -> Fraction:
    """Map level 1..max_score onto 0..1 so scales of different lengths compare."""
    if max_score < 2:
        raise ValueError(f"a scale needs at least two levels, got {max_score}")
    return Fraction(score - 1, max_score - 1)


def verdict_level(overall: Fraction, levels: int) -> int:
    """Band (1..levels) of an overall in 0..1: position 1 + overall*(levels-1), half up."""
    if levels < 2:
        raise ValueError(f"a verdict scale needs at least two levels, got {levels}")
    if not 0 <= overall <= 1:
        raise ValueError(f"overall must be within 0..1, got {overall}")
    position = 1 + overall * (levels - 1)
    return math.floor(position + Fraction(1, 2))


def band_thresholds(levels: int) -> tuple[Fraction, ...]:
    """The overall at which each band from level 2 upwards starts (for legends and tests)."""
    if levels < 2:
        raise ValueError(f"a verdict scale needs at least two levels, got {levels}")
    return tuple(Fraction(2 * k - 1, 2 * (levels - 1)) for k in range(1, levels))


def check_score(criterion: ResolvedCriterion, score: object) -> int:
    """The score as an int in 1..max_score, or ValueError naming the criterion."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"score for {criterion.id!r} must be an integer, got {score!r}")
    if not 1 <= score <= criterion.max_score:
        raise ValueError(
            f"score for {criterion.id!r} must be within 1..{criterion.max_score}, got {score}"
        )
    return score


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """One rubric line as scored: the level, its name and descriptor, and its share."""

    id: str
    title: str
    weight: Ratio  # as written by the author
    max_score: int
    score: int | None = None
    level: str | None = None  # the scale's name for the score
    descriptor: str | None = None  # what that level looks like for this criterion
    normalised: Ratio | None = None  # 0..1
    share: Ratio | None = None  # weight / total weight of the scored criteria

    @property
    def scored(self) -> bool:
        return self.score is not None


@dataclass(frozen=True, slots=True)
class RubricScore:
    """A whole rubric as scored by one source (or the merged final score)."""

    criteria: tuple[CriterionScore, ...]
    verdict_levels: tuple[str, ...]
    overall: Ratio | None = None  # weighted mean of normalised scores, 0..1
    verdict_level: int | None = None  # 1-based band on `verdict_levels`
    ignored: tuple[str, ...] = ()  # score ids that match no criterion

    @property
    def verdict(self) -> str | None:
        if self.verdict_level is None:
            return None
        return self.verdict_levels[self.verdict_level - 1]

    @property
    def unscored(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria if c.score is None)

    @property
    def scored(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria if c.score is not None)

    @property
    def partial(self) -> bool:
        """True when some criterion is unscored, so the overall covers only part of the rubric."""
        return any(c.score is None for c in self.criteria)

    @property
    def mean_level(self) -> Fraction | None:
        """The overall on the verdict scale (1..n): the weighted mean score for a shared scale."""
        if self.overall is None:
            return None
        return 1 + self.overall * (len(self.verdict_levels) - 1)

    def score_of(self, criterion_id: str) -> int | None:
        return next((c.score for c in self.criteria if c.id == criterion_id), None)

    def scores(self) -> dict[str, int]:
        """Scored criteria only, as criterion id -> level."""
        return {c.id: c.score for c in self.criteria if c.score is not None}


def score_rubric(
    criteria: Sequence[ResolvedCriterion],
    scores: Mapping[str, int | None],
    *,
    verdict_levels: Sequence[str] | None = None,
) -> RubricScore:
    """Score a rubric by the module's rules; see the module docstring for rounding."""
    seen: set[str] = set()
    for crit in criteria:
        if crit.id in seen:
            raise ValueError(f"criterion {crit.id!r} appears twice in the rubric")
        seen.add(crit.id)
    if verdict_levels is None:
        verdict_levels = criteria[0].levels if criteria else ()
    levels = tuple(verdict_levels)
    if criteria and len(levels) < 2:
        raise ValueError("a verdict scale needs at least two levels")

    weights = {c.id: exact_weight(c.weight) for c in criteria}
    checked: dict[str, int] = {}
    for crit in criteria:
        raw = scores.get(crit.id)
        if raw is not None:
            checked[crit.id] = check_score(crit, raw)
        normalise(1, crit.max_score)  # rejects one-level scales even when unscored
    total = sum((weights[cid] for cid in checked), Fraction(0))

    lines: list[CriterionScore] = []
    weighted_sum = Fraction(0)
    for crit in criteria:
        score = checked.get(crit.id)
        if score is None:
            lines.append(CriterionScore(crit.id, crit.title, weights[crit.id], crit.max_score))
            continue
        norm = normalise(score, crit.max_score)
        share = weights[crit.id] / total if total else None
        if share is not None:
            weighted_sum += share * norm
        descriptor = crit.descriptors[score - 1] if score <= len(crit.descriptors) else None
        lines.append(
            CriterionScore(
                id=crit.id,
                title=crit.title,
                weight=weights[crit.id],
                max_score=crit.max_score,
                score=score,
                level=crit.levels[score - 1],
                descriptor=descriptor,
                normalised=norm,
                share=share,
            )
        )
    overall = weighted_sum if total else None
    band = verdict_level(overall, len(levels)) if overall is not None else None
    ignored = tuple(sorted(k for k, v in scores.items() if k not in seen and v is not None))
    return RubricScore(
        criteria=tuple(lines),
        verdict_levels=levels,
        overall=overall,
        verdict_level=band,
        ignored=ignored,
    )
