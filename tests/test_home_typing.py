"""Home screen: typing filters at once whatever has focus, and "type, Enter" starts it.

A new user waits for the home screen and types a question's name; the question list has
focus then, so keys that no widget takes must reach the search field, while arrow keys
and Enter keep driving the list.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from tests.test_tui_flows import (
    SIZE,
    FakeClock,
    _home_lists_every_question,
    repo_bank,
    static,
    wait_screen,
)
from trainer.core.session import Session
from trainer.tui.app import TrainerApp
from trainer.tui.screens.candidate import CandidateScreen
from trainer.tui.screens.home import HomeScreen, pack_label
from trainer.tui.services import Services, StartOptions


def _app(tmp_path: Path) -> TrainerApp:
    services = Services(data_dir=tmp_path, bank=repo_bank(), clock=FakeClock())
    return TrainerApp(services, StartOptions(role="candidate", rounds=1))


def _current_question(app: TrainerApp) -> str:
    session = app.flow.session
    assert isinstance(session, Session)
    rnd = session.current
    return f"{rnd.pack_id}/{rnd.question_id}"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("balanced brackets", "coding/balanced-brackets"),
        ("squares of a sorted", "coding/sorted-squares"),
    ],
)
async def test_typing_on_the_list_filters_and_enter_starts_it(
    tmp_path: Path, typed: str, expected: str
) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _home_lists_every_question(pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        assert isinstance(app.focused, OptionList)  # the list has focus, as a user finds it
        total = len(screen.matching)
        for key in typed:
            await pilot.press("space" if key == " " else key)
        await pilot.pause()
        assert screen.query_one("#search", Input).value == typed
        assert isinstance(app.focused, OptionList)  # focus stays: arrows and Enter still work
        count = static(pilot, "#count")
        assert not count.startswith(f"{total} of {total}")
        assert f"{screen.matching[0].pack.pack.id}/{screen.matching[0].question.id}" == expected
        await pilot.press("enter")
        await wait_screen(pilot, CandidateScreen)
        assert _current_question(app) == expected


async def test_backspace_escape_and_arrows_from_the_search(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _home_lists_every_question(pilot)
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        search = screen.query_one("#search", Input)
        options = screen.query_one("#questions", OptionList)
        pool = len(screen.matching)
        for key in "tcpx":
            await pilot.press(key)
        await pilot.press("backspace")
        await pilot.pause()
        assert search.value == "tcp"
        narrowed = len(screen.matching)
        assert 0 < narrowed < pool
        await pilot.press("escape")
        await pilot.pause()
        assert search.value == ""
        assert len(screen.matching) == pool
        # With the search field focused, up/down move the list and Enter starts it.
        await pilot.press("slash")
        assert app.focused is search
        await pilot.press("down", "down")
        assert options.highlighted == 2
        expected = screen.matching[2].key
        await pilot.press("enter")
        await wait_screen(pilot, CandidateScreen)
        assert _current_question(app) == "/".join(expected)


async def test_rounds_input_keeps_its_own_keys(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _home_lists_every_question(pilot)
        screen = app.screen
        rounds = screen.query_one("#rounds", Input)
        rounds.focus()
        await pilot.press("backspace", "6")
        await pilot.pause()
        assert rounds.value == "6"
        assert screen.query_one("#search", Input).value == ""


@pytest.mark.parametrize(
    ("kind", "title", "shown"),
    [
        ("behavioral", "Behavioural interviews", ""),
        ("coding", "Coding interview problems", ""),
        ("system_design", "System design", ""),
        ("concept", "Core concepts", "Core concepts"),
        ("multiple_choice", "Interviewer conduct", "Interviewer conduct"),
        ("coding", "Backend core", "Backend core"),
    ],
)
def test_pack_label_omits_a_title_that_repeats_the_kind(kind: str, title: str, shown: str) -> None:
    assert pack_label(kind, title) == shown


async def test_question_mark_still_opens_help(tmp_path: Path) -> None:
    from trainer.tui.screens.modals import HelpScreen

    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _home_lists_every_question(pilot)
        home = app.screen
        await pilot.press("question_mark")
        await wait_screen(pilot, HelpScreen)
        assert home.query_one("#search", Input).value == ""


async def test_an_open_select_keeps_its_keys(tmp_path: Path) -> None:
    from textual.widgets import Select

    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _home_lists_every_question(pilot)
        home = app.screen
        kind = home.query_one("#kind", Select)
        kind.focus()
        await pilot.press("enter")
        for _ in range(100):
            if kind.expanded:
                break
            await pilot.pause(0.02)
        assert kind.expanded
        await pilot.press("s")
        assert home.query_one("#search", Input).value == ""
