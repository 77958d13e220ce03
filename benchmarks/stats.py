"""Benchmark progress stats over a large history: the Stats screen and `trainer stats`.

Each case is a whole child process, run --repeat times, interleaved so a busy moment hits
every case alike, after one untimed warm-up round; medians are reported with the min-max
spread of the runs. The histories are seeded by benchmarks/seed.py into temp directories.
In one run:
- with 10,000 seeded rounds, floor: the trainer app's home screen, headless at 120x40,
  exiting right after that screen's first refresh (startup.py's trainer home case, on the
  same data directory); against it the app opened on the Stats screen
  (`StartOptions(screen="stats")`), exiting right after the Stats screen's first refresh
  (target: within 1.3x);
- with 100,000 seeded rounds, floor: a bare `python -c` script using only sqlite3 and json
  that runs the same SQL aggregates as `progress.stats()` and prints the same JSON; against
  it `python -m trainer stats --format json --data-dir DIR` (target: within 1.5x). Until
  that command exists, a `python -c` script calling `progress.stats()` stands in for it,
  and the output says so.
Also the same command on an empty history (its start-up cost alone), and, in one child,
`progress.stats()` against the bare queries on the 100,000 rounds (the query cost alone).
Before timing, the floor's JSON is checked against `progress.stats()`, so a floor that has
drifted from the product's queries stops the run; the command's JSON is compared too.

--explain adds cases that split the Stats screen's cost (pack loading off, one read of the
stats instead of one more per Select at mount, no home screen composed beneath it, an empty
history for the screen and for home), the query plans with each query's time, and which
modules each target imports that its floor does not (`-X importtime`); the plans and imports
are also printed when a target is missed. --json prints the figures as JSON instead.
Run: python benchmarks/stats.py [--repeat 7] [--explain] [--json]
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
import importlib.util
import json
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.common import run_child, spread
from benchmarks.startup import (
    FIRST_FRAME,
    HOME_HOOK,
    SIZE,
    TRAINER_APP,
    Case,
    Imported,
    explain_imports,
    importtime,
    print_table,
    ratio,
    ratios,
)

SCREEN_TARGET = 1.3
CLI_TARGET = 1.5
SCREEN_ROUNDS = 10_000
CLI_ROUNDS = 100_000

# The Stats screen the app pushes when started with screen="stats", with the exit hook.
# The app imports the screen when it needs it, so rebinding the module's name is enough.
# Textual runs the on_mount of every class up the chain (this one first, then the
# screen's own, before any refresh), so the hook does not call super().on_mount(): that
# would read the stats twice. --check (the warm-up) reports what the first frame showed.
STATS_HOOK = """
try:
    from trainer.tui.screens import stats as stats_module
except ImportError as exc:
    sys.exit(f"no Stats screen to measure: trainer.tui.screens.stats does not import ({exc})")
if not hasattr(stats_module, "StatsScreen"):
    sys.exit("trainer.tui.screens.stats has no StatsScreen: update the benchmark")
reloads = []
if "--check" in sys.argv and hasattr(stats_module.StatsScreen, "reload"):
    _reload = stats_module.StatsScreen.reload
    def counting_reload(self, *args, **kwargs):
        reloads.append(1)
        return _reload(self, *args, **kwargs)
    stats_module.StatsScreen.reload = counting_reload
class FirstFrameStats(stats_module.StatsScreen):
    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame)
    def _first_frame(self) -> None:
        if "--check" in sys.argv:
            shown = type(self.app.screen).__name__
            data = getattr(self, "data", None) is not None
            print(f"CHECK screen={shown} data={data} reloads={len(reloads)}", file=sys.stderr)
        mark(self.app)
stats_module.StatsScreen = FirstFrameStats
"""

# For --explain: --no-packs switches the app's pack loading off; --one-read lets only the
# screen's first read of the stats run before its first frame (as if the Selects' initial
# Changed messages were ignored); --no-home puts a blank screen under Stats instead of the
# home screen the app composes there.
STATS_APP = (
    FIRST_FRAME
    + STATS_HOOK
    + f"""
from trainer.paths import data_dir
from trainer.tui.app import TrainerApp
from trainer.tui.services import Services, StartOptions
if "--one-read" in sys.argv:
    _read = stats_module.StatsScreen.reload
    def read_once(self, *args, **kwargs):
        if frame or not getattr(self, "_read_once", False):
            self._read_once = True
            return _read(self, *args, **kwargs)
    stats_module.StatsScreen.reload = read_once
if "--no-home" in sys.argv:
    from textual.screen import Screen
    from trainer.tui import app as app_module
    class Blank(Screen[None]):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__()
    app_module.HomeScreen = Blank
services = Services(data_dir=data_dir())
app = TrainerApp(services, StartOptions(screen="stats"))
if "--no-packs" in sys.argv:
    assert callable(app._load_packs), "the app's pack loader has moved: update the benchmark"
    app._load_packs = lambda: None
try:
    app.run(headless=True, size={SIZE})
finally:
    services.close()
report()
"""
)
assert HOME_HOOK in TRAINER_APP  # the floor is startup.py's home case, unchanged

# The floor of `trainer stats`: the queries of trainer.core.storage.progress.stats() with no
# filters, copied, and the same reshaping into Stats.to_dict()'s JSON. Keep in sync with
# progress.stats(): the run checks the two agree before timing anything.
FLOOR_QUERIES = """
import json
import sqlite3
from datetime import UTC, datetime, timedelta
DAY = 86400.0
WEAKEST_MIN_SCORES = 3
SHARE = "(s.score - 1.0) / (s.max_score - 1)"
TIME_SHARE = "CASE WHEN a.time_limit_s > 0 THEN a.time_taken_s / a.time_limit_s END"
GROUP = (
    "COUNT(*), SUM(a.role = 'candidate'), "
    "AVG(CASE WHEN a.role = 'candidate' THEN a.overall_score END), "
    "AVG(CASE WHEN a.role != 'candidate' THEN a.calibration_mae END), "
    f"AVG({TIME_SHARE}), AVG(a.hints_used)"
)
def day_label(n):
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=n)).date().isoformat()
def series(rows):
    points = [
        {"day": day_label(int(d)), "value": float(v), "count": int(n)}
        for d, v, n in rows if v is not None
    ]
    total = sum(p["count"] for p in points)
    mean = sum(p["value"] * p["count"] for p in points) / total if total else None
    return {"points": points, "mean": mean, "count": total}
def daily(conn, value, where, offset):
    return series(conn.execute(
        f"SELECT CAST((a.submitted_at + ?) / {DAY} AS INTEGER) AS d, AVG({value}), "
        f"COUNT({value}) FROM attempts AS a WHERE {where} GROUP BY d ORDER BY d",
        (offset,),
    ).fetchall())
def groups(conn, column):
    rows = conn.execute(
        f"SELECT a.{column}, {GROUP} FROM attempts AS a WHERE 1 "
        f"GROUP BY a.{column} ORDER BY COUNT(*) DESC, a.{column}"
    ).fetchall()
    keys = ("rounds", "candidate_rounds", "mean_score", "mean_calibration_gap",
            "mean_time_share", "mean_hints")
    out = []
    for r in rows:
        item = {"key": str(r[0]), **dict(zip(keys, r[1:]))}
        item["rounds"], item["candidate_rounds"] = int(r[1]), int(r[2] or 0)
        out.append(item)
    return out
def run(path, offset, now):
    conn = sqlite3.connect(path)
    try:
        by_role = conn.execute(
            "SELECT a.role, COUNT(*), MIN(a.submitted_at), MAX(a.submitted_at) "
            "FROM attempts AS a WHERE 1 GROUP BY a.role"
        ).fetchall()
        sessions = conn.execute(
            "SELECT COUNT(DISTINCT a.session_id) FROM attempts AS a WHERE 1"
        ).fetchone()[0]
        score = daily(conn, "a.overall_score", "a.role = 'candidate'", offset)
        calibration = daily(conn, "a.calibration_mae", "a.role != 'candidate'", offset)
        self_gap = daily(conn, "a.self_gap", "a.role = 'candidate'", offset)
        time_share = daily(conn, TIME_SHARE, "1", offset)
        hints = daily(conn, "a.hints_used", "1", offset)
        rows = conn.execute(
            f"SELECT s.criterion_id, CAST((a.submitted_at + ?) / {DAY} AS INTEGER) AS d, "
            f"AVG({SHARE}), COUNT(*) FROM attempt_scores AS s "
            "JOIN attempts AS a ON a.id = s.attempt_id "
            "WHERE s.source = 'final' AND s.max_score > 1 AND a.role = 'candidate' "
            "GROUP BY s.criterion_id, d ORDER BY s.criterion_id, d",
            (offset,),
        ).fetchall()
        by_kind = groups(conn, "kind")
        by_pack = groups(conn, "pack_id")
        cards = int(conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0])
        due = int(conn.execute("SELECT COUNT(*) FROM cards WHERE due <= ?", (now,)).fetchone()[0])
    finally:
        conn.close()
    per = {}
    for cid, d, value, n in rows:
        per.setdefault(str(cid), []).append((d, value, n))
    criteria = [{"criterion_id": c, "series": series(p)} for c, p in sorted(per.items())]
    eligible = [c for c in criteria if c["series"]["count"] >= WEAKEST_MIN_SCORES]
    weakest = None
    if eligible:
        worst = min(eligible, key=lambda c: (
            c["series"]["mean"] or 0.0, c["series"]["count"], c["criterion_id"]))
        weakest = {"criterion_id": worst["criterion_id"],
                   "mean": worst["series"]["mean"] or 0.0, "count": worst["series"]["count"]}
    return {
        "format_version": 1,
        "rounds": {str(r[0]): int(r[1]) for r in by_role},
        "sessions": int(sessions),
        "first_at": min((r[2] for r in by_role), default=None),
        "last_at": max((r[3] for r in by_role), default=None),
        "score": score, "criteria": criteria, "calibration_gap": calibration,
        "self_gap": self_gap, "time_share": time_share, "hints": hints,
        "by_kind": by_kind, "by_pack": by_pack, "weakest": weakest,
        "due_now": due, "cards": cards, "filters": {},
    }
def local_offset(now):
    offset = datetime.fromtimestamp(now).astimezone().utcoffset()
    return offset.total_seconds() if offset is not None else 0.0
"""

FLOOR_CLI = (
    FLOOR_QUERIES
    + """
import sys
import time
now = time.time()
print(json.dumps(run(sys.argv[1], local_offset(now), now)))
"""
)

# What `trainer stats --format json` does, until that command exists.
STAND_IN = """
import json
import sys
import time
from trainer.core.storage.history import HistoryStore
from trainer.core.storage.progress import ProgressFilters, local_offset, stats
from trainer.paths import history_db_path
now = time.time()
with HistoryStore(history_db_path(sys.argv[1])) as store:
    result = stats(store, ProgressFilters(), utc_offset_s=local_offset(now), now=now)
print(json.dumps(result.to_dict()))
"""


@dataclass
class EnvCase(Case):
    """A case with its own environment (each history has its own data directory)."""

    env: dict[str, str] = field(default_factory=dict)


def cli_argv(py: str, data: Path) -> tuple[list[str], bool]:
    """`trainer stats` on `data`, or the stand-in script; True when it is the real command."""
    probe = subprocess.run(
        [py, "-m", "trainer", "stats", "--help"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0 and "--format" in probe.stdout:
        return [py, "-m", "trainer", "stats", "--format", "json", "--data-dir", str(data)], True
    return [py, "-c", STAND_IN, str(data)], False


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """The stats as JSON would carry them, without `due_now` (it depends on the moment)."""
    plain = json.loads(json.dumps(data))
    plain.pop("due_now", None)
    return dict(plain)


def queries_child(db: Path, repeat: int) -> None:
    """In a child (--queries): check the floor against progress.stats(), then time both.

    Prints JSON; exits with a message when the floor has drifted from the product's queries.
    Run apart from the parent, so the parent stays small: a child's peak RSS counts what it
    inherited from the fork.
    """
    from trainer.core.storage.history import HistoryStore
    from trainer.core.storage.progress import local_offset, stats

    namespace: dict[str, Any] = {}
    exec(FLOOR_QUERIES, namespace)
    run_floor: Callable[..., dict[str, Any]] = namespace["run"]
    now = time.time()
    offset = local_offset(now)
    with HistoryStore(db) as store:
        product = comparable(stats(store, utc_offset_s=offset, now=now).to_dict())
    floor = comparable(run_floor(str(db), offset, now))
    if floor != product:
        differ = sorted(k for k in product if product.get(k) != floor.get(k))
        sys.exit(
            "the floor's queries have drifted from trainer.core.storage.progress.stats() "
            f"(these figures differ: {', '.join(differ)}): update FLOOR_QUERIES"
        )
    times: dict[str, list[float]] = {"stats": [], "bare": [], "open+stats+close": []}
    with HistoryStore(db) as store:
        for i in range(repeat + 1):  # the first round is a warm-up
            start = time.perf_counter()
            stats(store, utc_offset_s=offset, now=now)
            middle = time.perf_counter()
            run_floor(str(db), offset, now)
            end = time.perf_counter()
            if i:
                times["stats"].append(middle - start)
                times["bare"].append(end - middle)
    for _ in range(repeat):
        start = time.perf_counter()
        with HistoryStore(db) as store:
            stats(store, utc_offset_s=offset, now=now)
        times["open+stats+close"].append(time.perf_counter() - start)
    print(json.dumps({"product": product, "times": times}))


def explain_queries(db: Path) -> None:
    """Each query of the floor (= progress.stats()) with its plan and time."""
    import re

    source = FLOOR_QUERIES
    conn = sqlite3.connect(db)
    traced: list[tuple[str, tuple[Any, ...]]] = []

    class Tracing:
        def __init__(self, inner: sqlite3.Connection) -> None:
            self.inner = inner

        def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
            traced.append((sql, params))
            return self.inner.execute(sql, params)

        def close(self) -> None:
            pass

    namespace: dict[str, Any] = {}
    exec(source, namespace)
    namespace["sqlite3"] = type("Shim", (), {"connect": staticmethod(lambda _p: Tracing(conn))})
    namespace["run"](str(db), 0.0, time.time())
    print("\nqueries of progress.stats() on the large history (ms; plan)")
    for sql, params in traced:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            conn.execute(sql, params).fetchall()
            runs.append(time.perf_counter() - start)
        label = re.sub(r"\s+", " ", sql)[:60]
        print(f"  {statistics.median(runs) * 1000:6.1f}  {label}\n          {' | '.join(plan)}")
    conn.close()


def imports(argv: list[str], env: dict[str, str]) -> dict[str, Imported]:
    """`-X importtime` figures with any cycle in the who-imports-whom links cut.

    A module can be listed more than once (circular imports), and its links can then form
    a loop that would keep `explain_imports` walking it for ever.
    """
    found = importtime(argv, env)
    for item in found.values():
        seen = {item.name}
        link = item
        while link.parent is not None and link.parent in found:
            if link.parent in seen:
                link.parent = None
                break
            seen.add(link.parent)
            link = found[link.parent]
    return found


def seeded_dir(py: str, parent: Path, name: str, rounds: int) -> tuple[Path, float]:
    """A data directory with `rounds` seeded rounds, and the seeding's wall time (a child)."""
    data = parent / name
    data.mkdir()
    seeder = [py, str(_HERE / "seed.py"), str(data / "history.sqlite3"), "--rounds", str(rounds)]
    return data, run_child("seed", seeder).seconds


def figures(case: Case) -> dict[str, Any]:
    frame = case.frame()
    return {
        "wall_s": statistics.median(case.wall()),
        "wall_spread_s": [min(case.wall()), max(case.wall())],
        "frame_s": statistics.median(frame) if frame else None,
        "cpu_s": statistics.median(case.cpu()),
        "peak_mb": max(r.peak_mb for r in case.runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per case")
    parser.add_argument("--explain", action="store_true", help="query plans and imports")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--screen-rounds", type=int, default=SCREEN_ROUNDS, help=argparse.SUPPRESS)
    parser.add_argument("--cli-rounds", type=int, default=CLI_ROUNDS, help=argparse.SUPPRESS)
    parser.add_argument("--queries", type=Path, help=argparse.SUPPRESS)  # the child's mode
    args = parser.parse_args()
    if args.queries is not None:
        queries_child(args.queries, args.repeat)
        return
    if importlib.util.find_spec("trainer.tui.screens.stats") is None:
        sys.exit("no Stats screen to measure: trainer/tui/screens/stats.py does not exist yet")
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        screen_dir, screen_seed_s = seeded_dir(py, root, "screen", args.screen_rounds)
        cli_dir, cli_seed_s = seeded_dir(py, root, "cli", args.cli_rounds)
        empty_dir = root / "empty"
        empty_dir.mkdir()
        cli_db = cli_dir / "history.sqlite3"
        screen_env = dict(os.environ, TRAINER_DATA_DIR=str(screen_dir))
        cli_env = dict(os.environ, TRAINER_DATA_DIR=str(cli_dir))
        empty_env = dict(os.environ, TRAINER_DATA_DIR=str(empty_dir))
        cli, real_cli = cli_argv(py, cli_dir)
        cli_name = "trainer stats --format json" if real_cli else "stand-in for trainer stats"
        empty_cli, _ = cli_argv(py, empty_dir)
        # The floor's figures against progress.stats() (stops on a mismatch), the query times
        # in one process, and whether the command prints the same JSON.
        queries = [py, str(Path(__file__).resolve()), "--queries", str(cli_db)]
        inside = json.loads(
            run_child("queries", [*queries, "--repeat", str(args.repeat)], env=cli_env).stdout
        )
        try:
            printed = comparable(json.loads(run_child(cli_name, cli, env=cli_env).stdout))
        except ValueError:
            printed = {}
        note = "" if printed == inside["product"] else "note: its JSON is not progress.stats()'s"
        k = f"{args.screen_rounds / 1000:g}k"
        n = f"{args.cli_rounds / 1000:g}k"
        floor_home = EnvCase(
            f"floor: trainer home, first frame ({k})", [py, "-c", TRAINER_APP], env=screen_env
        )
        stats_screen = EnvCase(
            f"trainer Stats screen, first frame ({k})", [py, "-c", STATS_APP], env=screen_env
        )
        floor_cli = EnvCase(
            f"floor: sqlite3 + json, same queries ({n})",
            [py, "-c", FLOOR_CLI, str(cli_db)],
            env=cli_env,
        )
        target_cli = EnvCase(f"{cli_name} ({n})", cli, env=cli_env)
        cli_empty = EnvCase(f"  {cli_name}, empty history", empty_cli, env=empty_env)
        split = [
            EnvCase(
                "  Stats, pack loading off", [*stats_screen.argv, "--no-packs"], env=screen_env
            ),
            EnvCase(
                "  Stats, one read of the stats", [*stats_screen.argv, "--one-read"], env=screen_env
            ),
            EnvCase(
                "  Stats, one read, pack loading off",
                [*stats_screen.argv, "--one-read", "--no-packs"],
                env=screen_env,
            ),
            EnvCase(
                "  Stats, no home screen beneath", [*stats_screen.argv, "--no-home"], env=screen_env
            ),
            EnvCase(
                "  Stats, one read, no home beneath",
                [*stats_screen.argv, "--one-read", "--no-home"],
                env=screen_env,
            ),
            EnvCase("  Stats, empty history", stats_screen.argv, env=empty_env),
            EnvCase("  home, empty history", floor_home.argv, env=empty_env),
        ]
        cases: list[EnvCase] = [
            EnvCase("python -c pass (interpreter start)", [py, "-c", "pass"], env=cli_env),
            floor_home,
            stats_screen,
            *(split if args.explain else []),
            floor_cli,
            target_cli,
            cli_empty,
        ]
        check = run_child("stats check", [*stats_screen.argv, "--check"], env=screen_env)
        checked = next((ln for ln in check.stderr.splitlines() if ln.startswith("CHECK")), "")
        for case in cases:  # warm-up: bytecode caches, disk cache
            run_child(case.name, case.argv, env=case.env)
        for i in range(args.repeat):
            for case in cases[i % len(cases) :] + cases[: i % len(cases)]:
                case.runs.append(run_child(case.name, case.argv, env=case.env))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        screen_ratio = ratio(stats_screen.wall(), floor_home.wall())
        cli_ratio = ratio(target_cli.wall(), floor_cli.wall())
        missed = screen_ratio > SCREEN_TARGET or cli_ratio > CLI_TARGET
        if args.json:
            print(
                json.dumps(
                    {
                        "repeat": args.repeat,
                        "cpus": os.cpu_count(),
                        "load_average": load,
                        "seed_s": {"screen": screen_seed_s, "cli": cli_seed_s},
                        "rounds": {"screen": args.screen_rounds, "cli": args.cli_rounds},
                        "cli_is_stand_in": not real_cli,
                        "stats_first_frame_check": checked,
                        "cases": {c.name.strip(): figures(c) for c in cases},
                        "stats_screen_vs_home": {"ratio": screen_ratio, "target": SCREEN_TARGET},
                        "cli_vs_floor": {"ratio": cli_ratio, "target": CLI_TARGET},
                        "in_process_s": {
                            key: statistics.median(v) for key, v in inside["times"].items()
                        },
                    },
                    indent=2,
                )
            )
            return
        print(
            f"median of {args.repeat} runs per case, interleaved; {os.cpu_count()} CPUs, "
            f"load average {load:.2f}; seeded {args.screen_rounds} rounds in "
            f"{screen_seed_s:.1f} s, {args.cli_rounds} in {cli_seed_s:.1f} s "
            f"({args.cli_rounds / cli_seed_s:.0f} rounds/s)\n"
        )
        print_table(cases)
        print()
        for label, case, floor, target in (
            ("Stats first frame vs home", stats_screen, floor_home, SCREEN_TARGET),
            (f"{cli_name} vs bare queries", target_cli, floor_cli, CLI_TARGET),
        ):
            met = "met" if ratio(case.wall(), floor.wall()) <= target else "NOT met"
            print(f"{label}: {ratios(case, floor)} (target {target}x on wall: {met})")
        if not real_cli:
            print(
                "  (`trainer stats` does not exist yet: a python -c script calling "
                "progress.stats() stands in for it)"
            )
        if note:
            print(f"  {note}")
        print(f"Stats first frame: {checked.removeprefix('CHECK ') or 'no check output'}")
        reads = checked.rpartition("reloads=")[2]
        if reads.isdigit() and int(reads) > 1:
            print(f"  (the screen read the stats {reads} times before its first frame)")
        print(
            f"\nin one process, {args.cli_rounds} rounds (median ms, spread): "
            + ", ".join(
                f"{key} {statistics.median(v) * 1000:.0f} ({spread(v)})"
                for key, v in inside["times"].items()
            )
        )
        print(
            "\nHow to read: 'wall' is the whole process, spawn to exit, and is what the targets"
            "\nare judged on; 'frame' is spawn to the first frame; 'cpu' is user+system time."
            "\nThe empty-history run is the command's start-up alone; the in-process figures are"
            "\nthe queries alone (stats() includes reshaping; open+stats+close the store's"
            "\nPRAGMAs and PRAGMA optimize). A wide spread or a load above the CPU count means"
            "\na noisy run: run again."
        )
        if args.explain or missed:
            explain_queries(cli_db)
            # Packs not loaded: -X importtime nests with one counter for all threads.
            explain_imports(
                "Stats first frame against home, main thread only (packs not loaded)",
                imports([*stats_screen.argv, "--no-packs"], screen_env),
                imports([*floor_home.argv, "--no-packs"], screen_env),
            )
            explain_imports(
                cli_name,
                imports(target_cli.argv, cli_env),
                imports(floor_cli.argv, cli_env),
            )


if __name__ == "__main__":
    main()
