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
from trainer.core.evaluation.results import RunResult
from trainer.core.evaluation.scoring import from_plain, score_rubric, to_plain
from trainer.core.packs.model import CodingQuestion, MultipleChoiceQuestion, Question
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric
from trainer.core.selection import Entry
from trainer.core.text import NAME_MAX as NAME_MAX  # re-exported for pair code
from trainer.core.text import clean_name as clean_name

Seat = Literal[0, 1]
PairPhase = Literal["briefing", "answering", "assessing", "reveal", "done"]
Clock = Callable[[], float]

NOTE_MAX = 2_000  # the interviewer's one-line notes
RATING_LEVELS = ("poor", "fair", "good", "excellent")
SNAPSHOT_FORMAT = 1
PHASES: tuple[PairPhase, ...] = ("briefing", "answering", "assessing", "reveal", "done")


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
    cursor: tuple[int, int] | None = None  # (line, column), for the interviewer's mirror


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
    cursor: tuple[int, int] | None = None  # where the candidate is typing
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
    run: RunResult | None = None  # every test (sample and hidden), run after submission

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
        self.first_candidate: Seat = first_candidate
        self.current_index = 0
        self._criteria: dict[tuple[str, str], list[ResolvedCriterion]] = {}

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
        """The round's rubric, resolved once: every view and score event reads it."""
        entry = self.entry(rnd)
        key = (entry.pack.pack.id, entry.question.id)
        found = self._criteria.get(key)
        if found is None:
            found = self._criteria[key] = resolve_rubric(entry.pack, entry.question)
        return list(found)

    def rating_rubric(self, rnd: PairRound | None = None) -> tuple[RatingCriterion, ...]:
        """The interviewer rubric for a round: its pack's, if the pack defines one."""
        settings = self.entry(rnd).pack.pair
        if settings is not None and settings.interviewer_rubric:
            return tuple(
                RatingCriterion(i.id, i.title, i.description) for i in settings.interviewer_rubric
            )
        return self.interviewer_rubric

    def private_descriptors(self, rnd: PairRound | None = None) -> bool:
        settings = self.entry(rnd).pack.pair
        return settings is not None and settings.private_descriptors

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
            case AnswerChanged(seat=s, text=text, cursor=cursor):
                self._need(rnd, s, cand, "answering")
                rnd.answer = text
                rnd.cursor = cursor
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
                if cid not in {c.id for c in self.rating_rubric(rnd)}:
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

    def record_run(self, result: RunResult) -> PairRound:
        """The full test run of the submitted answer: evidence for the interviewer's scoring.

        Not a seat's event: the terminal that runs the code reports it, once per round.
        """
        rnd = self.current
        if rnd.phase not in ("assessing", "reveal"):
            raise PairError(f"round {rnd.index + 1} has no submitted answer to run")
        if not isinstance(self.entry(rnd).question, CodingQuestion):
            raise PairError("only coding answers are run")
        rnd.run = result
        self._evaluate(rnd)
        return rnd

    # -- crash safety -----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything needed to carry on after a crash, as JSON-ready data."""
        now = self.clock()
        rounds = []
        for r in self.rounds:
            rounds.append(
                {
                    "pack_id": r.pack_id,
                    "question_id": r.question_id,
                    "phase": r.phase,
                    "answer": r.answer,
                    "selected": list(r.selected),
                    "hints": [{"index": h.index, "at_s": h.at_s} for h in r.hints],
                    "notes": r.notes,
                    "scores": dict(r.scores),
                    "feedback": r.feedback,
                    "self_scores": dict(r.self_scores),
                    "ratings": dict(r.ratings),
                    "comment": r.comment,
                    "interviewer_done": r.interviewer_done,
                    "candidate_done": r.candidate_done,
                    "elapsed_s": r.elapsed(now) if r.phase != "briefing" else None,
                    "run": to_plain(r.run) if r.run is not None else None,
                }
            )
        return {
            "format": SNAPSHOT_FORMAT,
            "names": list(self.names),
            "first_candidate": self.first_candidate,
            "interviewer_rubric": [c.to_dict() for c in self.interviewer_rubric],
            "current_index": self.current_index,
            "rounds": rounds,
        }

    @classmethod
    def restore(
        cls,
        bank_lookup: Callable[[str, str], Entry | None],
        data: Any,
        clock: Clock,
    ) -> PairSession:
        """Rebuild a session from `snapshot()`; `PairError` on anything that does not fit.

        The file is ours, but it may be from an older version or hand-edited, so every
        value is checked as strictly as an event.
        """
        try:
            return cls._restore(bank_lookup, data, clock)
        except PairError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise PairError(f"the saved pair session cannot be read: {exc}") from exc

    @classmethod
    def _restore(
        cls, bank_lookup: Callable[[str, str], Entry | None], data: Any, clock: Clock
    ) -> PairSession:
        if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
            raise PairError("not a saved pair session of this version")
        rounds = data["rounds"]
        if not isinstance(rounds, list) or not rounds:
            raise PairError("the saved pair session has no rounds")
        entries = []
        for r in rounds:
            entry = bank_lookup(str(r["pack_id"]), str(r["question_id"]))
            if entry is None:
                raise PairError(f"question {r['pack_id']}/{r['question_id']} is not loaded")
            entries.append(entry)
        names = data["names"]
        first = data["first_candidate"]
        if first not in (0, 1) or not isinstance(names, list) or len(names) != 2:
            raise PairError("the saved seats do not fit")
        rubric = (
            tuple(
                RatingCriterion(str(c["id"]), str(c["title"]), str(c.get("description", "")))
                for c in data.get("interviewer_rubric") or ()
            )
            or INTERVIEWER_RUBRIC
        )
        session = cls(
            bank_lookup,
            entries,
            (str(names[0]), str(names[1])),
            clock,
            first_candidate=first,
            interviewer_rubric=rubric,
        )
        current = data["current_index"]
        if not isinstance(current, int) or not 0 <= current < len(rounds):
            raise PairError("the saved current round does not fit")
        session.current_index = current
        now = clock()
        for i, (rnd, saved) in enumerate(zip(session.rounds, rounds, strict=True)):
            phase = saved["phase"]
            if phase not in PHASES:
                raise PairError(f"unknown phase {phase!r}")
            if (i < current and phase != "done") or (i > current and phase != "briefing"):
                raise PairError("the saved rounds are out of order")
            session._restore_round(rnd, saved, phase, now)
        return session

    def _restore_round(self, rnd: PairRound, saved: dict[str, Any], phase: str, now: float) -> None:
        q = self.entry(rnd).question
        rnd.phase = phase  # type: ignore[assignment]
        rnd.answer = str(saved.get("answer", ""))
        if isinstance(q, MultipleChoiceQuestion):
            known = {c.id for c in q.choices}
            rnd.selected = tuple(str(c) for c in saved.get("selected", ()) if c in known)
        for h in saved.get("hints", ()):
            if len(rnd.hints) >= len(q.hints):
                break
            rnd.hints.append(HintRecord(len(rnd.hints), max(0.0, float(h["at_s"]))))
        rnd.notes = str(saved.get("notes", ""))[:NOTE_MAX]
        rnd.feedback = str(saved.get("feedback", ""))
        rnd.comment = str(saved.get("comment", ""))
        tops = {c.id: c.max_score for c in self.criteria(rnd)}
        for target, key in ((rnd.scores, "scores"), (rnd.self_scores, "self_scores")):
            for cid, level in dict(saved.get(key) or {}).items():
                if cid in tops:
                    self._set_level(target, cid, level, tops[cid])
        rated = {c.id for c in self.rating_rubric(rnd)}
        for cid, level in dict(saved.get("ratings") or {}).items():
            if cid in rated:
                self._set_level(rnd.ratings, cid, level, len(RATING_LEVELS))
        rnd.interviewer_done = saved.get("interviewer_done") is True
        rnd.candidate_done = saved.get("candidate_done") is True
        elapsed = saved.get("elapsed_s")
        if phase != "briefing" and isinstance(elapsed, int | float) and elapsed >= 0:
            if phase == "answering":
                rnd.answer_started_at = now - float(elapsed)
            else:
                rnd.elapsed_s = float(elapsed)
        elif phase == "answering":
            rnd.answer_started_at = now
        elif phase != "briefing":
            rnd.elapsed_s = 0.0
        if saved.get("run") is not None and isinstance(q, CodingQuestion):
            rnd.run = from_plain(RunResult, saved["run"])
        if phase in ("assessing", "reveal", "done"):
            self._evaluate(rnd)

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
            run=rnd.run,
        )


# -- per-seat views -------------------------------------------------------------------


def _criterion(c: ResolvedCriterion, *, descriptors: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": c.id,
        "title": c.title,
        "levels": list(c.levels),
        "weight": c.weight,
        "description": c.description,
    }
    if descriptors:
        data["descriptors"] = list(c.descriptors)
    return data


def _gaps(rnd: PairRound) -> dict[str, int]:
    """Self-score minus interviewer score, per criterion both scored."""
    return {k: rnd.self_scores[k] - v for k, v in rnd.scores.items() if k in rnd.self_scores}


def question_view(q: Question, time_limit_s: float) -> dict[str, Any]:
    """The question as every seat sees it (and the observer): text, kind, limit, choices."""
    question: dict[str, Any] = {
        "title": q.title,
        "kind": q.kind,
        "difficulty": q.difficulty,
        "prompt": q.prompt,
        "time_limit_s": time_limit_s,
    }
    if isinstance(q, MultipleChoiceQuestion):
        question["select"] = q.select
        question["choices"] = [{"id": c.id, "text": c.text} for c in q.choices]
    return question


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
        "pack_id": rnd.pack_id,
        "question_id": rnd.question_id,
        "phase": rnd.phase,
        "finished": session.finished,
        "question": question_view(q, rnd.time_limit_s),
        "elapsed_s": rnd.elapsed(now),
        "hints_given": given,
        "hints_total": len(hints),
    }
    if isinstance(q, CodingQuestion):
        data["question"]["signature"] = q.signature.model_dump(mode="json")
        data["question"]["limits"] = q.limits.model_dump(mode="json")
        data["question"]["sample_tests"] = [
            t.model_dump(mode="json") for t in q.tests if t.visibility == "sample"
        ]
    if rnd.phase != "briefing":
        data["answer"] = rnd.answer
        data["selected"] = list(rnd.selected)
        if role == "interviewer" and rnd.phase == "answering" and rnd.cursor is not None:
            data["cursor"] = list(rnd.cursor)
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
            data["interviewer_rubric"] = [c.to_dict() for c in session.rating_rubric(rnd)]
            data["rating_levels"] = list(RATING_LEVELS)
            if "rubric" not in data:
                shown = not session.private_descriptors(rnd)
                data["rubric"] = [_criterion(c, descriptors=shown) for c in criteria]
        if isinstance(q, CodingQuestion) and (role == "interviewer" or revealed):
            data["tests_run"] = rnd.run is not None
        data["submitted"] = {
            "interviewer": rnd.interviewer_done,
            "candidate": rnd.candidate_done,
        }
    if revealed:
        data["gaps"] = _gaps(rnd)
        data["references"] = reference_scores(session, rnd)
        data["verdicts"] = _verdicts(rnd)
    if session.finished:
        data["summary"] = summary(session)
    return data


def _verdicts(rnd: PairRound) -> dict[str, Any]:
    """Each side's overall and verdict on its own scores: the reveal sets them side by side."""
    out: dict[str, Any] = {}
    ev = rnd.evaluation
    for key, source in (("interviewer", "interviewer"), ("self", "self")):
        scored = ev.by_source.get(source) if ev is not None else None  # type: ignore[call-overload]
        out[key] = {
            "overall": float(scored.overall) if scored and scored.overall is not None else None,
            "verdict": scored.verdict if scored else None,
        }
    return out


@dataclass(frozen=True, slots=True)
class Turn:
    """Whose turn it is at a shared terminal, and whether the other person must look away."""

    stage: Literal["briefing", "answering", "scoring", "self_assessment", "reveal", "summary"]
    seat: Seat | None  # who acts; None when both do (the reveal, the summary)
    private: bool


def next_turn(session: PairSession) -> Turn:
    """The hot seat's order: briefing, answering, the interviewer's scoring, then the
    candidate's self-assessment (blind: neither sees the other's), then the shared reveal."""
    if session.finished:
        return Turn("summary", None, False)
    rnd = session.current
    if rnd.phase == "briefing":
        return Turn("briefing", rnd.interviewer, True)
    if rnd.phase == "answering":
        return Turn("answering", rnd.candidate, False)
    if rnd.phase == "assessing":
        if not rnd.interviewer_done:
            return Turn("scoring", rnd.interviewer, True)
        return Turn("self_assessment", rnd.candidate, True)
    return Turn("reveal", None, False)


def reference_scores(session: PairSession, rnd: PairRound) -> list[dict[str, Any]]:
    """The question's graded reference answers, scored, to set this answer beside."""
    entry = session.entry(rnd)
    out = []
    for ref in entry.question.reference_answers:
        if not ref.scores:
            continue
        scored = score_rubric(session.criteria(rnd), ref.scores)
        out.append(
            {
                "id": ref.id,
                "label": ref.label or ref.id,
                "overall": float(scored.overall) if scored.overall is not None else None,
                "verdict": scored.verdict,
                "scores": dict(ref.scores),
            }
        )
    return out


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
