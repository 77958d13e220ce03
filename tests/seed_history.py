"""A small but complete history for the export, report and history-command tests.

Real rounds of the example pack played through the session engine (so `details` hold a
real evaluation or calibration), a shadow round, an attempt outside any session, and a
pair session with both names and both sides of its rounds. Every time is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from tests.test_recording import CASES, EXAMPLE, FakeClock, make_session
from trainer.core.packs.loader import load_pack_file
from trainer.core.recording import attempt_record
from trainer.core.session import RoundFinished
from trainer.core.storage.history import AttemptRecord, HistoryStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0
HOSTILE = "\x1b[31mred\x1b[0m [link](http://x) <b>bold</b> ``` fence \u202eevil"


@dataclass(frozen=True, slots=True)
class Seeded:
    solo: int  # a finished solo session: coding, choice, free text, interviewer
    second: int  # a later solo session: a shadow round with hostile text
    pair: int  # a pair session with two rounds
    loose_attempts: int  # attempts outside any session


def played(case: str) -> AttemptRecord:
    """The history row of one round of the example pack, played to the end."""
    loaded = load_pack_file(EXAMPLE)
    assert loaded.pack is not None
    qid, role, play = CASES[case]
    clock = FakeClock()
    session = make_session(loaded.pack, [(qid, role)], clock)
    play(session, clock)
    session.apply(RoundFinished())
    question = session.entry().question
    answer = question.reference_answers[0].answer if role == "interviewer" else ""
    return attempt_record(session.current, session_id=None, submitted_at=0.0, answer_text=answer)


def pair_sides(index: int, candidate: int, answer: str, feedback: str) -> dict[str, Any]:
    """The shape `PairRound.to_dict()` stores, with an evaluation left out."""
    return {
        "index": index,
        "pack_id": "example",
        "question_id": "cache-invalidation",
        "kind": "concept",
        "candidate": candidate,
        "interviewer": 1 - candidate,
        "time_limit_s": 300.0,
        "phase": "done",
        "answer": answer,
        "selected": [],
        "hints": [{"index": 0, "at_s": 12.5}],
        "notes": "asked about TTLs",
        "scores": {"coverage": 3, "communication": 2},
        "feedback": feedback,
        "self_scores": {"coverage": 4},
        "ratings": {"clarity": 3},
        "comment": "fair",
        "interviewer_done": True,
        "candidate_done": True,
        "elapsed_s": 250.0,
        "evaluation": None,
    }


def seed(store: HistoryStore) -> Seeded:
    solo = store.start_session(
        mode="solo", role_plan="alternate", started_at=T0, settings={"rounds": 4}
    )
    for offset, case in enumerate(("coding", "choice", "free-text", "interviewer"), 1):
        record = replace(played(case), session_id=solo, submitted_at=T0 + offset * 600)
        store.record_attempt(record)
    store.finish_session(solo, finished_at=T0 + 3000)

    second = store.start_session(
        mode="solo", role_plan="interviewer", started_at=T0 + 26 * HOUR, settings={}
    )
    shadow = replace(
        played("interviewer"),
        role="shadow",
        session_id=second,
        submitted_at=T0 + 26 * HOUR + 300,
        feedback=HOSTILE,
    )
    store.record_attempt(shadow)
    hostile = replace(
        played("free-text"),
        session_id=second,
        submitted_at=T0 + 26 * HOUR + 900,
        answer="line one\n" + HOSTILE + "\n````\nafter four backticks",
    )
    store.record_attempt(hostile)

    loose = replace(played("coding"), submitted_at=T0 + 30 * HOUR)
    store.record_attempt(loose)

    pair = store.start_session(
        mode="pair", role_plan="swap", started_at=T0 + 50 * HOUR, settings={"rounds": 2}
    )
    store.set_participants(pair, ["Ana", "Ben *the* [interviewer]"])
    for index in range(2):
        sides = pair_sides(index, index % 2, f"answer {index}: TTL", f"feedback {index}")
        names = ("Ana", "Ben *the* [interviewer]")
        store.record_pair_round(
            pair,
            sides,
            candidate=names[index % 2],
            interviewer=names[1 - index % 2],
            submitted_at=T0 + 50 * HOUR + (index + 1) * 600,
        )
    store.finish_session(pair, finished_at=T0 + 51 * HOUR)
    return Seeded(solo=solo, second=second, pair=pair, loose_attempts=1)
