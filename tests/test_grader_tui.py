"""The opt-in model grader in the app: the result screen asks it once, says where the answer
went, shows its levels beside each criterion and fills only what nobody scored; an
interviewer round asks it only after the user has scored. Failures end in one line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from textual.widgets import Static

from tests.grader_stub import GraderStub, completion_body
from tests.test_tui_flows import (
    FREE_TEXT,
    INTERVIEW,
    SIZE,
    FakeClock,
    make_app,
    score_rows,
    static,
    tab_to,
    type_text,
    wait_for,
    wait_screen,
)
from trainer.core.evaluation.grader import GraderConfig, GraderOutcome, ModelSuggestion
from trainer.core.packs.resolve import ResolvedCriterion
from trainer.tui.app import TrainerApp
from trainer.tui.screens.candidate import CandidateScreen
from trainer.tui.screens.interviewer import InterviewerScreen
from trainer.tui.screens.result import ResultScreen
from trainer.tui.screens.reveal import RevealScreen
from trainer.tui.widgets.rubric import CriterionRow

CONFIG = GraderConfig("http://127.0.0.1:9/v1", model="stub", timeout_s=1.0)
ANSWER = "tcp orders bytes and retransmits lost ones"


class FakeGrader:
    """Stands in for the blocking call; records what it was asked."""

    def __init__(self, outcome: GraderOutcome) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, list[str], str]] = []

    def __call__(
        self,
        config: GraderConfig,
        title: str,
        prompt: str,
        criteria: Sequence[ResolvedCriterion],
        answer: str,
    ) -> GraderOutcome:
        self.calls.append((title, [c.id for c in criteria], answer))
        return self.outcome


def with_grader(app: TrainerApp, grader: FakeGrader) -> TrainerApp:
    app.services.grader = CONFIG
    app.services.grade_answer = grader
    return app


def suggestion(cid: str, score: int, rationale: str = "names retransmission") -> ModelSuggestion:
    return ModelSuggestion(cid, score, 4, "retransmits lost ones", rationale)


async def test_result_screen_shows_the_host_and_fills_only_unscored(tmp_path: Path) -> None:
    grader = FakeGrader(
        GraderOutcome(
            "127.0.0.1:9",
            (suggestion("accuracy", 3), suggestion("depth", 2)),
            dropped=("communication: quote not found in the answer",),
        )
    )
    app = with_grader(make_app(tmp_path, role="candidate", question=FREE_TEXT), grader)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, CandidateScreen)
        await type_text(pilot, ANSWER)
        await pilot.press("ctrl+s")
        screen = await wait_screen(pilot, ResultScreen)
        await wait_for(pilot, lambda: "model at" in static(pilot, "#model-status"), "grader")
        status = static(pilot, "#model-status")
        assert "127.0.0.1:9" in status and "2 of 3 criteria" in status
        assert "1 dropped (communication: quote not found" in status
        assert grader.calls == [
            (screen.entry.question.title, ["accuracy", "depth", "communication"], ANSWER)
        ]
        ev = app.flow.require_session().current.evaluation
        assert ev is not None
        assert ev.final.score_of("accuracy") == 3 and ev.final_sources["accuracy"] == "auto"
        rows = list(screen.query(CriterionRow))
        assert "model suggestion: 3" in str(rows[0].query_one(".criterion-status", Static).render())
        assert '"retransmits lost ones"' in static(pilot, "#evidence")
        await score_rows(pilot, ["1"])  # the person's score wins over the model's
        ev = app.flow.require_session().current.evaluation
        assert ev is not None and ev.final.score_of("accuracy") == 1
        assert ev.final_sources["accuracy"] == "self"


async def test_a_failed_call_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    grader = FakeGrader(
        GraderOutcome("127.0.0.1:9", error="grader at 127.0.0.1:9: connection refused")
    )
    app = with_grader(make_app(tmp_path, role="candidate", question=FREE_TEXT), grader)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, CandidateScreen)
        await type_text(pilot, ANSWER)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, ResultScreen)
        await wait_for(pilot, lambda: "refused" in static(pilot, "#model-status"), "error")
        assert static(pilot, "#model-status") == (
            "model: grader at 127.0.0.1:9: connection refused"
        )
        ev = app.flow.require_session().current.evaluation
        assert ev is not None and "auto" not in ev.by_source
        assert all(s.rule != "model" for s in ev.suggestions)
        assert static(pilot, "#score") == "score: not yet"


async def test_model_text_is_shown_literally(tmp_path: Path) -> None:
    hostile = "[bold red]boom[/] $(rm -rf) \x1b[2J"
    grader = FakeGrader(GraderOutcome("127.0.0.1:9", (suggestion("accuracy", 2, hostile),)))
    app = with_grader(make_app(tmp_path, role="candidate", question=FREE_TEXT), grader)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, CandidateScreen)
        await type_text(pilot, ANSWER)
        await pilot.press("ctrl+s")
        screen = await wait_screen(pilot, ResultScreen)
        await wait_for(pilot, lambda: "model at" in static(pilot, "#model-status"), "grader")
        row = next(iter(screen.query(CriterionRow)))
        shown = str(row.query_one(".criterion-status", Static).render())
        assert "[bold red]boom[/]" in shown and "\x1b" not in shown


async def test_no_grader_no_line_and_nothing_sent(tmp_path: Path) -> None:
    grader = FakeGrader(GraderOutcome("127.0.0.1:9"))
    app = make_app(tmp_path, role="candidate", question=FREE_TEXT)
    app.services.grade_answer = grader  # configured call, but no grader: never used
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, CandidateScreen)
        await type_text(pilot, ANSWER)
        await pilot.press("ctrl+s")
        screen = await wait_screen(pilot, ResultScreen)
        await pilot.pause(0.1)
        assert not screen.query("#model-status")
        assert grader.calls == []


async def test_interviewer_round_asks_only_after_scoring(tmp_path: Path) -> None:
    grader = FakeGrader(GraderOutcome("127.0.0.1:9", (suggestion("coverage", 4),)))
    clock = FakeClock()
    app = with_grader(
        make_app(tmp_path, role="interviewer", question=INTERVIEW, clock=clock), grader
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, InterviewerScreen)
        assert not screen.query("#model-status")
        await tab_to(pilot, lambda w: isinstance(w, CriterionRow), "the rubric")
        await score_rows(pilot, ["3", "3"])
        await pilot.pause(0.1)
        assert grader.calls == []  # never while the user is still scoring
        await pilot.press("ctrl+s")
        reveal = await wait_screen(pilot, RevealScreen)
        await wait_for(pilot, lambda: "model at" in static(pilot, "#model-status"), "grader")
        assert len(grader.calls) == 1 and grader.calls[0][2] == reveal.reference.answer
        assert "(reference" in static(pilot, "#model-status")


async def test_end_to_end_against_a_loopback_server(tmp_path: Path) -> None:
    content = json.dumps(
        {
            "criteria": [
                {
                    "id": "accuracy",
                    "level": 3,
                    "quote": "retransmits lost ones",
                    "rationale": "Names retransmission.",
                },
                {"id": "depth", "level": 2, "quote": "not in the answer", "rationale": "x"},
            ]
        }
    )
    with GraderStub("good", body=completion_body(content)) as stub:
        app = make_app(tmp_path, role="candidate", question=FREE_TEXT)
        app.services.grader = GraderConfig(stub.url, model="stub", timeout_s=5.0)
        async with app.run_test(size=SIZE) as pilot:
            await wait_screen(pilot, CandidateScreen)
            await type_text(pilot, ANSWER)
            await pilot.press("ctrl+s")
            await wait_screen(pilot, ResultScreen)
            await wait_for(pilot, lambda: "model at" in static(pilot, "#model-status"), "reply")
            status = static(pilot, "#model-status")
            assert "1 of 3 criteria" in status and "1 dropped" in status
        sent = stub.requests[0]
        assert sent["model"] == "stub" and ANSWER in json.dumps(sent["messages"])


def test_bad_grader_settings_are_one_line_and_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from trainer.cli.main import app as cli

    runner = CliRunner()
    result = runner.invoke(cli, ["--data-dir", str(tmp_path), "--grader", "ftp://127.0.0.1/v1"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("trainer: grader settings: ")
    (tmp_path / "config.toml").write_text("[grader\nurl = 1\n", encoding="utf-8")
    result = runner.invoke(cli, ["--data-dir", str(tmp_path)], env={"TRAINER_GRADER_URL": ""})
    assert result.exit_code == 2 and "config.toml" in result.output
