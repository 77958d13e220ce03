"""Recording finished rounds: history rows that round-trip through SQLite, and the summary."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from trainer.core.evaluation.calibration import Calibration
from trainer.core.evaluation.evaluation import Evaluation
from trainer.core.evaluation.results import RunResult, TestResult
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import CodingQuestion, Pack
from trainer.core.recording import RoundSummary, SessionSummary, attempt_record, summarise
from trainer.core.selection import PlannedRound, QuestionBank
from trainer.core.session import (
    AnswerChanged,
    ChoicesChanged,
    FeedbackChanged,
    HintRequested,
    RoundFinished,
    RunCompleted,
    Scored,
    Session,
    Submitted,
)
from trainer.core.storage.history import HistoryStore

EXAMPLE = Path(__file__).resolve().parents[1] / "question_packs" / "example.yaml"
WALL = 1_700_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def example() -> Pack:
    loaded = load_pack_file(EXAMPLE)
    assert loaded.ok and loaded.pack is not None
    return loaded.pack


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history.db")


def make_session(pack: Pack, rounds: list[tuple[str, str]], clock: FakeClock) -> Session:
    bank = QuestionBank([pack])
    plan = []
    for qid, role in rounds:
        entry = bank.find(qid)
        assert entry is not None
        plan.append(PlannedRound(role, entry))
    return Session(bank.get, plan, clock)


def score_all(session: Session, scores: dict[str, int]) -> None:
    for cid, level in scores.items():
        session.apply(Scored(cid, level))


# Each case plays one round to "done" and returns the fields its record must have.
Case = Callable[[Session, FakeClock], dict[str, Any]]
PAIR_SUM_REFERENCE = {"correctness": 1, "efficiency": 2, "communication": 2, "testing": 1}


def _coding(session: Session, clock: FakeClock) -> dict[str, Any]:
    question = session.entry().question
    assert isinstance(question, CodingQuestion)
    solution = question.approaches[0].solution or ""
    session.apply(AnswerChanged(solution))
    session.apply(HintRequested())
    session.apply(HintRequested())
    clock.advance(300)
    session.apply(Submitted())
    tests = tuple(
        TestResult(t.id, t.visibility, "time_limit" if t.id == "large" else "accepted")
        for t in question.tests
    )
    session.apply(RunCompleted(RunResult("time_limit", tests)))
    score_all(session, {"efficiency": 4, "communication": 3})
    return {
        "answer": solution,
        "selected_choices": (),
        "reference_id": None,
        # correctness 3 (auto: samples passed, a hidden test timed out), efficiency 4,
        # communication 3; weights 3, 2, 1 -> (2 + 2 + 2/3) / 6
        "scores": {"self": {"efficiency": 4, "communication": 3}, "auto": {"correctness": 3}},
        "overall_score": float(Fraction(7, 9)),
        "verdict": "Leaning hire",
        "hints_used": 2,
        "time_taken_s": 300.0,
        "time_limit_s": 1200.0,
        "calibration_mae": None,
        "verdict_agreed": None,
        "feedback": "",
    }


def _choice(session: Session, clock: FakeClock) -> dict[str, Any]:
    session.apply(ChoicesChanged(("c", "a")))
    clock.advance(40)
    session.apply(Submitted())
    return {
        "answer": "",
        "selected_choices": ("c", "a"),
        "scores": {},
        "overall_score": 0.0,
        "verdict": None,
        "hints_used": 0,
        "time_taken_s": 40.0,
        "time_limit_s": 120.0,
    }


def _free_text(session: Session, clock: FakeClock) -> dict[str, Any]:
    session.apply(AnswerChanged("A TTL, and invalidate on write."))
    session.apply(HintRequested())
    clock.advance(400)  # overtime is recorded, not refused
    session.apply(Submitted())
    score_all(session, {"coverage": 4, "communication": 1})
    return {
        "answer": "A TTL, and invalidate on write.",
        "scores": {"self": {"coverage": 4, "communication": 1}},
        "overall_score": float(Fraction(2, 3)),
        "verdict": "Leaning hire",
        "hints_used": 1,
        "time_taken_s": 400.0,
        "time_limit_s": 300.0,
    }


def _interviewer(session: Session, clock: FakeClock) -> dict[str, Any]:
    score_all(session, {"correctness": 2, "efficiency": 2, "communication": 2, "testing": 1})
    session.apply(FeedbackChanged("Watch i == j."))
    clock.advance(200)
    session.apply(Submitted())
    reference = session.entry().question.reference_answers[0]
    return {
        "answer": reference.answer,
        "selected_choices": (),
        "reference_id": "nested-loops",
        "scores": {
            "interviewer": {"correctness": 2, "efficiency": 2, "communication": 2, "testing": 1},
            "reference": PAIR_SUM_REFERENCE,
        },
        # weights 3, 2, 1, 1: (1 + 2/3 + 1/3 + 0) / 7
        "overall_score": float(Fraction(2, 7)),
        "verdict": "Leaning no hire",
        "hints_used": 0,
        "time_taken_s": 200.0,
        "calibration_mae": float(Fraction(1, 12)),
        "verdict_agreed": False,
        "feedback": "Watch i == j.",
    }


CASES: dict[str, tuple[str, str, Case]] = {
    "coding": ("pair-sum", "candidate", _coding),
    "choice": ("ask-about-age", "candidate", _choice),
    "free-text": ("cache-invalidation", "candidate", _free_text),
    "interviewer": ("pair-sum", "interviewer", _interviewer),
}


@pytest.mark.parametrize("case", list(CASES))
def test_attempt_record_round_trips_through_history(
    example: Pack, store: HistoryStore, case: str
) -> None:
    qid, role, play = CASES[case]
    clock = FakeClock()
    session = make_session(example, [(qid, role)], clock)
    expected = play(session, clock)
    session.apply(RoundFinished())
    rnd = session.current
    question = session.entry().question
    answer_text = question.reference_answers[0].answer if role == "interviewer" else "ignored"

    sid = store.start_session(mode="solo", role_plan=role, started_at=WALL, settings={})
    record = attempt_record(rnd, session_id=sid, submitted_at=WALL + 5, answer_text=answer_text)
    assert (record.role, record.pack_id, record.question_id, record.kind) == (
        role,
        "example",
        qid,
        question.kind,
    )
    assert (record.session_id, record.submitted_at, record.id) == (sid, WALL + 5, None)
    for name, value in expected.items():
        assert getattr(record, name) == value, name
    if rnd.evaluation is not None:
        assert record.details["evaluation"] == rnd.evaluation.to_dict()
    if rnd.calibration is not None:
        assert record.details["calibration"] == rnd.calibration.to_dict()
    assert set(record.details) == {"evaluation" if role == "candidate" else "calibration"}

    attempt_id = store.record_attempt(record)
    [stored] = store.attempts(session_id=sid)
    assert stored == dataclasses.replace(record, id=attempt_id, uid=stored.uid)
    if rnd.evaluation is not None:
        assert Evaluation.from_dict(stored.details["evaluation"]) == rnd.evaluation
    if rnd.calibration is not None:
        assert Calibration.from_dict(stored.details["calibration"]) == rnd.calibration
        assert store.calibration_history() == [pytest.approx(1 / 12)]
    else:
        assert store.calibration_history() == []
        stats = store.question_stats()[qid]
        assert (stats.attempts, stats.last, stats.last_at) == (
            1,
            expected["overall_score"],
            WALL + 5,
        )
    store.close()


def _four_rounds(example: Pack, clock: FakeClock) -> Session:
    """Candidate 2/3, interviewer MAE 1/12, candidate 1, interviewer MAE 0; 1000 s in all."""
    session = make_session(
        example,
        [
            ("cache-invalidation", "candidate"),
            ("pair-sum", "interviewer"),
            ("disagree-with-lead", "candidate"),
            ("design-paste-bin", "interviewer"),
        ],
        clock,
    )
    plays: list[tuple[float, dict[str, int], int]] = [
        (100, {"coverage": 4, "communication": 1}, 1),
        (200, {"correctness": 2, "efficiency": 2, "communication": 2, "testing": 1}, 0),
        (300, {"star": 4, "communication": 4}, 0),
        (400, {"requirements": 1, "communication": 2}, 0),
    ]
    for seconds, scores, hints in plays:
        for _ in range(hints):
            session.apply(HintRequested())
        if session.current.role == "interviewer":
            score_all(session, scores)
        clock.advance(seconds)
        session.apply(Submitted())
        if session.current.role == "candidate":
            score_all(session, scores)
        clock.advance(1_000)  # time spent on the result is not round time
        session.apply(RoundFinished())
    return session


def test_session_summary(example: Pack) -> None:
    session = _four_rounds(example, FakeClock())
    summary = summarise(session)
    assert [
        (r.index, r.role, r.title, r.score, r.verdict, r.calibration_mae, r.verdict_agreed)
        for r in summary.rounds
    ] == [
        (0, "candidate", "Cache invalidation strategies", 2 / 3, "Leaning hire", None, None),
        (1, "interviewer", "Pair with a given sum", 2 / 7, "Leaning no hire", 1 / 12, False),
        (2, "candidate", "Disagreeing with a decision", 1.0, "Strong hire", None, None),
        (3, "interviewer", "Design a paste-bin", 1 / 6, "Leaning no hire", 0.0, True),
    ]
    assert [(r.time_s, r.time_limit_s, r.hints) for r in summary.rounds] == [
        (100, 300, 1),
        (200, 1200, 0),
        (300, 480, 0),
        (400, 2700, 0),
    ]
    assert summary.mean_score == pytest.approx(5 / 6)  # candidate rounds only
    assert summary.mean_calibration == pytest.approx(1 / 24)
    assert summary.total_time_s == 1000


def test_summary_leaves_out_unfinished_rounds(example: Pack) -> None:
    clock = FakeClock()
    session = make_session(
        example, [("cache-invalidation", "candidate"), ("pair-sum", "interviewer")], clock
    )
    assert summarise(session).rounds == ()
    clock.advance(30)
    session.apply(Submitted())
    assert summarise(session).rounds == ()  # submitted, but not finished
    session.apply(RoundFinished())
    clock.advance(70)
    session.apply(Submitted())  # the interviewer round is revealed but not finished
    summary = summarise(session)
    assert [r.index for r in summary.rounds] == [0]
    assert summary.total_time_s == 30
    assert summary.mean_score is None  # nothing was scored
    assert summary.mean_calibration is None


def _round(role: str, score: float | None, mae: float | None, time_s: float) -> RoundSummary:
    return RoundSummary(0, role, "t", score, None, mae, None, time_s, 60.0, 0)


@pytest.mark.parametrize(
    ("rounds", "mean_score", "mean_calibration", "total"),
    [
        ((), None, None, 0.0),
        ((_round("candidate", 0.5, None, 10),), 0.5, None, 10.0),
        ((_round("candidate", None, None, 10),), None, None, 10.0),
        (
            (_round("candidate", 0.25, None, 10), _round("interviewer", 0.9, 0.5, 20)),
            0.25,  # an interviewer's score judges someone else: not in the mean
            0.5,
            30.0,
        ),
        (
            (
                _round("candidate", 1.0, None, 1),
                _round("candidate", None, None, 2),
                _round("candidate", 0.5, None, 3),
                _round("interviewer", None, 0.25, 4),
                _round("interviewer", None, 0.75, 5),
                _round("interviewer", None, None, 6),
            ),
            0.75,
            0.5,
            21.0,
        ),
    ],
)
def test_summary_figures(
    rounds: tuple[RoundSummary, ...],
    mean_score: float | None,
    mean_calibration: float | None,
    total: float,
) -> None:
    summary = SessionSummary(rounds)
    assert summary.mean_score == mean_score
    assert summary.mean_calibration == mean_calibration
    assert summary.total_time_s == total


def test_whole_session_recorded(example: Pack, store: HistoryStore) -> None:
    session = _four_rounds(example, FakeClock())
    sid = store.start_session(mode="solo", role_plan="alternate", started_at=WALL, settings={})
    for i, rnd in enumerate(session.rounds):
        answer = ""
        if rnd.role == "interviewer":
            question = session.entry(rnd).question
            answer = next(r.answer for r in question.reference_answers if r.id == rnd.reference_id)
        store.record_attempt(
            attempt_record(rnd, session_id=sid, submitted_at=WALL + i, answer_text=answer)
        )
    stored = store.attempts(session_id=sid)
    assert [(a.role, a.question_id) for a in reversed(stored)] == [
        (r.role, r.question_id) for r in session.rounds
    ]
    assert store.calibration_history() == pytest.approx([1 / 12, 0.0])
    stats = store.question_stats()
    assert set(stats) == {"cache-invalidation", "disagree-with-lead"}
    assert stats["disagree-with-lead"].best == 1.0
    summary = summarise(session)
    assert sum(a.time_taken_s or 0 for a in stored) == summary.total_time_s
    store.close()
