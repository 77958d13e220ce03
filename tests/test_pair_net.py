"""Two terminals, two app instances in one test, linked over loopback TLS.

Each app shows only its own seat: the candidate's terminal never receives the
interviewer's material. A full round is played each way (both people are candidate
once), hints cross the link, the interviewer watches the answer as it is typed, and
both people end with both sides of every round in their own history.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

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
)
from trainer.core.pair.wire import to_event, validate_payload, validate_view
from trainer.core.storage.history import HistoryStore
from trainer.tui.app import TrainerApp
from trainer.tui.screens.pair.answering import AnsweringScreen
from trainer.tui.screens.pair.assessing import ScoringScreen, SelfAssessmentScreen
from trainer.tui.screens.pair.briefing import BriefingScreen
from trainer.tui.screens.pair.network import HostWaitScreen, MirrorScreen, WaitingScreen
from trainer.tui.screens.pair.reveal import PairRevealScreen
from trainer.tui.screens.pair.summary import PairSummaryScreen
from trainer.tui.services import NetOptions, PairOptions, Services, StartOptions
from trainer.tui.widgets.rubric import CriterionRow

QUESTION = "example/pair-sum"


def make(data: Path, net: NetOptions, clock: FakeClock) -> TrainerApp:
    services = Services(
        data_dir=data,
        clock=clock,
        wall=lambda: WALL,
        run_tests=FakeRunner(lambda t: True),
        bank=repo_bank(),
    )
    pair = PairOptions(rounds=2, question=QUESTION, pack_ids=["example"])
    return TrainerApp(services, StartOptions(pair=pair, net=net))


async def on(pilot: Pilot[None], kind: type, what: str = "") -> Any:
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, kind) and pilot.app.screen.is_mounted,
        what or kind.__name__,
    )
    await pilot.pause()
    return pilot.app.screen


def private_texts(app: TrainerApp) -> list[str]:
    q = repo_bank().find(QUESTION)
    assert q is not None
    question = q.question
    return [a.title for a in question.approaches] + [
        r.rationale[:30] for r in question.reference_answers
    ]


async def play(
    cand: Pilot[None], intv: Pilot[None], cand_name: str, intv_name: str, first: bool
) -> None:
    """One round: the interviewer briefs, hints, watches; both assess; both see the reveal."""
    await on(intv, BriefingScreen)
    await on(cand, WaitingScreen)
    shown = screen_text(cand.app)  # type: ignore[arg-type]
    assert f"{intv_name} is reading the interviewer briefing" in shown
    await intv.press("ctrl+s")
    answering = await on(cand, AnsweringScreen)
    await on(intv, MirrorScreen)
    if first:
        for secret in private_texts(cand.app):  # type: ignore[arg-type]
            assert secret not in screen_text(cand.app)  # type: ignore[arg-type]
    await intv.press("ctrl+g")
    if int(intv.app.screen.data.get("hints_total", 0)):  # type: ignore[attr-defined]
        shown_to = cand.app
        await wait_for(cand, lambda: "Hints given 1/" in screen_text(shown_to), "the hint")  # type: ignore[arg-type]
    else:  # the second round's question is drawn from the pack and may have no hints
        await intv.pause(0.2)
        assert "No hints for this question." in screen_text(cand.app)  # type: ignore[arg-type]
    editor = answering.query("#editor")
    if editor and isinstance(editor.first(), TextArea):
        await type_text(cand, "    return [0, 1]")
        await wait_for(
            intv,
            lambda: "return [0, 1]▏" in screen_text(intv.app),  # type: ignore[arg-type]
            "the mirrored answer, with the cursor at its end",
        )
        await cand.press("left", "left")  # moving the cursor alone moves the mirror's caret
        await wait_for(
            intv,
            lambda: "return [0, ▏1]" in screen_text(intv.app),  # type: ignore[arg-type]
            "the caret to follow",
        )
    else:
        await cand.press("enter")
    await cand.press("ctrl+s")
    await on(intv, ScoringScreen)
    await on(cand, SelfAssessmentScreen)
    n = len(cand.app.screen.query_one("#self-rubric").criteria)  # type: ignore[attr-defined]
    await score_rows(intv, ["2"] * len(intv.app.screen.query_one("#rubric").criteria))  # type: ignore[attr-defined]
    await intv.press("ctrl+s")
    await on(intv, WaitingScreen)
    await cand.pause(0.1)  # the interviewer's submit reaches the candidate's view first
    await tab_to(cand, lambda w: isinstance(w, CriterionRow), "the self-assessment")
    await score_rows(cand, ["3"] * n)
    await tab_to(
        cand,
        lambda w: isinstance(w, CriterionRow) and any(a.id == "ratings" for a in w.ancestors),
        "the interviewer ratings",
    )
    await score_rows(cand, ["4"] * 5)
    await cand.press("ctrl+s")
    await on(cand, PairRevealScreen)
    await on(intv, PairRevealScreen)
    assert f"{intv_name} says" in screen_text(cand.app) or "Verdicts agree" in screen_text(cand.app)  # type: ignore[arg-type]
    await cand.press("ctrl+n")


async def test_two_terminals_play_a_round_each_way(tmp_path: Path) -> None:
    clock = FakeClock()
    host = make(tmp_path / "host", NetOptions(mode="host", name="Ana"), clock)
    async with host.run_test(size=SIZE) as hp:
        await on(hp, HostWaitScreen)
        assert host.net_flow is not None
        code = host.net_flow.link.join_code  # type: ignore[union-attr]
        shown = screen_text(host)
        assert "trainer pair join" in shown and code[:40] in shown
        guest = make(tmp_path / "guest", NetOptions(mode="join", name="Ben", code=code), clock)
        async with guest.run_test(size=SIZE) as gp:
            await play(hp, gp, "Ana", "Ben", first=True)
            await play(gp, hp, "Ben", "Ana", first=False)
            await on(hp, PairSummaryScreen)
            await on(gp, PairSummaryScreen)
    for side in ("host", "guest"):
        with HistoryStore(tmp_path / side / "history.sqlite3") as store:
            sessions = [s for s in store.sessions() if s.mode == "pair"]
            assert len(sessions) == 1, side
            assert store.participants(sessions[0].id) == ["Ana", "Ben"]
            rounds = store.pair_rounds(sessions[0].id)
            assert [(r["candidate_name"], r["interviewer_name"]) for r in rounds] == [
                ("Ana", "Ben"),
                ("Ben", "Ana"),
            ], side
            assert rounds[0]["scores"] and rounds[0]["self_scores"] and rounds[0]["ratings"]


# -- the wire, without apps: what a hostile guest can send ------------------------------


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("answer_changed", {"text": "x" * 300_000}),  # over the answer cap
        ("answer_changed", {"text": 5}),
        ("answer_changed", {"text": "hi", "seat": 0}),  # no seat from the wire, ever
        ("answer_changed", {"text": "hi", "cursor": [1]}),
        ("answer_changed", {"text": "hi", "cursor": [-1, 0]}),
        ("answer_changed", {"text": "hi", "cursor": [0, "0"]}),
        ("scored", {"criterion_id": "correctness", "level": 99}),
        ("scored", {"criterion_id": "", "level": 2}),
        ("scored", {"criterion_id": "correctness", "level": True}),
        ("choices_changed", {"selected": ["a"] * 51}),
        ("notes_changed", {"text": "n" * 5_000}),
        ("teleport", {}),
        ("hint_given", {"extra": 1}),
        ("sample_run", {"passed": -1, "total": 3, "summary": ""}),
    ],
)
def test_bad_guest_payloads_are_refused_before_the_session(
    kind: str, payload: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        validate_payload(kind, payload)


def test_the_host_decides_the_seat() -> None:
    kind, payload = validate_payload("answer_changed", {"text": "hello"})
    event = to_event(kind, payload, 1)
    assert event is not None and event.seat == 1


@pytest.mark.parametrize(
    "view",
    [
        {},
        {
            "seat": 0,
            "names": ["a"],
            "role": "candidate",
            "round": 1,
            "rounds": 1,
            "phase": "x",
            "question": {},
        },
        {
            "seat": 0,
            "names": ["a", "b"],
            "role": "boss",
            "round": 1,
            "rounds": 1,
            "phase": "x",
            "question": {},
        },
        json.loads('{"seat": "0"}'),
    ],
)
def test_views_without_the_fields_screens_read_are_refused(view: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        validate_view(view)


async def test_a_link_dropped_mid_typing_loses_and_doubles_nothing(tmp_path: Path) -> None:
    from tests.test_pair_link import Proxy
    from trainer.core.pair.codes import JoinCode

    clock = FakeClock()
    host = make(tmp_path / "host", NetOptions(mode="host", name="Ana", guest_starts=True), clock)
    async with host.run_test(size=SIZE) as hp:
        await on(hp, HostWaitScreen)
        assert host.net_flow is not None and host.net_flow.link is not None
        real = JoinCode.decode(host.net_flow.link.join_code)
        proxy = Proxy(real.host_port)
        await proxy.start()
        code = JoinCode(f"127.0.0.1:{proxy.port}", real.fingerprint, real.secret).encode()
        guest = make(tmp_path / "guest", NetOptions(mode="join", name="Ben", code=code), clock)
        try:
            async with guest.run_test(size=SIZE) as gp:
                await on(gp, WaitingScreen)
                await on(hp, BriefingScreen)
                await hp.press("ctrl+s")  # Ana interviews; Ben answers at his own terminal
                cand, intv = gp, hp
                await on(cand, AnsweringScreen)
                await type_text(cand, "    ab")
                proxy.blocked = True
                proxy.drop()  # the link goes mid-word
                glink = guest.net_flow.link  # type: ignore[union-attr]
                assert glink is not None
                await wait_for(gp, lambda: glink.status == "reconnecting", "the drop to show")
                await type_text(cand, "cd")  # typed while no link: kept in the outbox
                proxy.blocked = False  # and comes back; the outbox is resent once
                await wait_for(gp, lambda: glink.status == "paired", "the link to resume")
                await type_text(cand, "ef")
                flow = host.net_flow
                assert flow.session is not None
                editor = cand.app.screen.query_one("#editor", TextArea)
                await wait_for(
                    cand,
                    lambda: flow.session is not None and flow.session.current.answer == editor.text,
                    "the host to hold exactly the typed answer",
                )
                assert flow.session.current.answer.endswith("    abcdef")
                await wait_for(
                    intv,
                    lambda: "abcdef" in screen_text(intv.app),
                    "the mirror to catch up",  # type: ignore[arg-type]
                )
        finally:
            await proxy.stop()
