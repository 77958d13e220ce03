"""Progress over time: derived figures, FSRS scheduling from recorded verdicts, stats aggregates.

Every time is injected (`submitted_at`, `now`), so schedules are checked against fixed dates.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trainer.core.storage import db
from trainer.core.storage.db import SchemaTooNewError
from trainer.core.storage.history import (
    MIGRATIONS,
    SCHEMA_VERSION,
    AttemptRecord,
    HistoryStore,
    open_history,
)
from trainer.core.storage.progress import (
    ProgressFilters,
    card_json,
    due_cards,
    due_count,
    session_rows,
    stats,
    weakest_criterion,
)
from trainer.core.storage.schedule import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    rating_for_calibration,
    rating_for_verdict,
    replay,
    review,
)

LEVELS = ["Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire"]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()
DAY = 86400.0


def evaluation(scores: dict[str, int], verdict_level: int | None) -> dict[str, object]:
    """The plain-data shape `Evaluation.to_dict()` stores, reduced to what progress reads."""
    criteria = [{"id": c, "max_score": 4, "score": s} for c, s in scores.items()]
    return {
        "evaluation": {
            "final": {
                "criteria": criteria,
                "verdict_levels": LEVELS,
                "verdict_level": verdict_level,
            },
            "by_source": {},
        }
    }


def candidate(
    at: float,
    scores: dict[str, int],
    verdict_level: int | None,
    *,
    question: str = "q1",
    pack: str = "p",
    kind: str = "coding",
    session_id: int | None = None,
    self_scores: dict[str, int] | None = None,
    hints: int = 0,
    time_taken: float = 600.0,
) -> AttemptRecord:
    overall = None if verdict_level is None else (verdict_level - 1) / 3
    recorded: dict[str, dict[str, float]] = {"auto": dict(scores)}
    if self_scores:
        recorded["self"] = dict(self_scores)
    return AttemptRecord(
        role="candidate",
        pack_id=pack,
        question_id=question,
        kind=kind,
        submitted_at=at,
        session_id=session_id,
        scores=recorded,
        overall_score=overall,
        verdict=None if verdict_level is None else LEVELS[verdict_level - 1],
        hints_used=hints,
        time_taken_s=time_taken,
        time_limit_s=1200.0,
        details=evaluation(scores, verdict_level),
    )


def interviewer(
    at: float, mae: float, agreed: bool, *, question: str = "q2", role: str = "interviewer"
) -> AttemptRecord:
    return AttemptRecord(
        role=role,  # type: ignore[arg-type]
        pack_id="p",
        question_id=question,
        kind="behavioral",
        submitted_at=at,
        calibration_mae=mae,
        verdict_agreed=agreed,
        details={
            "calibration": {
                "gaps": [{"criterion_id": "c1", "max_score": 4, "user": 3, "reference": 3}],
                "verdict_levels": LEVELS,
                "user_verdict_level": 3,
            }
        },
    )


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    s = HistoryStore(tmp_path / "h.sqlite3")
    yield s  # type: ignore[misc]
    s.close()


# -- the rating mapping -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "rating"),
    [
        (None, None),
        (0.0, AGAIN),
        (1 / 3, HARD),
        (0.25, HARD),
        (0.5, GOOD),
        (2 / 3, GOOD),
        (1.0, EASY),
    ],
)
def test_verdict_band_maps_to_a_rating(position: float | None, rating: int | None) -> None:
    assert rating_for_verdict(position) == rating


@pytest.mark.parametrize(
    ("mae", "agreed", "rating"),
    [
        (None, True, None),
        (0.0, True, EASY),
        (0.10, True, EASY),
        (0.15, True, GOOD),
        (0.30, None, HARD),
        (0.50, True, AGAIN),
        (0.0, False, HARD),  # a different verdict is at best Hard
        (0.5, False, AGAIN),
    ],
)
def test_calibration_maps_to_a_rating(
    mae: float | None, agreed: bool | None, rating: int | None
) -> None:
    assert rating_for_calibration(mae, agreed) == rating


# -- scheduling from recorded verdicts ----------------------------------------------------


def test_a_recorded_verdict_schedules_the_question(store: HistoryStore) -> None:
    store.record_attempt(candidate(T0, {"c1": 3}, 3))  # Leaning hire -> Good
    card = card_json(store, "p", "q1")
    assert card is not None
    due = datetime.fromisoformat(card["due"])
    assert due > datetime.fromtimestamp(T0, tz=UTC)
    # Exactly what FSRS gives a first Good review at T0, with no learning steps or fuzz.
    expected = review(None, GOOD, T0)
    assert due.timestamp() == pytest.approx(expected.due)
    assert due_count(store, T0) == 0
    assert due_count(store, expected.due) == 1
    [due_card] = due_cards(store, expected.due + 1)
    assert (due_card.pack_id, due_card.question_id, due_card.reviews) == ("p", "q1", 1)


def test_a_failed_round_comes_back_sooner_than_a_strong_one(store: HistoryStore) -> None:
    store.record_attempt(candidate(T0, {"c1": 1}, 1, question="weak"))
    store.record_attempt(candidate(T0, {"c1": 4}, 4, question="strong"))
    weak, strong = card_json(store, "p", "weak"), card_json(store, "p", "strong")
    assert weak is not None and strong is not None
    assert datetime.fromisoformat(weak["due"]) < datetime.fromisoformat(strong["due"])
    # Learning steps are off: a failed question is back in about a day, not ten minutes.
    assert datetime.fromisoformat(weak["due"]).timestamp() - T0 >= DAY * 0.9


def test_an_unscored_round_does_not_review_the_card(store: HistoryStore) -> None:
    store.record_attempt(candidate(T0, {}, None))
    assert card_json(store, "p", "q1") is None


def test_interviewer_and_shadow_rounds_schedule_on_calibration(store: HistoryStore) -> None:
    store.record_attempt(interviewer(T0, 0.05, True, question="calm"))
    store.record_attempt(interviewer(T0, 0.05, False, question="wrong-verdict"))
    store.record_attempt(interviewer(T0, 0.6, True, question="far", role="shadow"))
    calm = card_json(store, "p", "calm")
    wrong = card_json(store, "p", "wrong-verdict")
    far = card_json(store, "p", "far")
    assert calm and wrong and far
    assert calm["due"] == datetime.fromtimestamp(review(None, EASY, T0).due, tz=UTC).isoformat()
    assert wrong["due"] == datetime.fromtimestamp(review(None, HARD, T0).due, tz=UTC).isoformat()
    assert far["due"] == datetime.fromtimestamp(review(None, AGAIN, T0).due, tz=UTC).isoformat()


def test_an_older_review_arriving_late_rebuilds_the_card_in_order(store: HistoryStore) -> None:
    store.record_attempt(candidate(T0 + 10 * DAY, {"c1": 4}, 4))
    store.record_attempt(candidate(T0, {"c1": 1}, 1))  # imported from another machine
    card = card_json(store, "p", "q1")
    assert card is not None
    expected = replay([(T0, AGAIN), (T0 + 10 * DAY, EASY)])
    assert expected is not None
    assert datetime.fromisoformat(card["due"]).timestamp() == pytest.approx(expected.due)


# -- stats ----------------------------------------------------------------------------------


def seed(store: HistoryStore) -> None:
    sid = store.start_session(mode="solo", role_plan="alternate", started_at=T0, settings={})
    for day, (c1, c2) in enumerate([(1, 3), (2, 3), (2, 4), (3, 4)]):
        store.record_attempt(
            candidate(
                T0 + day * DAY,
                {"c1": c1, "c2": c2},
                (c1 + c2) // 2,
                session_id=sid,
                self_scores={"c1": c1 + 1, "c2": c2},
                hints=day,
                time_taken=300.0 * (day + 1),
                kind="coding" if day % 2 == 0 else "concept",
            )
        )
    store.record_attempt(interviewer(T0 + DAY, 0.25, True))
    store.record_attempt(interviewer(T0 + 2 * DAY, 0.05, True))


def test_stats_aggregate_per_criterion_per_day(store: HistoryStore) -> None:
    seed(store)
    s = stats(store, now=T0 + 100 * DAY)
    assert s.rounds == {"candidate": 4, "interviewer": 2}
    assert s.sessions == 1  # the interviewer rounds belong to no session
    by_id = {c.criterion_id: c.series for c in s.criteria}
    assert [p.day for p in by_id["c1"].points] == [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
    ]
    assert [p.value for p in by_id["c1"].points] == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3])
    assert by_id["c1"].mean == pytest.approx(1 / 3)
    assert by_id["c2"].mean == pytest.approx((2 / 3 + 2 / 3 + 1 + 1) / 4)
    assert s.weakest is not None and s.weakest.criterion_id == "c1"
    assert [p.value for p in s.calibration_gap.points] == pytest.approx([0.25, 0.05])
    # Self-scores were one level over on c1 and equal on c2: a gap of (1/3 + 0) / 2.
    assert s.self_gap.mean == pytest.approx(1 / 6)
    # Interviewer rounds (no hints) share days 2 and 3 with candidate rounds.
    assert [p.value for p in s.hints.points] == pytest.approx([0, 0.5, 1.0, 3])
    assert s.time_share.count == 4  # interviewer rounds have no time limit here
    kinds = {g.key: g for g in s.by_kind}
    assert kinds["coding"].candidate_rounds == 2 and kinds["behavioral"].rounds == 2
    assert kinds["behavioral"].mean_calibration_gap == pytest.approx(0.15)
    assert s.cards == 2 and s.due_now == 2
    json.dumps(s.to_dict())  # JSON-ready


def test_stats_filters_and_local_days(store: HistoryStore) -> None:
    seed(store)
    coding = stats(store, ProgressFilters(kind="coding"))
    assert coding.rounds == {"candidate": 2}
    # 09:00 UTC is the previous local day at UTC-10.
    west = stats(store, utc_offset_s=-10 * 3600)
    assert west.score.points[0].day == "2026-03-01"
    assert stats(store, ProgressFilters(since=T0 + 3 * DAY)).rounds == {"candidate": 1}


def test_weakest_needs_enough_scores(store: HistoryStore) -> None:
    store.record_attempt(candidate(T0, {"c1": 1}, 1))
    assert weakest_criterion(store) is None
    store.record_attempt(candidate(T0 + 1, {"c1": 1}, 1))
    store.record_attempt(candidate(T0 + 2, {"c1": 2}, 1))
    weakest = weakest_criterion(store)
    assert weakest is not None and (weakest.criterion_id, weakest.count) == ("c1", 3)


def test_session_rows_newest_first_with_pair_sessions(store: HistoryStore) -> None:
    seed(store)
    pair = store.start_session(mode="pair", role_plan="swap", started_at=T0 + 5 * DAY, settings={})
    store.set_participants(pair, ["Ana", "Ben"])
    store.record_pair_round(
        pair,
        {"index": 0, "pack_id": "p", "question_id": "q1"},
        candidate="Ana",
        interviewer="Ben",
        submitted_at=T0 + 5 * DAY,
    )
    rows = session_rows(store)
    assert [r.mode for r in rows] == ["pair", "solo"]
    assert rows[0].participants == ("Ana", "Ben") and rows[0].rounds == 1
    assert rows[1].rounds == 4 and rows[1].kinds == ("coding", "concept")
    assert [r.mode for r in session_rows(store, ProgressFilters(role="candidate"))] == ["solo"]


# -- the migration from schema 2 ------------------------------------------------------------


def test_schema_2_database_gains_derived_figures_and_cards(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = db.open_db(path, MIGRATIONS[:2])
    conn.execute(
        "INSERT INTO sessions (mode, role_plan, started_at, settings) "
        "VALUES ('solo', 'a', ?, '{}')",
        (T0,),
    )
    conn.execute(
        "INSERT INTO attempts (session_id, role, pack_id, question_id, kind, overall_score, "
        "submitted_at, details) VALUES (1, 'candidate', 'p', 'q1', 'coding', 0.5, ?, ?)",
        (T0, json.dumps(evaluation({"c1": 2, "c2": 4}, 3))),
    )
    conn.execute(
        "INSERT INTO attempt_scores (attempt_id, source, criterion_id, score) "
        "VALUES (1, 'self', 'c1', 3)"
    )
    conn.execute(
        "INSERT INTO attempts (role, pack_id, question_id, kind, submitted_at, details) "
        "VALUES ('candidate', 'p', 'q9', 'coding', ?, '[]')",
        (T0,),
    )
    conn.close()
    with HistoryStore(path) as store:
        with store.reading() as c:
            assert db.user_version(c) == SCHEMA_VERSION
            rows = c.execute(
                "SELECT source, criterion_id, score, max_score FROM attempt_scores "
                "WHERE attempt_id = 1 ORDER BY source, criterion_id"
            ).fetchall()
            assert rows == [("final", "c1", 2, 4), ("final", "c2", 4, 4), ("self", "c1", 3, 4)]
            assert c.execute("SELECT rating FROM attempts ORDER BY id").fetchall() == [
                (GOOD,),
                (None,),
            ]
        assert card_json(store, "p", "q1") is not None
        assert store.sessions()[0].uid != ""
        [attempt, _] = store.attempts(limit=2)
        assert len(attempt.uid or "") == 32
        # Shadow rounds are a role now.
        store.record_attempt(interviewer(T0, 0.1, True, role="shadow"))


def test_a_uid_already_stored_is_refused(store: HistoryStore) -> None:
    store.record_attempt(replace(candidate(T0, {"c1": 3}, 3), uid="a" * 32))
    with pytest.raises(ValueError, match="already stored"):
        store.record_attempt(replace(candidate(T0 + 1, {"c1": 2}, 2), uid="a" * 32))
    assert len(store.attempts()) == 1


def test_foreign_keys_still_cascade_after_the_rebuild(store: HistoryStore) -> None:
    sid = store.start_session(mode="solo", role_plan="a", started_at=T0, settings={})
    store.record_attempt(candidate(T0, {"c1": 3}, 3, session_id=sid))
    with store.reading() as c:
        c.execute("DELETE FROM sessions WHERE id = ?", (sid,))
        assert c.execute("SELECT COUNT(*) FROM attempt_scores").fetchone()[0] == 0
        fk = c.execute("PRAGMA foreign_key_list(attempt_scores)").fetchall()
        assert fk[0][2] == "attempts"
    with pytest.raises(sqlite3.IntegrityError):
        with store.reading() as c:
            c.execute(
                "INSERT INTO attempts (uid, role, pack_id, question_id, kind, submitted_at) "
                "VALUES ('x', 'nobody', 'p', 'q', 'k', 1)"
            )


# -- damaged and future databases -----------------------------------------------------------


def test_a_corrupt_database_is_moved_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not an SQLite file, just text " * 100)
    opened = open_history(path, now=T0)
    with opened.store as store:
        assert store.sessions() == []
        store.record_attempt(candidate(T0, {"c1": 3}, 3))
    assert opened.moved_to == tmp_path / "history.sqlite3.corrupt-20260302-090000"
    assert opened.moved_to.read_bytes().startswith(b"this is not an SQLite file")
    assert "moved to" in opened.notice and str(opened.moved_to) in opened.notice
    # The next damaged file on the same second gets its own name; nothing is overwritten.
    path.write_bytes(b"x" * 5000)
    again = open_history(path, now=T0)
    again.store.close()
    assert again.moved_to is not None and again.moved_to.name.endswith("-2")


def test_a_healthy_database_opens_with_no_notice(tmp_path: Path) -> None:
    opened = open_history(tmp_path / "h.sqlite3", now=T0)
    opened.store.close()
    assert (opened.notice, opened.moved_to) == ("", None)


def test_a_database_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 4}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError) as info:
        open_history(path, now=T0)
    message = str(info.value)
    assert f"version {SCHEMA_VERSION + 4}" in message and f"version {SCHEMA_VERSION})" in message
    assert path.read_bytes() == before
    assert list(tmp_path.glob("*.corrupt-*")) == []
