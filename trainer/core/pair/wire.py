"""Pair events and views on the wire: what a guest may send, checked before the session.

The host never trusts a seat from the wire: every event from the guest is rebuilt with
the guest's seat. Payloads are strict pydantic models with size caps, so a hostile peer's
frame is refused (the link closes with the reason) before it touches the session.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from trainer.core.pairing import (
    NOTE_MAX,
    AnswerChanged,
    BriefingDone,
    ChoicesChanged,
    FeedbackChanged,
    HintGiven,
    NotesChanged,
    PairEvent,
    Rated,
    RoundFinished,
    Scored,
    Seat,
    SideSubmitted,
    Submitted,
)

ANSWER_MAX = 200_000  # characters; far above any answer, far below the 1 MiB frame
TEXT_MAX = 20_000
SHORT = 64

Short = Annotated[str, Field(min_length=1, max_length=SHORT)]
Position = Annotated[int, Field(ge=0, le=ANSWER_MAX)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Empty(_Payload):
    pass


class AnswerPayload(_Payload):
    text: Annotated[str, Field(max_length=ANSWER_MAX)]
    cursor: Annotated[list[Position], Field(min_length=2, max_length=2)] | None = None


class NotesPayload(_Payload):
    text: Annotated[str, Field(max_length=NOTE_MAX)]


class FeedbackPayload(_Payload):
    text: Annotated[str, Field(max_length=TEXT_MAX)]


class ChoicesPayload(_Payload):
    selected: Annotated[list[Short], Field(max_length=50)]


class LevelPayload(_Payload):
    criterion_id: Short
    level: Annotated[int, Field(ge=1, le=9)] | None


class JoinPayload(_Payload):
    """The guest's first event: its name (untrusted; core cleans it)."""

    name: Annotated[str, Field(max_length=200)]


class SampleRunPayload(_Payload):
    """A sample-test run on the candidate's machine, summarised for the interviewer."""

    passed: Annotated[int, Field(ge=0, le=10_000)]
    total: Annotated[int, Field(ge=0, le=10_000)]
    summary: Annotated[str, Field(max_length=4_000)]


_KINDS: dict[str, type[_Payload]] = {
    "join": JoinPayload,
    "briefing_done": Empty,
    "answer_changed": AnswerPayload,
    "choices_changed": ChoicesPayload,
    "hint_given": Empty,
    "notes_changed": NotesPayload,
    "submitted": Empty,
    "scored": LevelPayload,
    "rated": LevelPayload,
    "feedback_changed": FeedbackPayload,
    "side_submitted": Empty,
    "round_finished": Empty,
    "sample_run": SampleRunPayload,
}

WireKind = Literal[
    "join",
    "briefing_done",
    "answer_changed",
    "choices_changed",
    "hint_given",
    "notes_changed",
    "submitted",
    "scored",
    "rated",
    "feedback_changed",
    "side_submitted",
    "round_finished",
    "sample_run",
]


def validate_payload(kind: str, payload: dict[str, Any]) -> tuple[str, _Payload]:
    """For `PairHost(validate_event=...)`: raises ValueError on an unknown kind or a bad field."""
    model = _KINDS.get(kind)
    if model is None:
        raise ValueError(f"unknown event kind {kind[:40]!r}")
    return kind, model.model_validate(payload)


def to_event(kind: str, payload: _Payload, seat: Seat) -> PairEvent | None:
    """The session event for a validated payload, in `seat`; None for link-level kinds."""
    match payload:
        case AnswerPayload(text=text, cursor=cursor):
            return AnswerChanged(seat, text, (cursor[0], cursor[1]) if cursor else None)
        case ChoicesPayload(selected=selected):
            return ChoicesChanged(seat, tuple(selected))
        case NotesPayload(text=text):
            return NotesChanged(seat, text)
        case FeedbackPayload(text=text):
            return FeedbackChanged(seat, text)
        case LevelPayload(criterion_id=cid, level=level):
            return Scored(seat, cid, level) if kind == "scored" else Rated(seat, cid, level)
        case Empty():
            simple: dict[str, PairEvent] = {
                "briefing_done": BriefingDone(seat),
                "hint_given": HintGiven(seat),
                "submitted": Submitted(seat),
                "side_submitted": SideSubmitted(seat),
                "round_finished": RoundFinished(seat),
            }
            return simple.get(kind)
    return None


def to_wire(event: PairEvent) -> tuple[str, dict[str, Any]]:
    """A local event as (kind, payload) for `PairGuest.send_event`; the seat stays behind."""
    match event:
        case AnswerChanged(text=text, cursor=cursor):
            return "answer_changed", {"text": text, "cursor": list(cursor) if cursor else None}
        case ChoicesChanged(selected=selected):
            return "choices_changed", {"selected": list(selected)}
        case NotesChanged(text=text):
            return "notes_changed", {"text": text}
        case FeedbackChanged(text=text):
            return "feedback_changed", {"text": text}
        case Scored(criterion_id=cid, level=level):
            return "scored", {"criterion_id": cid, "level": level}
        case Rated(criterion_id=cid, level=level):
            return "rated", {"criterion_id": cid, "level": level}
        case BriefingDone():
            return "briefing_done", {}
        case HintGiven():
            return "hint_given", {}
        case Submitted():
            return "submitted", {}
        case SideSubmitted():
            return "side_submitted", {}
        case RoundFinished():
            return "round_finished", {}
    raise TypeError(f"not a pair event: {event!r}")


def validate_view(payload: dict[str, Any]) -> dict[str, Any]:
    """For `PairGuest(validate_view=...)`: the host's view must have the fields screens read.

    The host is authenticated by the pinned certificate, so this guards against a version
    mismatch or a bug rather than an attacker; every text in it is still shown literally.
    """
    for key, kind in (
        ("seat", int),
        ("names", list),
        ("role", str),
        ("round", int),
        ("rounds", int),
        ("phase", str),
        ("question", dict),
    ):
        if not isinstance(payload.get(key), kind):
            raise ValueError(f"view without a valid {key!r}")
    if payload["role"] not in ("candidate", "interviewer"):
        raise ValueError("view with an unknown role")
    if len(payload["names"]) != 2:
        raise ValueError("view without two names")
    return payload


Stage = Literal[
    "briefing",
    "answering",
    "mirror",
    "scoring",
    "self_assessment",
    "reveal",
    "summary",
    "waiting",
]


def seat_stage(view: dict[str, Any]) -> Stage:
    """Which screen a person at their own terminal sees for their seat's view.

    "waiting" is the other person's private step; "mirror" is the interviewer watching
    the answer being typed.
    """
    if view.get("finished"):
        return "summary"
    phase, role = view["phase"], view["role"]
    if phase == "briefing":
        return "briefing" if role == "interviewer" else "waiting"
    if phase == "answering":
        return "answering" if role == "candidate" else "mirror"
    if phase == "assessing":
        done = view.get("submitted", {})
        mine = done.get(role, False)
        if mine:
            return "waiting"
        return "scoring" if role == "interviewer" else "self_assessment"
    return "reveal"
