"""After a candidate submits: evidence, self-assessment on the rubric, score, approaches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, LoadingIndicator, Markdown, Static

from trainer.core.evaluation.evaluation import FREE_TEXT_KINDS
from trainer.core.packs.model import CodingQuestion, MultipleChoiceQuestion
from trainer.core.session import ModelGraded, RoundFinished, RunCompleted, Scored
from trainer.tui.safe import safe, safe_markdown, styled
from trainer.tui.screens.base import RoundScreen
from trainer.tui.widgets.approaches import ApproachTabs
from trainer.tui.widgets.evidence import EvidenceView, run_lines
from trainer.tui.widgets.rubric import RubricScorer

if TYPE_CHECKING:
    from trainer.tui.ports import Flow


class ResultScreen(RoundScreen):
    STAGE = "Result"

    BINDINGS = [Binding("ctrl+n", "next", "Next round", priority=True)]

    def __init__(self, flow: Flow) -> None:
        super().__init__(flow)
        self._full_run_pending = isinstance(self.entry.question, CodingQuestion)
        grader = flow.services.grader
        self._grading = (
            grader is not None
            and self.entry.question.kind in FREE_TEXT_KINDS
            and bool(self.criteria)
            and not self.round.model_suggestions
        )

    def compose(self) -> ComposeResult:
        q = self.entry.question
        with Horizontal(classes="round-header"):
            yield self.title_bar()
            yield Static(id="score", classes="score")
        with VerticalScroll(id="result-body"):
            yield Static(styled("What the trainer saw", "bold underline"), classes="section")
            yield EvidenceView(id="evidence")
            if self.flow.services.grader is not None and self.entry.question.kind in (
                FREE_TEXT_KINDS
            ):
                with Horizontal(id="model-line"):
                    yield LoadingIndicator(id="model-busy")
                    yield Static(id="model-status")
            if isinstance(q, CodingQuestion):
                yield Static(id="tests", classes="tests")
            if self.criteria:
                yield Static(
                    styled("Score yourself", "bold underline")
                    + styled(
                        "  (up/down picks a criterion, 1-4 picks a level; unscored criteria use "
                        "the trainer's suggestion where it has one)",
                        "$text-muted",
                    ),
                    classes="section",
                )
                yield RubricScorer(self.criteria, self.round.scores, id="rubric")
            if isinstance(q, MultipleChoiceQuestion):
                yield Static(styled("Every choice, explained", "bold underline"), classes="section")
                yield Static(
                    Content("\n").join(
                        styled("✓ " if c.correct else "✗ ", "$success" if c.correct else "$error")
                        + safe(f"{c.id}) {c.text}", "bold")
                        + Content("\n   ")
                        + safe(c.feedback)
                        for c in q.choices
                    ),
                    id="all-choices",
                )
                if q.explanation:
                    yield Markdown(safe_markdown(q.explanation), open_links=False)
            else:
                yield Static(styled("Sample approaches", "bold underline"), classes="section")
                yield ApproachTabs(q.approaches, code=isinstance(q, CodingQuestion))
        yield Footer()

    def on_mount(self) -> None:
        self._refresh()
        if self.criteria:
            self.query_one(RubricScorer).focus_first()
            self.call_after_refresh(self.query_one("#result-body").scroll_home, animate=False)
        else:
            self.query_one("#result-body").focus()
        if self._full_run_pending:
            self._run_all()
        if self._grading:
            self._grade()
        elif self.query("#model-busy"):
            self.query_one("#model-busy").display = False

    @work(exclusive=True, group="model-grade")
    async def _grade(self) -> None:
        """Ask the opt-in grader once; the line says where the answer went and how it ended."""
        grader = self.flow.services.grader
        assert grader is not None
        status = self.query_one("#model-status", Static)
        status.update(
            safe(f"Sent to the model grader at {grader.host}; waiting for its suggestions…")
        )
        q = self.entry.question
        outcome = await self.flow.services.grade(
            q.title, q.prompt, self.criteria, self.round.answer
        )
        self._grading = False
        self.query_one("#model-busy").display = False
        if outcome is None:
            return
        if outcome.error is not None:
            status.update(safe(f"model: {outcome.error}", "$warning"))
            return
        from trainer.core.evaluation.evidence import SuggestedScore

        suggestions = tuple(
            SuggestedScore(s.criterion_id, s.score, s.max_score, "model", s.rationale, s.quote)
            for s in outcome.suggestions
        )
        text = (
            f"model at {outcome.host}: suggestions for {len(suggestions)} of "
            f"{len(self.criteria)} criteria"
        )
        if outcome.dropped:
            text += f"; {len(outcome.dropped)} dropped ({outcome.dropped[0]}"
            text += ", …)" if len(outcome.dropped) > 1 else ")"
        status.update(safe(text, "$text-muted"))
        if self.round.phase == "reviewing" and suggestions:
            self.session.apply(ModelGraded(suggestions))
            self._refresh()

    @work(exclusive=True, group="full-run")
    async def _run_all(self) -> None:
        from trainer.core.evaluation.runner import limits_from_question, tests_from_question

        q = self.entry.question
        assert isinstance(q, CodingQuestion)
        result = await self.flow.services.run(
            self.round.answer, q.signature.function, tests_from_question(q), limits_from_question(q)
        )
        if self.round.phase != "reviewing":
            return
        self.session.apply(RunCompleted(result))
        self._full_run_pending = False
        self.query_one("#tests", Static).update(styled("All tests\n", "bold") + run_lines(result))
        self._refresh()

    @on(RubricScorer.Scored)
    def _scored(self, event: RubricScorer.Scored) -> None:
        self.session.apply(Scored(event.criterion_id, event.level))
        self._refresh()

    def _refresh(self) -> None:
        ev = self.round.evaluation
        if ev is None:
            return
        pending = "Running every test (sample and hidden)…" if self._full_run_pending else ""
        self.query_one(EvidenceView).show(ev, pending)
        if self.criteria:
            self.query_one(RubricScorer).show_suggestions(ev.suggestions)
        final = ev.final
        if ev.overall is None:
            text = styled("score: not yet", "$text-muted")
        else:
            pct = round(float(ev.overall) * 100)
            text = styled(f"{pct}%", "bold")
            if final.verdict:
                text += styled(f" · {final.verdict}", "bold $accent")
            if final.partial:
                text += styled(" (partial)", "$text-muted")
        self.query_one("#score", Static).update(text)

    def action_next(self) -> None:
        if self._full_run_pending:
            self.notify("Still running the tests; the next round can wait a moment.", markup=False)
            return
        self.session.apply(RoundFinished())
        self.flow.round_done()
