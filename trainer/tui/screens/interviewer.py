"""Interviewer round: the question as an interviewer sees it, a candidate's answer, your scores."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Markdown, Static, TextArea

from trainer.core.session import AnswerChanged, Scored, Submitted
from trainer.tui.safe import safe, safe_markdown, styled
from trainer.tui.screens.base import RoundScreen
from trainer.tui.widgets.countdown import Countdown
from trainer.tui.widgets.rubric import RubricScorer

if TYPE_CHECKING:
    from trainer.tui.ports import Flow


class InterviewerScreen(RoundScreen):
    STAGE = "Interviewer"

    BINDINGS = [Binding("ctrl+s", "submit", "Submit scores", priority=True)]

    def __init__(self, flow: Flow, restored_text: str | None = None) -> None:
        super().__init__(flow)
        self.restored_text = restored_text

    def compose(self) -> ComposeResult:
        q = self.entry.question
        s = self.session
        with Horizontal(classes="round-header"):
            yield self.title_bar()
            yield Countdown(
                lambda: self.round.remaining(s.clock()), lambda: self.round.paused, id="clock"
            )
        with VerticalScroll(id="interviewer-body"):
            yield Static(
                styled(
                    "Read the question and the candidate's answer (PgDn scrolls), "
                    "then Tab to the rubric and score it.",
                    "italic $text-muted",
                )
            )
            yield Static(styled("The question you asked", "bold underline"), classes="section")
            yield Markdown(safe_markdown(q.prompt), open_links=False)
            if q.hints:
                yield Static(
                    styled("Hints you may give, gentlest first", "bold"), classes="subsection"
                )
                yield Static(
                    styled("\n", "").join(
                        styled(f"{i}. ", "bold $warning") + safe(h)
                        for i, h in enumerate(q.hints, start=1)
                    )
                )
            if q.interviewer_notes:
                yield Static(styled("What to look for", "bold"), classes="subsection")
                yield Markdown(safe_markdown(q.interviewer_notes), open_links=False)
            if q.follow_ups:
                yield Static(styled("Follow-up questions", "bold"), classes="subsection")
                yield Static(
                    styled("\n", "").join(styled("• ", "$accent") + safe(f) for f in q.follow_ups)
                )
            yield Static(styled("The candidate's answer", "bold underline"), classes="section")
            yield Markdown(
                safe_markdown(self._answer_markdown()), open_links=False, id="candidate-answer"
            )
            yield Static(
                styled("Your scores", "bold underline")
                + styled("  (up/down picks a criterion, 1-4 picks a level)", "$text-muted"),
                classes="section",
            )
            yield RubricScorer(self.criteria, self.round.scores, id="rubric")
            yield Static(
                styled("Your feedback for the candidate", "bold underline"), classes="section"
            )
            yield TextArea(
                self.restored_text or self.round.feedback,
                id="feedback",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="What went well, what to improve; cite the answer.",
            )
        yield Footer()

    def _answer_markdown(self) -> str:
        answer = self.reference.answer
        if self.entry.question.kind == "coding" and "```" not in answer:
            return f"```python\n{answer.rstrip()}\n```"
        return answer

    def on_mount(self) -> None:
        self.query_one("#interviewer-body").focus()
        if self.restored_text is not None:
            self.session.apply(AnswerChanged(self.restored_text))

    @on(RubricScorer.Scored)
    def _scored(self, event: RubricScorer.Scored) -> None:
        self.session.apply(Scored(event.criterion_id, event.level))
        self.flow.mark_draft(self.round.feedback, scores=dict(self.round.scores))

    @on(TextArea.Changed, "#feedback")
    def _typed(self, event: TextArea.Changed) -> None:
        self.session.apply(AnswerChanged(event.text_area.text))
        self.flow.mark_draft(event.text_area.text, scores=dict(self.round.scores))

    def action_submit(self) -> None:
        self.reveal_when_scored(self._submit)

    def _submit(self) -> None:
        if self.round.phase != "scoring":
            return
        self.session.apply(Submitted())
        self.flow.submitted()
