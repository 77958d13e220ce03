"""Data passed between the code runner, the evaluator and the screens.

Plain frozen dataclasses: they can be stored, sent to a pair partner, or shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RunVerdict = Literal[
    "accepted",
    "wrong_answer",
    "runtime_error",
    "time_limit",
    "memory_limit",
    "output_limit",
    "compile_error",  # the answer does not even define the function (syntax error, missing name)
]


@dataclass(frozen=True, slots=True)
class TestSpec:
    """One test as data; args/expected already expanded from `$gen` generators."""

    __test__ = False  # not a pytest class

    id: str
    args: list[object]
    expected: object
    visibility: Literal["sample", "hidden"] = "hidden"
    compare: Literal["exact", "unordered", "approx"] = "exact"


@dataclass(frozen=True, slots=True)
class RunLimits:
    """Per-test wall time, and whole-process memory/output caps."""

    time_s: float = 2.0
    memory_mb: int = 256
    output_kb: int = 64
    max_processes: int = 1  # the answer may not fork (best effort; see the runner docs)


@dataclass(frozen=True, slots=True)
class TestResult:
    __test__ = False

    id: str
    visibility: Literal["sample", "hidden"]
    verdict: RunVerdict  # accepted = this test passed
    duration_s: float = 0.0
    args_repr: str = ""  # shortened reprs, safe to show
    expected_repr: str = ""
    actual_repr: str = ""
    error: str = ""  # exception type and message, or the limit that was hit

    @property
    def passed(self) -> bool:
        return self.verdict == "accepted"


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of running one answer against a list of tests."""

    verdict: RunVerdict
    tests: tuple[TestResult, ...] = ()
    duration_s: float = 0.0
    stdout: str = ""  # what the answer printed, capped
    network_isolated: bool = False  # True only when the network was really cut
    notes: tuple[str, ...] = field(default_factory=tuple)  # honest remarks (e.g. no netns)
    # Ids of tests never started because an earlier one ended the process (time, memory or
    # output limit, a crash). `tests` holds only tests that started, in order.
    not_run: tuple[str, ...] = ()

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.passed)

    @property
    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if not t.passed), None)
