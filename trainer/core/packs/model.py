"""The question-pack model, schema_version 1.

Strict pydantic models with unknown fields forbidden: a typo in a pack is an
error with a suggestion, never silently ignored. Cross-field rules (references,
descriptor counts, score ranges) live in `rules.py`, where they can report
positions and rule ids; the model only checks shape and types.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1

Kind = Literal[
    "coding", "system_design", "behavioral", "concept", "multiple_choice", "recorded_interview"
]
KINDS: tuple[str, ...] = (
    "coding",
    "system_design",
    "behavioral",
    "concept",
    "multiple_choice",
    "recorded_interview",
)
#: Kinds a candidate answers (a recorded interview is watched, in a shadow round).
ANSWERABLE_KINDS: tuple[str, ...] = KINDS[:5]
#: What a recorded interviewer can do well or badly; a pack may add its own (`moment_kinds`).
MOMENT_KINDS: tuple[str, ...] = (
    "conduct",
    "hint-too-strong",
    "hint-too-late",
    "missed-probe",
    "leading-question",
    "good-probe",
    "good-hint",
    "good-feedback",
)
Difficulty = Literal["easy", "medium", "hard"]
Visibility = Literal["sample", "hidden"]
Verdict = Literal[
    "accepted", "wrong_answer", "runtime_error", "time_limit", "memory_limit", "output_limit"
]
VERDICTS: tuple[str, ...] = (
    "accepted",
    "wrong_answer",
    "runtime_error",
    "time_limit",
    "memory_limit",
    "output_limit",
)

#: Default time limits (minutes) per kind, so authors need not repeat the obvious.
DEFAULT_TIME_LIMIT_MIN: dict[str, float] = {
    "coding": 30,
    "system_design": 45,
    "behavioral": 8,
    "concept": 5,
    "multiple_choice": 2,
    "recorded_interview": 15,
}

_FENCED = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)

Text = Annotated[str, Field(description="Shown as written (literally), not rendered as Markdown.")]
Markdown = Annotated[
    str, Field(description="Markdown, rendered in the app; links never open on a click.")
]
KEBAB_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Id = Annotated[
    str,
    Field(
        description="kebab-case identifier, unique in its scope.",
        json_schema_extra={"pattern": KEBAB_PATTERN},
    ),
]
Tag = Annotated[
    str,
    Field(
        description="A lowercase kebab-case tag, e.g. dynamic-programming.",
        json_schema_extra={"pattern": KEBAB_PATTERN},
    ),
]


_KIND = "The question's kind; it decides the other fields."
_SIGNALS = "Phrases whose mention in a written answer is evidence for this criterion."


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class PackInfo(_Model):
    """Who made the pack and what it is."""

    id: Id
    title: str = Field(description="The pack's name, shown in the app and in `pack list`.")
    version: str = Field(description="The pack's own version, e.g. 1.0.0 (quote it).")
    description: Text = ""
    authors: list[str] = Field(default_factory=list, description="Names of the pack's authors.")
    license: str | None = Field(
        default=None, description="The content's licence, e.g. CC-BY-4.0 (an SPDX id)."
    )


class Scale(_Model):
    """An ordered list of levels, lowest first; a score is the 1-based level number."""

    id: Id
    levels: list[str] = Field(
        min_length=2,
        max_length=9,  # number keys pick 1-9
        description="Level names, lowest first: 2 to 9 of them.",
    )


class Signal(_Model):
    """A term whose mention in a free-text answer is evidence for a criterion.

    Written either as a plain string or as `{term, synonyms}`.
    """

    term: str = Field(description="The phrase to look for; each word matches by lemma.")
    synonyms: list[str] = Field(
        default_factory=list, description="Other phrases that count as the same evidence."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"term": value}
        return value

    @property
    def phrases(self) -> list[str]:
        return [self.term, *self.synonyms]


class Criterion(_Model):
    """A shared rubric criterion, referenced from questions by id."""

    id: Id
    title: str = Field(description="The criterion's name, shown beside its score.")
    scale: Id | None = Field(
        default=None, description="Scale id; defaults to the pack's first scale."
    )
    description: Text = ""
    descriptors: list[Text] = Field(
        description="What each level of the scale looks like, lowest level first."
    )
    signals: list[Signal] = Field(default_factory=list, description=_SIGNALS)


class RubricItem(_Model):
    """One rubric line: either `ref` to a shared criterion, or an inline criterion with `id`."""

    ref: Id | None = Field(
        default=None, description="A shared criterion's id; leave out the inline fields then."
    )
    id: Id | None = Field(default=None, description="An inline criterion's id (instead of ref).")
    weight: float = Field(default=1.0, description="Relative weight; normalised per question.")
    title: str | None = Field(default=None, description="Inline criterion: its name.")
    scale: Id | None = Field(
        default=None, description="Inline criterion: scale id; defaults to the first scale."
    )
    description: Text | None = Field(default=None, description="Inline criterion: what it judges.")
    descriptors: list[Text] | None = Field(
        default=None, description="Inline criterion: one per level of its scale, lowest first."
    )
    signals: list[Signal] | None = Field(default=None, description=_SIGNALS)


class Complexity(_Model):
    """Big-O cost of an approach, as text."""

    time: str = Field(description="Time cost, e.g. 'O(n log n)' (quote it in a {...} mapping).")
    space: str = Field(description="Extra space, e.g. 'O(1)'.")


class Approach(_Model):
    """One way to solve the problem, with its trade-offs."""

    id: Id
    title: str = Field(description="The approach's name, e.g. 'Hash map of complements'.")
    summary: Markdown
    tradeoffs: list[Text] = Field(
        default_factory=list, description="Its strengths and weaknesses, one per item."
    )
    complexity: Complexity | None = Field(default=None, description="Its time and space cost.")
    solution: Text | None = Field(
        default=None,
        description="Code, shown as written (coding questions), or a model answer in Markdown "
        "(other kinds).",
    )
    expect: Verdict | None = Field(
        default=None,
        description="Verdict the solution must get from `validate --run`; default accepted.",
    )


class ReferenceAnswer(_Model):
    """A candidate answer with an experienced interviewer's scores, for interviewer rounds."""

    id: Id
    label: str | None = Field(default=None, description="Short label, e.g. 'strong' or 'weak'.")
    answer: Markdown
    scores: dict[str, int] = Field(description="Criterion id -> level (1-based).")
    rationale: Markdown
    feedback: Markdown = ""
    expect: Verdict | None = Field(
        default=None,
        description="Coding questions: the verdict this answer's code must get from "
        "`validate --run`, so that the rationale's claim is checked.",
    )

    def code(self) -> str:
        """The answer's code: the first fenced block if it has one, else the whole answer."""
        match = _FENCED.search(self.answer)
        return match.group(1) if match else self.answer


class Signature(_Model):
    """How a coding answer is called: `function(*args)`."""

    language: Literal["python"] = Field(
        default="python", description="The answer's language; only Python today."
    )
    function: str = Field(description="The function the candidate writes and the tests call.")
    params: list[str] = Field(
        description="Parameter names, optionally annotated: 'nums: list[int]'."
    )
    returns: str | None = Field(
        default=None, description="The return annotation shown in the starter, e.g. 'int'."
    )
    starter: Text | None = Field(default=None, description="Starter code; generated if absent.")

    @property
    def param_names(self) -> list[str]:
        return [p.split(":", 1)[0].strip() for p in self.params]

    def starter_code(self) -> str:
        """The signature and an indented empty body, so typing starts the body at once."""
        if self.starter is not None:
            return self.starter
        ret = f" -> {self.returns}" if self.returns else ""
        return f"def {self.function}({', '.join(p.strip() for p in self.params)}){ret}:\n    "


class TestCase(_Model):
    """A test as data: positional `args` and the `expected` return value (JSON-like).

    A mapping with the key `$gen` in args or expected is a data generator
    (see `generators.py`), so large tests need no huge literals.
    """

    __test__ = False  # not a pytest class

    id: Id
    visibility: Visibility = Field(
        default="hidden",
        description="sample tests are shown to the candidate and run on demand; hidden on submit.",
    )
    args: list[Any] = Field(description="Positional arguments (data, never code); $gen allowed.")
    expected: Any = Field(description="The return value that passes; $gen allowed.")
    compare: Literal["exact", "unordered", "approx"] = Field(
        default="exact", description="How the result is compared with expected."
    )
    description: str | None = Field(
        default=None, description="What the test checks; shown when it fails."
    )


class Limits(_Model):
    """Limits for running a coding answer: wall time per test; memory and output per run."""

    time_s: float = Field(default=2.0, gt=0, le=60, description="Wall-clock seconds per test.")
    memory_mb: int = Field(
        default=256, ge=16, le=4096, description="Memory for the whole run, in MiB."
    )
    output_kb: int = Field(
        default=64, ge=1, le=10240, description="Printed output allowed per run, in KiB."
    )


class Choice(_Model):
    """One option of a multiple-choice question."""

    id: Id
    text: Text
    correct: bool = Field(default=False, description="True for a right option.")
    feedback: Text


class _QuestionBase(_Model):
    id: Id
    title: str = Field(description="The question's title, shown in the list and the round.")
    difficulty: Difficulty = Field(description="easy, medium or hard.")
    tags: list[Tag] = Field(default_factory=list, description="Topics, for filtering.")
    time_limit_min: float | None = Field(
        default=None, gt=0, le=240, description="Defaults by kind (coding 30, design 45, ...)."
    )
    prompt: Markdown
    hints: list[Text] = Field(
        default_factory=list, description="Progressive: gentlest first; shown as written."
    )
    rubric: list[RubricItem] = Field(
        default_factory=list, description="The criteria this question is scored on."
    )
    approaches: list[Approach] = Field(
        default_factory=list, description="Ways to solve it, shown after an answer."
    )
    reference_answers: list[ReferenceAnswer] = Field(
        default_factory=list,
        description="Graded candidate answers, scored by an expert, for interviewer rounds.",
    )
    interviewer_notes: Markdown = Field(
        default="", description="What an interviewer looks for (Markdown)."
    )
    follow_ups: list[Text] = Field(
        default_factory=list, description="Questions an interviewer could ask next."
    )

    @property
    def time_limit(self) -> float:
        kind: str = getattr(self, "kind")  # noqa: B009 - every subclass defines it
        return self.time_limit_min or DEFAULT_TIME_LIMIT_MIN[kind]


class CodingQuestion(_QuestionBase):
    kind: Literal["coding"] = Field(description=_KIND)
    signature: Signature = Field(description="How the answer is called: function and params.")
    tests: list[TestCase] = Field(min_length=1, description="Sample and hidden tests, as data.")
    limits: Limits = Field(default_factory=Limits, description="Time, memory and output limits.")


class SystemDesignQuestion(_QuestionBase):
    kind: Literal["system_design"] = Field(description=_KIND)


class BehavioralQuestion(_QuestionBase):
    kind: Literal["behavioral"] = Field(description=_KIND)
    competency: str | None = Field(
        default=None, description="The competency it probes, e.g. 'conflict'."
    )


class ConceptQuestion(_QuestionBase):
    kind: Literal["concept"] = Field(description=_KIND)


class MultipleChoiceQuestion(_QuestionBase):
    kind: Literal["multiple_choice"] = Field(description=_KIND)
    select: Literal["single", "multiple"] = Field(
        default="single", description="single: one right option; multiple: any number."
    )
    choices: list[Choice] = Field(min_length=2, description="The options, in display order.")
    explanation: Markdown = ""


class Turn(_Model):
    """One thing said in a recorded interview, in order."""

    speaker: Literal["interviewer", "candidate"] = Field(description="Who speaks.")
    text: Text
    at_s: float | None = Field(
        default=None, ge=0, description="Seconds since the interview started (optional)."
    )
    code: Text | None = Field(
        default=None, description="The candidate's code as it stands at this turn (coding)."
    )
    diagram: Text | None = Field(
        default=None, description="A diagram as it stands at this turn (system design)."
    )


class Debrief(_Model):
    """How an experienced interviewer scored the recorded candidate."""

    scores: dict[str, int] = Field(description="Criterion id -> level (1-based).")
    rationale: Markdown
    summary: Markdown = Field(
        default="", description="What the interviewer did well and what to change."
    )


class Moment(_Model):
    """A turn the experienced interviewer marked: what the interviewer did well or wrong."""

    turn: int = Field(description="1-based turn number (the first turn is 1).")
    kind: Id = Field(description="One of the built-in moment kinds or the pack's moment_kinds.")
    explanation: Markdown
    rewrite: Text | None = Field(
        default=None,
        description="Conduct moments: the lawful question to ask instead (required for them).",
    )


class MomentKind(_Model):
    """A moment kind the pack adds to the built-in ones."""

    id: Id
    title: str = Field(description="The kind's name, shown when flagging.")
    description: str = Field(default="", description="What this kind of moment is.")
    good: bool = Field(default=False, description="True for good practice, false for a mistake.")


class RecordedInterviewQuestion(_QuestionBase):
    """A whole interview to shadow: its turns, the expert's debrief and marked moments."""

    kind: Literal["recorded_interview"] = Field(description=_KIND)
    interview_kind: Literal["coding", "system_design", "behavioral"] = Field(
        description="What kind of interview was recorded."
    )
    turns: list[Turn] = Field(min_length=1, description="What was said, in order.")
    debrief: Debrief = Field(description="The experienced interviewer's scores of the candidate.")
    moments: list[Moment] = Field(
        default_factory=list, description="Turns the expert marked, good or bad (at least one)."
    )


Question = Annotated[
    CodingQuestion
    | SystemDesignQuestion
    | BehavioralQuestion
    | ConceptQuestion
    | MultipleChoiceQuestion
    | RecordedInterviewQuestion,
    Field(discriminator="kind"),
]

QUESTION_CLASSES: dict[str, type[_QuestionBase]] = {
    "coding": CodingQuestion,
    "system_design": SystemDesignQuestion,
    "behavioral": BehavioralQuestion,
    "concept": ConceptQuestion,
    "multiple_choice": MultipleChoiceQuestion,
    "recorded_interview": RecordedInterviewQuestion,
}


class RatingItem(_Model):
    """One criterion on which a candidate rates their interviewer in pair mode (1-4)."""

    id: Id
    title: str = Field(description="Shown as the row's heading, e.g. 'Clarity of the question'.")
    description: str = Field(default="", description="One line: what a good interviewer does.")


class PairSettings(_Model):
    """How pair practice uses this pack's questions."""

    interviewer_rubric: list[RatingItem] = Field(
        default_factory=list,
        max_length=9,
        description="Replaces the built-in interviewer rubric for this pack's questions.",
    )
    private_descriptors: bool = Field(
        default=False,
        description=(
            "Keep rubric level descriptors from the candidate until the reveal; they "
            "self-assess by level names only."
        ),
    )


class Pack(_Model):
    """A whole question pack file."""

    schema_version: Literal[1] = Field(description="The pack format's version: 1.")
    pack: PackInfo = Field(description="The pack's id, title, version, authors and licence.")
    scales: list[Scale] = Field(
        default_factory=list, description="Scoring scales; the first is the default."
    )
    criteria: list[Criterion] = Field(
        default_factory=list, description="Shared rubric criteria, used with {ref: id}."
    )
    questions: list[Question] = Field(default_factory=list, description="The questions.")
    pair: PairSettings | None = Field(
        default=None, description="Pair-practice settings: interviewer rubric, private levels."
    )
    moment_kinds: list[MomentKind] = Field(
        default_factory=list,
        description="Moment kinds for recorded interviews, besides the built-in ones.",
    )

    def scale(self, scale_id: str | None) -> Scale | None:
        if scale_id is None:
            return self.scales[0] if self.scales else None
        return next((s for s in self.scales if s.id == scale_id), None)

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def question(self, question_id: str) -> AnyQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)


AnyQuestion = (
    CodingQuestion
    | SystemDesignQuestion
    | BehavioralQuestion
    | ConceptQuestion
    | MultipleChoiceQuestion
    | RecordedInterviewQuestion
)
