"""History store: attempts round-trip, per-question stats, calibration trend, threads, schema."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from trainer.core.storage import db
from trainer.core.storage.db import SchemaTooNewError, StorageError
from trainer.core.storage.history import (
    SCHEMA_VERSION,
    AttemptRecord,
    HistoryStore,
    QuestionStats,
)


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "data" / "history.sqlite3")


def _attempt(
    question_id: str = "pair-sum", submitted_at: float = 100.0, **kw: Any
) -> AttemptRecord:
    fields: dict[str, Any] = {
        "role": "candidate",
        "pack_id": "example",
        "question_id": question_id,
        "kind": "coding",
        "submitted_at": submitted_at,
    }
    fields.update(kw)
    return AttemptRecord(**fields)


FULL_CANDIDATE = _attempt(
    answer="def pair_sum(nums, target):\n    seen = {}  # ünïcødé ✓\n",
    scores={
        "self": {"correctness": 4, "communication": 3},
        "auto": {"correctness": 3.5},
        "reference": {"correctness": 4},
    },
    overall_score=0.8125,
    verdict="Leaning hire",
    hints_used=2,
    time_taken_s=1234.5,
    time_limit_s=1800.0,
    started_at=50.0,
    details={"run": {"verdict": "accepted", "passed": 5, "total": 5}, "partial": False},
)
FULL_INTERVIEWER = _attempt(
    role="interviewer",
    kind="behavioral",
    question_id="conflict",
    answer="I told my manager...",
    reference_id="weak",
    scores={"interviewer": {"ownership": 2}, "reference": {"ownership": 1}},
    overall_score=0.25,
    verdict="Leaning no hire",
    feedback="Ask for a concrete example next time.",
    calibration_mae=0.3333,
    verdict_agreed=False,
)
MULTIPLE_CHOICE = _attempt(
    kind="multiple_choice",
    question_id="http-idempotent",
    selected_choices=("b", "d"),
    scores={"auto": {"correctness": 1}},
    overall_score=0.0,
    verdict="Strong no hire",
    time_limit_s=120.0,
)
MINIMAL = _attempt()


@pytest.mark.parametrize(
    "attempt",
    [FULL_CANDIDATE, FULL_INTERVIEWER, MULTIPLE_CHOICE, MINIMAL],
    ids=["candidate", "interviewer", "multiple-choice", "minimal"],
)
def test_attempt_round_trips_through_a_reopen(tmp_path: Path, attempt: AttemptRecord) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as store:
        session_id = store.start_session(
            mode="solo", role_plan="alternate", started_at=1.0, settings={"hints": True}
        )
        attempt = replace(attempt, session_id=session_id)
        attempt_id = store.record_attempt(attempt)
    with HistoryStore(path) as store:
        (loaded,) = store.attempts()
    assert loaded.uid is not None and len(loaded.uid) == 32  # made when recorded
    assert loaded == replace(attempt, id=attempt_id, uid=loaded.uid)
    # Integer levels stay integers; fractional automatic scores stay fractional.
    for source, by_criterion in attempt.scores.items():
        for criterion_id, score in by_criterion.items():
            assert type(loaded.scores[source][criterion_id]) is type(score)


def test_session_lifecycle(store: HistoryStore) -> None:
    settings = {"packs": ["example"], "kinds": ["coding"], "time_scale": 1.5}
    first = store.start_session(mode="solo", role_plan="alternate", started_at=10, settings={})
    second = store.start_session(
        mode="pair-hotseat", role_plan="swap", started_at=20, settings=settings
    )
    store.finish_session(second, finished_at=99.5)
    assert [s.id for s in store.sessions()] == [second, first]  # newest first
    loaded = store.session(second)
    assert loaded is not None
    assert (loaded.mode, loaded.role_plan, loaded.started_at) == ("pair-hotseat", "swap", 20.0)
    assert loaded.finished_at == 99.5
    assert loaded.settings == settings
    unfinished = store.session(first)
    assert unfinished is not None and unfinished.finished_at is None
    assert store.session(12345) is None
    with pytest.raises(ValueError, match="no session"):
        store.finish_session(12345, finished_at=1)


def test_attempt_filters_order_and_limit(store: HistoryStore) -> None:
    s1 = store.start_session(mode="solo", role_plan="candidate", started_at=0, settings={})
    s2 = store.start_session(mode="solo", role_plan="candidate", started_at=0, settings={})
    ids = {
        "a1": store.record_attempt(_attempt("a", 10, session_id=s1)),
        "b1": store.record_attempt(_attempt("b", 20, session_id=s1)),
        "a2": store.record_attempt(_attempt("a", 30, session_id=s2)),
        "a3": store.record_attempt(_attempt("a", 30, session_id=s2, pack_id="other")),  # tie
        "i1": store.record_attempt(_attempt("a", 5, role="interviewer")),
    }

    def got(**kw: Any) -> list[str]:
        by_id = {v: k for k, v in ids.items()}
        return [by_id[a.id] for a in store.attempts(**kw) if a.id is not None]

    assert got() == ["a3", "a2", "b1", "a1", "i1"]  # newest first, ties by insertion
    assert got(limit=2) == ["a3", "a2"]
    assert got(limit=0) == []
    assert got(session_id=s1) == ["b1", "a1"]
    assert got(question_id="a") == ["a3", "a2", "a1", "i1"]
    assert got(question_id="a", session_id=s2, limit=1) == ["a3"]
    assert got(question_id="a", pack_id="example", role="candidate") == ["a2", "a1"]
    assert got(question_id="nope") == []
    with pytest.raises(ValueError):
        store.attempts(limit=-1)


def test_limit_applies_to_attempts_not_to_score_rows(store: HistoryStore) -> None:
    for t in range(5):
        store.record_attempt(_attempt(submitted_at=t, scores={"self": {"c1": 1, "c2": 2, "c3": 3}}))
    loaded = store.attempts(limit=3)
    assert [a.submitted_at for a in loaded] == [4.0, 3.0, 2.0]
    assert all(a.scores == {"self": {"c1": 1, "c2": 2, "c3": 3}} for a in loaded)


def test_question_stats(store: HistoryStore) -> None:
    for t, score, verdict in [(1, 0.5, "Leaning no hire"), (3, 0.25, "Strong no hire")]:
        store.record_attempt(_attempt("a", t, overall_score=score, verdict=verdict))
    store.record_attempt(_attempt("a", 2, overall_score=1.0, verdict="Strong hire"))
    store.record_attempt(_attempt("b", 7))  # never scored
    store.record_attempt(_attempt("c", 4, overall_score=0.5))
    store.record_attempt(_attempt("c", 9))  # newest one unscored
    store.record_attempt(_attempt("a", 50, role="interviewer", overall_score=0.0))
    store.record_attempt(_attempt("z", 60, pack_id="other", overall_score=0.75))

    stats = store.question_stats()
    assert set(stats) == {"a", "b", "c", "z"}
    assert stats["a"] == QuestionStats(
        question_id="a",
        attempts=3,
        best=1.0,
        last=0.25,
        mean=pytest.approx(1.75 / 3),  # type: ignore[arg-type]
        last_verdict="Strong no hire",
        last_at=3.0,
    )
    assert stats["b"] == QuestionStats("b", 1, None, None, None, None, 7.0)
    assert (stats["c"].attempts, stats["c"].best, stats["c"].last, stats["c"].mean) == (
        2,
        0.5,
        None,
        0.5,
    )
    assert set(store.question_stats(pack_id="other")) == {"z"}
    interviewer = store.question_stats(role="interviewer")
    assert set(interviewer) == {"a"} and interviewer["a"].last == 0.0
    assert store.question_stats(role=None)["a"].attempts == 4


def test_question_stats_on_empty_history(store: HistoryStore) -> None:
    assert store.question_stats() == {}
    assert store.calibration_history() == []
    assert store.attempts() == []


def test_calibration_history_is_newest_last_and_limited(store: HistoryStore) -> None:
    maes = [0.5, 0.4, 0.45, 0.2, 0.1]
    for t, mae in enumerate(maes):
        store.record_attempt(_attempt(submitted_at=100 - t * 10 + 1000, role="interviewer"))
        store.record_attempt(
            _attempt(submitted_at=1000 + t, role="interviewer", calibration_mae=mae)
        )
    store.record_attempt(_attempt(submitted_at=5000, calibration_mae=9.9))  # candidate: ignored
    assert store.calibration_history() == maes
    assert store.calibration_history(limit=2) == [0.2, 0.1]
    assert store.calibration_history(limit=0) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role": "observer"}, "unknown role"),
        ({"scores": {"teacher": {"c": 1}}}, "unknown score source"),
        ({"scores": {"self": {"c": True}}}, "finite number"),
        ({"scores": {"self": {"c": "3"}}}, "finite number"),
        ({"scores": {"self": {"c": float("nan")}}}, "finite number"),
        ({"overall_score": float("inf")}, "finite number"),
        ({"calibration_mae": float("nan")}, "finite number"),
        ({"hints_used": -1}, "negative"),
        ({"id": 7}, "already recorded"),
        ({"session_id": 999}, "no session"),
        ({"details": {"when": object()}}, "JSON"),
        ({"details": {"x": float("nan")}}, "JSON"),
    ],
)
def test_invalid_attempts_are_refused_and_nothing_is_written(
    store: HistoryStore, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        store.record_attempt(replace(MINIMAL, **change))
    assert store.attempts() == []


def test_fractions_from_the_scorer_are_stored_as_floats(store: HistoryStore) -> None:
    # Typed as float; Fractions (what the scorer computes with) are tolerated at run time.
    fractions: dict[str, Any] = {
        "scores": {"auto": {"c": Fraction(7, 2)}, "self": {"c": 3}},
        "overall_score": Fraction(2, 3),
        "calibration_mae": Fraction(1, 4),
    }
    store.record_attempt(replace(MINIMAL, role="interviewer", **fractions))
    (loaded,) = store.attempts()
    assert loaded.scores == {"auto": {"c": 3.5}, "self": {"c": 3}}
    assert type(loaded.scores["self"]["c"]) is int
    assert loaded.overall_score == pytest.approx(2 / 3)
    assert store.calibration_history() == [0.25]


def test_invalid_session_settings_are_refused(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="JSON"):
        store.start_session(mode="solo", role_plan="x", started_at=0, settings={"s": {1, 2}})
    assert store.sessions() == []


def test_attempt_and_its_scores_are_written_together(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    saboteur = sqlite3.connect(path)
    saboteur.execute(
        "CREATE TRIGGER no_scores BEFORE INSERT ON attempt_scores "
        "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    )
    saboteur.commit()
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        store.record_attempt(FULL_CANDIDATE)
    assert store.attempts() == []
    saboteur.execute("DROP TRIGGER no_scores")
    saboteur.commit()
    saboteur.close()
    assert store.record_attempt(FULL_CANDIDATE) > 0
    store.close()


def test_deleting_a_session_deletes_its_attempts_and_scores(store: HistoryStore) -> None:
    sid = store.start_session(mode="solo", role_plan="x", started_at=0, settings={})
    store.record_attempt(replace(FULL_CANDIDATE, session_id=sid))
    store.record_attempt(MINIMAL)
    conn = sqlite3.connect(store.path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
    conn.commit()
    assert conn.execute("SELECT COUNT(*) FROM attempt_scores").fetchone()[0] == 0
    conn.close()
    assert [a.session_id for a in store.attempts()] == [None]


def test_schema_version_wal_and_newer_database_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).close()
    conn = db.connect(path)
    assert db.user_version(conn) == SCHEMA_VERSION
    assert db.journal_mode(conn) == "wal"
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="newer"):
        HistoryStore(path)


def test_closed_store_raises_a_clear_error(store: HistoryStore) -> None:
    store.close()
    store.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        store.attempts()
    with pytest.raises(StorageError, match="closed"):
        store.record_attempt(MINIMAL)


@pytest.mark.parametrize("threads", [2, 4])
def test_writes_and_reads_from_worker_threads(store: HistoryStore, threads: int) -> None:
    per_thread = 25
    errors: list[BaseException] = []
    sid = store.start_session(mode="solo", role_plan="x", started_at=0, settings={})

    def work(n: int) -> None:
        try:
            for i in range(per_thread):
                store.record_attempt(
                    _attempt(
                        f"q{n}",
                        submitted_at=i,
                        session_id=sid,
                        overall_score=i / per_thread,
                        scores={"self": {"c": i % 4 + 1}},
                    )
                )
                store.question_stats()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    assert len(store.attempts(session_id=sid, limit=10_000)) == threads * per_thread
    stats = store.question_stats()
    assert {q: s.attempts for q, s in stats.items()} == {
        f"q{n}": per_thread for n in range(threads)
    }


def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore(path) as one, HistoryStore(path) as two:
        one.record_attempt(_attempt("from-one", 1))
        two.record_attempt(_attempt("from-two", 2))
        assert [a.question_id for a in one.attempts()] == ["from-two", "from-one"]
