"""The observer seat: a third person watches a two-terminal round read-only (reverse shadowing).

The host builds the observer's view with `observer_view(session)`: the candidate's side (the
question, the answer as it is typed, the hints given) and the interviewer's actions (when
the round started, each hint, the move to scoring), but never the interviewer's notes,
briefing, scores or feedback before the reveal, so the observer's own scores are not
anchored on them. The observer side checks every view with `validate_observer_view`
(strict pydantic, extra fields refused, sizes bounded) before a screen reads it.

The observer's flags and scores never leave the observer's machine; at the reveal
`score_gaps` sets them beside the interviewer's and `observer_attempt` keeps the round in
the observer's own history as a shadow round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from trainer.core.evaluation.scoring import score_rubric
from trainer.core.packs.model import MOMENT_KINDS
from trainer.core.packs.resolve import ResolvedCriterion
from trainer.core.pair.wire import ANSWER_MAX, TEXT_MAX
from trainer.core.pairing import NAME_MAX, PairRound, PairSession, question_view
from trainer.core.shadowing import GOOD_KINDS, MOMENT_TITLES, MomentKindInfo
from trainer.core.storage.history import AttemptRecord

NOTE_MAX = 500  # an observer's note on a flag
PROMPT_MAX = 100_000
HINT_MAX = 10_000
SHORT = 64
TITLE_MAX = 500
MAX_ITEMS = 100

ObserverStage = Literal["waiting", "watching", "reveal"]
ActionKind = Literal["started", "hint", "submitted", "scored"]


# -- the view on the host -------------------------------------------------------------------


def _actions(rnd: PairRound) -> list[dict[str, Any]]:
    """What the interviewer did, in order, each at its time into the answer."""
    if rnd.phase == "briefing":
        return []
    out: list[dict[str, Any]] = [
        {"kind": "started", "at_s": 0.0, "text": "The interviewer started the round"}
    ]
    for h in rnd.hints:
        out.append({"kind": "hint", "at_s": h.at_s, "text": f"Hint {h.index + 1} given"})
    if rnd.phase in ("assessing", "reveal", "done"):
        at = float(rnd.elapsed_s or 0.0)
        out.append(
            {
                "kind": "submitted",
                "at_s": at,
                "text": "The candidate handed in; the interviewer moves to scoring",
            }
        )
        if rnd.interviewer_done:
            out.append({"kind": "scored", "at_s": at, "text": "The interviewer submitted scores"})
    return out


def observer_view(session: PairSession) -> dict[str, Any]:
    """What the observer may see now, as JSON-ready data.

    Before the reveal: the candidate's side and the interviewer's actions only. From the
    reveal on, a `reveal` part adds both people's scores, the feedback and the verdict.
    """
    rnd = session.current
    q = session.entry(rnd).question
    now = session.clock()
    hints = list(q.hints)
    revealed = rnd.phase in ("reveal", "done")
    descriptors = revealed or not session.private_descriptors(rnd)
    question = question_view(q, rnd.time_limit_s)
    data: dict[str, Any] = {
        "observer": True,
        "names": list(session.names),
        "candidate": rnd.candidate,
        "round": rnd.index + 1,
        "rounds": len(session.rounds),
        "pack_id": rnd.pack_id,
        "question_id": rnd.question_id,
        "phase": rnd.phase,
        "finished": session.finished,
        "question": question,
        "elapsed_s": rnd.elapsed(now),
        "answer": rnd.answer if rnd.phase != "briefing" else "",
        "selected": list(rnd.selected) if rnd.phase != "briefing" else [],
        "hints_given": [{"text": hints[h.index], "at_s": h.at_s} for h in rnd.hints],
        "hints_total": len(hints),
        "actions": _actions(rnd),
        "rubric": [
            {
                "id": c.id,
                "title": c.title,
                "levels": list(c.levels),
                "weight": c.weight,
                "description": c.description,
                "descriptors": list(c.descriptors) if descriptors else [],
            }
            for c in session.criteria(rnd)
        ],
        "submitted": {"interviewer": rnd.interviewer_done, "candidate": rnd.candidate_done},
        "reveal": None,
    }
    if revealed:
        ev = rnd.evaluation
        scored = ev.by_source.get("interviewer") if ev is not None else None
        data["reveal"] = {
            "scores": dict(rnd.scores),
            "self_scores": dict(rnd.self_scores),
            "feedback": rnd.feedback,
            "overall": float(scored.overall) if scored and scored.overall is not None else None,
            "verdict": scored.verdict if scored else None,
        }
    return data


# -- the view on the observer: checked before any screen reads it ---------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Short = Annotated[str, Field(min_length=1, max_length=SHORT)]
Title = Annotated[str, Field(max_length=TITLE_MAX)]
Seconds = Annotated[float, Field(ge=0, le=1e7)]
Level = Annotated[int, Field(ge=1, le=9)]
Levels = Annotated[dict[Short, Level], Field(max_length=50)]
Name = Annotated[str, Field(max_length=NAME_MAX + 8)]  # " (1)" when both names are the same


class ChoiceView(_Strict):
    id: Short
    text: Annotated[str, Field(max_length=HINT_MAX)]


class QuestionView(_Strict):
    title: Title
    kind: Literal["coding", "system_design", "behavioral", "concept", "multiple_choice"]
    difficulty: Short
    prompt: Annotated[str, Field(max_length=PROMPT_MAX)]
    time_limit_s: Seconds
    select: Literal["single", "multiple"] | None = None
    choices: Annotated[list[ChoiceView], Field(max_length=50)] = []


class HintView(_Strict):
    text: Annotated[str, Field(max_length=HINT_MAX)]
    at_s: Seconds


class ActionView(_Strict):
    kind: ActionKind
    at_s: Seconds
    text: Title


class CriterionView(_Strict):
    id: Short
    title: Title
    levels: Annotated[list[Title], Field(min_length=1, max_length=9)]
    weight: Annotated[float, Field(ge=0, le=1000)]
    description: Annotated[str, Field(max_length=HINT_MAX)]
    descriptors: Annotated[list[Annotated[str, Field(max_length=HINT_MAX)]], Field(max_length=9)]


class SubmittedView(_Strict):
    interviewer: bool
    candidate: bool


class RevealView(_Strict):
    scores: Levels
    self_scores: Levels
    feedback: Annotated[str, Field(max_length=TEXT_MAX)]
    overall: Annotated[float, Field(ge=0, le=1)] | None
    verdict: Title | None


class ObserverView(_Strict):
    """One observer view as the screens read it; anything else in the frame is refused."""

    observer: Literal[True]
    names: Annotated[
        list[Annotated[str, Field(max_length=NAME_MAX + 8)]], Field(min_length=2, max_length=2)
    ]
    candidate: Literal[0, 1]
    round: Annotated[int, Field(ge=1, le=100)]
    rounds: Annotated[int, Field(ge=1, le=100)]
    pack_id: Title
    question_id: Title
    phase: Literal["briefing", "answering", "assessing", "reveal", "done"]
    finished: bool
    question: QuestionView
    elapsed_s: Seconds
    answer: Annotated[str, Field(max_length=ANSWER_MAX)]
    selected: Annotated[list[Short], Field(max_length=50)]
    hints_given: Annotated[list[HintView], Field(max_length=MAX_ITEMS)]
    hints_total: Annotated[int, Field(ge=0, le=MAX_ITEMS)]
    actions: Annotated[list[ActionView], Field(max_length=MAX_ITEMS + 3)]
    rubric: Annotated[list[CriterionView], Field(max_length=50)]
    submitted: SubmittedView
    reveal: RevealView | None

    @property
    def candidate_name(self) -> str:
        return self.names[self.candidate]

    @property
    def interviewer_name(self) -> str:
        return self.names[1 - self.candidate]

    def criteria(self) -> list[ResolvedCriterion]:
        """The rubric as the scoring widget and `score_rubric` take it."""
        return [
            ResolvedCriterion(
                id=c.id,
                title=c.title,
                weight=c.weight,
                levels=tuple(c.levels),
                descriptors=tuple(c.descriptors) or ("",) * len(c.levels),
                description=c.description,
            )
            for c in self.rubric
        ]


def validate_observer_view(payload: dict[str, Any]) -> ObserverView:
    """For `PairGuest(validate_view=...)` on an observer: raises ValueError on any bad field."""
    view = ObserverView.model_validate(payload)
    if view.reveal is None and view.phase in ("reveal", "done"):
        raise ValueError("a revealed round without its reveal")
    if view.reveal is not None and view.phase not in ("reveal", "done"):
        raise ValueError("scores before the reveal")
    return view


def observer_stage(view: ObserverView) -> ObserverStage:
    """Which screen the observer sees: waiting while the interviewer reads the briefing,
    watching while the candidate answers and both assess, then the reveal."""
    if view.phase == "briefing":
        return "waiting"
    if view.phase in ("answering", "assessing"):
        return "watching"
    return "reveal"


# -- the observer's own flags and scores ----------------------------------------------------


def observer_moment_kinds() -> list[MomentKindInfo]:
    """The built-in moment kinds of a shadow round (the observer may not have the pack)."""
    return [MomentKindInfo(k, MOMENT_TITLES[k], k in GOOD_KINDS) for k in MOMENT_KINDS]


@dataclass(frozen=True, slots=True)
class ObserverFlag:
    """A moment the observer marked: when (seconds into the answer), the kind, a note, and
    the interviewer's latest action then, since a live round has no turn numbers."""

    at_s: float
    kind: str
    note: str = ""
    after: str = ""  # the latest interviewer action's text, e.g. "Hint 2 given"
    after_at_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def latest_action(actions: Sequence[ActionView], at_s: float) -> ActionView | None:
    """The last interviewer action at or before `at_s` (the list is in order)."""
    found = None
    for action in actions:
        if action.at_s <= at_s + 1e-9:
            found = action
    return found


def make_flag(view: ObserverView, at_s: float, kind: str, note: str = "") -> ObserverFlag:
    """A flag tied to the time and to the interviewer's latest action; the note is cut."""
    action = latest_action(view.actions, at_s)
    return ObserverFlag(
        at_s=round(max(0.0, at_s), 1),
        kind=kind,
        note=note.strip()[:NOTE_MAX],
        after=action.text if action else "",
        after_at_s=action.at_s if action else None,
    )


@dataclass(frozen=True, slots=True)
class ScoreGap:
    criterion_id: str
    title: str
    mine: int | None
    theirs: int | None

    @property
    def gap(self) -> int | None:
        """The observer's level minus the interviewer's (+: the observer scored higher)."""
        if self.mine is None or self.theirs is None:
            return None
        return self.mine - self.theirs


def score_gaps(view: ObserverView, mine: Mapping[str, int]) -> list[ScoreGap]:
    """Per criterion: the observer's score beside the interviewer's (revealed views only)."""
    theirs = view.reveal.scores if view.reveal is not None else {}
    return [ScoreGap(c.id, c.title, mine.get(c.id), theirs.get(c.id)) for c in view.rubric]


def mean_gap(gaps: Sequence[ScoreGap]) -> float | None:
    """Mean absolute gap in levels over the criteria both scored; None when none."""
    both = [abs(g.gap) for g in gaps if g.gap is not None]
    return sum(both) / len(both) if both else None


def observer_attempt(
    view: ObserverView,
    mine: Mapping[str, int],
    flags: Sequence[ObserverFlag],
    *,
    session_id: int | None,
    submitted_at: float,
) -> AttemptRecord:
    """The observed round for the observer's own history: a shadow round whose scores are
    the observer's (`interviewer`) beside the live interviewer's (`partner`).

    No calibration gap is stored: the interviewer is a peer, not the pack's expert, so the
    round does not move the review schedule or the calibration trend.
    """
    criteria = view.criteria()
    known = {c.id for c in criteria}
    own = {k: v for k, v in mine.items() if k in known}
    scored = score_rubric(criteria, own) if criteria else None
    theirs = dict(view.reveal.scores) if view.reveal is not None else {}
    gaps = score_gaps(view, own)
    scores: dict[str, dict[str, float]] = {}
    if own:
        scores["interviewer"] = {k: float(v) for k, v in own.items()}
    if theirs:
        scores["partner"] = {k: float(v) for k, v in theirs.items()}
    return AttemptRecord(
        role="shadow",
        pack_id=view.pack_id,
        question_id=view.question_id,
        kind=view.question.kind,
        submitted_at=submitted_at,
        session_id=session_id,
        answer=view.answer,
        selected_choices=tuple(view.selected),
        scores=scores,
        overall_score=float(scored.overall) if scored and scored.overall is not None else None,
        verdict=scored.verdict if scored else None,
        hints_used=len(view.hints_given),
        time_taken_s=view.elapsed_s,
        time_limit_s=view.question.time_limit_s,
        feedback=view.reveal.feedback if view.reveal is not None else "",
        details={
            "observer": {
                "candidate": view.candidate_name,
                "interviewer": view.interviewer_name,
                "round": view.round,
                "flags": [f.to_dict() for f in flags],
                "gaps": [
                    {"criterion_id": g.criterion_id, "mine": g.mine, "theirs": g.theirs}
                    for g in gaps
                ],
                "mean_gap": mean_gap(gaps),
                "interviewer_verdict": view.reveal.verdict if view.reveal else None,
            }
        },
    )
