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
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, cast

from trainer.core.storage.db import (
    MigrationStep,
    SchemaTooNewError,
    StorageError,
    open_db,
    split_sql,
    transaction,
)
from trainer.core.storage.derived import Derived, derive
from trainer.core.storage.schedule import CardState, replay, review

Role = Literal["candidate", "interviewer", "shadow"]
ROLES: Final[tuple[str, ...]] = ("candidate", "interviewer", "shadow")
ScoreSource = Literal["self", "partner", "interviewer", "reference", "auto"]
SCORE_SOURCES: Final[tuple[str, ...]] = ("self", "partner", "interviewer", "reference", "auto")
# The store also keeps the merged score as source 'final', derived when an attempt is
# recorded (see `derived`); it is for the stats and is not read back as a recorded source.

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

# Progress over time. `attempts` and `attempt_scores` are rebuilt (SQLite cannot change a
# CHECK in place): shadow rounds join the roles and the merged `final` score joins the
# sources. New columns hold what the stats aggregate (see `derived`); `uid`s make an
# import idempotent; `cards` is the FSRS schedule, one card per question.
_PROGRESS = """
CREATE TABLE attempts_v3 (
    id               INTEGER PRIMARY KEY,
    uid              TEXT NOT NULL UNIQUE,
    session_id       INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('candidate', 'interviewer', 'shadow')),
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
    details          TEXT NOT NULL DEFAULT '{}',
    verdict_position REAL,
    rating           INTEGER CHECK (rating BETWEEN 1 AND 4),
    self_gap         REAL
);
INSERT INTO attempts_v3 (id, uid, session_id, role, pack_id, question_id, kind, answer,
    selected_choices, reference_id, overall_score, verdict, hints_used, time_taken_s,
    time_limit_s, feedback, calibration_mae, verdict_agreed, started_at, submitted_at, details)
SELECT id, lower(hex(randomblob(16))), session_id, role, pack_id, question_id, kind, answer,
    selected_choices, reference_id, overall_score, verdict, hints_used, time_taken_s,
    time_limit_s, feedback, calibration_mae, verdict_agreed, started_at, submitted_at, details
FROM attempts;
CREATE TABLE attempt_scores_v3 (
    attempt_id   INTEGER NOT NULL REFERENCES attempts_v3(id) ON DELETE CASCADE,
    source       TEXT NOT NULL CHECK (source IN
                 ('self', 'partner', 'interviewer', 'reference', 'auto', 'final')),
    criterion_id TEXT NOT NULL,
    score        NUMERIC NOT NULL,
    max_score    INTEGER,
    PRIMARY KEY (attempt_id, source, criterion_id)
) WITHOUT ROWID;
INSERT INTO attempt_scores_v3 (attempt_id, source, criterion_id, score)
SELECT attempt_id, source, criterion_id, score FROM attempt_scores;
DROP TABLE attempt_scores;
DROP TABLE attempts;
ALTER TABLE attempts_v3 RENAME TO attempts;
ALTER TABLE attempt_scores_v3 RENAME TO attempt_scores;
CREATE INDEX attempts_by_question
    ON attempts (question_id, role, submitted_at, overall_score, pack_id);
CREATE INDEX attempts_by_session ON attempts (session_id);
CREATE INDEX attempts_by_time ON attempts (submitted_at);
CREATE INDEX attempts_calibration ON attempts (submitted_at)
    WHERE role = 'interviewer' AND calibration_mae IS NOT NULL;
-- Covers every time series of the stats: one range scan per role, no table lookups.
CREATE INDEX attempts_progress ON attempts (role, submitted_at, kind, pack_id, overall_score,
    calibration_mae, self_gap, hints_used, time_taken_s, time_limit_s);
-- Covers the per-criterion series (joined to attempts by primary key).
CREATE INDEX scores_by_criterion
    ON attempt_scores (source, criterion_id, attempt_id, score, max_score);
ALTER TABLE sessions ADD COLUMN uid TEXT;
UPDATE sessions SET uid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX sessions_by_uid ON sessions (uid);
CREATE TABLE cards (
    pack_id     TEXT NOT NULL,
    question_id TEXT NOT NULL,
    card        TEXT NOT NULL,
    due         REAL NOT NULL,
    last_review REAL NOT NULL,
    reviews     INTEGER NOT NULL,
    PRIMARY KEY (pack_id, question_id)
) WITHOUT ROWID;
CREATE INDEX cards_by_due ON cards (due);
"""


def _progress(conn: sqlite3.Connection) -> None:
    """Schema 3, then the derived figures and the schedule for attempts already stored."""
    for statement in split_sql(_PROGRESS):
        conn.execute(statement)
    rows = conn.execute(
        "SELECT id, role, details, calibration_mae, verdict_agreed FROM attempts"
    ).fetchall()
    for attempt_id, role, details_json, mae, agreed in rows:
        try:
            details = json.loads(details_json)
        except ValueError:
            details = {}
        scores: dict[str, dict[str, float]] = {}
        for source, cid, score in conn.execute(
            "SELECT source, criterion_id, score FROM attempt_scores WHERE attempt_id = ?",
            (attempt_id,),
        ):
            scores.setdefault(source, {})[cid] = score
        _store_derived(
            conn,
            attempt_id,
            derive(
                role,
                details if isinstance(details, dict) else {},
                scores,
                calibration_mae=mae,
                verdict_agreed=None if agreed is None else bool(agreed),
            ),
        )
    _rebuild_cards(conn)
    # Planner statistics now, not at the first close: without them the per-criterion
    # stats query picks a plan about twice as slow on a large history.
    conn.execute("ANALYZE")


#: Append-only: step n upgrades schema version n-1 to n. Never edit a released step.
MIGRATIONS: Final[tuple[MigrationStep, ...]] = (_V1, _PAIR, _progress)
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
    uid: str | None = None  # stable across machines (export/import); made when recorded


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A practice session; `settings` is whatever plain data the session was started with."""

    id: int
    mode: str
    role_plan: str
    started_at: float
    finished_at: float | None
    settings: Mapping[str, Any]
    uid: str = ""


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


@dataclass(frozen=True, slots=True)
class PairRoundRecord:
    """Both people's sides of one pair round, as stored (`sides` is `PairRound.to_dict()`)."""

    index: int
    candidate: str  # the candidate's name
    interviewer: str  # the interviewer's name
    submitted_at: float
    sides: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SessionBundle:
    """A session with who sat in it and its pair rounds: what export writes and import reads.

    Keyed by `uid`, not by the local row id, so the same session has the same identity
    on every machine it is imported to.
    """

    uid: str
    mode: str
    role_plan: str
    started_at: float
    finished_at: float | None
    settings: Mapping[str, Any]
    participants: tuple[str, ...] = ()
    pair_rounds: tuple[PairRoundRecord, ...] = ()


#: An attempt with the uid of its session (None: not in a session), for export and import.
LinkedAttempt = tuple[str | None, AttemptRecord]


@dataclass(frozen=True, slots=True)
class ImportCounts:
    sessions_added: int = 0
    sessions_present: int = 0
    attempts_added: int = 0
    attempts_present: int = 0


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

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the store's lock, for the read-only queries of `progress`."""
        with self._connection() as conn:
            yield conn

    # -- sessions --------------------------------------------------------------------

    def start_session(
        self,
        *,
        mode: str,
        role_plan: str,
        started_at: float,
        settings: Mapping[str, Any],
        uid: str | None = None,
        participants: Sequence[str] = (),
    ) -> int:
        """Record a new session and return its id. `settings` must be JSON-serialisable;
        `participants`, for a pair session, are the names in seats 0 and 1."""
        settings_json = _to_json(settings, "settings")
        with self._connection() as conn, transaction(conn):
            cursor = conn.execute(
                "INSERT INTO sessions (mode, role_plan, started_at, settings, uid) "
                "VALUES (?, ?, ?, ?, ?)",
                (mode, role_plan, float(started_at), settings_json, uid or new_uid()),
            )
            session_id = _lastrowid(cursor)
            _insert_participants(conn, session_id, participants)
            return session_id

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
            _insert_participants(conn, session_id, names)

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
                "SELECT id, mode, role_plan, started_at, finished_at, settings, uid "
                "FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
        return None if row is None else _session_from_row(row)

    def sessions(self, *, limit: int = 50) -> list[SessionRecord]:
        """The newest sessions first."""
        _check_limit(limit)
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT id, mode, role_plan, started_at, finished_at, settings, uid FROM sessions "
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
        values = _attempt_values(attempt)
        score_rows = _score_rows(attempt)
        placeholders = ", ".join("?" * (len(values) + 1))
        derived = derive(
            attempt.role,
            attempt.details,
            attempt.scores,
            calibration_mae=attempt.calibration_mae,
            verdict_agreed=attempt.verdict_agreed,
        )
        with self._connection() as conn, transaction(conn):
            try:
                cursor = conn.execute(
                    f"INSERT INTO attempts (uid, {_ATTEMPT_COLUMNS}) VALUES ({placeholders})",
                    (attempt.uid or new_uid(), *values),
                )
            except sqlite3.IntegrityError as exc:
                if attempt.session_id is not None and not _session_exists(conn, attempt.session_id):
                    raise ValueError(f"no session with id {attempt.session_id}") from exc
                if attempt.uid is not None and _uid_exists(conn, "attempts", attempt.uid):
                    message = f"an attempt with uid {attempt.uid} is already stored"
                    raise ValueError(message) from exc
                raise
            attempt_id = _lastrowid(cursor)
            conn.executemany(
                "INSERT INTO attempt_scores (attempt_id, source, criterion_id, score) "
                "VALUES (?, ?, ?, ?)",
                [(attempt_id, *row) for row in score_rows],
            )
            _store_derived(conn, attempt_id, derived)
            if derived.rating is not None:
                _review_card(
                    conn, attempt.pack_id, attempt.question_id, derived.rating, attempt.submitted_at
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
                f"SELECT id, {_ATTEMPT_COLUMNS}, uid FROM attempts WHERE id IN ({chosen}) "
                "ORDER BY submitted_at DESC, id DESC",
                (*params, limit),
            ).fetchall()
            score_rows = conn.execute(
                "SELECT attempt_id, source, criterion_id, score FROM attempt_scores "
                f"WHERE source != 'final' AND attempt_id IN ({chosen}) "
                "ORDER BY attempt_id, source, criterion_id",
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

    # -- export and import -------------------------------------------------------------

    def export_records(self) -> tuple[list[SessionBundle], list[LinkedAttempt]]:
        """Everything stored, in a deterministic order, read from one snapshot.

        Sessions by start time then uid; attempts by submission time then uid. The merged
        `final` scores and the derived figures are left out: an import derives them again.
        """
        with self._connection() as conn, transaction(conn, immediate=False):
            session_rows = conn.execute(
                "SELECT id, uid, mode, role_plan, started_at, finished_at, settings "
                "FROM sessions ORDER BY started_at, uid, id"
            ).fetchall()
            names: dict[int, list[str]] = {}
            for sid, name in conn.execute(
                "SELECT session_id, name FROM session_participants ORDER BY session_id, seat"
            ):
                names.setdefault(sid, []).append(str(name))
            rounds: dict[int, list[PairRoundRecord]] = {}
            for sid, index, cand, intv, at, sides in conn.execute(
                "SELECT session_id, round_index, candidate, interviewer, submitted_at, sides "
                "FROM pair_rounds ORDER BY session_id, round_index"
            ):
                rounds.setdefault(sid, []).append(
                    PairRoundRecord(index, cand, intv, float(at), json.loads(sides))
                )
            attempt_rows = conn.execute(
                f"SELECT a.id, {_prefixed(_ATTEMPT_COLUMNS, 'a.')}, a.uid, s.uid "
                "FROM attempts AS a LEFT JOIN sessions AS s ON s.id = a.session_id "
                "ORDER BY a.submitted_at, a.uid, a.id"
            ).fetchall()
            scores: dict[int, dict[str, dict[str, float]]] = {}
            for attempt_id, source, criterion_id, score in conn.execute(
                "SELECT attempt_id, source, criterion_id, score FROM attempt_scores "
                "WHERE source != 'final' ORDER BY attempt_id, source, criterion_id"
            ):
                scores.setdefault(attempt_id, {}).setdefault(source, {})[criterion_id] = score
        sessions = [
            SessionBundle(
                uid=uid or "",
                mode=mode,
                role_plan=role_plan,
                started_at=float(started_at),
                finished_at=_opt_float(finished_at),
                settings=json.loads(settings),
                participants=tuple(names.get(sid, ())),
                pair_rounds=tuple(rounds.get(sid, ())),
            )
            for sid, uid, mode, role_plan, started_at, finished_at, settings in session_rows
        ]
        attempts = [
            (row[-1], _attempt_from_row(row[:-1], scores.get(row[0], {}))) for row in attempt_rows
        ]
        return sessions, attempts

    def import_records(
        self, sessions: Sequence[SessionBundle], attempts: Sequence[LinkedAttempt]
    ) -> ImportCounts:
        """Add the sessions and attempts whose uid is not stored yet, in one transaction.

        Idempotent: a uid already stored (or seen earlier in the same call) is counted as
        present and left as it is. Each attempt is checked as `record_attempt` checks it and
        its derived figures are filled the same way; the review schedule is rebuilt once at
        the end instead of once per attempt. Raises `ValueError` (and stores nothing) for an
        invalid record or an attempt whose session uid is neither given nor stored.
        """
        prepared = []
        for session_uid, attempt in attempts:
            if not attempt.uid:
                raise ValueError("an imported attempt needs a uid")
            check_attempt(attempt)
            prepared.append(
                (
                    session_uid,
                    attempt,
                    _attempt_values(attempt),
                    derive(
                        attempt.role,
                        attempt.details,
                        attempt.scores,
                        calibration_mae=attempt.calibration_mae,
                        verdict_agreed=attempt.verdict_agreed,
                    ),
                )
            )
        session_values = []
        for bundle in sessions:
            if not bundle.uid:
                raise ValueError("an imported session needs a uid")
            _check_number("started_at", bundle.started_at)
            if bundle.finished_at is not None:
                _check_number("finished_at", bundle.finished_at)
            rounds = [
                (r, _to_json(r.sides, f"session {bundle.uid} round {r.index}"))
                for r in bundle.pair_rounds
            ]
            for r, _ in rounds:
                _check_number("submitted_at", r.submitted_at)
                if (
                    r.sides.get("index") != r.index
                    or not isinstance(r.sides.get("pack_id"), str)
                    or not isinstance(r.sides.get("question_id"), str)
                ):
                    raise ValueError(
                        f"session {bundle.uid} round {r.index}: sides need this index, "
                        "a pack_id and a question_id"
                    )
            session_values.append((bundle, _to_json(bundle.settings, "settings"), rounds))
        counts = {"sessions_added": 0, "sessions_present": 0}
        attempts_added = attempts_present = 0
        with self._connection() as conn, transaction(conn):
            session_ids: dict[str, int] = {
                uid: sid for sid, uid in conn.execute("SELECT id, uid FROM sessions")
            }
            for bundle, settings_json, rounds in session_values:
                if bundle.uid in session_ids:
                    counts["sessions_present"] += 1
                    continue
                cursor = conn.execute(
                    "INSERT INTO sessions (uid, mode, role_plan, started_at, finished_at, "
                    "settings) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        bundle.uid,
                        bundle.mode,
                        bundle.role_plan,
                        float(bundle.started_at),
                        _opt_float(bundle.finished_at),
                        settings_json,
                    ),
                )
                sid = _lastrowid(cursor)
                session_ids[bundle.uid] = sid
                counts["sessions_added"] += 1
                conn.executemany(
                    "INSERT INTO session_participants (session_id, seat, name) VALUES (?, ?, ?)",
                    [(sid, seat, name) for seat, name in enumerate(bundle.participants[:2])],
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO pair_rounds (session_id, round_index, candidate, "
                    "interviewer, pack_id, question_id, submitted_at, sides) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            sid,
                            r.index,
                            r.candidate,
                            r.interviewer,
                            str(r.sides["pack_id"]),
                            str(r.sides["question_id"]),
                            float(r.submitted_at),
                            sides_json,
                        )
                        for r, sides_json in rounds
                    ],
                )
            stored = {uid for (uid,) in conn.execute("SELECT uid FROM attempts")}
            placeholders = ", ".join("?" * (len(_ATTEMPT_COLUMNS.split(",")) + 1))
            for session_uid, attempt, values, derived in prepared:
                if attempt.uid in stored:
                    attempts_present += 1
                    continue
                session_id = None
                if session_uid is not None:
                    if session_uid not in session_ids:
                        raise ValueError(
                            f"attempt {attempt.uid}: no session with uid {session_uid}"
                        )
                    session_id = session_ids[session_uid]
                cursor = conn.execute(
                    f"INSERT INTO attempts (uid, {_ATTEMPT_COLUMNS}) VALUES ({placeholders})",
                    (attempt.uid, session_id, *values[1:]),
                )
                attempt_id = _lastrowid(cursor)
                stored.add(cast(str, attempt.uid))
                attempts_added += 1
                conn.executemany(
                    "INSERT INTO attempt_scores (attempt_id, source, criterion_id, score) "
                    "VALUES (?, ?, ?, ?)",
                    [(attempt_id, *row) for row in _score_rows(attempt)],
                )
                _store_derived(conn, attempt_id, derived)
            if attempts_added:
                _rebuild_cards(conn)
        return ImportCounts(
            sessions_added=counts["sessions_added"],
            sessions_present=counts["sessions_present"],
            attempts_added=attempts_added,
            attempts_present=attempts_present,
        )

    def rebuild_schedule(self) -> None:
        """Every review card again from the recorded ratings, in one transaction."""
        with self._connection() as conn, transaction(conn):
            _rebuild_cards(conn)


# -- opening, with recovery ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Opened:
    """A store, and what had to be done to open it (shown to the user when not empty)."""

    store: HistoryStore
    notice: str = ""
    moved_to: Path | None = None


def _is_corrupt(exc: BaseException) -> bool:
    """Damage, not circumstance: a locked or unreadable file is not moved aside."""
    cause = exc.__cause__
    return isinstance(cause, sqlite3.DatabaseError) and not isinstance(
        cause, sqlite3.OperationalError
    )


def open_history(path: Path | str, *, now: float) -> Opened:
    """Open the history; a corrupt file is moved aside and a new one started.

    A database from a newer trainer raises `SchemaTooNewError` and is left untouched;
    any other failure (permissions, a lock held too long) raises `StorageError` and
    moves nothing. The corrupt file keeps its journal files beside it under the same
    new name, so nothing is deleted and it can be sent in with a bug report.
    """
    target = Path(path)
    try:
        return Opened(HistoryStore(target))
    except SchemaTooNewError:
        raise
    except StorageError as exc:
        if not _is_corrupt(exc) or not target.exists():
            raise
        reason = str(exc.__cause__)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    aside = target.with_name(f"{target.name}.corrupt-{stamp}")
    suffix = 1
    while aside.exists():
        suffix += 1
        aside = target.with_name(f"{target.name}.corrupt-{stamp}-{suffix}")
    try:
        target.rename(aside)
        for extra in ("-wal", "-shm"):
            journal = target.with_name(target.name + extra)
            if journal.exists():
                journal.rename(aside.with_name(aside.name + extra))
    except OSError as exc:
        message = f"{target}: damaged ({reason}) and cannot be moved aside: {exc}"
        raise StorageError(message) from exc
    notice = (
        f"The history database was damaged ({reason}); it was moved to {aside} "
        "and a new, empty history was started."
    )
    return Opened(HistoryStore(target), notice=notice, moved_to=aside)


# -- helpers ---------------------------------------------------------------------------


def new_uid() -> str:
    """A random id that stays the same when a session or attempt moves to another machine."""
    return uuid.uuid4().hex


def _uid_exists(conn: sqlite3.Connection, table: str, uid: str) -> bool:
    row = conn.execute(f"SELECT 1 FROM {table} WHERE uid = ?", (uid,)).fetchone()
    return row is not None


def _store_derived(conn: sqlite3.Connection, attempt_id: int, derived: Derived) -> None:
    conn.execute(
        "UPDATE attempts SET verdict_position = ?, rating = ?, self_gap = ? WHERE id = ?",
        (derived.position, derived.rating, derived.self_gap, attempt_id),
    )
    conn.executemany(
        "UPDATE attempt_scores SET max_score = ? WHERE attempt_id = ? AND criterion_id = ?",
        [(top, attempt_id, cid) for cid, top in derived.max_scores.items()],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO attempt_scores (attempt_id, source, criterion_id, score, "
        "max_score) VALUES (?, 'final', ?, ?, ?)",
        [
            (attempt_id, cid, score, derived.max_scores.get(cid))
            for cid, score in derived.final_scores.items()
        ],
    )


def _save_card(conn: sqlite3.Connection, pack_id: str, question_id: str, card: CardState) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO cards (pack_id, question_id, card, due, last_review, reviews) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (pack_id, question_id, card.card_json, card.due, card.last_review, card.reviews),
    )


def _review_card(
    conn: sqlite3.Connection, pack_id: str, question_id: str, rating: int, at: float
) -> None:
    """Apply one review; a review older than the card's last one rebuilds the card in order."""
    row = conn.execute(
        "SELECT card, due, last_review, reviews FROM cards WHERE pack_id = ? AND question_id = ?",
        (pack_id, question_id),
    ).fetchone()
    state = CardState(*row) if row is not None else None
    if state is None or at >= state.last_review:
        _save_card(conn, pack_id, question_id, review(state, rating, at))
        return
    reviews = conn.execute(
        "SELECT submitted_at, rating FROM attempts "
        "WHERE pack_id = ? AND question_id = ? AND rating IS NOT NULL",
        (pack_id, question_id),
    ).fetchall()
    rebuilt = replay((float(t), int(r)) for t, r in reviews)
    if rebuilt is not None:
        _save_card(conn, pack_id, question_id, rebuilt)


def _rebuild_cards(conn: sqlite3.Connection) -> None:
    """Every card again from the recorded ratings (after a migration or an import)."""
    conn.execute("DELETE FROM cards")
    rows = conn.execute(
        "SELECT pack_id, question_id, submitted_at, rating FROM attempts "
        "WHERE rating IS NOT NULL ORDER BY pack_id, question_id, submitted_at, id"
    ).fetchall()
    key: tuple[str, str] | None = None
    state: CardState | None = None
    for pack_id, question_id, at, rating in rows:
        if key != (pack_id, question_id):
            if key is not None and state is not None:
                _save_card(conn, *key, state)
            key, state = (pack_id, question_id), None
        state = review(state, int(rating), float(at))
    if key is not None and state is not None:
        _save_card(conn, *key, state)


def check_attempt(attempt: AttemptRecord) -> None:
    """Raise `ValueError` for an attempt `record_attempt` would refuse (before any write).

    `details` that are not JSON plain data are refused later, when the row is built.
    """
    _validate_attempt(attempt)


def _attempt_values(attempt: AttemptRecord) -> tuple[object, ...]:
    """The row of `_ATTEMPT_COLUMNS`, in order."""
    return (
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


def _score_rows(attempt: AttemptRecord) -> list[tuple[str, str, float]]:
    return [
        (source, criterion_id, _score_value(score))
        for source, by_criterion in attempt.scores.items()
        for criterion_id, score in by_criterion.items()
    ]


def _prefixed(columns: str, prefix: str) -> str:
    return ", ".join(prefix + c.strip() for c in columns.split(","))


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


def _insert_participants(conn: sqlite3.Connection, session_id: int, names: Sequence[str]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO session_participants (session_id, seat, name) VALUES (?, ?, ?)",
        [(session_id, seat, str(name)) for seat, name in enumerate(names[:2])],
    )


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
        uid=row[6] or "",
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
        uid,
    ) = row
    return AttemptRecord(
        uid=uid,
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
