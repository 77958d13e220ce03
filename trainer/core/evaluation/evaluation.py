"""The `Evaluation`: everything the result screen shows after a candidate submits.

It keeps the automatic evidence (tests, choices, signals, hints, time) and the rubric as
scored by each source separately, then merges them into one final score.

**Sources.** ``"self"`` (solo self-assessment), ``"partner"`` (pair mode), ``"interviewer"``,
``"reference"`` (a pack's reference scores) and ``"auto"`` (the trainer's suggestions, see
`evidence`: a coding run's correctness level, and for a written answer the model grader's
level or, without one, the level its signals suggest; at most one per criterion). A signal
suggestion is shown, never counted: words are not understanding, so it does not fill an
unscored criterion; tests and the model's suggestion (with its quote from the answer) do.

**Precedence for the final score**, per criterion, highest first:
interviewer > partner > self > auto. A person's score always wins; the auto suggestion fills a
criterion only when no person scored it, and `final_sources` / `auto_filled` say so, so the
screen can flag it. Reference scores are kept for comparison (and calibration) but never enter
the final score: they grade the pack's reference answer, not this one.

**Signals** are computed for free-text kinds only (system design, behavioural, concept); a
coding answer is code and a multiple-choice answer has no text.

`to_dict()` / `from_dict()` convert to and from JSON-ready plain data (fractions as exact
"num/den" strings; see `scoring.to_plain`). `from_dict` needs no pack, so history can be shown
even after a pack changed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, get_args

from trainer.core.evaluation.evidence import (
    ChoiceGrade,
    CodingEvidence,
    EvidenceItem,
    HintUsage,
    SuggestedScore,
    TimeUsage,
    coding_evidence,
    grade_choices,
    hint_usage,
    signal_items,
    suggest_from_signals,
    suggestion_items,
    time_usage,
)
from trainer.core.evaluation.results import RunResult
from trainer.core.evaluation.scoring import RubricScore, from_plain, score_rubric, to_plain
from trainer.core.evaluation.signals import SignalCoverage, signal_coverage
from trainer.core.packs.model import AnyQuestion, CodingQuestion, MultipleChoiceQuestion, Pack
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric

ScoreSource = Literal["self", "partner", "interviewer", "reference", "auto"]
SOURCES: tuple[ScoreSource, ...] = get_args(ScoreSource)
#: Sources a caller may pass scores for ("auto" is computed, never given).
GIVEN_SOURCES: tuple[ScoreSource, ...] = ("self", "partner", "interviewer", "reference")
#: Final-score precedence, highest first; "auto" only fills what these leave unscored.
PRECEDENCE: tuple[ScoreSource, ...] = ("interviewer", "partner", "self", "auto")
FREE_TEXT_KINDS: tuple[str, ...] = ("system_design", "behavioral", "concept")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One submitted answer, evaluated: evidence, scores by source, and the final score."""

    pack_id: str
    question_id: str
    kind: str
    final: RubricScore
    hints: HintUsage
    time: TimeUsage
    final_sources: dict[str, ScoreSource] = field(default_factory=dict)
    by_source: dict[ScoreSource, RubricScore] = field(default_factory=dict)
    coding: CodingEvidence | None = None
    choices: ChoiceGrade | None = None
    signals: tuple[SignalCoverage, ...] = ()
    suggestions: tuple[SuggestedScore, ...] = ()
    reference_id: str | None = None

    @property
    def auto_filled(self) -> tuple[str, ...]:
        """Criteria whose final score is the trainer's suggestion, not a person's."""
        return tuple(cid for cid, src in self.final_sources.items() if src == "auto")

    @property
    def overall(self) -> Fraction | None:
        """The figure to record: the rubric overall or, with no rubric score, the choice credit."""
        if self.final.overall is not None:
            return self.final.overall
        if self.choices is not None and not self.final.criteria:
            return self.choices.credit
        return None

    @property
    def evidence(self) -> tuple[EvidenceItem, ...]:
        """Every automatic evidence item, each labelled with its source, in screen order."""
        items: list[EvidenceItem] = []
        if self.coding is not None:
            items.extend(self.coding.items())
        if self.choices is not None:
            items.extend(self.choices.items())
        suggested = suggestion_items(
            self.suggestions, {cov.criterion_id: cov.title for cov in self.signals}
        )
        by_criterion: dict[str | None, list[EvidenceItem]] = {}
        for item in suggested:
            by_criterion.setdefault(item.criterion_id, []).append(item)
        for item in signal_items(self.signals, self.suggestions):
            items.append(item)
            items.extend(by_criterion.pop(item.criterion_id, []))
        items.extend(i for rest in by_criterion.values() for i in rest)
        items.extend(self.hints.items())
        items.extend(self.time.items())
        return tuple(items)

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evaluation:
        return from_plain(cls, data)


def _suggestions(
    criteria: Sequence[ResolvedCriterion],
    coding: CodingEvidence | None,
    coverage: Sequence[SignalCoverage],
    model: Sequence[SuggestedScore],
) -> tuple[SuggestedScore, ...]:
    """At most one suggestion per criterion: tests, else the model, else the signals."""
    out: dict[str, SuggestedScore] = {}
    if coding is not None and coding.suggestion is not None:
        out[coding.suggestion.criterion_id] = coding.suggestion
    levels = {c.id: c.max_score for c in criteria}
    for s in model:
        if levels.get(s.criterion_id) == s.max_score and 1 <= s.score <= s.max_score:
            out.setdefault(s.criterion_id, s)
    for cov in coverage:
        if cov.criterion_id in out or cov.criterion_id not in levels:
            continue
        lexical = suggest_from_signals(cov, levels[cov.criterion_id])
        if lexical is not None:
            out[cov.criterion_id] = lexical
    order = {c.id: i for i, c in enumerate(criteria)}
    return tuple(sorted(out.values(), key=lambda s: order.get(s.criterion_id, len(order))))


def merge_scores(
    by_source: Mapping[ScoreSource, RubricScore], criteria_ids: Collection[str]
) -> tuple[dict[str, int], dict[str, ScoreSource]]:
    """Final score per criterion by `PRECEDENCE`, and which source each came from."""
    scores: dict[str, int] = {}
    sources: dict[str, ScoreSource] = {}
    for cid in criteria_ids:
        for src in PRECEDENCE:
            rubric = by_source.get(src)
            value = rubric.score_of(cid) if rubric is not None else None
            if value is not None:
                scores[cid] = value
                sources[cid] = src
                break
    return scores, sources


def evaluate(
    pack: Pack,
    question: AnyQuestion,
    *,
    answer: str = "",
    selected: Collection[str] = (),
    run: RunResult | None = None,
    hints_used: int = 0,
    elapsed_s: float = 0.0,
    scores: Mapping[str, Mapping[str, int | None]] | None = None,
    reference_id: str | None = None,
    model: Sequence[SuggestedScore] = (),
) -> Evaluation:
    """Evaluate one answer to `question`.

    `scores` maps a source ("self", "partner", "interviewer", "reference") to criterion
    scores. `reference_id` names one of the question's reference answers whose scores become
    the "reference" source (for an interviewer round); pass it or scores["reference"], not
    both. `model` holds the grader's suggestions (already checked against the answer); for a
    criterion they replace the signal suggestion, never a person's score. Raises ValueError
    for an unknown source, reference or out-of-range score, and for evidence that does not
    fit the question's kind (a run for a non-coding question).
    """
    given = dict(scores or {})
    for src in given:
        if src not in GIVEN_SOURCES:
            raise ValueError(f"unknown score source {src!r}; expected one of {GIVEN_SOURCES}")
    if reference_id is not None:
        if "reference" in given:
            raise ValueError("pass reference_id or scores['reference'], not both")
        ref = next((r for r in question.reference_answers if r.id == reference_id), None)
        if ref is None:
            raise ValueError(f"question {question.id!r} has no reference answer {reference_id!r}")
        given["reference"] = ref.scores
    if run is not None and question.kind != "coding":
        raise ValueError(f"a code run was given for a {question.kind} question")
    if selected and not isinstance(question, MultipleChoiceQuestion):
        raise ValueError(f"choices were selected for a {question.kind} question")

    criteria = resolve_rubric(pack, question)
    default_scale = pack.scale(None)
    levels = tuple(default_scale.levels) if default_scale is not None else None

    coding = None
    if run is not None and isinstance(question, CodingQuestion):
        samples = {t.id for t in question.tests if t.visibility == "sample"}
        coding = coding_evidence(run, criteria, samples)
    choices = None
    if isinstance(question, MultipleChoiceQuestion):
        choices = grade_choices(question, selected)
    coverage = signal_coverage(answer, criteria) if question.kind in FREE_TEXT_KINDS else []
    suggestions = _suggestions(criteria, coding, coverage, model)

    by_source: dict[ScoreSource, RubricScore] = {}
    for src in GIVEN_SOURCES:
        if src in given:
            by_source[src] = score_rubric(criteria, given[src], verdict_levels=levels)
    auto = {s.criterion_id: s.score for s in suggestions if s.fills}
    if auto:
        by_source["auto"] = score_rubric(criteria, auto, verdict_levels=levels)

    final_scores, final_sources = merge_scores(by_source, [c.id for c in criteria])
    final = score_rubric(criteria, final_scores, verdict_levels=levels)
    return Evaluation(
        pack_id=pack.pack.id,
        question_id=question.id,
        kind=question.kind,
        final=final,
        hints=hint_usage(hints_used, len(question.hints)),
        time=time_usage(elapsed_s, question.time_limit * 60),
        final_sources=final_sources,
        by_source=by_source,
        coding=coding,
        choices=choices,
        signals=tuple(coverage),
        suggestions=suggestions,
        reference_id=reference_id,
    )
