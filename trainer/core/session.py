"""The interview session engine: rounds, roles, phases, clock, hints, answers, scores.

Events in, state out. Screens (and later a network peer) call `Session.apply` with
small event objects; the session updates its plain-data state and returns it. Who
sits where is data (`RoundState.candidate` / `.interviewer`), so solo and pair
modes share one engine. The clock is injected; nothing here reads real time.

Phases:
  candidate round:   answering --submitted--> reviewing --finished--> done
  interviewer round: scoring   --submitted--> revealed  --finished--> done
  shadow round:      watching  --submitted--> revealed  --finished--> done
                     (turns are shown one by one and flagged; the candidate is scored
                     once every turn has been shown)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from trainer.core.evaluation.calibration import Calibration, calibrate, calibrate_question
from trainer.core.evaluation.evaluation import FREE_TEXT_KINDS, Evaluation, evaluate
from trainer.core.evaluation.evidence import SuggestedScore
from trainer.core.evaluation.results import RunResult
from trainer.core.packs.model import (
    MultipleChoiceQuestion,
    RecordedInterviewQuestion,
    ReferenceAnswer,
)
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric
from trainer.core.selection import Entry, PlannedRound
from trainer.core.shadowing import FlagSet, ShadowResult, compare_flags, moment_kinds

Role = Literal["candidate", "interviewer", "shadow"]
Phase = Literal["answering", "reviewing", "scoring", "watching", "revealed", "done"]
Clock = Callable[[], float]


# -- events ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HintRequested:
    pass


@dataclass(frozen=True, slots=True)
class AnswerChanged:
    text: str


@dataclass(frozen=True, slots=True)
class ChoicesChanged:
    selected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Paused:
    pass


@dataclass(frozen=True, slots=True)
class Resumed:
    pass


@dataclass(frozen=True, slots=True)
class Submitted:
    pass


@dataclass(frozen=True, slots=True)
class RunCompleted:
    """All tests (sample and hidden) ran against the submitted code."""

    run: RunResult


@dataclass(frozen=True, slots=True)
class SampleRunCompleted:
    """The candidate ran the sample tests while answering."""

    run: RunResult


@dataclass(frozen=True, slots=True)
class ModelGraded:
    """The opt-in model grader's suggestions for the submitted answer (already checked:
    levels in range, quotes found in the answer). They fill only criteria nobody scored."""

    suggestions: tuple[SuggestedScore, ...]


@dataclass(frozen=True, slots=True)
class Scored:
    criterion_id: str
    level: int | None


@dataclass(frozen=True, slots=True)
class FeedbackChanged:
    text: str


@dataclass(frozen=True, slots=True)
class RoundFinished:
    pass


@dataclass(frozen=True, slots=True)
class TurnShown:
    """Shadow rounds: show the next turn of the recorded interview."""


@dataclass(frozen=True, slots=True)
class FlagToggled:
    """Shadow rounds: flag a shown turn with a moment kind, or take the flag back."""

    turn: int
    kind: str
    note: str = ""


Event = (
    HintRequested
    | AnswerChanged
    | ChoicesChanged
    | Paused
    | Resumed
    | Submitted
    | RunCompleted
    | SampleRunCompleted
    | ModelGraded
    | Scored
    | FeedbackChanged
    | RoundFinished
    | TurnShown
    | FlagToggled
)


class SessionError(ValueError):
    """An event that does not fit the current phase (a screen bug, or a stale peer)."""


# -- state ----------------------------------------------------------------------------


@dataclass
class RoundState:
    """One round. Plain data apart from the evaluation objects, which have to_dict()."""

    index: int
    role: Role  # the user's role in this round
    pack_id: str
    question_id: str
    kind: str
    candidate: str  # "user", "pack" (its reference answer) or a partner's name
    interviewer: str  # "user", "pack" (its rubric and reference scores) or a partner's name
    time_limit_s: float
    reference_id: str | None = None
    phase: Phase = "answering"
    answer: str = ""
    selected: tuple[str, ...] = ()
    hints_shown: int = 0
    scores: dict[str, int] = field(default_factory=dict)  # the user's own scores
    feedback: str = ""
    started_at: float | None = None  # clock time the current stretch began (None = paused)
    elapsed_before: float = 0.0  # time accumulated before the current stretch
    paused: bool = False
    elapsed_at_submit: float | None = None
    sample_runs: int = 0
    last_sample_run: RunResult | None = None
    run: RunResult | None = None  # the full run after submitting (coding)
    evaluation: Evaluation | None = None
    calibration: Calibration | None = None
    turns_shown: int = 0  # shadow rounds: how many turns the user has seen
    flags: FlagSet = field(default_factory=FlagSet)  # shadow rounds: the user's flags
    shadow: ShadowResult | None = None  # shadow rounds: flags against the expert's moments
    model_suggestions: tuple[SuggestedScore, ...] = ()  # from the opt-in grader, if any

    def elapsed(self, now: float) -> float:
        if self.elapsed_at_submit is not None:
            return self.elapsed_at_submit
        running = now - self.started_at if self.started_at is not None else 0.0
        return self.elapsed_before + max(0.0, running)

    def remaining(self, now: float) -> float:
        """Seconds left; negative in overtime (the clock never stops the user)."""
        return self.time_limit_s - self.elapsed(now)

    def to_dict(self) -> dict[str, Any]:
        skip = (
            "evaluation",
            "calibration",
            "run",
            "last_sample_run",
            "flags",
            "shadow",
            "model_suggestions",
        )
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        data["model_suggestions"] = [asdict(s) for s in self.model_suggestions]
        data["scores"] = dict(self.scores)
        data["flags"] = self.flags.to_list()
        data["shadow"] = self.shadow.to_dict() if self.shadow else None
        data["evaluation"] = self.evaluation.to_dict() if self.evaluation else None
        data["calibration"] = self.calibration.to_dict() if self.calibration else None
        return data


class Session:
    """A sequence of rounds played by one user against packs (solo)."""

    def __init__(
        self,
        bank_lookup: Callable[[str, str], Entry | None],
        plan: list[PlannedRound],
        clock: Clock,
    ) -> None:
        if not plan:
            raise SessionError("a session needs at least one round")
        self._lookup = bank_lookup
        self.clock = clock
        self.rounds: list[RoundState] = [self._make_round(i, p) for i, p in enumerate(plan)]
        self.current_index = 0
        self.started_at = clock()
        self._start(self.rounds[0])

    # -- reading ----------------------------------------------------------------------

    @property
    def current(self) -> RoundState:
        return self.rounds[self.current_index]

    @property
    def finished(self) -> bool:
        return all(r.phase == "done" for r in self.rounds)

    def entry(self, rnd: RoundState | None = None) -> Entry:
        rnd = rnd or self.current
        found = self._lookup(rnd.pack_id, rnd.question_id)
        if found is None:
            raise SessionError(f"question {rnd.pack_id}/{rnd.question_id} is not loaded")
        return found

    def criteria(self, rnd: RoundState | None = None) -> list[ResolvedCriterion]:
        entry = self.entry(rnd)
        return resolve_rubric(entry.pack, entry.question)

    def visible_hints(self, rnd: RoundState | None = None) -> list[str]:
        rnd = rnd or self.current
        return list(self.entry(rnd).question.hints[: rnd.hints_shown])

    # -- events -----------------------------------------------------------------------

    def apply(self, event: Event) -> RoundState:
        """Apply one event to the current round and return its new state."""
        rnd = self.current
        now = self.clock()
        match event:
            case HintRequested():
                self._need(rnd, "answering")
                total = len(self.entry(rnd).question.hints)
                if rnd.hints_shown >= total:
                    raise SessionError("no more hints")
                rnd.hints_shown += 1
            case AnswerChanged(text=text):
                if rnd.role == "candidate":
                    self._need(rnd, "answering")
                    rnd.answer = text
                else:
                    self._need(rnd, "scoring")
                    rnd.feedback = text
            case FeedbackChanged(text=text):
                if rnd.phase == "done":  # already recorded: an edit now would be lost
                    raise SessionError(f"round {rnd.index + 1} is done")
                rnd.feedback = text
            case ChoicesChanged(selected=selected):
                self._need(rnd, "answering")
                question = self.entry(rnd).question
                if not isinstance(question, MultipleChoiceQuestion):
                    raise SessionError("not a multiple-choice question")
                known = {c.id for c in question.choices}
                rnd.selected = tuple(c for c in selected if c in known)
            case Paused():
                if not rnd.paused and rnd.started_at is not None:
                    rnd.elapsed_before += max(0.0, now - rnd.started_at)
                    rnd.started_at = None
                    rnd.paused = True
            case Resumed():
                if rnd.paused:
                    rnd.started_at = now
                    rnd.paused = False
            case SampleRunCompleted(run=run):
                self._need(rnd, "answering")  # a run that ends after submitting is stale
                self._need_coding(rnd)
                rnd.sample_runs += 1
                rnd.last_sample_run = run
            case Submitted():
                self._submit(rnd, now)
            case RunCompleted(run=run):
                self._need(rnd, "reviewing")
                self._need_coding(rnd)  # before storing it: evaluate would reject it forever
                rnd.run = run
                self._evaluate(rnd)
            case ModelGraded(suggestions=suggestions):
                self._need(rnd, "reviewing")
                if rnd.kind not in FREE_TEXT_KINDS:
                    raise SessionError("the model grades written answers only")
                rnd.model_suggestions = tuple(s for s in suggestions if s.rule == "model")
                self._evaluate(rnd)
            case Scored(criterion_id=cid, level=level):
                self._score(rnd, cid, level)
            case TurnShown():
                self._need(rnd, "watching")
                rnd.turns_shown = min(rnd.turns_shown + 1, len(self._recorded(rnd).turns))
            case FlagToggled(turn=turn, kind=kind, note=note):
                self._need(rnd, "watching")
                entry = self.entry(rnd)
                if not 1 <= turn <= rnd.turns_shown:
                    raise SessionError(f"turn {turn} has not been shown")
                if kind not in {k.id for k in moment_kinds(entry.pack)}:
                    raise SessionError(f"'{kind}' is not a moment kind")
                rnd.flags.toggle(turn, kind, note[:500])
            case RoundFinished():
                if rnd.phase not in ("reviewing", "revealed"):
                    raise SessionError(f"cannot finish a round in phase {rnd.phase}")
                rnd.phase = "done"
                if self.current_index + 1 < len(self.rounds):
                    self.current_index += 1
                    self._start(self.current)
        return rnd

    # -- internals --------------------------------------------------------------------

    def _make_round(self, index: int, planned: PlannedRound) -> RoundState:
        question = planned.entry.question
        if isinstance(question, RecordedInterviewQuestion):
            return RoundState(
                index=index,
                role="shadow",
                pack_id=planned.entry.pack.pack.id,
                question_id=question.id,
                kind=question.kind,
                candidate="pack",
                interviewer="pack",
                time_limit_s=question.time_limit * 60,
                phase="watching",
                turns_shown=1,
            )
        if planned.role == "shadow":
            raise SessionError(f"question {question.id} is not a recorded interview")
        role: Role = "interviewer" if planned.role == "interviewer" else "candidate"
        reference_id = None
        if role == "interviewer":
            refs = question.reference_answers
            if not refs:
                raise SessionError(f"question {question.id} has no reference answer to judge")
            reference_id = refs[index % len(refs)].id
        return RoundState(
            index=index,
            role=role,
            pack_id=planned.entry.pack.pack.id,
            question_id=question.id,
            kind=question.kind,
            candidate="user" if role == "candidate" else "pack",
            interviewer="pack" if role == "candidate" else "user",
            time_limit_s=question.time_limit * 60,
            reference_id=reference_id,
            phase="answering" if role == "candidate" else "scoring",
        )

    def _start(self, rnd: RoundState) -> None:
        rnd.started_at = self.clock()
        rnd.paused = False

    @staticmethod
    def _need(rnd: RoundState, *phases: str) -> None:
        if rnd.phase not in phases:
            raise SessionError(f"round {rnd.index + 1} is {rnd.phase}, not {'/'.join(phases)}")

    @staticmethod
    def _need_coding(rnd: RoundState) -> None:
        if rnd.kind != "coding":
            raise SessionError(f"a {rnd.kind} question has no tests to run")

    def _recorded(self, rnd: RoundState) -> RecordedInterviewQuestion:
        question = self.entry(rnd).question
        if not isinstance(question, RecordedInterviewQuestion):
            raise SessionError("not a shadow round")
        return question

    def _submit(self, rnd: RoundState, now: float) -> None:
        if rnd.role == "shadow":
            self._need(rnd, "watching")
            question = self._recorded(rnd)
            if rnd.turns_shown < len(question.turns):
                raise SessionError("watch the whole interview before scoring it")
            rnd.elapsed_at_submit = rnd.elapsed(now)
            rnd.phase = "revealed"
            entry = self.entry(rnd)
            scale = entry.pack.scale(None)
            expert = ReferenceAnswer(
                id="debrief",
                answer="",
                scores=dict(question.debrief.scores),
                rationale=question.debrief.rationale,
            )
            rnd.calibration = calibrate(
                resolve_rubric(entry.pack, question),
                dict(rnd.scores),
                expert,
                verdict_levels=tuple(scale.levels) if scale is not None else None,
                pack_id=rnd.pack_id,
                question_id=rnd.question_id,
            )
            rnd.shadow = compare_flags(question, rnd.flags.all())
            return
        if rnd.role == "candidate":
            self._need(rnd, "answering")
            rnd.elapsed_at_submit = rnd.elapsed(now)
            rnd.phase = "reviewing"
            self._evaluate(rnd)
        else:
            self._need(rnd, "scoring")
            rnd.elapsed_at_submit = rnd.elapsed(now)
            rnd.phase = "revealed"
            entry = self.entry(rnd)
            assert rnd.reference_id is not None
            rnd.calibration = calibrate_question(
                entry.pack, entry.question, rnd.reference_id, dict(rnd.scores)
            )

    def _score(self, rnd: RoundState, cid: str, level: int | None) -> None:
        self._need(rnd, "reviewing", "scoring", "watching")
        crit = next((c for c in self.criteria(rnd) if c.id == cid), None)
        if crit is None:
            raise SessionError(f"'{cid}' is not a criterion of this question")
        if level is None:
            rnd.scores.pop(cid, None)
        elif isinstance(level, bool) or not isinstance(level, int):
            # stored, it would make every later evaluation raise
            raise SessionError(f"level {level!r} is not a whole number")
        elif 1 <= level <= crit.max_score:
            rnd.scores[cid] = level
        else:
            raise SessionError(f"level {level} is outside 1..{crit.max_score}")
        if rnd.phase == "reviewing":
            self._evaluate(rnd)

    def _evaluate(self, rnd: RoundState) -> None:
        entry = self.entry(rnd)
        source = "self" if rnd.interviewer == "pack" else "interviewer"
        rnd.evaluation = evaluate(
            entry.pack,
            entry.question,
            answer=rnd.answer,
            selected=rnd.selected,
            run=rnd.run,
            hints_used=rnd.hints_shown,
            elapsed_s=rnd.elapsed_at_submit or 0.0,
            scores={source: dict(rnd.scores)} if rnd.scores else None,
            model=rnd.model_suggestions,
        )
