"""Progress screens through Pilot at 80x24: home's due line, reviews, History, Stats.

Each test seeds a history in a temp data directory with `HistoryStore.record_attempt`
(the same path the app writes through) at fixed times, then starts the real app with a
fixed wall clock, so "due today" is exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Select, Static

from tests.test_tui_flows import (
    WALL,
    FakeClock,
    repo_bank,
    screen_text,
    text,
    wait_for,
    wait_screen,
)
from trainer.core.storage.history import AttemptRecord, HistoryStore
from trainer.paths import history_db_path
from trainer.tui.app import TrainerApp
from trainer.tui.screens.candidate import CandidateScreen
from trainer.tui.screens.history import HistoryScreen, SessionScreen
from trainer.tui.screens.home import HomeScreen
from trainer.tui.screens.stats import StatsScreen
from trainer.tui.services import Services, StartOptions

SIZE = (80, 24)
DAY = 86400.0
LEVELS = ["Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire"]
CODING = ("coding", "balanced-brackets")
BEHAVIOURAL = ("behavioral", "conflict-with-colleague")
INTERVIEWED = ("behavioral", "project-that-failed")


def _details(scores: dict[str, int], level: int) -> dict[str, object]:
    return {
        "evaluation": {
            "final": {
                "criteria": [{"id": c, "max_score": 4, "score": s} for c, s in scores.items()],
                "verdict_levels": LEVELS,
                "verdict_level": level,
            },
            "by_source": {},
        }
    }


def seed(data_dir: Path, *, answer: str = "def f(): pass") -> None:
    """Two questions answered a month ago (due now); testing is the weakest criterion."""
    with HistoryStore(history_db_path(data_dir)) as store:
        sid = store.start_session(
            mode="solo", role_plan="alternate", started_at=WALL - 40 * DAY, settings={}
        )
        # The behavioural question was answered first, so it is the more overdue card.
        behavioural = {"situation-task": 3, "action": 3, "result": 3}
        store.record_attempt(
            AttemptRecord(
                role="candidate",
                pack_id=BEHAVIOURAL[0],
                question_id=BEHAVIOURAL[1],
                kind="behavioral",
                submitted_at=WALL - 40 * DAY,
                session_id=sid,
                answer="I talked to Marta first.",
                scores={"self": behavioural},
                overall_score=2 / 3,
                verdict=LEVELS[2],
                time_taken_s=600,
                time_limit_s=900,
                details=_details(behavioural, 2),
            )
        )
        for offset in (30, 29, 28):
            coding = {"problem-solving": 3, "testing": 1, "communication": 3}
            store.record_attempt(
                AttemptRecord(
                    role="candidate",
                    pack_id=CODING[0],
                    question_id=CODING[1],
                    kind="coding",
                    submitted_at=WALL - offset * DAY,
                    session_id=sid,
                    answer=answer,
                    scores={"auto": coding},
                    overall_score=0.5,
                    verdict=LEVELS[1],
                    hints_used=1,
                    time_taken_s=1500,
                    time_limit_s=1800,
                    details=_details(coding, 2),
                )
            )
        store.record_attempt(
            AttemptRecord(
                role="interviewer",
                pack_id=INTERVIEWED[0],
                question_id=INTERVIEWED[1],
                kind="behavioral",
                submitted_at=WALL - 27 * DAY,
                session_id=sid,
                calibration_mae=0.25,
                verdict_agreed=True,
                feedback="Good structure, thin result.",
            )
        )


def app_for(data_dir: Path, **options: object) -> TrainerApp:
    services = Services(data_dir=data_dir, clock=FakeClock(), wall=lambda: WALL, bank=repo_bank())
    return TrainerApp(services, StartOptions(**options))  # type: ignore[arg-type]


async def stats_shown(pilot: Pilot[None]) -> StatsScreen:
    """The Stats screen once its figures are in (they are read just after its first frame)."""
    stats = await wait_screen(pilot, StatsScreen)
    await wait_for(pilot, lambda: stats.data is not None, "the figures")
    await pilot.pause()
    return stats


async def progress_line(pilot: Pilot[None]) -> str:
    widget = pilot.app.screen.query_one("#progress-line", Static)
    await wait_for(pilot, lambda: "Due today" in text(widget), "the progress line")
    return text(widget)


async def test_home_shows_what_is_due_and_the_weakest_criterion(tmp_path: Path) -> None:
    seed(tmp_path)
    async with app_for(tmp_path).run_test(size=SIZE) as pilot:
        await wait_screen(pilot, HomeScreen)
        await wait_for(
            pilot,
            lambda: "Testing" in text(pilot.app.screen.query_one("#progress-line", Static)),
            "titles",
        )
        line = await progress_line(pilot)
        assert "Due today: 3" in line
        assert "weakest: Testing 0%" in line


async def test_review_key_serves_the_weakest_criterions_questions_first(tmp_path: Path) -> None:
    seed(tmp_path)
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        home = await wait_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: home.bank is not None, "packs")
        await pilot.press("ctrl+r")
        await wait_screen(pilot, CandidateScreen)
        session = app.flow.require_session()
        keys = [(r.pack_id, r.question_id) for r in session.rounds]
        # Behavioural is more overdue, but coding is scored on testing, the weakest.
        assert keys[0] == CODING and BEHAVIOURAL in keys


async def test_due_option_with_nothing_due_stays_home_and_says_so(tmp_path: Path) -> None:
    app = app_for(tmp_path, due=True, direct=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: any("Nothing is due" in n.message for n in app._notifications),
            "the nothing-due notice",
        )
        assert isinstance(app.screen, HomeScreen)
        assert app.flow.session is None


async def test_due_option_starts_the_most_overdue_first(tmp_path: Path) -> None:
    seed(tmp_path)
    app = app_for(tmp_path, due=True, direct=True, role="candidate")
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, CandidateScreen)
        keys = [(r.pack_id, r.question_id) for r in app.flow.require_session().rounds]
        assert keys == [BEHAVIOURAL, INTERVIEWED, CODING]  # by due date


async def test_stats_screen_shows_the_figures_beside_the_plots(tmp_path: Path) -> None:
    seed(tmp_path)
    app = app_for(tmp_path, screen="stats")
    async with app.run_test(size=SIZE) as pilot:
        stats = await stats_shown(pilot)
        header = text(stats.query_one("#stats-title", Static))
        assert "5 rounds in 1 session" in header
        assert "3 of 3 questions due today" in header
        table = text(stats.query_one("#table-criteria", Static)).splitlines()
        assert table[1].split()[:2] == ["Testing", "0%"]  # weakest first
        await pilot.press("2")
        await pilot.pause()
        shown = screen_text(app)
        assert "Your scores as interviewer vs the reference   25%" in shown
        await pilot.press("escape")  # opened directly: back goes on to the home screen
        home = await wait_screen(pilot, HomeScreen)
        await wait_for(pilot, lambda: home.bank is not None, "the packs on home")


async def test_stats_screen_with_no_history_says_so(tmp_path: Path) -> None:
    app = app_for(tmp_path, screen="stats")
    async with app.run_test(size=SIZE) as pilot:
        stats = await stats_shown(pilot)
        assert "No scored candidate rounds yet." in text(stats.query_one("#table-criteria", Static))
        assert "Nothing recorded yet" in screen_text(app)


async def test_history_lists_sessions_and_opens_one_literally(tmp_path: Path) -> None:
    hostile = "[bold red]not markup[/] \x1b[2J then\u202e"
    seed(tmp_path, answer=hostile)
    app = app_for(tmp_path, screen="history")
    async with app.run_test(size=SIZE) as pilot:
        history = await wait_screen(pilot, HistoryScreen)
        table = history.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, "the session row")
        await pilot.press("enter")
        session = await wait_screen(pilot, SessionScreen)
        body = text(session.query_one("#session-rounds", Static))
        assert "[bold red]not markup[/]" in body
        assert "\x1b" not in body and "\u202e" not in body
        assert "\\e[2J" in body or "\\x1b[2J" in body
        assert "Good structure, thin result." in body
        assert "Round 1 · Candidate · Working through a conflict" in body


async def test_a_damaged_history_is_moved_aside_and_said_on_home(tmp_path: Path) -> None:
    path = history_db_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database at all " * 200)
    app = app_for(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: any("was damaged" in n.message for n in app._notifications),
            "the recovery notice",
        )
        assert "Due today: 0" in await progress_line(pilot)
    assert len(list(path.parent.glob("history.sqlite3.corrupt-*"))) == 1


@pytest.mark.parametrize("screen", ["stats", "history"])
async def test_a_history_from_a_newer_trainer_is_refused_on_screen(
    tmp_path: Path, screen: str
) -> None:
    import sqlite3

    path = history_db_path(tmp_path)
    HistoryStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    app = app_for(tmp_path, screen=screen)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot,
            lambda: any("newer than this trainer" in n.message for n in app._notifications),
            "the refusal",
        )
        assert "cannot read the history" in screen_text(app).lower()


async def test_history_and_stats_filter_by_pack_and_role(tmp_path: Path) -> None:
    seed(tmp_path)
    with HistoryStore(history_db_path(tmp_path)) as store:
        other = store.start_session(
            mode="solo", role_plan="candidate", started_at=WALL, settings={}
        )
        store.record_attempt(
            AttemptRecord(
                role="candidate",
                pack_id="concepts",
                question_id="tcp-vs-udp",
                kind="concept",
                submitted_at=WALL,
                session_id=other,
            )
        )
    app = app_for(tmp_path, screen="history")
    async with app.run_test(size=SIZE) as pilot:
        history = await wait_screen(pilot, HistoryScreen)
        table = history.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2, "both sessions")
        history.query_one("#history-pack", Select).value = "concepts"
        await wait_for(pilot, lambda: table.row_count == 1, "the concepts session only")
        history.query_one("#history-role", Select).value = "interviewer"
        await wait_for(pilot, lambda: table.row_count == 0, "no interviewer round in concepts")
        await pilot.press("f3")
        stats = await stats_shown(pilot)
        stats.query_one("#stats-pack", Select).value = "coding"
        await wait_for(
            pilot,
            lambda: "3 rounds in 1 session" in text(stats.query_one("#stats-title", Static)),
            "the coding rounds only",
        )
