"""Automatic evidence: what the trainer can tell about an answer before anyone scores it.

Every piece says where it came from (`EvidenceItem.source`: tests, choices, signals, hints or
time), so the result screen can label it. Evidence informs the person scoring; a suggested
score only fills a criterion nobody scored. Three things suggest: a coding run (the
"correctness" criterion), the signals of a written answer, and the opt-in model grader.

**Correctness suggestion** (criterion id exactly ``"correctness"``, ``n`` levels), by tier:

=================  ==================================================================  ========
tier               when                                                                level
=================  ==================================================================  ========
``all-passed``     the run's verdict is accepted and every test ran and passed         n
``samples-passed`` there are sample tests, all of them passed, something else failed   n - 1
``some-passed``    at least one test passed                                            n - 2
``none-passed``    no test passed, or none ran (a compile error)                       1
=================  ==================================================================  ========

Levels are clamped to at least 1. A test counts as passed only with the verdict accepted, so
a time limit on a hidden test costs a tier; that evidence is also flagged for the
"efficiency" criterion when the rubric has one. Tests the runner never started (`not_run`,
after an earlier test ended the process) count as not passed; a sample test among them
blocks ``samples-passed``. Their visibility comes from `sample_ids` (the question's sample
test ids, which `evaluate` passes); without it they are counted as hidden. A run that
reports no tests and no failure suggests nothing.

**Signal suggestion** (written answers: system design, behavioural, concept). For a criterion
with at least two signals, of which ``m`` of ``k`` are mentioned plainly (a negated mention
does not count), on ``n`` levels: ``1 + ceil(m / k * (n - 1))``, so on four levels 1 of 3
suggests 2, 2 of 3 suggests 3 and all suggests 4. When none is mentioned it suggests the
level below the middle, ``max(1, n // 2)`` (2 of 4), not the lowest: missing words are an
absence of evidence, not proof of the worst answer (on the built-in packs this also halves
the misses on weak answers, which experts mostly score 2). A criterion with one signal gets
no suggestion: one phrase is too thin to grade on. Signals are words, not understanding, so
this is the weakest source: it is shown beside the criterion but never fills an unscored
one, and a model's suggestion for the same criterion replaces it.
`trainer pack check-suggestions` measures how often it agrees with the experts.

**Choice grading.** Single select: correct (credit 1) when exactly one choice is selected and
it is a correct one; anything else, including no selection or several, is credit 0. Multiple
select: correct when the selected set equals the correct set; partial credit is
``max(0, right picks - wrong picks) / number of correct choices``: each wrong pick cancels a
right one, so ticking every box does not pay. Selected ids that match no choice are
reported in `unknown` and ignored.

**Hints and time.** Hints used out of those available ("needed more than one hint" is its own
item, for rubrics that care); time taken against the question's limit, overtime when strictly
over it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from trainer.core.evaluation.results import RunResult, RunVerdict, TestResult
from trainer.core.evaluation.scoring import Ratio
from trainer.core.evaluation.signals import SignalCoverage
from trainer.core.packs.model import MultipleChoiceQuestion
from trainer.core.packs.resolve import ResolvedCriterion

EvidenceSource = Literal["tests", "choices", "signals", "model", "hints", "time"]
Tone = Literal["good", "bad", "neutral"]
CorrectnessTier = Literal["all-passed", "samples-passed", "some-passed", "none-passed"]
#: What made a suggestion: a tier of a coding run, a written answer's signals, or the model.
SuggestionRule = Literal[
    "all-passed", "samples-passed", "some-passed", "none-passed", "signals", "model"
]
#: Signals a criterion needs before its coverage suggests a level.
MIN_SIGNALS_TO_SUGGEST = 2

#: The criterion id that receives the suggested score from a coding run.
CORRECTNESS_ID = "correctness"
#: The criterion id that limit failures (time, memory) are flagged against, if present.
EFFICIENCY_ID = "efficiency"
_LIMIT_VERDICTS = ("time_limit", "memory_limit")


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One line of evidence for the result screen."""

    source: EvidenceSource
    code: str  # stable key, e.g. "tests-passed", "choice-missed", "overtime"
    message: str
    tone: Tone = "neutral"
    criterion_id: str | None = None  # the criterion it bears on, when there is one


@dataclass(frozen=True, slots=True)
class SuggestedScore:
    """A score the trainer proposes; used only where the person left the criterion unscored."""

    criterion_id: str
    score: int
    max_score: int
    rule: SuggestionRule
    reason: str
    quote: str = ""  # model suggestions: the answer's words it rests on (verbatim)

    @property
    def fills(self) -> bool:
        """Whether it fills a criterion nobody scored; a signal suggestion is only shown."""
        return self.rule != "signals"

    @property
    def source_label(self) -> str:
        """Who suggests it, as the result screen says it."""
        return {"signals": "signals", "model": "model"}.get(self.rule, "tests")


# --------------------------------------------------------------------------- coding


def correctness_tier(run: RunResult, sample_ids: Collection[str] = ()) -> CorrectnessTier | None:
    """The tier of the module docstring's table; None when the run says nothing."""
    tests = run.tests
    if not tests:
        return None if run.verdict == "accepted" and not run.not_run else "none-passed"
    passed = sum(1 for t in tests if t.passed)
    if passed == 0:
        return "none-passed"
    if passed == len(tests) and run.verdict == "accepted" and not run.not_run:
        return "all-passed"
    samples = [t for t in tests if t.visibility == "sample"]
    skipped_sample = any(tid in sample_ids for tid in run.not_run)
    if samples and all(t.passed for t in samples) and not skipped_sample:
        return "samples-passed"
    return "some-passed"


_TIER_DROP: dict[CorrectnessTier, int | None] = {
    "all-passed": 0,
    "samples-passed": 1,
    "some-passed": 2,
    "none-passed": None,  # always the lowest level
}
_TIER_REASON: dict[CorrectnessTier, str] = {
    "all-passed": "every test passed",
    "samples-passed": "the sample tests passed but not every hidden test",
    "some-passed": "some tests passed but a sample test failed",
    "none-passed": "no test passed",
}


def suggest_correctness(
    run: RunResult, max_score: int, sample_ids: Collection[str] = ()
) -> SuggestedScore | None:
    """The correctness level a run suggests on a scale of `max_score` levels."""
    tier = correctness_tier(run, sample_ids)
    if tier is None:
        return None
    drop = _TIER_DROP[tier]
    score = 1 if drop is None else max(1, max_score - drop)
    return SuggestedScore(CORRECTNESS_ID, score, max_score, tier, _TIER_REASON[tier])


def suggest_from_signals(coverage: SignalCoverage, max_score: int) -> SuggestedScore | None:
    """The level a written answer's signal coverage suggests (module docstring), or None."""
    total = len(coverage.hits)
    if total < MIN_SIGNALS_TO_SUGGEST or max_score < 2:
        return None
    said = len(coverage.mentioned)
    if said == 0:
        score = max(1, max_score // 2)
    else:
        score = 1 + math.ceil(Fraction(said, total) * (max_score - 1))
    return SuggestedScore(
        coverage.criterion_id,
        min(score, max_score),
        max_score,
        "signals",
        f"{said} of {total} signals mentioned",
    )


def suggestion_items(
    suggestions: Sequence[SuggestedScore], titles: dict[str, str]
) -> tuple[EvidenceItem, ...]:
    """One line per model suggestion (tests and signals word theirs in their own lines)."""
    out: list[EvidenceItem] = []
    for s in suggestions:
        if s.rule != "model":
            continue
        title = titles.get(s.criterion_id, s.criterion_id)
        text = f"Suggested {title}: {s.score} of {s.max_score} ({s.reason})"
        if s.quote:
            text += f' - "{s.quote}"'
        out.append(EvidenceItem("model", "suggested-score", text, "neutral", s.criterion_id))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class CodingEvidence:
    """What running the answer showed: per-test results, the verdict and a suggestion."""

    verdict: RunVerdict
    tests: tuple[TestResult, ...]
    suggestion: SuggestedScore | None = None
    efficiency_id: str | None = None  # criterion to flag limit failures against
    notes: tuple[str, ...] = ()
    not_run: tuple[str, ...] = ()  # tests never started, in order
    not_run_samples: tuple[str, ...] = ()  # those of them known to be sample tests

    def _count(self, visibility: str, passed: bool | None = None) -> int:
        return sum(
            1
            for t in self.tests
            if t.visibility == visibility and (passed is None or t.passed == passed)
        )

    @property
    def total(self) -> int:
        """Tests run plus tests never started."""
        return len(self.tests) + len(self.not_run)

    @property
    def sample_total(self) -> int:
        return self._count("sample") + len(self.not_run_samples)

    @property
    def sample_passed(self) -> int:
        return self._count("sample", True)

    @property
    def hidden_total(self) -> int:
        return self._count("hidden") + len(self.not_run) - len(self.not_run_samples)

    @property
    def hidden_passed(self) -> int:
        return self._count("hidden", True)

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.passed)

    @property
    def failed(self) -> tuple[TestResult, ...]:
        return tuple(t for t in self.tests if not t.passed)

    @property
    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if not t.passed), None)

    @property
    def all_passed(self) -> bool:
        return self.verdict == "accepted" and not self.not_run and all(t.passed for t in self.tests)

    def items(self) -> tuple[EvidenceItem, ...]:
        out: list[EvidenceItem] = []
        total = self.total
        if not self.tests:
            tone: Tone = "good" if self.verdict == "accepted" else "bad"
            out.append(
                EvidenceItem(
                    "tests",
                    "verdict",
                    f"Verdict: {_verdict_text(self.verdict)}",
                    tone,
                    CORRECTNESS_ID,
                )
            )
        else:
            tone = "good" if self.all_passed else "bad"
            text = f"Passed {self.passed} of {total} tests"
            parts = []
            if self.sample_total:
                parts.append(f"samples {self.sample_passed}/{self.sample_total}")
            if self.hidden_total:
                parts.append(f"hidden {self.hidden_passed}/{self.hidden_total}")
            if parts:
                text += f" ({', '.join(parts)})"
            text += f"; verdict: {_verdict_text(self.verdict)}"
            out.append(EvidenceItem("tests", "tests-passed", text, tone, CORRECTNESS_ID))
        first = self.first_failure
        if first is not None:
            out.append(
                EvidenceItem("tests", "first-failure", _failure_text(first), "bad", CORRECTNESS_ID)
            )
        if self.not_run:
            out.append(
                EvidenceItem(
                    "tests",
                    "not-run",
                    f"{len(self.not_run)} test(s) never ran because an earlier one ended the "
                    f"run: {', '.join(self.not_run)}",
                    "bad",
                    CORRECTNESS_ID,
                )
            )
        limited = [t for t in self.tests if t.verdict in _LIMIT_VERDICTS]
        if limited:
            names = ", ".join(t.id for t in limited)
            out.append(
                EvidenceItem(
                    "tests",
                    "limit-hit",
                    f"Hit a resource limit on {len(limited)} test(s) ({names}): look at efficiency",
                    "bad",
                    self.efficiency_id,
                )
            )
        if self.suggestion is not None:
            s = self.suggestion
            out.append(
                EvidenceItem(
                    "tests",
                    "suggested-score",
                    f"Suggested correctness: {s.score} of {s.max_score} ({s.reason})",
                    "neutral",
                    s.criterion_id,
                )
            )
        return tuple(out)


def _verdict_text(verdict: str) -> str:
    return verdict.replace("_", " ")


def failure_details(test: TestResult) -> str:
    """Input, expected, actual and error of a failed test, as one line."""
    parts = []
    if test.args_repr:
        parts.append(f"input {test.args_repr}")
    if test.expected_repr:
        parts.append(f"expected {test.expected_repr}")
    if test.actual_repr:
        parts.append(f"got {test.actual_repr}")
    if test.error:
        parts.append(test.error)
    return "; ".join(parts)


def _failure_text(test: TestResult) -> str:
    head = f"First failure: {test.id} ({test.visibility}, {_verdict_text(test.verdict)})"
    details = failure_details(test)
    return f"{head}; {details}" if details else head


def coding_evidence(
    run: RunResult, criteria: Sequence[ResolvedCriterion], sample_ids: Collection[str] = ()
) -> CodingEvidence:
    """Evidence from a run, with a correctness suggestion when the rubric has that criterion.

    `sample_ids` (the question's sample test ids) tells which never-started tests were samples.
    """
    by_id = {c.id: c for c in criteria}
    crit = by_id.get(CORRECTNESS_ID)
    suggestion = suggest_correctness(run, crit.max_score, sample_ids) if crit is not None else None
    return CodingEvidence(
        verdict=run.verdict,
        tests=tuple(run.tests),
        suggestion=suggestion,
        efficiency_id=EFFICIENCY_ID if EFFICIENCY_ID in by_id else None,
        notes=tuple(run.notes),
        not_run=tuple(run.not_run),
        not_run_samples=tuple(t for t in run.not_run if t in sample_ids),
    )


# --------------------------------------------------------------------------- choices

ChoiceOutcome = Literal["right-pick", "wrong-pick", "missed", "rightly-left"]


@dataclass(frozen=True, slots=True)
class ChoiceResult:
    """One choice of the question, whether it was picked, and its feedback."""

    id: str
    text: str
    correct: bool
    selected: bool
    feedback: str

    @property
    def outcome(self) -> ChoiceOutcome:
        if self.selected:
            return "right-pick" if self.correct else "wrong-pick"
        return "missed" if self.correct else "rightly-left"


@dataclass(frozen=True, slots=True)
class ChoiceGrade:
    """A graded multiple-choice answer; `choices` keeps the question's order."""

    select: Literal["single", "multiple"]
    correct: bool
    credit: Ratio  # 0..1, see the module docstring
    choices: tuple[ChoiceResult, ...]
    unknown: tuple[str, ...] = ()
    explanation: str = ""

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.choices if c.selected)

    @property
    def chosen(self) -> tuple[ChoiceResult, ...]:
        """Every selected choice, right or wrong, with its feedback."""
        return tuple(c for c in self.choices if c.selected)

    @property
    def missed(self) -> tuple[ChoiceResult, ...]:
        """Every correct choice that was not selected, with its feedback."""
        return tuple(c for c in self.choices if c.correct and not c.selected)

    def items(self) -> tuple[EvidenceItem, ...]:
        out: list[EvidenceItem] = []
        if self.correct:
            out.append(EvidenceItem("choices", "choices-correct", "Correct answer", "good"))
        elif not self.selected:
            out.append(EvidenceItem("choices", "choices-none", "No choice selected", "bad"))
        elif self.credit > 0:
            pct = _percent(self.credit)
            out.append(
                EvidenceItem("choices", "choices-partial", f"Partly correct ({pct}% credit)", "bad")
            )
        else:
            out.append(EvidenceItem("choices", "choices-wrong", "Incorrect answer", "bad"))
        for c in self.chosen:
            code = "choice-right" if c.correct else "choice-wrong"
            tone: Tone = "good" if c.correct else "bad"
            mark = "correct" if c.correct else "not correct"
            out.append(EvidenceItem("choices", code, f"Chose {c.id} ({mark}): {c.feedback}", tone))
        for c in self.missed:
            out.append(
                EvidenceItem("choices", "choice-missed", f"Missed {c.id}: {c.feedback}", "bad")
            )
        for cid in self.unknown:
            out.append(
                EvidenceItem(
                    "choices",
                    "choice-unknown",
                    f"Selected {cid!r}, which is not a choice here",
                    "neutral",
                )
            )
        return tuple(out)


def _percent(value: Fraction) -> int:
    """Percentage rounded half up, for display only."""
    return math.floor(value * 100 + Fraction(1, 2))


def grade_choices(question: MultipleChoiceQuestion, selected: Collection[str]) -> ChoiceGrade:
    """Grade the selected choice ids by the rules in the module docstring."""
    if isinstance(selected, str):  # "ab" would silently become {"a", "b"}
        raise ValueError("selected must be a collection of choice ids, not a string")
    ids = {c.id for c in question.choices}
    picked = set(selected)
    unknown = tuple(sorted(picked - ids))
    picked &= ids
    correct_ids = {c.id for c in question.choices if c.correct}
    results = tuple(
        ChoiceResult(c.id, c.text, c.correct, c.id in picked, c.feedback) for c in question.choices
    )
    if question.select == "single":
        ok = len(picked) == 1 and picked <= correct_ids
        credit = Fraction(1 if ok else 0)
    else:
        ok = picked == correct_ids
        if not correct_ids:
            credit = Fraction(1 if ok else 0)
        else:
            right = len(picked & correct_ids)
            wrong = len(picked - correct_ids)
            credit = Fraction(max(0, right - wrong), len(correct_ids))
    return ChoiceGrade(question.select, ok, credit, results, unknown, question.explanation)


# --------------------------------------------------------------------------- hints, time


@dataclass(frozen=True, slots=True)
class HintUsage:
    """How many of the question's progressive hints the candidate opened."""

    used: int
    available: int

    @property
    def more_than_one(self) -> bool:
        return self.used > 1

    @property
    def all_used(self) -> bool:
        return self.available > 0 and self.used >= self.available

    def items(self) -> tuple[EvidenceItem, ...]:
        if self.available == 0:
            return ()
        if self.used == 0:
            return (EvidenceItem("hints", "no-hints", "No hints used", "good"),)
        if self.more_than_one:
            text = f"Needed more than one hint ({self.used} of {self.available} used)"
            return (EvidenceItem("hints", "hints-many", text, "bad"),)
        text = f"Used {self.used} of {self.available} hints"
        return (EvidenceItem("hints", "hints-used", text, "neutral"),)


def hint_usage(used: int, available: int) -> HintUsage:
    if isinstance(used, bool) or not isinstance(used, int) or used < 0:
        raise ValueError(f"hints used must be a non-negative integer, got {used!r}")
    if available < 0:
        raise ValueError(f"hints available must not be negative, got {available!r}")
    return HintUsage(used, available)


@dataclass(frozen=True, slots=True)
class TimeUsage:
    """Time taken against the question's limit, both in seconds."""

    elapsed_s: float
    limit_s: float

    @property
    def overtime(self) -> bool:
        return self.elapsed_s > self.limit_s

    @property
    def over_by_s(self) -> float:
        return max(0.0, self.elapsed_s - self.limit_s)

    def items(self) -> tuple[EvidenceItem, ...]:
        taken, limit = format_duration(self.elapsed_s), format_duration(self.limit_s)
        if self.overtime:
            over = format_duration(self.over_by_s)
            return (
                EvidenceItem(
                    "time", "overtime", f"Over time by {over} ({taken} of {limit})", "bad"
                ),
            )
        return (EvidenceItem("time", "in-time", f"Finished in {taken} of {limit}", "good"),)


def time_usage(elapsed_s: float, limit_s: float) -> TimeUsage:
    for name, value in (("elapsed time", elapsed_s), ("time limit", limit_s)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite, non-negative number, got {value!r}")
    return TimeUsage(float(elapsed_s), float(limit_s))


def format_duration(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour; whole seconds rounded up so 0.2 s over shows as 0:01."""
    total = math.ceil(seconds) if seconds > 0 else 0
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


# --------------------------------------------------------------------------- signals


def signal_items(
    coverage: Sequence[SignalCoverage], suggestions: Sequence[SuggestedScore] = ()
) -> tuple[EvidenceItem, ...]:
    """One item per criterion: the signals mentioned, mentioned only negated, and missed.

    A negated mention ("I didn't write tests") is listed as "mentioned, negated" and counts
    as not covered for the tone. The level the signals suggest ends the line.
    """
    suggested = {s.criterion_id: s for s in suggestions if s.rule == "signals"}
    out: list[EvidenceItem] = []
    for cov in coverage:
        if not cov.hits:
            continue
        said = ", ".join(cov.mentioned) or "none"
        text = f"{cov.title}: mentions {said}"
        if cov.negated:
            text += f"; mentioned, negated: {', '.join(cov.negated)}"
        if cov.missed:
            text += f"; does not mention {', '.join(cov.missed)}"
        level = suggested.get(cov.criterion_id)
        if level is not None:
            text += f"; suggests {level.score} of {level.max_score}"
        uncovered = cov.missed or cov.negated
        tone: Tone = "good" if not uncovered else ("neutral" if cov.mentioned else "bad")
        out.append(EvidenceItem("signals", "signals", text, tone, cov.criterion_id))
    return tuple(out)
