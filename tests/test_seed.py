"""The history seeder: realistic rows, the same on every run, and what the app itself would store.

Screen snapshots and the stats benchmark build on it, so its rows must be the app's own:
replaying the seeded rounds through `HistoryStore`'s public API gives the same tables.
"""

from __future__ import annotations

import json
import math
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.seed import START, WEAKEST, seed_history  # noqa: E402
from trainer.core.storage.history import HistoryStore  # noqa: E402
from trainer.core.storage.progress import stats  # noqa: E402

ROUNDS = 300
DAYS = 120
NOW = START + DAYS * 86400


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "history.sqlite3"
    summary = seed_history(path, ROUNDS)
    assert summary.rounds == ROUNDS
    return path


def table(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_counts(seeded: Path) -> None:
    (attempts,) = table(seeded, "SELECT COUNT(*) FROM attempts")[0]
    assert attempts == ROUNDS
    roles = dict(table(seeded, "SELECT role, COUNT(*) FROM attempts GROUP BY role"))
    assert set(roles) == {"candidate", "interviewer", "shadow"}
    assert roles["candidate"] > roles["interviewer"] > roles["shadow"] > 0
    sizes = [n for (n,) in table(seeded, "SELECT COUNT(*) FROM attempts GROUP BY session_id")]
    assert min(sizes) >= 1 and max(sizes) <= 6 and sum(sizes) == ROUNDS
    assert sum(n >= 2 for n in sizes) >= len(sizes) - 1  # only the last may be cut short
    (finals,) = table(seeded, "SELECT COUNT(*) FROM attempt_scores WHERE source = 'final'")[0]
    assert finals > 0
    (no_max,) = table(seeded, "SELECT COUNT(*) FROM attempt_scores WHERE max_score IS NULL")[0]
    assert no_max == 0
    (cards,) = table(seeded, "SELECT COUNT(*) FROM cards")[0]
    assert cards > 0
    first, last = table(seeded, "SELECT MIN(submitted_at), MAX(submitted_at) FROM attempts")[0]
    assert START <= first < last < NOW


def test_questions_are_the_built_in_packs(seeded: Path) -> None:
    from trainer.core.packs.catalog import load_catalog
    from trainer.core.packs.discovery import discover

    catalog = load_catalog(discover(None, []))
    known = {(p.pack.id, q.id): q for p in catalog.packs for q in p.questions}
    for pack_id, question_id, kind in table(
        seeded, "SELECT DISTINCT pack_id, question_id, kind FROM attempts"
    ):
        question = known[(str(pack_id), str(question_id))]
        assert question.kind == kind


def test_stats_have_series_and_a_weakest_criterion(seeded: Path) -> None:
    with HistoryStore(seeded) as store:
        result = stats(store, now=NOW)
    assert result.rounds["candidate"] > 0
    assert result.criteria and all(c.series.points for c in result.criteria)
    assert result.calibration_gap.points and result.score.points and result.self_gap.points
    assert result.weakest is not None and result.weakest.criterion_id == WEAKEST
    # Meaningful plots: scores rise, the calibration gap shrinks, fewer hints.
    for series, rising in ((result.score, True), (result.calibration_gap, False)):
        points = series.points
        third = len(points) // 3
        early = sum(p.value for p in points[:third]) / third
        late = sum(p.value for p in points[-third:]) / third
        assert (late > early) is rising


def test_same_arguments_same_data(tmp_path: Path, seeded: Path) -> None:
    again = tmp_path / "again.sqlite3"
    seed_history(again, ROUNDS)
    with HistoryStore(seeded) as a, HistoryStore(again) as b:
        assert stats(a, now=NOW).to_dict() == stats(b, now=NOW).to_dict()
    for sql in (
        "SELECT * FROM sessions ORDER BY id",
        "SELECT * FROM attempts ORDER BY id",
        "SELECT * FROM attempt_scores ORDER BY attempt_id, source, criterion_id",
        "SELECT * FROM cards ORDER BY pack_id, question_id",
    ):
        assert table(seeded, sql) == table(again, sql)
    other = tmp_path / "other.sqlite3"
    seed_history(other, ROUNDS, seed=1)
    assert table(other, "SELECT uid FROM attempts") != table(seeded, "SELECT uid FROM attempts")


def test_rows_match_recording_through_the_store(tmp_path: Path, seeded: Path) -> None:
    """Replaying every seeded round with `record_attempt` stores the same rows.

    Read back, an attempt's scores come in criterion id order rather than the rubric's, so
    a derived mean may differ in its last bit.
    """
    replayed = tmp_path / "replayed.sqlite3"
    with HistoryStore(seeded) as source, HistoryStore(replayed) as target:
        for session in reversed(source.sessions(limit=10_000)):
            sid = target.start_session(
                mode=session.mode,
                role_plan=session.role_plan,
                started_at=session.started_at,
                settings=session.settings,
                uid=session.uid,
            )
            assert sid == session.id
            for attempt in reversed(source.attempts(session_id=session.id, limit=10)):
                target.record_attempt(replace(attempt, id=None))
            assert session.finished_at is not None
            target.finish_session(sid, finished_at=session.finished_at)
    for sql in (
        "SELECT * FROM sessions ORDER BY id",
        "SELECT * FROM attempts ORDER BY id",
        "SELECT * FROM attempt_scores ORDER BY attempt_id, source, criterion_id",
        "SELECT * FROM cards ORDER BY pack_id, question_id",
    ):
        assert same_rows(table(replayed, sql), table(seeded, sql)), sql


def same_rows(a: list[tuple[object, ...]], b: list[tuple[object, ...]]) -> bool:
    """Equal, but floats only to 1e-12: a mean over dict items depends on their order."""
    if len(a) != len(b):
        return False
    for row_a, row_b in zip(a, b, strict=True):
        for x, y in zip(row_a, row_b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-12):
                    return False
            elif x != y:
                return False
    return True


def test_store_records_on_top(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    seed_history(path, 40, seed=3, days=10)
    with HistoryStore(path) as store:
        before = len(store.attempts(limit=1000))
        newest = store.attempts(limit=1)[0]
        new_id = store.record_attempt(replace(newest, id=None, uid=None, submitted_at=NOW))
        assert len(store.attempts(limit=1000)) == before + 1
        assert store.attempts(limit=1)[0].id == new_id
        assert json.loads(json.dumps(stats(store, now=NOW).to_dict()))["rounds"]


def test_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(FileExistsError):
        seed_history(path, 10)
