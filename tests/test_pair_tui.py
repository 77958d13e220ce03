"""Pair practice at one terminal, played through under Pilot as two people would.

Every screen is reached by keys only. Private screens are checked for what they must
not show: while it is the candidate's turn (or the handoff before it), nothing of the
interviewer's material is on screen, and the blind reveal waits for both sides.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tests.test_tui_flows import (
    SIZE,
    WALL,
    FakeClock,
    FakeRunner,
    repo_bank,
    score_rows,
    screen_text,
    tab_to,
    type_text,
    wait_for,
    wait_screen,
)
from trainer.core.storage.history import HistoryStore
from trainer.tui.app import TrainerApp
from trainer.tui.screens.modals import ConfirmScreen, RestoreDraftScreen
from trainer.tui.screens.pair.answering import AnsweringScreen
from trainer.tui.screens.pair.assessing import ScoringScreen, SelfAssessmentScreen
from trainer.tui.screens.pair.briefing import BriefingScreen
from trainer.tui.screens.pair.handoff import HandoffScreen
from trainer.tui.screens.pair.reveal import PairRevealScreen
from trainer.tui.screens.pair.setup import PairSetupScreen
from trainer.tui.screens.pair.summary import PairSummaryScreen
from trainer.tui.services import PairOptions, Services, StartOptions
from trainer.tui.widgets.rubric import CriterionRow

CODING = "pair-sum"  # example pack: 3 hints, rubric of 4 criteria
NOTE = "watch the off by one"
FEEDBACK = "Clear plan, but test duplicates."
COMMENT = "Hints came at the right time."


def make_pair_app(
    data_dir: Path,
    *,
    names: tuple[str, str] = ("Ana", "Ben"),
    question: str | None = CODING,
    rounds: int = 2,
    clock: FakeClock | None = None,
    runner: FakeRunner | None = None,
    pack_ids: tuple[str, ...] = ("example",),
) -> TrainerApp:
    services = Services(
        data_dir=data_dir,
        clock=clock or FakeClock(),
        wall=lambda: WALL,
        run_tests=runner or FakeRunner(lambda t: True),
        bank=repo_bank(),
    )
    pair = PairOptions(names=names, rounds=rounds, question=question, pack_ids=list(pack_ids))
    return TrainerApp(services, StartOptions(pair=pair))


def history(data_dir: Path) -> tuple[list[str], list[dict[str, Any]]]:
    with HistoryStore(data_dir / "history.sqlite3") as store:
        sessions = [s for s in store.sessions() if s.mode == "pair"]
        assert len(sessions) == 1
        sid = sessions[0].id
        return store.participants(sid), store.pair_rounds(sid)


def secrets_of(app: TrainerApp) -> list[str]:
    """Short, distinctive pieces of the current question only its interviewer may see."""
    flow = app.pair_flow
    assert flow is not None and flow.session is not None
    q = flow.session.entry().question
    given = len(flow.session.current.hints)
    out = [h[:30] for h in q.hints[given:]]
    out += [a.title for a in q.approaches]
    out += [r.rationale[:30] for r in q.reference_answers]
    out += [f[:30] for f in q.follow_ups]
    return [s for s in out if len(s.strip()) > 8]


def assert_nothing_private(app: TrainerApp) -> None:
    shown = screen_text(app)
    for secret in secrets_of(app):
        assert secret not in shown, secret
    assert NOTE not in shown


async def enter_handoff(pilot: Pilot[None], actor: str, away: str | None) -> None:
    screen = await wait_screen(pilot, HandoffScreen)
    shown = screen_text(pilot.app)  # type: ignore[arg-type]
    assert f"{actor}, press Enter" in shown
    if away is not None:
        assert f"{away}, please look away now." in shown
    assert_nothing_private(pilot.app)  # type: ignore[arg-type]
    await pilot.press("a", "x", "space")  # stray keys never skip a handoff
    assert pilot.app.screen is screen
    await pilot.press("enter")


async def play_round(
    pilot: Pilot[None], clock: FakeClock, cand: str, intv: str, levels: str
) -> None:
    app: TrainerApp = pilot.app  # type: ignore[assignment]
    # 1. the interviewer's briefing, private
    await enter_handoff(pilot, intv, away=cand)
    briefing = await wait_screen(pilot, BriefingScreen)
    shown = screen_text(app)
    assert "Only you see this" in shown and f"Interviewer: {intv}" in shown
    briefing.query_one("#notes", Input).focus()
    await type_text(pilot, NOTE)
    assert app.pair_flow is not None and app.pair_flow.session is not None
    assert app.pair_flow.session.current.notes == NOTE
    await pilot.press("ctrl+s")
    # 2. answering, shared: the candidate is told to look; the clock starts on Enter
    handoff = await wait_screen(pilot, HandoffScreen)
    assert f"{cand}, you can look now" in screen_text(app)
    assert handoff is app.screen
    clock.advance(5)
    await pilot.press("enter")
    answering = await wait_screen(pilot, AnsweringScreen)
    assert_nothing_private(app)
    assert app.pair_flow is not None and app.pair_flow.session is not None
    session = app.pair_flow.session
    question = session.entry().question
    total = len(question.hints)
    if total:
        assert f"Hints given 0/{total}" in screen_text(app)
        clock.advance(30)
        await pilot.press("ctrl+g")  # the interviewer gives the first hint
        await wait_for(
            pilot, lambda: f"Hints given 1/{total}" in screen_text(app), "the first hint"
        )
        assert "(at 00:30)" in screen_text(app)
        assert_nothing_private(app)
    else:
        assert "No hints for this question." in screen_text(app)
    await pilot.press("ctrl+o")  # masked notes: dots on screen, never the text
    await type_text(pilot, "dup")
    assert app.focused is answering.query_one("#notes", Input)
    assert "•••" in screen_text(app) and "dup" not in screen_text(app)
    await pilot.press("ctrl+o")
    editor = answering.query_one("#editor, #choices")
    assert app.focused is editor
    answer = "    return [0, 1]" if question.kind == "coding" else "I listened and agreed"
    if isinstance(editor, TextArea):
        await type_text(pilot, answer)
    else:
        await pilot.press("enter")
    clock.advance(60)
    await pilot.press("ctrl+s")
    # 3. the interviewer scores, private
    await enter_handoff(pilot, intv, away=cand)
    scoring = await wait_screen(pilot, ScoringScreen)
    if question.kind == "coding":
        await wait_for(pilot, lambda: "Passed 5 of 5" in screen_text(app), "the full test run")
    if isinstance(editor, TextArea):
        assert answer.strip() in screen_text(app)
    criteria = len(session.criteria())
    levels = (levels * 3)[:criteria]
    scoring.query_one("#scoring-body").scroll_end(animate=False)
    if criteria:
        await wait_for(
            pilot, lambda: isinstance(app.focused, CriterionRow), "the first criterion's focus"
        )
    else:
        from textual.widgets import Static

        notes = [str(w.render()) for w in app.screen.query(Static)]
        assert any("has no rubric" in n for n in notes)
    if criteria:
        await score_rows(pilot, list(levels))
    await tab_to(pilot, lambda w: isinstance(w, TextArea), "the feedback")
    await type_text(pilot, FEEDBACK)
    await pilot.press("ctrl+s")
    # 4. the candidate self-assesses and rates the interviewer, private
    await enter_handoff(pilot, cand, away=intv)
    await wait_screen(pilot, SelfAssessmentScreen)
    shown = screen_text(app)
    assert FEEDBACK not in shown  # blind: the interviewer's side stays hidden
    if criteria:
        await wait_for(
            pilot, lambda: isinstance(app.focused, CriterionRow), "the first criterion's focus"
        )
        await score_rows(pilot, ["4"] * criteria)
        await pilot.press("down")
    else:
        await tab_to(pilot, lambda w: isinstance(w, CriterionRow), "the ratings")
    await score_rows(pilot, ["4", "3", "4", "3", "4"])
    await tab_to(pilot, lambda w: isinstance(w, TextArea), "the comment")
    await type_text(pilot, COMMENT)
    await pilot.press("ctrl+s")
    # 5. the shared reveal, only now
    handoff = await wait_screen(pilot, HandoffScreen)
    assert "Both of you can look now" in screen_text(app)
    await pilot.press("enter")
    reveal = await wait_screen(pilot, PairRevealScreen)
    body = reveal.query_one("#pair-reveal-body")
    seen = screen_text(app)
    for _ in range(12):
        body.scroll_page_down(animate=False)
        await pilot.pause()
        seen += screen_text(app)
    assert FEEDBACK in seen and COMMENT in seen
    assert f"{intv} says" in seen or "Verdicts agree" in seen
    if any(r.scores for r in question.reference_answers):
        assert "Beside the graded answers" in seen
    await pilot.press("ctrl+n")


async def test_two_rounds_both_roles_blind_reveal_summary_and_history(
    _isolated_data_dir: Path,
) -> None:
    clock = FakeClock()
    runner = FakeRunner(lambda t: True)
    app = make_pair_app(_isolated_data_dir, clock=clock, runner=runner)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, PairSetupScreen)
        await pilot.press("ctrl+s")
        await play_round(pilot, clock, "Ana", "Ben", "2322")
        await play_round(pilot, clock, "Ben", "Ana", "3333")
        await wait_screen(pilot, PairSummaryScreen)
        shown = screen_text(app)
        assert "Ana" in shown and "Ben" in shown
        assert "Self gap" in shown and "Rated as intv." in shown
        assert "history" in shown and "history.sqlite3" in shown
        assert "Hints came at the right time." in shown
    participants, rounds = history(_isolated_data_dir)
    assert participants == ["Ana", "Ben"]
    assert [(r["candidate_name"], r["interviewer_name"]) for r in rounds] == [
        ("Ana", "Ben"),
        ("Ben", "Ana"),
    ]
    first = rounds[0]
    assert first["question_id"] == CODING and rounds[1]["question_id"] != CODING
    assert first["scores"] == {"correctness": 2, "efficiency": 3, "communication": 2, "testing": 2}
    assert set(rounds[1]["scores"].values()) <= {3}  # a choice question may have no rubric
    assert first["self_scores"] == dict.fromkeys(first["scores"], 4)
    assert first["feedback"] == FEEDBACK and first["comment"] == COMMENT
    assert first["notes"] == NOTE + "dup"
    assert [h["at_s"] for h in first["hints"]] == [30.0]
    assert first["elapsed_s"] == 90.0
    assert first["ratings"]["hints"] == 3
    assert not list((_isolated_data_dir / "drafts").glob("*.draft.json"))  # finished: no draft


async def test_restart_offers_the_unfinished_round_back(_isolated_data_dir: Path) -> None:
    clock = FakeClock()
    app = make_pair_app(_isolated_data_dir, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, PairSetupScreen)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, HandoffScreen)
        await pilot.press("enter")
        await wait_screen(pilot, BriefingScreen)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, HandoffScreen)
        await pilot.press("enter")
        await wait_screen(pilot, AnsweringScreen)
        clock.advance(40)
        await type_text(pilot, "    return [9, 9]")
        # within a second, the typing is on disk
        await wait_for(
            pilot,
            lambda: any(
                "return [9, 9]" in p.read_text("utf-8")
                for p in (_isolated_data_dir / "drafts").glob("*.draft.json")
            ),
            "the pair draft",
        )
        app.exit()  # as if the terminal closed; nothing is submitted
    again = make_pair_app(_isolated_data_dir, clock=FakeClock(5_000.0))
    async with again.run_test(size=SIZE) as pilot:
        offer = await wait_screen(pilot, RestoreDraftScreen)
        assert "pair session of Ana and Ben" in screen_text(again)
        assert offer is again.screen
        await pilot.press("enter")  # Restore
        await enter_handoff(pilot, "Ana", away=None)
        screen = await wait_screen(pilot, AnsweringScreen)
        editor = screen.query_one("#editor", TextArea)
        assert "return [9, 9]" in editor.text
        assert "39:" in screen_text(again) or "19:" in screen_text(again)


async def test_hostile_names_are_shown_literally(_isolated_data_dir: Path) -> None:
    app = make_pair_app(_isolated_data_dir, names=("[bold]A\x1b[31m", "Ben"), rounds=1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, PairSetupScreen)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, HandoffScreen)
        shown = screen_text(app)
        assert "[bold]A" in shown and "\x1b" not in shown


async def test_an_empty_answer_asks_before_submitting(_isolated_data_dir: Path) -> None:
    app = make_pair_app(_isolated_data_dir, question="tcp-vs-udp", pack_ids=(), rounds=1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, PairSetupScreen)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, HandoffScreen)
        await pilot.press("enter")
        await wait_screen(pilot, BriefingScreen)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, HandoffScreen)
        await pilot.press("enter")
        await wait_screen(pilot, AnsweringScreen)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, ConfirmScreen)
        await pilot.press("n")
        await wait_screen(pilot, AnsweringScreen)
        assert app.pair_flow is not None and app.pair_flow.session is not None
        assert app.pair_flow.session.current.phase == "answering"


@pytest.mark.parametrize("names", [("", ""), ("Sam", "Sam")])
async def test_blank_or_equal_names_still_tell_people_apart(
    _isolated_data_dir: Path, names: tuple[str, str]
) -> None:
    app = make_pair_app(_isolated_data_dir, names=names, rounds=1)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, PairSetupScreen)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, HandoffScreen)
        flow = app.pair_flow
        assert flow is not None and flow.session is not None
        a, b = flow.session.names
        assert a != b and a and b
        assert json.dumps(flow.session.names)
