"""How far to trust a suggested level: each suggester against the experts' graded answers.

Every graded reference answer to a written question (system design, behavioural, concept)
is evaluated as if a candidate had written it, and each suggested level is set beside the
expert's level for the same criterion. The figures, per kind and overall: how many of the
expert's scores got a suggestion (coverage), the share suggested exactly, and the mean
absolute error in levels. `trainer pack check-suggestions` prints them; pack authors use
them to see whether their signals carry weight, and users to judge the model they chose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from trainer.core.evaluation.evaluation import FREE_TEXT_KINDS, evaluate
from trainer.core.evaluation.evidence import SuggestedScore
from trainer.core.packs.model import AnyQuestion, Pack, ReferenceAnswer
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric

#: A suggester besides the signals: (question, written criteria, answer) -> suggestions.
ModelSuggester = Callable[[AnyQuestion, Sequence[ResolvedCriterion], str], Sequence[SuggestedScore]]
METHODS = ("signals", "model")


@dataclass(frozen=True, slots=True)
class Comparison:
    """One expert score and what a method suggested for it (None: no suggestion)."""

    method: str
    pack_id: str
    question_id: str
    kind: str
    answer_id: str
    criterion_id: str
    expert: int
    suggested: int | None


@dataclass(frozen=True, slots=True)
class Agreement:
    """The figures for one method over a set of comparisons."""

    scored: int  # expert scores considered
    suggested: int  # of them, how many got a suggestion
    exact: int
    abs_error: int  # summed over the suggested ones

    @property
    def coverage(self) -> Fraction | None:
        return Fraction(self.suggested, self.scored) if self.scored else None

    @property
    def exact_rate(self) -> Fraction | None:
        return Fraction(self.exact, self.suggested) if self.suggested else None

    @property
    def mean_abs_error(self) -> Fraction | None:
        return Fraction(self.abs_error, self.suggested) if self.suggested else None

    def to_json(self) -> dict[str, Any]:
        def num(value: Fraction | None) -> float | None:
            return None if value is None else round(float(value), 4)

        return {
            "scored": self.scored,
            "suggested": self.suggested,
            "coverage": num(self.coverage),
            "exact": self.exact,
            "exact_rate": num(self.exact_rate),
            "mean_abs_error": num(self.mean_abs_error),
        }


def agreement(comparisons: Iterable[Comparison]) -> Agreement:
    scored = suggested = exact = abs_error = 0
    for c in comparisons:
        scored += 1
        if c.suggested is None:
            continue
        suggested += 1
        exact += c.suggested == c.expert
        abs_error += abs(c.suggested - c.expert)
    return Agreement(scored, suggested, exact, abs_error)


def graded_answers(packs: Iterable[Pack]) -> Iterable[tuple[Pack, AnyQuestion, ReferenceAnswer]]:
    """Every reference answer to a written question, in pack order."""
    for pack in packs:
        for question in pack.questions:
            if question.kind in FREE_TEXT_KINDS:
                for ref in question.reference_answers:
                    yield pack, question, ref


def compare(
    packs: Iterable[Pack],
    model: ModelSuggester | None = None,
    *,
    on_answer: Callable[[int], None] | None = None,
) -> list[Comparison]:
    """Comparisons for the signals and, when given, the model, one per expert score."""
    out: list[Comparison] = []
    for done, (pack, question, ref) in enumerate(graded_answers(packs), start=1):
        criteria = resolve_rubric(pack, question)
        methods: list[tuple[str, Sequence[SuggestedScore]]] = [
            ("signals", evaluate(pack, question, answer=ref.answer).suggestions)
        ]
        if model is not None:
            methods.append(("model", [s for s in model(question, criteria, ref.answer)]))
        for method, suggestions in methods:
            by_id = {s.criterion_id: s.score for s in suggestions if s.rule == method}
            for crit in criteria:
                expert = ref.scores.get(crit.id)
                if expert is None:
                    continue
                out.append(
                    Comparison(
                        method,
                        pack.pack.id,
                        question.id,
                        question.kind,
                        ref.id,
                        crit.id,
                        expert,
                        by_id.get(crit.id),
                    )
                )
        if on_answer is not None:
            on_answer(done)
    return out


def summary(comparisons: Sequence[Comparison]) -> dict[str, dict[str, Agreement]]:
    """method -> kind (and "overall") -> figures; only methods that were compared."""
    out: dict[str, dict[str, Agreement]] = {}
    for method in METHODS:
        mine = [c for c in comparisons if c.method == method]
        if not mine:
            continue
        table = {
            kind: agreement(c for c in mine if c.kind == kind)
            for kind in FREE_TEXT_KINDS
            if any(c.kind == kind for c in mine)
        }
        table["overall"] = agreement(mine)
        out[method] = table
    return out


def constant_baseline(comparisons: Sequence[Comparison]) -> tuple[int, Agreement] | None:
    """The floor to read the figures against: always suggesting the experts' commonest level.

    A suggester no better than this carries no information about the answer.
    """
    scored = [c for c in comparisons if c.method == "signals"]
    if not scored:
        return None
    levels = [c.expert for c in scored]
    common = max(sorted(set(levels)), key=levels.count)
    return common, agreement(
        Comparison(
            "baseline",
            c.pack_id,
            c.question_id,
            c.kind,
            c.answer_id,
            c.criterion_id,
            c.expert,
            common,
        )
        for c in scored
    )
