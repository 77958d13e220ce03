"""A solo shadow round through Pilot at 80x24: play the turns, flag, score, reveal, record."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tests.test_tui_flows import FakeClock, screen_text, text, wait_for, wait_screen
from trainer.core.packs.starter import starter_pack
from trainer.core.storage.history import HistoryStore
from trainer.paths import history_db_path
from trainer.tui.app import TrainerApp
from trainer.tui.screens.history import round_content
from trainer.tui.screens.shadow import FlagScreen, ShadowRevealScreen, ShadowScreen
from trainer.tui.screens.summary import SummaryScreen
from trainer.tui.services import Services, StartOptions
from trainer.tui.widgets.rubric import CriterionRow

SIZE = (80, 24)
WALL = 1_800_000_000.0


def pack(tmp_path: Path, hostile: bool = False) -> Path:
    text = starter_pack(
        "shadow-demo", schema_path="s.json", filename="demo.yaml", kinds=["recorded_interview"]
    )
    if hostile:
        text = text.replace('text: "Oh. Um, yes, two."', 'text: "[bold red]two[/] \\u001b[2J kids"')
    path = tmp_path / "demo.yaml"
    path.write_text(text)
    return path


def app_for(tmp_path: Path, clock: FakeClock, *, hostile: bool = False) -> TrainerApp:
    services = Services(
        data_dir=tmp_path / "data",
        extra_packs=[pack(tmp_path, hostile)],
        clock=clock,
        wall=lambda: WALL,
    )
    options = StartOptions(question="shadow-team-conflict", rounds=1, direct=True)
    return TrainerApp(services, options)


async def test_a_solo_shadow_round_flags_scores_and_reveals(tmp_path: Path) -> None:
    clock = FakeClock()
    app = app_for(tmp_path, clock)
    async with app.run_test(size=SIZE) as pilot:
        shadow = await wait_screen(pilot, ShadowScreen)
        status = shadow.query_one("#turn-status", Static)
        assert "Turn 1 of 20" in text(status)
        await pilot.press("space", "space")
        assert "Turn 3 of 20" in text(status)
        # Flag turn 3 as a good probe: the kind list, then Enter.
        await pilot.press("f")
        await wait_screen(pilot, FlagScreen)
        kinds = app.screen.query_one("#flag-kinds", OptionList)
        assert app.focused is kinds and kinds.highlighted == 0
        # Typing while the list has focus writes the note; space and backspace edit it.
        await pilot.press(*"asked", "space", *"why", "space", "x", "backspace")
        assert app.screen.query_one("#flag-note", Input).value == "asked why "
        await pilot.press(*["down"] * 5)  # Good probe
        await pilot.press("enter")
        await wait_screen(pilot, ShadowScreen)
        assert "⚑ Good probe: asked why" in text(shadow.query_one("#transcript", Static))
        # Reveal refuses before the end.
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ShadowScreen)
        # Auto-play: the fake clock moves, the turns follow at reading speed.
        await pilot.press("a")
        for _ in range(3):
            clock.advance(25)
            await pilot.pause(0.3)
        assert "Turn 3 of 20" not in text(status)
        await pilot.press("a")
        while "the end" not in text(status):
            await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.focused, CriterionRow), "the rubric")
        await pilot.press("4", "down", "3")
        assert shadow.round.scores == {"story": 4, "communication": 3}
        await pilot.press("ctrl+s")
        reveal = await wait_screen(pilot, ShadowRevealScreen)
        summary = text(reveal.query_one("#shadow-summary", Static))
        assert "Caught 1 of 3 marked moments (0 noticed as another kind, 2 missed)" in summary
        assert "shadowing score 33%" in summary
        moments = text(reveal.query_one("#shadow-moments", Static))
        assert "Turn 9 · Conduct" in moments and "✗ missed" in moments
        assert "Ask instead: The role sometimes needs evening work" in moments
        assert "0% gap" in screen_text(app)
        await pilot.press("ctrl+n")
        await wait_screen(pilot, SummaryScreen)
        # The summary's report key writes the session as Markdown and says where.
        await pilot.press("r")
        reports = tmp_path / "data" / "reports"
        await wait_for(pilot, lambda: any(reports.glob("session-*.md")), "the report file")
        await wait_for(
            pilot,
            lambda: any("Report written to" in n.message for n in app._notifications),
            "the report notice",
        )
        [report] = reports.glob("session-*.md")
        written = report.read_text()
        assert "## Round 1: shadow" in written
        assert "(0 candidate, 0 interviewer, 1 shadow, 0 pair)" in written
    with HistoryStore(history_db_path(tmp_path / "data")) as store:
        [attempt] = store.attempts()
    assert attempt.role == "shadow" and attempt.kind == "recorded_interview"
    assert attempt.overall_score is not None and abs(attempt.overall_score - 1 / 3) < 1e-9
    assert attempt.calibration_mae == 0
    assert attempt.details["shadow"]["flags_set"] == [
        {"turn": 3, "kind": "good-probe", "note": "asked why"}
    ]
    shown = str(round_content(1, attempt, {}))
    assert "Round 1 · Shadow" in shown
    assert "Shadowing: caught 1 of 3 moments, noticed 0, missed 2, 0 flag(s)" in shown


async def test_turns_from_a_pack_are_shown_literally(tmp_path: Path) -> None:
    app = app_for(tmp_path, FakeClock(), hostile=True)
    async with app.run_test(size=SIZE) as pilot:
        shadow = await wait_screen(pilot, ShadowScreen)
        for _ in range(9):
            await pilot.press("space")
        shown = text(shadow.query_one("#transcript", Static))
        assert "[bold red]two[/]" in shown
        assert "\x1b" not in shown
