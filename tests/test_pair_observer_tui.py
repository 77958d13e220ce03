"""Three terminals in one test: a host, a guest and a read-only observer, over loopback TLS.

The observer watches the candidate's answer as it is typed and the interviewer's hints,
flags a moment tied to the latest hint, scores on the rubric, sees none of the
interviewer's scores while the round runs, and at the reveal sees their own scores beside
the interviewer's with the gap; each observed round lands in the observer's own history.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, OptionList, Static

from tests.test_pair_net import make, on, play
from tests.test_tui_flows import (
    SIZE,
    FakeClock,
    score_rows,
    screen_text,
    tab_to,
    text,
    type_text,
    wait_for,
)
from trainer.core.storage.history import HistoryStore
from trainer.tui.netflow import GuestPairFlow, HostPairFlow
from trainer.tui.screens.pair.answering import AnsweringScreen
from trainer.tui.screens.pair.assessing import ScoringScreen, SelfAssessmentScreen
from trainer.tui.screens.pair.briefing import BriefingScreen
from trainer.tui.screens.pair.network import HostWaitScreen, MirrorScreen, WaitingScreen
from trainer.tui.screens.pair.observer import (
    ObserverFlagScreen,
    ObserverRevealScreen,
    ObserverWaitScreen,
    ObserverWatchScreen,
)
from trainer.tui.screens.pair.reveal import PairRevealScreen
from trainer.tui.screens.pair.summary import PairSummaryScreen
from trainer.tui.services import NetOptions
from trainer.tui.widgets.rubric import CriterionRow, RubricScorer


async def test_an_observer_watches_flags_scores_and_compares_at_the_reveal(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    host = make(tmp_path / "host", NetOptions(mode="host", name="Ana", observer=True), clock)
    async with host.run_test(size=SIZE) as hp:
        await on(hp, HostWaitScreen)
        assert isinstance(host.net_flow, HostPairFlow) and host.net_flow.link is not None
        link = host.net_flow.link
        code, ocode = link.join_code, link.observer_code
        assert ocode is not None and ocode != code
        shown = screen_text(host)
        assert code[:40] in shown and ocode[:40] in shown and "observer" in shown
        observer = make(
            tmp_path / "observer", NetOptions(mode="join", name="Cy", code=ocode), clock
        )
        async with observer.run_test(size=SIZE) as op:
            await on(op, ObserverWaitScreen)  # early: before the guest joins
            oflow = observer.net_flow
            assert isinstance(oflow, GuestPairFlow) and oflow.observer is not None
            assert oflow.link is not None and oflow.link.role == "observer"
            guest = make(tmp_path / "guest", NetOptions(mode="join", name="Ben", code=code), clock)
            async with guest.run_test(size=SIZE) as gp:
                # Round 1: Ana (host) answers, Ben (guest) interviews, Cy observes.
                await on(gp, BriefingScreen)
                await wait_for(
                    op,
                    lambda: "Ben is reading the interviewer briefing" in screen_text(observer),
                    "the observer's waiting line",
                )
                await gp.press("ctrl+s")
                await on(hp, AnsweringScreen)
                await on(gp, MirrorScreen)
                watch = await on(op, ObserverWatchScreen)

                def actions() -> str:
                    return text(observer.screen.query_one("#observer-actions", Static))

                clock.advance(40)
                await gp.press("ctrl+g")  # Ben gives a hint: Cy sees it and its action
                await wait_for(
                    op,
                    lambda: "Hint 1 given" in actions(),
                    "the hint as an interviewer action",
                )
                assert "Hints given 1/" in text(watch.query_one("#observer-hints", Static))
                await type_text(hp, "    return [0, 1]")
                await wait_for(
                    op,
                    lambda: "return [0, 1]" in screen_text(observer),
                    "the candidate's answer, as typed",
                )
                clock.advance(20)
                await op.press("f")  # a moment, tied to the time and to the latest hint
                dialog = await on(op, ObserverFlagScreen)
                assert "after: Hint 1 given" in screen_text(observer)
                dialog.query_one("#flag-note", Input).value = "[b]gentle[/b] nudge"
                kinds = dialog.query_one("#flag-kinds", OptionList)
                kinds.highlighted = [o.id for o in kinds.options].index("good-hint")
                await op.press("enter")
                watch = await on(op, ObserverWatchScreen)
                flags = text(watch.query_one("#observer-flags", Static))
                assert "01:00 ✓ Good hint" in flags and "after Hint 1 given (00:40)" in flags
                assert "[b]gentle[/b] nudge" in flags  # shown literally
                await tab_to(op, lambda w: isinstance(w, CriterionRow), "the observer's rubric")
                n = len(watch.query_one("#observer-rubric", RubricScorer).criteria)
                await score_rows(op, ["3"] * n)
                mine = oflow.observer.my_scores()
                assert len(mine) == n and set(mine.values()) == {3}
                # The candidate hands in; the interviewer scores: the observer sees the move,
                # never the scores.
                await hp.press("ctrl+s")
                await on(gp, ScoringScreen)
                await on(hp, SelfAssessmentScreen)
                await score_rows(gp, ["2"] * n)
                await gp.press("ctrl+s")
                await on(gp, WaitingScreen)
                await wait_for(
                    op,
                    lambda: "submitted their scores" in actions(),
                    "the interviewer's move to show",
                )
                latest = oflow.observer.latest
                assert latest is not None and latest.reveal is None
                assert "Hint 1 given" in actions() and "is scoring" not in actions()
                await score_rows(hp, ["4"] * n)
                await hp.press("down")
                await score_rows(hp, ["4"] * 5)
                await hp.press("ctrl+s")
                await on(hp, PairRevealScreen)
                reveal = await on(op, ObserverRevealScreen)
                table = reveal.query_one("#observer-gaps", DataTable)
                rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
                assert rows and all(r[1:] == ["3", "2", "+1"] for r in rows), rows
                assert "Mean 1.0 level(s)" in text(
                    reveal.query_one("#observer-gap-summary", Static)
                )
                listed = text(reveal.query_one("#observer-flag-list", Static))
                assert "Good hint" in listed and "gentle" in listed
                await hp.press("ctrl+n")  # Ana goes on: round 2, Ben answers, Ana interviews
                await on(op, ObserverWaitScreen)
                await play(gp, hp, "Ben", "Ana", first=False)
                await on(hp, PairSummaryScreen)
                await on(gp, PairSummaryScreen)
                last = await on(op, ObserverRevealScreen)
                await wait_for(
                    op,
                    lambda: "session is over" in text(last.query_one("#observer-next", Static)),
                    "the end of the session",
                )
                assert link.last_event_seq > 0 and link.observer_connected
    with HistoryStore(tmp_path / "observer" / "history.sqlite3") as store:
        sessions = [s for s in store.sessions() if s.mode == "pair-observer"]
        assert len(sessions) == 1 and sessions[0].finished_at is not None
        assert store.participants(sessions[0].id) == ["Ana", "Ben"]
        attempts = sorted(store.attempts(role="shadow"), key=lambda a: a.submitted_at)
        assert len(attempts) == 2
        first = next(a for a in attempts if a.details["observer"]["round"] == 1)
        assert set(first.scores["interviewer"].values()) == {3}
        assert set(first.scores["partner"].values()) == {2}
        assert first.details["observer"]["flags"][0]["kind"] == "good-hint"
        assert first.details["observer"]["interviewer"] == "Ben"


def test_pair_host_observer_flag_reaches_the_app(monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    import trainer.tui.launch as launch
    from trainer.cli.main import app

    seen: list[dict[str, Any]] = []

    def fake_launch(**kw: Any) -> int:
        seen.append(kw)
        return 0

    monkeypatch.setattr(launch, "launch_net", fake_launch)
    for args, wanted in ((["pair", "host", "--observer"], True), (["pair", "host"], False)):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert seen[-1]["observer"] is wanted and seen[-1]["mode"] == "host"
    assert "--observer" in CliRunner().invoke(app, ["pair", "host", "--help"]).output
