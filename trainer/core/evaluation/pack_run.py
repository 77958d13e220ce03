"""`trainer pack validate --run`: each reference solution must get the verdict it declares.

A pack's approaches say what their code should get (`expect`, default accepted; a
brute force may declare `time_limit`). Running them catches wrong reference code,
wrong expected values and tests that do not separate a fast solution from a slow one.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

from trainer.core.diagnostics import Diagnostic, PathPart, Severity
from trainer.core.evaluation.results import RunLimits, RunResult, TestResult, TestSpec
from trainer.core.evaluation.runner import limits_from_question, run_tests, spec_from_case
from trainer.core.packs.generators import GeneratorError, expand
from trainer.core.packs.model import CodingQuestion, Pack
from trainer.core.packs.yamlsafe import SourceDocument

RULE_MISMATCH = "solution-verdict-mismatch"
RULE_GENERATOR = "test-generator-invalid"


@dataclass(frozen=True, slots=True)
class _Job:
    question: CodingQuestion
    code: str
    expected: str
    what: str  # "approach 'x'" or "reference answer 'y'"
    path: tuple[PathPart, ...]
    tests: tuple[TestSpec, ...]
    limits: RunLimits

    @property
    def is_answer(self) -> bool:
        return "reference_answers" in self.path


@dataclass
class RunTally:
    """What `validate --run` ran, over all packs, for its summary line."""

    packs: int = 0
    approaches: int = 0
    as_declared: int = 0
    answers: int = 0  # reference answers with `expect`
    answers_as_declared: int = 0
    not_run: int = 0  # solutions of questions whose tests could not be generated
    declared: Counter[str] = field(default_factory=Counter)  # verdict other than accepted
    confirmed: Counter[str] = field(default_factory=Counter)

    def record_answer(self, expected: str, got: str) -> None:
        self.answers += 1
        if got == expected:
            self.answers_as_declared += 1

    def record(self, expected: str, got: str) -> None:
        self.approaches += 1
        if got == expected:
            self.as_declared += 1
        if expected != "accepted":
            self.declared[expected] += 1
            if got == expected:
                self.confirmed[expected] += 1

    def line(self) -> str:
        """'8 approaches, 8 as declared, 2 declared time_limit confirmed'."""
        if not self.approaches and not self.not_run and not self.answers:
            return "no coding solutions to run"
        parts = [
            f"{self.approaches} approach{'' if self.approaches == 1 else 'es'}",
            f"{self.as_declared} as declared",
        ]
        for verdict in sorted(self.declared):
            total, ok = self.declared[verdict], self.confirmed[verdict]
            counted = f"{ok}" if ok == total else f"{ok} of {total}"
            parts.append(f"{counted} declared {verdict} confirmed")
        if self.answers:
            plural = "" if self.answers == 1 else "s"
            parts.append(
                f"{self.answers} reference answer{plural} with expect, "
                f"{self.answers_as_declared} as declared"
            )
        if self.not_run:
            parts.append(f"{self.not_run} not run (their tests could not be generated)")
        return ", ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "packs": self.packs,
            "approaches": self.approaches,
            "as_declared": self.as_declared,
            "reference_answers": self.answers,
            "reference_answers_as_declared": self.answers_as_declared,
            "not_run": self.not_run,
            "declared": dict(sorted(self.declared.items())),
            "confirmed": dict(sorted(self.confirmed.items())),
        }


def check_pack_solutions(
    pack: Pack,
    source: SourceDocument | None,
    file: str,
    *,
    jobs: int | None = None,
    tally: RunTally | None = None,
) -> list[Diagnostic]:
    """Run every coding approach's `solution` against all of its question's tests.

    Findings come back in pack order whatever order the runs finish in. `jobs` is
    how many solutions run at once (default: up to 2, one per core). `tally`, when
    given, counts what ran and how it matched the declared verdicts.
    """
    if tally is not None:
        tally.packs += 1
    found: list[Diagnostic] = []
    work: list[_Job] = []
    for qi, question in enumerate(pack.questions):
        if not isinstance(question, CodingQuestion):
            continue  # other kinds' "solutions" are model answers in prose
        tests = _expand_tests(question, qi, source, file, found)
        if tests is None:
            if tally is not None:
                tally.not_run += sum(1 for a in question.approaches if a.solution is not None)
                tally.not_run += sum(1 for r in question.reference_answers if r.expect)
            continue
        limits = limits_from_question(question)
        for ai, approach in enumerate(question.approaches):
            if approach.solution is not None:
                path: tuple[PathPart, ...] = ("questions", qi, "approaches", ai)
                want = approach.expect or "accepted"
                what = f"approach '{approach.id}'"
                work.append(
                    _Job(question, approach.solution, want, what, path, tuple(tests), limits)
                )
        for ri, ref in enumerate(question.reference_answers):
            if ref.expect is not None:
                path = ("questions", qi, "reference_answers", ri)
                what = f"reference answer '{ref.id}'"
                work.append(
                    _Job(question, ref.code(), ref.expect, what, path, tuple(tests), limits)
                )
    from concurrent.futures import ThreadPoolExecutor  # only when there is something to run

    workers = max(1, jobs if jobs is not None else min(2, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pack-run") as pool:
        results = list(pool.map(_run, work))
    for job, result in zip(work, results, strict=True):
        expected = job.expected
        if tally is not None:
            record = tally.record_answer if job.is_answer else tally.record
            record(expected, result.verdict)
        if result.verdict != expected:
            message = (
                f"{job.what} of '{job.question.id}' should get {expected} "
                f"but got {result.verdict}: {_what_happened(result, expected)}"
            )
            fix = "the answer, its rationale" if job.is_answer else "the solution"
            hint = (
                f"fix {fix} or the tests; if this verdict is intended, "
                f"declare it with `expect: {result.verdict}`"
            )
            found.append(_diag(source, file, RULE_MISMATCH, message, job.path, hint))
    return found


def _run(job: _Job) -> RunResult:
    return run_tests(job.code, job.question.signature.function, job.tests, job.limits)


def _expand_tests(
    question: CodingQuestion,
    qi: int,
    source: SourceDocument | None,
    file: str,
    found: list[Diagnostic],
) -> list[TestSpec] | None:
    """All tests with generators expanded, or None (and findings) if any cannot be."""
    specs: list[TestSpec] = []
    ok = True
    for ti, case in enumerate(question.tests):
        try:
            specs.append(spec_from_case(case))
        except GeneratorError:
            ok = False
            for part in ("args", "expected"):
                try:
                    expand(getattr(case, part))
                except GeneratorError as exc:
                    path: tuple[PathPart, ...] = ("questions", qi, "tests", ti, part)
                    message = f"test '{case.id}' of '{question.id}': {exc}"
                    hint = "see the generator list in the pack format documentation"
                    found.append(_diag(source, file, RULE_GENERATOR, message, path, hint))
    return specs if ok else None


def _what_happened(result: RunResult, expected: str) -> str:
    """One sentence naming the first failing test and what it did."""
    failure = result.first_failure
    if failure is None:
        total = len(result.tests)
        if expected == "time_limit":
            return f"all {total} tests finished within the time limit"
        return f"all {total} tests passed"
    return _describe_failure(failure)


def _describe_failure(test: TestResult) -> str:
    name = f"test '{test.id}'"
    if test.verdict == "compile_error":
        return f"the solution does not load: {test.error}"
    if test.verdict == "wrong_answer":
        text = f"{name} returned {test.actual_repr}, expected {test.expected_repr}"
        return f"{text} ({test.error})" if test.error else text
    if test.verdict == "runtime_error":
        return f"{name} failed: {test.error}"
    return f"{name} {test.error}"  # limits: "took longer than 1 s", "used more than..."


def _diag(
    source: SourceDocument | None,
    file: str,
    rule: str,
    message: str,
    path: tuple[PathPart, ...],
    hint: str,
) -> Diagnostic:
    if source is not None:
        return source.diag(rule, message, path, hint=hint)
    return Diagnostic(rule, Severity.ERROR, message, file, 0, 0, path, hint)
