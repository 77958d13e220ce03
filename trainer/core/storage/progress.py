"""Progress over time, read from the history: stats, the review schedule, session lists.

Every figure is an SQL aggregate over the covering indexes of schema 3 (`attempts_progress`,
`scores_by_criterion`); Python only reshapes the grouped rows, so the cost follows the
number of days and criteria, not of rounds. Days are calendar days in the zone given by
`utc_offset_s` (the caller's local offset); nothing here reads the clock.

Scores are shares of the scale: a level `s` of `n` is `(s - 1) / (n - 1)`, so criteria
on different scales can be averaged. Gaps (calibration, self-assessment) are the same
shares: 0 is perfect agreement, lower is better.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from trainer.core.storage.history import HistoryStore

DAY: Final = 86400.0
#: The weakest criterion needs this many scores, so one bad round does not name it.
WEAKEST_MIN_SCORES: Final = 3
STATS_FORMAT_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class ProgressFilters:
    """Which rounds count; None means any. `since`/`until` are epoch seconds (until excluded)."""

    pack_id: str | None = None
    kind: str | None = None
    role: str | None = None
    since: float | None = None
    until: float | None = None

    def sql(self, alias: str = "a") -> tuple[str, tuple[object, ...]]:
        """` AND ...` conditions for the filters that are set (column names are ours)."""
        parts: list[str] = []
        params: list[object] = []
        for column, value in (("pack_id", self.pack_id), ("kind", self.kind), ("role", self.role)):
            if value is not None:
                parts.append(f"{alias}.{column} = ?")
                params.append(value)
        if self.since is not None:
            parts.append(f"{alias}.submitted_at >= ?")
            params.append(float(self.since))
        if self.until is not None:
            parts.append(f"{alias}.submitted_at < ?")
            params.append(float(self.until))
        return "".join(f" AND {p}" for p in parts), tuple(params)


@dataclass(frozen=True, slots=True)
class Point:
    day: str  # ISO date, YYYY-MM-DD
    value: float
    count: int


@dataclass(frozen=True, slots=True)
class Series:
    """One figure per day, its mean over every round counted, and how many rounds that is."""

    points: tuple[Point, ...] = ()
    mean: float | None = None
    count: int = 0


WEEK_DAYS: Final = 7


def _window(series: Series, first: bool) -> float | None:
    """The mean over the first (or last) `WEEK_DAYS` calendar days that have rounds."""
    if not series.points:
        return None
    days = [date.fromisoformat(p.day) for p in series.points]
    edge = days[0] if first else days[-1]
    chosen = [
        p for p, d in zip(series.points, days, strict=True) if abs((d - edge).days) < WEEK_DAYS
    ]
    total = sum(p.count for p in chosen)
    return sum(p.value * p.count for p in chosen) / total if total else None


def trend(series: Series) -> tuple[float | None, float | None, float | None]:
    """First-week mean, last-week mean and their difference: the direction of travel.

    The difference is None until the rounds span a week, so that two days do not read as
    a trend. The Stats screen and `trainer stats` both show it.
    """
    if not series.points:
        return None, None, None
    span = date.fromisoformat(series.points[-1].day) - date.fromisoformat(series.points[0].day)
    first, last = _window(series, True), _window(series, False)
    if span.days < WEEK_DAYS or first is None or last is None:
        return first, last, None
    return first, last, last - first


@dataclass(frozen=True, slots=True)
class CriterionSeries:
    criterion_id: str
    series: Series


@dataclass(frozen=True, slots=True)
class Group:
    """Rounds of one kind or pack: how many, and the means of the main figures."""

    key: str
    rounds: int
    candidate_rounds: int
    mean_score: float | None
    mean_calibration_gap: float | None
    mean_time_share: float | None
    mean_hints: float | None


@dataclass(frozen=True, slots=True)
class Weakest:
    criterion_id: str
    mean: float
    count: int


@dataclass(frozen=True, slots=True)
class Stats:
    rounds: dict[str, int]  # per role
    sessions: int
    first_at: float | None
    last_at: float | None
    score: Series  # candidate rounds: overall score
    criteria: tuple[CriterionSeries, ...]  # candidate rounds: final score per criterion
    calibration_gap: Series  # interviewer and shadow rounds
    self_gap: Series  # candidate self-assessment against the other view
    time_share: Series  # time used / time limit
    hints: Series  # hints per round
    by_kind: tuple[Group, ...]
    by_pack: tuple[Group, ...]
    weakest: Weakest | None
    due_now: int | None = None
    cards: int = 0
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"format_version": STATS_FORMAT_VERSION, **asdict(self)}


def _day_label(day_number: int) -> str:
    """Local days since the epoch (the offset is added in SQL) as a calendar date."""
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day_number)).date().isoformat()


def _series(rows: Sequence[Sequence[Any]]) -> Series:
    """Rows of (day number, mean, count), days ascending."""
    points = tuple(Point(_day_label(int(d)), float(v), int(n)) for d, v, n in rows if v is not None)
    total = sum(p.count for p in points)
    mean = sum(p.value * p.count for p in points) / total if total else None
    return Series(points=points, mean=mean, count=total)


def by_week(series: Series, *, above: int = 31) -> Series:
    """Daily points folded into weeks (labelled by their Monday) once there are many days.

    A plot of 120 noisy days is a thicket of lines; weeks show the trend. The mean and
    count stay those of the rounds themselves.
    """
    if len(series.points) <= above:
        return series
    weeks: dict[str, list[Point]] = {}
    for point in series.points:
        day = datetime.fromisoformat(point.day)
        monday = (day - timedelta(days=day.weekday())).date().isoformat()
        weeks.setdefault(monday, []).append(point)
    points = tuple(
        Point(
            monday,
            sum(p.value * p.count for p in group) / sum(p.count for p in group),
            sum(p.count for p in group),
        )
        for monday, group in weeks.items()
    )
    return Series(points=points, mean=series.mean, count=series.count)


def _daily(
    conn: Any, value_sql: str, where: str, params: tuple[object, ...], utc_offset_s: float
) -> Series:
    rows = conn.execute(
        f"SELECT CAST((a.submitted_at + ?) / {DAY} AS INTEGER) AS d, AVG({value_sql}), "
        f"COUNT({value_sql}) FROM attempts AS a WHERE {where} GROUP BY d ORDER BY d",
        (float(utc_offset_s), *params),
    ).fetchall()
    return _series(rows)


_SHARE = "(s.score - 1.0) / (s.max_score - 1)"
_TIME_SHARE = "CASE WHEN a.time_limit_s > 0 THEN a.time_taken_s / a.time_limit_s END"
_GROUP = (
    "COUNT(*), SUM(a.role = 'candidate'), "
    "AVG(CASE WHEN a.role = 'candidate' THEN a.overall_score END), "
    "AVG(CASE WHEN a.role != 'candidate' THEN a.calibration_mae END), "
    f"AVG({_TIME_SHARE}), AVG(a.hints_used)"
)


def _groups(conn: Any, column: str, where: str, params: tuple[object, ...]) -> tuple[Group, ...]:
    rows = conn.execute(
        f"SELECT a.{column}, {_GROUP} FROM attempts AS a WHERE {where} "
        f"GROUP BY a.{column} ORDER BY COUNT(*) DESC, a.{column}",
        params,
    ).fetchall()
    return tuple(
        Group(
            key=str(r[0]),
            rounds=int(r[1]),
            candidate_rounds=int(r[2] or 0),
            mean_score=r[3],
            mean_calibration_gap=r[4],
            mean_time_share=r[5],
            mean_hints=r[6],
        )
        for r in rows
    )


def weakest_criterion(
    store: HistoryStore, filters: ProgressFilters = ProgressFilters()
) -> Weakest | None:
    """The criterion with the lowest mean final score in candidate rounds (ties: fewest scores)."""
    extra, params = filters.sql()
    with store.reading() as conn:
        row = conn.execute(
            f"SELECT s.criterion_id, AVG({_SHARE}) AS m, COUNT(*) AS n "
            "FROM attempt_scores AS s JOIN attempts AS a ON a.id = s.attempt_id "
            "WHERE s.source = 'final' AND s.max_score > 1 AND a.role = 'candidate'"
            f"{extra} GROUP BY s.criterion_id HAVING n >= ? ORDER BY m, n, s.criterion_id LIMIT 1",
            (*params, WEAKEST_MIN_SCORES),
        ).fetchone()
    return None if row is None else Weakest(str(row[0]), float(row[1]), int(row[2]))


def stats(
    store: HistoryStore,
    filters: ProgressFilters = ProgressFilters(),
    *,
    utc_offset_s: float = 0.0,
    now: float | None = None,
) -> Stats:
    """Every figure of the Stats screen and `trainer stats`, in one read."""
    extra, params = filters.sql()
    where = "1" + extra
    with store.reading() as conn:
        by_role = conn.execute(
            f"SELECT a.role, COUNT(*), MIN(a.submitted_at), MAX(a.submitted_at) "
            f"FROM attempts AS a WHERE {where} GROUP BY a.role",
            params,
        ).fetchall()
        sessions = conn.execute(
            f"SELECT COUNT(DISTINCT a.session_id) FROM attempts AS a WHERE {where}", params
        ).fetchone()[0]
        score = _daily(
            conn, "a.overall_score", f"a.role = 'candidate'{extra}", params, utc_offset_s
        )
        calibration = _daily(
            conn, "a.calibration_mae", f"a.role != 'candidate'{extra}", params, utc_offset_s
        )
        self_gap = _daily(conn, "a.self_gap", f"a.role = 'candidate'{extra}", params, utc_offset_s)
        time_share = _daily(conn, _TIME_SHARE, where, params, utc_offset_s)
        hints = _daily(conn, "a.hints_used", where, params, utc_offset_s)
        rows = conn.execute(
            f"SELECT s.criterion_id, CAST((a.submitted_at + ?) / {DAY} AS INTEGER) AS d, "
            f"AVG({_SHARE}), COUNT(*) FROM attempt_scores AS s "
            "JOIN attempts AS a ON a.id = s.attempt_id "
            "WHERE s.source = 'final' AND s.max_score > 1 AND a.role = 'candidate'"
            f"{extra} GROUP BY s.criterion_id, d ORDER BY s.criterion_id, d",
            (float(utc_offset_s), *params),
        ).fetchall()
        by_kind = _groups(conn, "kind", where, params)
        by_pack = _groups(conn, "pack_id", where, params)
        cards = int(conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0])
        due_now = (
            int(conn.execute("SELECT COUNT(*) FROM cards WHERE due <= ?", (now,)).fetchone()[0])
            if now is not None
            else None
        )
    per_criterion: dict[str, list[tuple[int, float, int]]] = {}
    for cid, d, value, n in rows:
        per_criterion.setdefault(str(cid), []).append((d, value, n))
    criteria = tuple(
        CriterionSeries(cid, _series(points)) for cid, points in sorted(per_criterion.items())
    )
    eligible = [c for c in criteria if c.series.count >= WEAKEST_MIN_SCORES]
    weakest = None
    if eligible:
        worst = min(eligible, key=lambda c: (c.series.mean or 0.0, c.series.count, c.criterion_id))
        weakest = Weakest(worst.criterion_id, worst.series.mean or 0.0, worst.series.count)
    return Stats(
        rounds={str(r[0]): int(r[1]) for r in by_role},
        sessions=int(sessions),
        first_at=min((r[2] for r in by_role), default=None),
        last_at=max((r[3] for r in by_role), default=None),
        score=score,
        criteria=criteria,
        calibration_gap=calibration,
        self_gap=self_gap,
        time_share=time_share,
        hints=hints,
        by_kind=by_kind,
        by_pack=by_pack,
        weakest=weakest,
        due_now=due_now,
        cards=cards,
        filters={k: v for k, v in asdict(filters).items() if v is not None},
    )


# -- the review schedule ----------------------------------------------------------------


def end_of_day(now: float) -> float:
    """The end of the local day `now` falls in: what "due today" counts up to."""
    local = datetime.fromtimestamp(now).astimezone()
    tomorrow = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return tomorrow.timestamp()


def local_offset(now: float) -> float:
    """The local zone's offset from UTC at `now`, in seconds (for day buckets)."""
    offset = datetime.fromtimestamp(now).astimezone().utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


@dataclass(frozen=True, slots=True)
class DueCard:
    pack_id: str
    question_id: str
    due: float
    reviews: int
    last_review: float


def due_cards(store: HistoryStore, now: float, *, limit: int = 500) -> list[DueCard]:
    """Cards due at `now`, the longest overdue first."""
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT pack_id, question_id, due, reviews, last_review FROM cards "
            "WHERE due <= ? ORDER BY due, pack_id, question_id LIMIT ?",
            (float(now), limit),
        ).fetchall()
    return [DueCard(r[0], r[1], float(r[2]), int(r[3]), float(r[4])) for r in rows]


def due_count(store: HistoryStore, now: float) -> int:
    with store.reading() as conn:
        row = conn.execute("SELECT COUNT(*) FROM cards WHERE due <= ?", (float(now),)).fetchone()
    return int(row[0])


def card_json(store: HistoryStore, pack_id: str, question_id: str) -> dict[str, Any] | None:
    """The FSRS card of one question as plain data (for tests and `--format json`)."""
    with store.reading() as conn:
        row = conn.execute(
            "SELECT card FROM cards WHERE pack_id = ? AND question_id = ?", (pack_id, question_id)
        ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


# -- sessions for the History screen ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One line of the history list."""

    id: int
    uid: str
    mode: str
    started_at: float
    finished_at: float | None
    rounds: int
    candidate_rounds: int
    interviewer_rounds: int
    mean_score: float | None
    mean_calibration_gap: float | None
    packs: tuple[str, ...]
    kinds: tuple[str, ...]
    participants: tuple[str, ...] = ()


def session_rows(
    store: HistoryStore,
    filters: ProgressFilters = ProgressFilters(),
    *,
    limit: int = 200,
) -> list[SessionRow]:
    """Sessions newest first with their round counts; a filter keeps sessions with a match.

    Pair sessions count their rounds from `pair_rounds` (both people's sides of a round
    are one round) and are kept by the pack filter; role and kind filters apply to solo
    rounds only, so they leave pair sessions out.
    """
    extra, params = filters.sql()
    pair_extra, pair_params = ProgressFilters(
        pack_id=filters.pack_id, since=filters.since, until=filters.until
    ).sql("p")
    pair_ok = filters.role is None and filters.kind is None
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT s.id, s.uid, s.mode, s.started_at, s.finished_at, COUNT(a.id), "
            "SUM(a.role = 'candidate'), SUM(a.role != 'candidate'), "
            "AVG(CASE WHEN a.role = 'candidate' THEN a.overall_score END), "
            "AVG(CASE WHEN a.role != 'candidate' THEN a.calibration_mae END), "
            "group_concat(DISTINCT a.pack_id), group_concat(DISTINCT a.kind) "
            f"FROM sessions AS s JOIN attempts AS a ON a.session_id = s.id WHERE 1{extra} "
            "GROUP BY s.id ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        pair_rows = (
            conn.execute(
                "SELECT s.id, s.uid, s.mode, s.started_at, s.finished_at, COUNT(p.round_index), "
                "group_concat(DISTINCT p.pack_id) FROM sessions AS s "
                f"JOIN pair_rounds AS p ON p.session_id = s.id WHERE 1{pair_extra} "
                "GROUP BY s.id ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
                (*pair_params, limit),
            ).fetchall()
            if pair_ok
            else []
        )
        names: dict[int, list[str]] = {}
        for sid, name in conn.execute(
            "SELECT session_id, name FROM session_participants ORDER BY session_id, seat"
        ):
            names.setdefault(int(sid), []).append(str(name))
    out = [
        SessionRow(
            id=int(r[0]),
            uid=r[1] or "",
            mode=r[2],
            started_at=float(r[3]),
            finished_at=r[4],
            rounds=int(r[5]),
            candidate_rounds=int(r[6] or 0),
            interviewer_rounds=int(r[7] or 0),
            mean_score=r[8],
            mean_calibration_gap=r[9],
            packs=tuple(sorted((r[10] or "").split(","))) if r[10] else (),
            kinds=tuple(sorted((r[11] or "").split(","))) if r[11] else (),
        )
        for r in rows
    ]
    out.extend(
        SessionRow(
            id=int(r[0]),
            uid=r[1] or "",
            mode=r[2],
            started_at=float(r[3]),
            finished_at=r[4],
            rounds=int(r[5]),
            candidate_rounds=0,
            interviewer_rounds=0,
            mean_score=None,
            mean_calibration_gap=None,
            packs=tuple(sorted((r[6] or "").split(","))) if r[6] else (),
            kinds=(),
            participants=tuple(names.get(int(r[0]), ())),
        )
        for r in pair_rows
    )
    out.sort(key=lambda s: (s.started_at, s.id), reverse=True)
    return out[:limit]
