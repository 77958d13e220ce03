"""Practice history in SQLite: sessions and the attempts made in them.

Why SQLite: the summary, history and review screens all ask aggregate questions
(best score per question, calibration trend) that are one query here, and a crash
between two writes must not lose or half-write an attempt (each write is one
transaction).

Timestamps are floats (seconds since the epoch) passed in by the caller; nothing
here reads the clock, so sessions can be replayed and tested with a fake one.

Threading: one connection opened with `check_same_thread=False`, every use of it
guarded by a lock. The TUI writes from a worker thread while the UI thread reads;
the lock serialises them (each call is short), and SQLite's own locking plus the
busy timeout handles a second trainer process on the same file.

Scores are stored per source (`self`, `partner`, `interviewer`, `reference`, `auto`)
and per criterion, so a later screen can show "you said 3, the reference says 2".
`details` holds any further plain-data evidence (e.g. an `Evaluation.to_dict()`) as
JSON, so new evidence needs no schema change.
"""

from __future__ import annotations

import json
import math
import numbers
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, cast

from trainer.core.storage.db import MigrationStep, StorageError, open_db, transaction

Role = Literal["candidate", "interviewer"]
ROLES: Final[tuple[str, ...]] = ("candidate", "interviewer")
ScoreSource = Literal["self", "partner", "interviewer", "reference", "auto"]
SCORE_SOURCES: Final[tuple[str, ...]] = ("self", "partner", "interviewer", "reference", "auto")

_V1 = """
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    mode        TEXT NOT NULL,
    role_plan   TEXT NOT NULL,
    started_at  REAL NOT NULL,
    finished_at REAL,
    settings    TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE attempts (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('candidate', 'interviewer')),
    pack_id          TEXT NOT NULL,
    question_id      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    answer           TEXT NOT NULL DEFAULT '',
    selected_choices TEXT NOT NULL DEFAULT '[]',
    reference_id     TEXT,
    overall_score    REAL,
    verdict          TEXT,
    hints_used       INTEGER NOT NULL DEFAULT 0 CHECK (hints_used >= 0),
    time_taken_s     REAL,
    time_limit_s     REAL,
    feedback         TEXT NOT NULL DEFAULT '',
    calibration_mae  REAL,
    verdict_agreed   INTEGER CHECK (verdict_agreed IN (0, 1)),
    started_at       REAL,
    submitted_at     REAL NOT NULL,
    details          TEXT NOT NULL DEFAULT '{}'
);
-- NUMERIC keeps integer levels integers and lets automatic scores be fractional.
CREATE TABLE attempt_scores (
    attempt_id   INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    source       TEXT NOT NULL
                 CHECK (source IN ('self', 'partner', 'interviewer', 'reference', 'auto')),
    criterion_id TEXT NOT NULL,
    score        NUMERIC NOT NULL,
    PRIMARY KEY (attempt_id, source, criterion_id)
) WITHOUT ROWID;
-- Covers question_stats() and the per-question history without touching the table.
CREATE INDEX attempts_by_question
    ON attempts (question_id, role, submitted_at, overall_score, pack_id);
CREATE INDEX attempts_by_session ON attempts (session_id);
CREATE INDEX attempts_by_time ON attempts (submitted_at);
-- Partial: calibration_history() reads only these rows, newest first (rowid breaks ties).
CREATE INDEX attempts_calibration ON attempts (submitted_at)
    WHERE role = 'interviewer' AND calibration_mae IS NOT NULL;
"""

# Pair practice: who sat in the session, and both people's sides of every round
# (answer, hints with times, notes, both score sets, feedback, ratings) as JSON.
_PAIR = """
CREATE TABLE session_participants (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seat       INTEGER NOT NULL CHECK (seat IN (0, 1)),
    name       TEXT NOT NULL,
    PRIMARY KEY (session_id, seat)
) WITHOUT ROWID;
CREATE TABLE pair_rounds (
    session_id   INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    round_index  INTEGER NOT NULL CHECK (round_index >= 0),
    candidate    TEXT NOT NULL,
    interviewer  TEXT NOT NULL,
    pack_id      TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    submitted_at REAL NOT NULL,
    sides        TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (session_id, round_index)
) WITHOUT ROWID;
"""

#: Append-only: step n upgrades schema version n-1 to n. Never edit a released step.
MIGRATIONS: Final[tuple[MigrationStep, ...]] = (_V1, _PAIR)
SCHEMA_VERSION: Final[int] = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One answered (candidate) or scored (interviewer) question, as stored.

    `answer` is the typed text (for an interviewer round, the reference answer that
    was judged, named by `reference_id`); `selected_choices` the choice ids of a
    multiple-choice answer. `scores[source][criterion_id]` is a level on the
    criterion's scale. `calibration_mae` and `verdict_agreed` are set for interviewer
    rounds only. `id` is None until recorded.
    """

    role: Role
    pack_id: str
    question_id: str
    kind: str
    submitted_at: float
    session_id: int | None = None
    answer: str = ""
    selected_choices: tuple[str, ...] = ()
    reference_id: str | None = None
    scores: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    overall_score: float | None = None
    verdict: str | None = None
    hints_used: int = 0
    time_taken_s: float | None = None
    time_limit_s: float | None = None
    feedback: str = ""
    calibration_mae: float | None = None
    verdict_agreed: bool | None = None
    started_at: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A practice session; `settings` is whatever plain data the session was started with."""

    id: int
    mode: str
    role_plan: str
    started_at: float
    finished_at: float | None
    settings: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class QuestionStats:
    """How a question has gone so far; scores ignore attempts left unscored."""

    question_id: str
    attempts: int
    best: float | None
    last: float | None  # the newest attempt's score (None if that one was unscored)
    mean: float | None
    last_verdict: str | None
    last_at: float


_ATTEMPT_COLUMNS: Final = (
    "session_id, role, pack_id, question_id, kind, answer, selected_choices, reference_id, "
    "overall_score, verdict, hints_used, time_taken_s, time_limit_s, feedback, "
    "calibration_mae, verdict_agreed, started_at, submitted_at, details"
)


class HistoryStore:
    """Sessions and attempts in one SQLite file; safe to call from several threads."""

    def __init__(self, db_path: Path | str) -> None:
        self.path = Path(db_path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = open_db(
            self.path, MIGRATIONS, check_same_thread=False
        )

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; further calls raise `StorageError`. Idempotent."""
        with self._lock:
            if self._conn is not None:
                try:
                    # SQLite's advice for long-lived connections: refresh planner stats.
                    self._conn.execute("PRAGMA optimize")
                except sqlite3.Error:
                    pass
                self._conn.close()
                self._conn = None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StorageError(f"{self.path}: history store is closed")
            yield self._conn

    # -- sessions --------------------------------------------------------------------

    def start_session(
        self, *, mode: str, role_plan: str, started_at: float, settings: Mapping[str, Any]
    ) -> int:
        """Record a new session and return its id. `settings` must be JSON-serialisable."""
        settings_json = _to_json(settings, "settings")
        with self._connection() as conn, transaction(conn):
            cursor = conn.execute(
                "INSERT INTO sessions (mode, role_plan, started_at, settings) VALUES (?, ?, ?, ?)",
                (mode, role_plan, float(started_at), settings_json),
            )
            return _lastrowid(cursor)

    def finish_session(self, session_id: int, *, finished_at: float) -> None:
        """Mark a session finished; `ValueError` if there is no such session."""
        with self._connection() as conn, transaction(conn):
            cursor = conn.execute(
                "UPDATE sessions SET finished_at = ? WHERE id = ?",
                (float(finished_at), session_id),
            )
            if cursor.rowcount == 0:
                raise ValueError(f"no session with id {session_id}")

    # -- pair practice ---------------------------------------------------------------

    def set_participants(self, session_id: int, names: Sequence[str]) -> None:
        """Record who sat in seats 0 and 1 of a pair session."""
        with self._connection() as conn, transaction(conn):
            if not _session_exists(conn, session_id):
                raise ValueError(f"no session with id {session_id}")
            conn.executemany(
                "INSERT OR REPLACE INTO session_participants (session_id, seat, name) "
                "VALUES (?, ?, ?)",
                [(session_id, seat, str(name)) for seat, name in enumerate(names[:2])],
            )

    def participants(self, session_id: int) -> list[str]:
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT name FROM session_participants WHERE session_id = ? ORDER BY seat",
                (session_id,),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def record_pair_round(
        self,
        session_id: int,
        sides: Mapping[str, Any],
        *,
        candidate: str,
        interviewer: str,
        submitted_at: float,
    ) -> None:
        """Store both sides of one pair round (`PairRound.to_dict()`); a replay replaces it."""
        data = _to_json(sides, "sides")
        with self._connection() as conn, transaction(conn):
            if not _session_exists(conn, session_id):
                raise ValueError(f"no session with id {session_id}")
            conn.execute(
                "INSERT OR REPLACE INTO pair_rounds (session_id, round_index, candidate, "
                "interviewer, pack_id, question_id, submitted_at, sides) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    int(sides["index"]),
                    candidate,
                    interviewer,
                    str(sides["pack_id"]),
                    str(sides["question_id"]),
                    float(submitted_at),
                    data,
                ),
            )

    def pair_rounds(self, session_id: int) -> list[dict[str, Any]]:
        """Both sides of every stored round of a pair session, in round order."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT candidate, interviewer, submitted_at, sides FROM pair_rounds "
                "WHERE session_id = ? ORDER BY round_index",
                (session_id,),
            ).fetchall()
        out = []
        for cand, intv, at, sides in rows:
            item = dict(json.loads(sides))
            item.update(candidate_name=cand, interviewer_name=intv, submitted_at=at)
            out.append(item)
        return out

    def session(self, session_id: int) -> SessionRecord | None:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT id, mode, role_plan, started_at, finished_at, settings "
                "FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
        return None if row is None else _session_from_row(row)

    def sessions(self, *, limit: int = 50) -> list[SessionRecord]:
        """The newest sessions first."""
        _check_limit(limit)
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT id, mode, role_plan, started_at, finished_at, settings FROM sessions "
                "ORDER BY started_at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [_session_from_row(row) for row in rows]

    # -- attempts --------------------------------------------------------------------

    def record_attempt(self, attempt: AttemptRecord) -> int:
        """Store an attempt with all its scores in one transaction; return its id.

        Raises `ValueError` for an unknown role or score source, a non-numeric score,
        an attempt that already has an id, or a session id that does not exist.
        """
        _validate_attempt(attempt)
        values = (
            attempt.session_id,
            attempt.role,
            attempt.pack_id,
            attempt.question_id,
            attempt.kind,
            attempt.answer,
            json.dumps(list(attempt.selected_choices)),
            attempt.reference_id,
            _opt_float(attempt.overall_score),
            attempt.verdict,
            attempt.hints_used,
            _opt_float(attempt.time_taken_s),
            _opt_float(attempt.time_limit_s),
            attempt.feedback,
            _opt_float(attempt.calibration_mae),
            None if attempt.verdict_agreed is None else int(attempt.verdict_agreed),
            _opt_float(attempt.started_at),
            float(attempt.submitted_at),
            _to_json(attempt.details, "details"),
        )
        score_rows = [
            (source, criterion_id, _score_value(score))
            for source, by_criterion in attempt.scores.items()
            for criterion_id, score in by_criterion.items()
        ]
        placeholders = ", ".join("?" * len(values))
        with self._connection() as conn, transaction(conn):
            try:
                cursor = conn.execute(
                    f"INSERT INTO attempts ({_ATTEMPT_COLUMNS}) VALUES ({placeholders})", values
                )
            except sqlite3.IntegrityError as exc:
                if attempt.session_id is not None and not _session_exists(conn, attempt.session_id):
                    raise ValueError(f"no session with id {attempt.session_id}") from exc
                raise
            attempt_id = _lastrowid(cursor)
            conn.executemany(
                "INSERT INTO attempt_scores (attempt_id, source, criterion_id, score) "
                "VALUES (?, ?, ?, ?)",
                [(attempt_id, *row) for row in score_rows],
            )
        return attempt_id

    def attempts(
        self,
        *,
        session_id: int | None = None,
        question_id: str | None = None,
        pack_id: str | None = None,
        role: Role | None = None,
        limit: int = 100,
    ) -> list[AttemptRecord]:
        """Attempts matching every filter given, newest first, at most `limit`."""
        _check_limit(limit)
        conditions, params = _conditions(
            session_id=session_id, question_id=question_id, pack_id=pack_id, role=role
        )
        chosen = (
            f"SELECT id FROM attempts {_where(conditions)} "
            "ORDER BY submitted_at DESC, id DESC LIMIT ?"
        )
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT id, {_ATTEMPT_COLUMNS} FROM attempts WHERE id IN ({chosen}) "
                "ORDER BY submitted_at DESC, id DESC",
                (*params, limit),
            ).fetchall()
            score_rows = conn.execute(
                "SELECT attempt_id, source, criterion_id, score FROM attempt_scores "
                f"WHERE attempt_id IN ({chosen}) ORDER BY attempt_id, source, criterion_id",
                (*params, limit),
            ).fetchall()
        scores: dict[int, dict[str, dict[str, float]]] = {}
        for attempt_id, source, criterion_id, score in score_rows:
            scores.setdefault(attempt_id, {}).setdefault(source, {})[criterion_id] = score
        return [_attempt_from_row(row, scores.get(row[0], {})) for row in rows]

    def question_stats(
        self, *, pack_id: str | None = None, role: Role | None = "candidate"
    ) -> dict[str, QuestionStats]:
        """Per question id: number of attempts, best, last and mean overall score.

        Counts candidate attempts by default: an interviewer round's score is the
        score the user gave someone else, not their own result. Question ids are
        grouped across packs; pass `pack_id` when packs reuse an id.
        """
        conditions, params = _conditions(pack_id=pack_id, role=role)
        newest, _ = _conditions("x.", pack_id=pack_id, role=role)
        # Aggregates over the covering index, then one index seek per question for
        # the newest attempt (a window function sorted every row: ten times slower).
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT g.question_id, g.n, g.best, g.mean, l.overall_score, l.verdict, g.last_at "
                "FROM (SELECT question_id, COUNT(*) AS n, MAX(overall_score) AS best, "
                "AVG(overall_score) AS mean, MAX(submitted_at) AS last_at "
                f"FROM attempts {_where(conditions)} GROUP BY question_id) AS g "
                "JOIN attempts AS l ON l.id = (SELECT x.id FROM attempts AS x "
                f"{_where(['x.question_id = g.question_id', *newest])} "
                "ORDER BY x.submitted_at DESC, x.id DESC LIMIT 1)",
                (*params, *params),
            ).fetchall()
        return {
            row[0]: QuestionStats(
                question_id=row[0],
                attempts=int(row[1]),
                best=row[2],
                mean=row[3],
                last=row[4],
                last_verdict=row[5],
                last_at=float(row[6]),
            )
            for row in rows
        }

    def calibration_history(self, limit: int = 50) -> list[float]:
        """Mean absolute error of the newest `limit` interviewer rounds, newest last."""
        _check_limit(limit)
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT calibration_mae FROM attempts "
                "WHERE role = 'interviewer' AND calibration_mae IS NOT NULL "
                "ORDER BY submitted_at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [float(row[0]) for row in reversed(rows)]


# -- helpers ---------------------------------------------------------------------------


def _validate_attempt(attempt: AttemptRecord) -> None:
    if attempt.id is not None:
        raise ValueError(f"attempt already recorded with id {attempt.id}")
    if attempt.role not in ROLES:
        raise ValueError(f"unknown role {attempt.role!r}; expected one of {ROLES}")
    if attempt.hints_used < 0:
        raise ValueError("hints_used cannot be negative")
    for source, by_criterion in attempt.scores.items():
        if source not in SCORE_SOURCES:
            raise ValueError(f"unknown score source {source!r}; expected one of {SCORE_SOURCES}")
        for criterion_id, score in by_criterion.items():
            _check_number(f"score for {source}/{criterion_id}", score)
    # SQLite silently stores NaN as NULL, which would turn a bug into a missing score.
    for name in ("overall_score", "time_taken_s", "time_limit_s", "calibration_mae"):
        value = getattr(attempt, name)
        if value is not None:
            _check_number(name, value)
    _check_number("submitted_at", attempt.submitted_at)
    if attempt.started_at is not None:
        _check_number("started_at", attempt.started_at)


def _check_number(what: str, value: object) -> None:
    """Any finite real (int, float, Fraction from the scorer); bools are a bug, not a score."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
    ):
        raise ValueError(f"{what} must be a finite number, not {value!r}")


def _score_value(value: float) -> float:
    """Integer levels stay integers; other reals (e.g. Fraction) are stored as floats."""
    return value if isinstance(value, int) else float(value)


def _conditions(prefix: str = "", **filters: object) -> tuple[list[str], tuple[object, ...]]:
    """`column = ?` conditions for the filters that are not None (column names are ours)."""
    present = {column: value for column, value in filters.items() if value is not None}
    return [f"{prefix}{column} = ?" for column in present], tuple(present.values())


def _where(conditions: Sequence[str]) -> str:
    return "WHERE " + " AND ".join(conditions) if conditions else ""


def _check_limit(limit: int) -> None:
    if limit < 0:
        raise ValueError("limit cannot be negative")


def _to_json(value: Mapping[str, Any], what: str) -> str:
    try:
        return json.dumps(dict(value), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-serialisable plain data: {exc}") from exc


def _opt_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _lastrowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - only after a failed insert
        raise StorageError("insert did not produce a row id")
    return cursor.lastrowid


def _session_exists(conn: sqlite3.Connection, session_id: int) -> bool:
    row = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return row is not None


def _session_from_row(row: Sequence[Any]) -> SessionRecord:
    return SessionRecord(
        id=row[0],
        mode=row[1],
        role_plan=row[2],
        started_at=row[3],
        finished_at=row[4],
        settings=json.loads(row[5]),
    )


def _attempt_from_row(
    row: Sequence[Any], scores: Mapping[str, Mapping[str, float]]
) -> AttemptRecord:
    (
        attempt_id,
        session_id,
        role,
        pack_id,
        question_id,
        kind,
        answer,
        selected_choices,
        reference_id,
        overall_score,
        verdict,
        hints_used,
        time_taken_s,
        time_limit_s,
        feedback,
        calibration_mae,
        verdict_agreed,
        started_at,
        submitted_at,
        details,
    ) = row
    return AttemptRecord(
        id=attempt_id,
        session_id=session_id,
        role=cast(Role, role),
        pack_id=pack_id,
        question_id=question_id,
        kind=kind,
        answer=answer,
        selected_choices=tuple(json.loads(selected_choices)),
        reference_id=reference_id,
        scores=scores,
        overall_score=overall_score,
        verdict=verdict,
        hints_used=hints_used,
        time_taken_s=time_taken_s,
        time_limit_s=time_limit_s,
        feedback=feedback,
        calibration_mae=calibration_mae,
        verdict_agreed=None if verdict_agreed is None else bool(verdict_agreed),
        started_at=started_at,
        submitted_at=submitted_at,
        details=json.loads(details),
    )
