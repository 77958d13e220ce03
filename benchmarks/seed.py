"""Seed a realistic, deterministic practice history, for the stats benchmark and screen tests.

The rows are what the app writes: solo sessions of 2-6 rounds alternating candidate and
interviewer (some interviewer rounds are shadow rounds), on the built-in packs' real question
ids, kinds, rubric criteria, hints, time limits, choices and reference answers, so a screen
shows real titles. Candidate rounds carry `auto` and `self` scores per criterion and an
evaluation in `details`; interviewer and shadow rounds carry the user's and the reference's
scores and a calibration. The derived columns and the merged `final` scores are filled by
`trainer.core.storage.derived.derive`, the function `HistoryStore.record_attempt` uses, and the
review cards are rebuilt by the store afterwards, so the file is indistinguishable from one
the app filled round by round.

The figures are shaped so plots mean something: scores rise over the days with noise, one
criterion (`testing`) stays clearly weakest, the calibration gap and the self-assessment gap
shrink, fewer hints are used and less time is taken as the weeks go by.

Why bulk inserts: the schema is created by `HistoryStore` (so it is migrated exactly as the
app does), then every row goes in with `executemany` in one transaction, about 2.5x the rate
of one `record_attempt` (one transaction) per round; drawing the rows is most of what is left.

Deterministic: the same arguments give the same rows (one `random.Random(seed)`, uids drawn
from it, no clock read). Run: python benchmarks/seed.py PATH --rounds N [--seed S]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder is first on sys.path and its typing.py would shadow the
# standard library's: put the repository there instead, before anything imports typing.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)
else:
    sys.path.insert(0, str(_HERE.parent))

import argparse
import json
import math
import random
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from trainer.core.packs.discovery import builtin_packs_dir
from trainer.core.packs.model import DEFAULT_TIME_LIMIT_MIN
from trainer.core.storage import history as history_module
from trainer.core.storage.db import connect, transaction
from trainer.core.storage.derived import derive
from trainer.core.storage.history import HistoryStore

DAY = 86400.0
#: Monday 5 January 2026, 00:00 UTC: the first day of the seeded history.
START = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
#: The criterion the seeded candidate keeps doing worst at.
WEAKEST = "testing"
#: How often a pack is picked, relative to the others (unknown packs count 1).
PACK_WEIGHTS = {
    "coding": 3.0,
    "system-design": 2.0,
    "behavioral": 2.0,
    "concepts": 2.0,
    "interviewer-conduct": 1.0,
    "example": 0.5,
}
SHADOW_SHARE = 0.2  # of the interviewer seats
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FEEDBACK = (
    "Clear structure; state the complexity earlier.",
    "Good baseline, but the edge cases were not tested.",
    "Asked good clarifying questions; the final design skipped failure handling.",
    "Strong answer; a little long.",
    "Needed two hints; recovered well after the second.",
    "",
)


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    weight: float
    max_score: int


@dataclass(frozen=True, slots=True)
class Reference:
    id: str
    answer: str
    scores: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Question:
    pack_id: str
    id: str
    kind: str
    time_limit_s: float
    hints: int
    rubric: tuple[Criterion, ...]
    verdict_levels: tuple[str, ...]
    references: tuple[Reference, ...]
    choices: tuple[tuple[str, bool], ...]  # (id, correct)
    multiple: bool
    sample_answer: str


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What was written: counts, and the time span the rounds cover."""

    path: Path
    rounds: int
    sessions: int
    by_role: dict[str, int]
    scores: int  # rows of attempt_scores, `final` included
    cards: int
    first_at: float
    last_at: float
    weakest: str = WEAKEST
    packs: tuple[str, ...] = field(default_factory=tuple)


def load_questions(packs: Sequence[Path] | None = None) -> list[Question]:
    """Questions of the given pack files (default: the built-in packs), read with PyYAML."""
    files = sorted(builtin_packs_dir().glob("*.yaml")) if packs is None else list(packs)
    out: list[Question] = []
    for path in files:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
        pack_id = str(data["pack"]["id"])
        scales = {str(s["id"]): tuple(map(str, s["levels"])) for s in data.get("scales") or []}
        first_scale = next(iter(scales.values()), ())
        # A criterion without a scale uses the pack's first one, as the loader does.
        count = {k: len(v) for k, v in scales.items()} | {"": len(first_scale)}
        shared = {
            str(c["id"]): count.get(str(c.get("scale") or ""), 0)
            for c in data.get("criteria") or []
        }
        for q in data.get("questions") or []:
            rubric: list[Criterion] = []
            for item in q.get("rubric") or []:
                cid = str(item.get("ref") or item.get("id"))
                own_scale = str(item.get("scale") or "")
                top = shared.get(cid, 0) if item.get("ref") else count.get(own_scale, 0)
                if top >= 2:
                    rubric.append(Criterion(cid, float(item.get("weight", 1.0)), top))
            kind = str(q["kind"])
            limit_min = q.get("time_limit_min") or DEFAULT_TIME_LIMIT_MIN[kind]
            approaches = q.get("approaches") or []
            sample = ""
            if approaches:
                sample = str(approaches[0].get("solution") or approaches[0].get("summary") or "")
            out.append(
                Question(
                    pack_id=pack_id,
                    id=str(q["id"]),
                    kind=kind,
                    time_limit_s=float(limit_min) * 60,
                    hints=len(q.get("hints") or []),
                    rubric=tuple(rubric),
                    verdict_levels=first_scale,
                    references=tuple(
                        Reference(
                            str(r["id"]),
                            str(r.get("answer", "")),
                            {str(k): int(v) for k, v in (r.get("scores") or {}).items()},
                        )
                        for r in q.get("reference_answers") or []
                        if r.get("scores")
                    ),
                    choices=tuple(
                        (str(c["id"]), bool(c.get("correct", False)))
                        for c in q.get("choices") or []
                    ),
                    multiple=q.get("select") == "multiple",
                    sample_answer=sample,
                )
            )
    return out


def _uid(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _level(share: float, top: int) -> int:
    """A share of the scale (0..1, may overshoot) as the nearest level 1..top."""
    return min(top, max(1, math.floor(1 + share * (top - 1) + 0.5)))


def _band(overall: float, levels: int) -> int:
    return math.floor(1 + overall * (levels - 1) + 0.5)


def _overall(rubric: Sequence[Criterion], scores: Mapping[str, int]) -> float | None:
    total = sum(c.weight for c in rubric if c.id in scores)
    if not total:
        return None
    return (
        sum(c.weight * (scores[c.id] - 1) / (c.max_score - 1) for c in rubric if c.id in scores)
        / total
    )


class _Seeder:
    """Draws the rows; one instance per seeding, all randomness from one generator."""

    def __init__(self, questions: Sequence[Question], rng: random.Random) -> None:
        self.rng = rng
        self.by_pack: dict[str, list[Question]] = {}
        for q in questions:
            self.by_pack.setdefault(q.pack_id, []).append(q)
        criteria = sorted({c.id for q in questions for c in q.rubric})
        # How good the candidate is at each criterion, on top of the common skill curve.
        self.talent = {cid: rng.uniform(0.0, 0.12) for cid in criteria}
        if WEAKEST in self.talent:
            self.talent[WEAKEST] = -0.3
        self.packs = sorted(self.by_pack)

    def pick(self, role: str) -> Question:
        pools = {
            p: [q for q in qs if role == "candidate" or q.references]
            for p, qs in self.by_pack.items()
        }
        pools = {p: qs for p, qs in pools.items() if qs}
        names = sorted(pools)
        pack = self.rng.choices(names, [PACK_WEIGHTS.get(p, 1.0) for p in names])[0]
        return self.rng.choice(pools[pack])

    def candidate(self, q: Question, t: float) -> dict[str, Any]:
        """A candidate round at progress `t` (0 first day .. 1 last day)."""
        rng = self.rng
        skill = 0.3 + 0.45 * t
        hints = sum(rng.random() < 0.45 * (1 - t) + 0.05 for _ in range(q.hints))
        scores: dict[str, dict[str, float]] = {}
        criteria: list[dict[str, Any]] = []
        final: dict[str, int] = {}
        overall: float | None
        verdict_level: int | None = None
        selected: list[str] = []
        if q.rubric:
            auto: dict[str, int] = {}
            own: dict[str, int] = {}
            self_scored = rng.random() < 0.9
            confidence = 0.5 * (1 - t) + 0.1  # over-rating in levels, fading with practice
            for c in q.rubric:
                true = skill + self.talent.get(c.id, 0.0) - 0.04 * hints + rng.gauss(0, 0.17)
                level = _level(true, c.max_score)
                if rng.random() < 0.6:
                    auto[c.id] = _level(true + rng.gauss(0, 0.12), c.max_score)
                if self_scored and rng.random() < 0.95:
                    bias = rng.gauss(confidence, 0.45) / (c.max_score - 1)
                    own[c.id] = _level((level - 1) / (c.max_score - 1) + bias, c.max_score)
                merged = own.get(c.id, auto.get(c.id))
                if merged is not None:
                    final[c.id] = merged
                criteria.append({"id": c.id, "max_score": c.max_score, "score": merged})
            if auto:
                scores["auto"] = dict(auto)
            if own:
                scores["self"] = dict(own)
            overall = _overall(q.rubric, final)
            if overall is not None:
                verdict_level = _band(overall, len(q.verdict_levels))
        else:  # multiple choice: the choice credit is the score
            right = [cid for cid, ok in q.choices if ok]
            wrong = [cid for cid, ok in q.choices if not ok]
            knows = rng.random() < 0.5 + 0.4 * t
            if q.multiple:
                selected = [c for c in right if knows or rng.random() < 0.5]
                selected += [c for c in wrong if rng.random() < (0.1 if knows else 0.35)]
                picked_wrong = sum(c in wrong for c in selected)
                credit = max(0, len(selected) - 2 * picked_wrong)  # right picks - wrong picks
                overall = credit / len(right) if right else 0.0
            else:
                selected = [right[0] if knows and right else rng.choice(wrong or right)]
                overall = 1.0 if selected[0] in right else 0.0
            selected.sort()
        evaluation = {
            "final": {
                "criteria": criteria,
                "verdict_levels": list(q.verdict_levels),
                "verdict_level": verdict_level,
            },
            "by_source": {},
        }
        share = min(1.1, max(0.15, rng.gauss(0.95 - 0.35 * t, 0.18)))
        return {
            "role": "candidate",
            "answer": q.sample_answer if q.rubric else "",
            "selected": selected,
            "reference_id": None,
            "scores": scores,
            "overall": overall,
            "verdict": None if verdict_level is None else q.verdict_levels[verdict_level - 1],
            "hints": hints,
            "time_taken": round(q.time_limit_s * share, 1),
            "feedback": "",
            "mae": None,
            "agreed": None,
            "details": {"evaluation": evaluation},
        }

    def interviewer(self, q: Question, t: float, role: str) -> dict[str, Any]:
        """An interviewer (or shadow) round: the user scores a reference answer."""
        rng = self.rng
        ref = rng.choice(q.references)
        spread = 0.95 - 0.6 * t  # in levels
        lenient = 0.35 * (1 - t)
        gaps: list[dict[str, Any]] = []
        mine: dict[str, int] = {}
        theirs: dict[str, int] = {}
        for c in q.rubric:
            reference = ref.scores.get(c.id)
            if reference is None:
                continue
            user = min(c.max_score, max(1, round(reference + rng.gauss(lenient, spread))))
            mine[c.id], theirs[c.id] = user, reference
            gaps.append(
                {
                    "criterion_id": c.id,
                    "max_score": c.max_score,
                    "user": user,
                    "reference": reference,
                }
            )
        top = {c.id: c.max_score for c in q.rubric}
        mae = (
            sum(abs(mine[k] - theirs[k]) / (top[k] - 1) for k in mine) / len(mine) if mine else None
        )
        levels = len(q.verdict_levels)
        user_overall = _overall(q.rubric, mine)
        ref_overall = _overall(q.rubric, theirs)
        user_band = None if user_overall is None else _band(user_overall, levels)
        ref_band = None if ref_overall is None else _band(ref_overall, levels)
        agreed = None if user_band is None or ref_band is None else user_band == ref_band
        calibration = {
            "gaps": gaps,
            "verdict_levels": list(q.verdict_levels),
            "user_verdict_level": user_band,
            "reference_verdict_level": ref_band,
        }
        return {
            "role": role,
            "answer": ref.answer,
            "selected": [],
            "reference_id": ref.id,
            "scores": {"interviewer": dict(mine), "reference": dict(theirs)},
            "overall": user_overall,
            "verdict": None if user_band is None else q.verdict_levels[user_band - 1],
            "hints": 0,
            "time_taken": round(q.time_limit_s * rng.uniform(0.15, 0.5), 1),
            "feedback": rng.choice(FEEDBACK),
            "mae": mae,
            "agreed": agreed,
            "details": {"calibration": calibration},
        }


def _session_sizes(rng: random.Random, rounds: int) -> list[int]:
    sizes: list[int] = []
    left = rounds
    while left > 0:
        size = min(left, rng.randint(2, 6))
        sizes.append(size)
        left -= size
    return sizes


def _rows(
    rng: random.Random, questions: Sequence[Question], rounds: int, start: float, days: int
) -> Iterator[tuple[tuple[Any, ...], list[Any], list[tuple[Any, ...]]]]:
    """(session row, attempt rows, score rows) per session, in time order."""
    seeder = _Seeder(questions, rng)
    sizes = _session_sizes(rng, rounds)
    session_days = sorted(rng.randrange(days) for _ in sizes)
    per_day: dict[int, int] = {}
    for d in session_days:
        per_day[d] = per_day.get(d, 0) + 1
    seen: dict[int, int] = {}
    attempt_id = 0
    span = days * DAY
    for session_id, (size, day) in enumerate(zip(sizes, session_days, strict=True), start=1):
        rank = seen[day] = seen.get(day, -1) + 1
        slot = 14 * 3600 / per_day[day]  # sessions of one day share 08:00-22:00
        at = start + day * DAY + 8 * 3600 + rank * slot + rng.uniform(0, min(slot, 3600) * 0.3)
        started = at
        first_candidate = rng.random() < 0.6
        attempts: list[Any] = []
        scores: list[tuple[Any, ...]] = []
        packs: set[str] = set()
        for index in range(size):
            role = "candidate" if (index % 2 == 0) == first_candidate else "interviewer"
            if role == "interviewer" and rng.random() < SHADOW_SHARE:
                role = "shadow"
            q = seeder.pick(role)
            packs.add(q.pack_id)
            t = min(1.0, (at - start) / span)
            r = seeder.candidate(q, t) if role == "candidate" else seeder.interviewer(q, t, role)
            at += r["time_taken"] + rng.uniform(30, 240)  # the reveal and the next prompt
            attempt_id += 1
            derived = derive(
                role,
                r["details"],
                r["scores"],
                calibration_mae=r["mae"],
                verdict_agreed=r["agreed"],
            )
            attempts.append(
                (
                    attempt_id,
                    _uid(rng),
                    session_id,
                    role,
                    q.pack_id,
                    q.id,
                    q.kind,
                    r["answer"],
                    json.dumps(r["selected"]),
                    r["reference_id"],
                    None if r["overall"] is None else float(r["overall"]),
                    r["verdict"],
                    r["hints"],
                    float(r["time_taken"]),
                    q.time_limit_s,
                    r["feedback"],
                    r["mae"],
                    None if r["agreed"] is None else int(r["agreed"]),
                    None,  # started_at: the app does not record it for a round
                    round(at, 3),
                    json.dumps(r["details"], sort_keys=True, allow_nan=False),
                    derived.position,
                    derived.rating,
                    derived.self_gap,
                )
            )
            for source, by_criterion in r["scores"].items():
                for cid, score in by_criterion.items():
                    scores.append((attempt_id, source, cid, score, derived.max_scores.get(cid)))
            for cid, score in derived.final_scores.items():
                scores.append((attempt_id, "final", cid, score, derived.max_scores.get(cid)))
        settings: dict[str, Any] = {
            "rounds": size,
            "first": None,
            "packs": [],
            "kinds": [],
            "difficulties": [],
            "tags": [],
            "text": "",
        }
        session = (
            session_id,
            "solo",
            "alternate",
            round(started, 3),
            round(at, 3),
            json.dumps(settings, sort_keys=True),
            _uid(rng),
        )
        yield session, attempts, scores


_INSERT_ATTEMPT = (
    "INSERT INTO attempts (id, uid, session_id, role, pack_id, question_id, kind, answer, "
    "selected_choices, reference_id, overall_score, verdict, hints_used, time_taken_s, "
    "time_limit_s, feedback, calibration_mae, verdict_agreed, started_at, submitted_at, details, "
    "verdict_position, rating, self_gap) VALUES (" + ", ".join("?" * 24) + ")"
)
_INSERT_SCORE = (
    "INSERT INTO attempt_scores (attempt_id, source, criterion_id, score, max_score) "
    "VALUES (?, ?, ?, ?, ?)"
)
_INSERT_SESSION = (
    "INSERT INTO sessions (id, mode, role_plan, started_at, finished_at, settings, uid) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def seed_history(
    path: Path | str,
    rounds: int,
    *,
    seed: int = 0,
    start: float = START,
    days: int = 120,
    packs: Sequence[Path] | None = None,
) -> SeedSummary:
    """Write `rounds` attempts over `days` days from `start` into a new history at `path`.

    `packs` are pack files to draw questions from (default: the built-in packs). The file
    must not exist yet. Same arguments, same rows.
    """
    if rounds < 0 or days < 1:
        raise ValueError("rounds must be >= 0 and days >= 1")
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists; the seeder writes a new history only")
    questions = load_questions(packs)
    if not questions:
        raise ValueError("no questions in the given packs")
    rng = random.Random(seed)
    HistoryStore(target).close()  # creates the file at the current schema version
    sessions: list[tuple[Any, ...]] = []
    attempts: list[tuple[Any, ...]] = []
    scores: list[tuple[Any, ...]] = []
    for session, session_attempts, session_scores in _rows(rng, questions, rounds, start, days):
        sessions.append(session)
        attempts.extend(session_attempts)
        scores.extend(session_scores)
    rebuild = getattr(HistoryStore, "rebuild_schedule", None)
    with closing(connect(target)) as conn:
        with transaction(conn):
            conn.executemany(_INSERT_SESSION, sessions)
            conn.executemany(_INSERT_ATTEMPT, attempts)
            conn.executemany(_INSERT_SCORE, scores)
            if rebuild is None:
                history_module._rebuild_cards(conn)
    if rebuild is not None:
        with HistoryStore(target) as store:
            rebuild(store)
    with closing(sqlite3.connect(target)) as conn:
        cards = int(conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0])
        # Planner statistics, as a history in use has them (the store's close runs PRAGMA
        # optimize); without them the per-criterion query takes a slower plan, and the first
        # close of a benchmark run would change the file under the runs that follow.
        conn.execute("ANALYZE")
    by_role: dict[str, int] = {}
    for row in attempts:
        by_role[row[3]] = by_role.get(row[3], 0) + 1
    return SeedSummary(
        path=target,
        rounds=len(attempts),
        sessions=len(sessions),
        by_role=dict(sorted(by_role.items())),
        scores=len(scores),
        cards=cards,
        first_at=attempts[0][19] if attempts else start,
        last_at=attempts[-1][19] if attempts else start,
        packs=tuple(sorted({q.pack_id for q in questions})),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("path", type=Path, help="the history file to create (must not exist)")
    parser.add_argument("--rounds", type=int, required=True, help="how many rounds to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--days", type=int, default=120, help="days the rounds span (default 120)")
    args = parser.parse_args()
    began = time.perf_counter()
    try:
        summary = seed_history(args.path, args.rounds, seed=args.seed, days=args.days)
    except (FileExistsError, ValueError) as exc:
        sys.exit(str(exc))
    elapsed = time.perf_counter() - began
    roles = ", ".join(f"{n} {role}" for role, n in summary.by_role.items())
    print(
        f"{summary.path}: {summary.rounds} rounds ({roles}) in {summary.sessions} sessions, "
        f"{summary.scores} scores, {summary.cards} cards; {elapsed:.1f} s "
        f"({summary.rounds / elapsed if elapsed else 0:.0f} rounds/s)"
    )


if __name__ == "__main__":
    main()
