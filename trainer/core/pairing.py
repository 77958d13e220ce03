"""Pair practice: two people, two seats, roles swapped every round, a blind reveal.

Events in, state out, as in `trainer.core.session`: every action (a keystroke's text, a
hint given, a score) is an event carrying the seat that acted, applied by
`PairSession.apply`. What each person may see is decided here, by `view(session, seat)`,
as plain JSON-ready data, so a second terminal only needs a transport for events and
views. The clock is injected; nothing here reads real time.

Round phases:
  briefing (private, interviewer) --BriefingDone--> answering (shared)
  --Submitted--> assessing (private: interviewer scores, candidate self-assesses and
  rates the interviewer; either order) --both SideSubmitted--> reveal (shared)
  --RoundFinished--> done
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from trainer.core.evaluation.evaluation import Evaluation, evaluate
from trainer.core.packs.model import CodingQuestion, MultipleChoiceQuestion
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric
from trainer.core.selection import Entry
from trainer.core.text import make_visible

Seat = Literal[0, 1]
PairPhase = Literal["briefing", "answering", "assessing", "reveal", "done"]
Clock = Callable[[], float]

NAME_MAX = 24  # a name is shown in headings and handoff lines at 80 columns
NOTE_MAX = 2_000  # the interviewer's one-line notes
RATING_LEVELS = ("poor", "fair", "good", "excellent")


def clean_name(raw: str, fallback: str) -> str:
    """A partner's name is untrusted: one line, controls made visible, length-capped."""
    name = " ".join(make_visible(raw, keep_newlines=False).split())
    if len(name) > NAME_MAX:
        name = name[: NAME_MAX - 1] + "…"
    return name or fallback


@dataclass(frozen=True, slots=True)
class RatingCriterion:
    """One criterion of the interviewer rubric the candidate rates on 1-4."""

    id: str
    title: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description}


INTERVIEWER_RUBRIC: tuple[RatingCriterion, ...] = (
    RatingCriterion("clarity", "Clarity of the question", "Was the problem stated clearly?"),
    RatingCriterion("hints", "Hints", "Were hints timely and gentle, not giving it away?"),
    RatingCriterion("conduct", "Conduct", "Respectful, encouraging, let you think?"),
    RatingCriterion("feedback", "Quality of feedback", "Specific, fair and actionable?"),
    RatingCriterion("timekeeping", "Time keeping", "Was the time used and signalled well?"),
)


# -- events ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BriefingDone:
    seat: Seat


@dataclass(frozen=True, slots=True)
class AnswerChanged:
    seat: Seat
    text: str


@dataclass(frozen=True, slots=True)
class ChoicesChanged:
    seat: Seat
    selected: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HintGiven:
    seat: Seat


@dataclass(frozen=True, slots=True)
class NotesChanged:
    seat: Seat
    text: str


@dataclass(frozen=True, slots=True)
class Submitted:
    """The candidate hands in the answer."""

    seat: Seat


@dataclass(frozen=True, slots=True)
class Scored:
    """A rubric score: the interviewer's, or the candidate's self-score."""

    seat: Seat
    criterion_id: str
    level: int | None


@dataclass(frozen=True, slots=True)
class Rated:
    """The candidate rates the interviewer on one interviewer-rubric criterion."""

    seat: Seat
    criterion_id: str
    level: int | None


@dataclass(frozen=True, slots=True)
class FeedbackChanged:
    """The interviewer's written feedback, or the candidate's comment on the interviewer."""

    seat: Seat
    text: str


@dataclass(frozen=True, slots=True)
class SideSubmitted:
    """One person is done assessing; the reveal waits for both."""

    seat: Seat


@dataclass(frozen=True, slots=True)
class RoundFinished:
    seat: Seat


PairEvent = (
    BriefingDone
    | AnswerChanged
    | ChoicesChanged
    | HintGiven
    | NotesChanged
    | Submitted
    | Scored
    | Rated
    | FeedbackChanged
    | SideSubmitted
    | RoundFinished
)


class PairError(ValueError):
    """An event from the wrong seat or phase (a screen bug, or a hostile/stale peer)."""


# -- state ----------------------------------------------------------------------------


@dataclass
class HintRecord:
    index: int
    at_s: float  # seconds into the answering phase


@dataclass
class PairRound:
    """One round: both people's sides. Plain data apart from `evaluation` (to_dict)."""

    index: int
    pack_id: str
    question_id: str
    kind: str
    candidate: Seat
    time_limit_s: float
    phase: PairPhase = "briefing"
    answer: str = ""
    selected: tuple[str, ...] = ()
    hints: list[HintRecord] = field(default_factory=list)
    notes: str = ""  # the interviewer's private notes
    scores: dict[str, int] = field(default_factory=dict)  # interviewer's
    feedback: str = ""  # interviewer's written feedback
    self_scores: dict[str, int] = field(default_factory=dict)
    ratings: dict[str, int] = field(default_factory=dict)  # of the interviewer
    comment: str = ""  # candidate's comment on the interviewer
    interviewer_done: bool = False
    candidate_done: bool = False
    answer_started_at: float | None = None
    elapsed_s: float | None = None  # set when the answer is submitted
    evaluation: Evaluation | None = None

    @property
    def interviewer(self) -> Seat:
        return 1 if self.candidate == 0 else 0

    def elapsed(self, now: float) -> float:
        if self.elapsed_s is not None:
            return self.elapsed_s
        if self.answer_started_at is None:
            return 0.0
        return max(0.0, now - self.answer_started_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "pack_id": self.pack_id,
            "question_id": self.question_id,
            "kind": self.kind,
            "candidate": self.candidate,
            "interviewer": self.interviewer,
            "time_limit_s": self.time_limit_s,
            "phase": self.phase,
            "answer": self.answer,
            "selected": list(self.selected),
            "hints": [{"index": h.index, "at_s": h.at_s} for h in self.hints],
            "notes": self.notes,
            "scores": dict(self.scores),
            "feedback": self.feedback,
            "self_scores": dict(self.self_scores),
            "ratings": dict(self.ratings),
            "comment": self.comment,
            "interviewer_done": self.interviewer_done,
            "candidate_done": self.candidate_done,
            "elapsed_s": self.elapsed_s,
            "evaluation": self.evaluation.to_dict() if self.evaluation else None,
        }


class PairSession:
    """Two people at one (or, later, two) terminals; round i's candidate alternates."""

    def __init__(
        self,
        bank_lookup: Callable[[str, str], Entry | None],
        entries: Sequence[Entry],
        names: tuple[str, str],
        clock: Clock,
        *,
        first_candidate: Seat = 0,
        interviewer_rubric: Sequence[RatingCriterion] = INTERVIEWER_RUBRIC,
    ) -> None:
        if not entries:
            raise PairError("a pair session needs at least one round")
        if not interviewer_rubric:
            raise PairError("the interviewer rubric needs at least one criterion")
        self._lookup = bank_lookup
        self.clock = clock
        self.names = (clean_name(names[0], "Person 1"), clean_name(names[1], "Person 2"))
        if self.names[0] == self.names[1]:
            self.names = (self.names[0] + " (1)", self.names[1] + " (2)")
        self.interviewer_rubric = tuple(interviewer_rubric)
        self.rounds: list[PairRound] = []
        for i, entry in enumerate(entries):
            cand: Seat = first_candidate if i % 2 == 0 else (1 - first_candidate)  # type: ignore[assignment]
            self.rounds.append(
                PairRound(
                    index=i,
                    pack_id=entry.pack.pack.id,
                    question_id=entry.question.id,
                    kind=entry.question.kind,
                    candidate=cand,
                    time_limit_s=entry.question.time_limit * 60,
                )
            )
        self.current_index = 0

    # -- reading ----------------------------------------------------------------------

    @property
    def current(self) -> PairRound:
        return self.rounds[self.current_index]

    @property
    def finished(self) -> bool:
        return all(r.phase == "done" for r in self.rounds)

    def entry(self, rnd: PairRound | None = None) -> Entry:
        rnd = rnd or self.current
        found = self._lookup(rnd.pack_id, rnd.question_id)
        if found is None:
            raise PairError(f"question {rnd.pack_id}/{rnd.question_id} is not loaded")
        return found

    def criteria(self, rnd: PairRound | None = None) -> list[ResolvedCriterion]:
        entry = self.entry(rnd)
        return resolve_rubric(entry.pack, entry.question)

    def role_of(self, seat: Seat, rnd: PairRound | None = None) -> str:
        rnd = rnd or self.current
        return "candidate" if rnd.candidate == seat else "interviewer"

    # -- events -----------------------------------------------------------------------

    def apply(self, event: PairEvent) -> PairRound:
        """Apply one event to the current round, checking the seat may do it now."""
        if event.seat not in (0, 1):
            raise PairError(f"no seat {event.seat!r}")
        rnd = self.current
        now = self.clock()
        cand, intv = rnd.candidate, rnd.interviewer
        match event:
            case BriefingDone(seat=s):
                self._need(rnd, s, intv, "briefing")
                rnd.phase = "answering"
                rnd.answer_started_at = now
            case AnswerChanged(seat=s, text=text):
                self._need(rnd, s, cand, "answering")
                rnd.answer = text
            case ChoicesChanged(seat=s, selected=selected):
                self._need(rnd, s, cand, "answering")
                question = self.entry(rnd).question
                if not isinstance(question, MultipleChoiceQuestion):
                    raise PairError("not a multiple-choice question")
                known = {c.id for c in question.choices}
                rnd.selected = tuple(c for c in selected if c in known)
            case HintGiven(seat=s):
                self._need(rnd, s, intv, "answering")
                if len(rnd.hints) >= len(self.entry(rnd).question.hints):
                    raise PairError("no more hints")
                rnd.hints.append(HintRecord(len(rnd.hints), round(rnd.elapsed(now), 3)))
            case NotesChanged(seat=s, text=text):
                self._need(rnd, s, intv, "briefing", "answering", "assessing")
                if rnd.interviewer_done:
                    raise PairError("the interviewer's side is already submitted")
                rnd.notes = text[:NOTE_MAX]
            case Submitted(seat=s):
                self._need(rnd, s, cand, "answering")
                rnd.elapsed_s = round(rnd.elapsed(now), 3)
                rnd.phase = "assessing"
                self._evaluate(rnd)
            case Scored(seat=s, criterion_id=cid, level=level):
                self._need(rnd, s, s, "assessing")
                self._open_side(rnd, s)
                crit = next((c for c in self.criteria(rnd) if c.id == cid), None)
                if crit is None:
                    raise PairError(f"'{cid}' is not a criterion of this question")
                target = rnd.self_scores if s == cand else rnd.scores
                self._set_level(target, cid, level, crit.max_score)
            case Rated(seat=s, criterion_id=cid, level=level):
                self._need(rnd, s, cand, "assessing")
                self._open_side(rnd, s)
                if cid not in {c.id for c in self.interviewer_rubric}:
                    raise PairError(f"'{cid}' is not on the interviewer rubric")
                self._set_level(rnd.ratings, cid, level, len(RATING_LEVELS))
            case FeedbackChanged(seat=s, text=text):
                self._need(rnd, s, s, "assessing")
                self._open_side(rnd, s)
                if s == cand:
                    rnd.comment = text
                else:
                    rnd.feedback = text
            case SideSubmitted(seat=s):
                self._need(rnd, s, s, "assessing")
                self._open_side(rnd, s)
                if s == cand:
                    rnd.candidate_done = True
                else:
                    rnd.interviewer_done = True
                if rnd.candidate_done and rnd.interviewer_done:
                    self._evaluate(rnd)
                    rnd.phase = "reveal"
            case RoundFinished(seat=s):
                self._need(rnd, s, s, "reveal")
                rnd.phase = "done"
                if self.current_index + 1 < len(self.rounds):
                    self.current_index += 1
        return rnd

    # -- internals --------------------------------------------------------------------

    @staticmethod
    def _need(rnd: PairRound, seat: int, allowed: int, *phases: str) -> None:
        if seat != allowed:
            raise PairError(f"seat {seat} cannot do that in round {rnd.index + 1}")
        if rnd.phase not in phases:
            raise PairError(f"round {rnd.index + 1} is {rnd.phase}, not {'/'.join(phases)}")

    @staticmethod
    def _open_side(rnd: PairRound, seat: int) -> None:
        done = rnd.candidate_done if seat == rnd.candidate else rnd.interviewer_done
        if done:
            raise PairError("that side is already submitted")

    @staticmethod
    def _set_level(target: dict[str, int], cid: str, level: int | None, top: int) -> None:
        if level is None:
            target.pop(cid, None)
        elif isinstance(level, bool) or not isinstance(level, int):
            raise PairError(f"level {level!r} is not a whole number")
        elif 1 <= level <= top:
            target[cid] = level
        else:
            raise PairError(f"level {level} is outside 1..{top}")

    def _evaluate(self, rnd: PairRound) -> None:
        entry = self.entry(rnd)
        scores: dict[str, dict[str, int | None]] = {}
        if rnd.self_scores:
            scores["self"] = dict(rnd.self_scores)
        if rnd.scores:
            scores["interviewer"] = dict(rnd.scores)
        rnd.evaluation = evaluate(
            entry.pack,
            entry.question,
            answer=rnd.answer,
            selected=rnd.selected,
            hints_used=len(rnd.hints),
            elapsed_s=rnd.elapsed_s or 0.0,
            scores=scores or None,
        )


# -- per-seat views -------------------------------------------------------------------


def _criterion(c: ResolvedCriterion, *, descriptors: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": c.id,
        "title": c.title,
        "levels": list(c.levels),
        "description": c.description,
    }
    if descriptors:
        data["descriptors"] = list(c.descriptors)
    return data


def _gaps(rnd: PairRound) -> dict[str, int]:
    """Self-score minus interviewer score, per criterion both scored."""
    return {k: rnd.self_scores[k] - v for k, v in rnd.scores.items() if k in rnd.self_scores}


def view(session: PairSession, seat: Seat) -> dict[str, Any]:
    """What the person in `seat` may see now, as plain data.

    The interviewer's material (the whole hint list, approaches, reference answers,
    what to look for, follow-ups, the interviewer's notes, scores and feedback, the
    automatic evidence) never enters the candidate's view before the reveal.
    """
    rnd = session.current
    entry = session.entry(rnd)
    q = entry.question
    role = session.role_of(seat, rnd)
    now = session.clock()
    hints = list(q.hints)
    given = [{"text": hints[h.index], "at_s": h.at_s} for h in rnd.hints]
    data: dict[str, Any] = {
        "seat": seat,
        "names": list(session.names),
        "me": session.names[seat],
        "partner": session.names[1 - seat],
        "role": role,
        "round": rnd.index + 1,
        "rounds": len(session.rounds),
        "phase": rnd.phase,
        "finished": session.finished,
        "question": {
            "title": q.title,
            "kind": q.kind,
            "difficulty": q.difficulty,
            "prompt": q.prompt,
            "time_limit_s": rnd.time_limit_s,
        },
        "elapsed_s": rnd.elapsed(now),
        "hints_given": given,
        "hints_total": len(hints),
    }
    if isinstance(q, MultipleChoiceQuestion):
        data["question"]["select"] = q.select
        data["question"]["choices"] = [{"id": c.id, "text": c.text} for c in q.choices]
    if isinstance(q, CodingQuestion):
        data["question"]["signature"] = q.signature.model_dump(mode="json")
        data["question"]["sample_tests"] = [
            t.model_dump(mode="json") for t in q.tests if t.visibility == "sample"
        ]
    if rnd.phase != "briefing":
        data["answer"] = rnd.answer
        data["selected"] = list(rnd.selected)
    revealed = rnd.phase in ("reveal", "done")
    criteria = session.criteria(rnd)
    if role == "interviewer" or revealed:
        data["briefing"] = {
            "look_for": q.interviewer_notes,
            "follow_ups": list(q.follow_ups),
            "hints": hints,
            "approaches": [a.model_dump(mode="json") for a in q.approaches],
            "reference_answers": [r.model_dump(mode="json") for r in q.reference_answers],
        }
        if isinstance(q, MultipleChoiceQuestion):
            data["briefing"]["choices"] = [c.model_dump(mode="json") for c in q.choices]
            data["briefing"]["explanation"] = q.explanation
        data["notes"] = rnd.notes
        data["rubric"] = [_criterion(c, descriptors=True) for c in criteria]
    if rnd.phase == "assessing" or revealed:
        if role == "interviewer" or revealed:
            data["scores"] = dict(rnd.scores)
            data["feedback"] = rnd.feedback
            data["evidence"] = rnd.evaluation.to_dict() if rnd.evaluation else None
        if role == "candidate" or revealed:
            data["self_scores"] = dict(rnd.self_scores)
            data["ratings"] = dict(rnd.ratings)
            data["comment"] = rnd.comment
            data["interviewer_rubric"] = [c.to_dict() for c in session.interviewer_rubric]
            data["rating_levels"] = list(RATING_LEVELS)
            if "rubric" not in data:
                data["rubric"] = [_criterion(c, descriptors=True) for c in criteria]
        data["submitted"] = {
            "interviewer": rnd.interviewer_done,
            "candidate": rnd.candidate_done,
        }
    if revealed:
        data["gaps"] = _gaps(rnd)
    if session.finished:
        data["summary"] = summary(session)
    return data


# -- summary --------------------------------------------------------------------------


def summary(session: PairSession) -> list[dict[str, Any]]:
    """Per person: as candidate, scores and self-assessment gap; as interviewer, the
    ratings received and how well their scores agreed with the partner's self-view."""
    people: list[dict[str, Any]] = []
    for seat in (0, 1):
        as_cand = [r for r in session.rounds if r.candidate == seat and r.phase == "done"]
        as_intv = [r for r in session.rounds if r.interviewer == seat and r.phase == "done"]
        gaps = [g for r in as_cand for g in _gaps(r).values()]
        ratings = [v for r in as_intv for v in r.ratings.values()]
        agree = [abs(g) for r in as_intv for g in _gaps(r).values()]
        people.append(
            {
                "name": session.names[seat],
                "as_candidate": [
                    {
                        "round": r.index + 1,
                        "question_id": r.question_id,
                        "scores": dict(r.scores),
                        "self_scores": dict(r.self_scores),
                        "verdict": r.evaluation.final.verdict if r.evaluation else None,
                    }
                    for r in as_cand
                ],
                "mean_self_gap": sum(gaps) / len(gaps) if gaps else None,
                "as_interviewer": [
                    {"round": r.index + 1, "ratings": dict(r.ratings), "comment": r.comment}
                    for r in as_intv
                ],
                "mean_rating": sum(ratings) / len(ratings) if ratings else None,
                "mean_disagreement": sum(agree) / len(agree) if agree else None,
            }
        )
    return people
