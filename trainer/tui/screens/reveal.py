"""After an interviewer round: your scores beside the experienced interviewer's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Footer, LoadingIndicator, Markdown, Static

from trainer.core.evaluation.evaluation import FREE_TEXT_KINDS
from trainer.core.session import RoundFinished
from trainer.tui.safe import safe, safe_markdown, safe_text, styled
from trainer.tui.screens.base import RoundScreen

if TYPE_CHECKING:
    from trainer.tui.ports import Flow


class RevealScreen(RoundScreen):
    STAGE = "Calibration"

    BINDINGS = [Binding("ctrl+n", "next", "Next round", priority=True)]

    def __init__(self, flow: Flow) -> None:
        super().__init__(flow)

    def compose(self) -> ComposeResult:
        cal = self.round.calibration
        assert cal is not None
        with Horizontal(classes="round-header"):
            yield self.title_bar()
            mae = f"{float(cal.mae) * 100:.0f}% gap" if cal.mae is not None else "not scored"
            yield Static(styled(mae, "bold"), classes="score")
        with VerticalScroll(id="reveal-body"):
            agree = cal.verdict_agrees
            verdict = (
                styled("Verdicts agree: ", "bold") + safe(str(cal.user_verdict))
                if agree
                else styled("Verdicts differ: ", "bold $warning")
                + styled("you ", "")
                + safe(str(cal.user_verdict or "no verdict"))
                + styled(", reference ", "")
                + safe(str(cal.reference_verdict))
            )
            yield Static(verdict, id="verdict")
            yield DataTable(id="gaps", cursor_type="row", zebra_stripes=True)
            lines = []
            if cal.over:
                lines.append(
                    styled("You scored higher than the reference on: ", "$warning")
                    + safe(", ".join(self._titles(cal.over)))
                )
            if cal.under:
                lines.append(
                    styled("You scored lower than the reference on: ", "$warning")
                    + safe(", ".join(self._titles(cal.under)))
                )
            if not cal.over and not cal.under and cal.mae is not None:
                lines.append(styled("Every criterion matches the reference.", "$success"))
            yield Static(styled("\n", "").join(lines), id="gap-notes")
            yield Static(
                styled("Why the experienced interviewer scored it so", "bold underline"),
                classes="section",
            )
            yield Markdown(safe_markdown(self.reference.rationale), open_links=False)
            if self.reference.feedback:
                yield Static(
                    styled("Their feedback to the candidate", "bold underline"), classes="section"
                )
                yield Markdown(safe_markdown(self.reference.feedback), open_links=False)
            if self.round.feedback.strip():
                yield Static(styled("Your feedback", "bold underline"), classes="section")
                yield Static(safe(self.round.feedback))
            if self._model_wanted:
                yield Static(
                    styled("What the model grader suggests", "bold underline")
                    + styled("  (asked only now that you have scored)", "$text-muted"),
                    classes="section",
                )
                with Horizontal(id="model-line"):
                    yield LoadingIndicator(id="model-busy")
                    yield Static(id="model-status")
        yield Footer()

    @property
    def _model_wanted(self) -> bool:
        return (
            self.flow.services.grader is not None
            and self.entry.question.kind in FREE_TEXT_KINDS
            and bool(self.criteria)
        )

    @work(exclusive=True, group="model-grade")
    async def _grade(self) -> None:
        """The model's levels for the answer you just scored, beside the expert's."""
        grader = self.flow.services.grader
        assert grader is not None
        status = self.query_one("#model-status", Static)
        status.update(safe(f"Sent the answer to the model grader at {grader.host}…"))
        q = self.entry.question
        outcome = await self.flow.services.grade(
            q.title, q.prompt, self.criteria, self.reference.answer
        )
        self.query_one("#model-busy").display = False
        if outcome is None:
            return
        if outcome.error is not None:
            status.update(safe(f"model: {outcome.error}", "$warning"))
            return
        cal = self.round.calibration
        expert = {g.criterion_id: g.reference for g in cal.gaps} if cal is not None else {}
        by_id = {s.criterion_id: s for s in outcome.suggestions}
        lines = [safe(f"model at {outcome.host}:", "$text-muted")]
        for crit in self.criteria:
            found = by_id.get(crit.id)
            if found is None:
                continue
            ref = expert.get(crit.id)
            line = (
                safe(f"  {crit.title}: ", "bold", one_line=True)
                + styled(f"{found.score}", "bold $accent")
                + styled(f" (reference {ref if ref is not None else '—'})", "$text-muted")
                + safe(f" - {found.rationale}", one_line=True)
            )
            if found.quote:
                line += safe(f' "{found.quote}"', "italic $text-muted", one_line=True)
            lines.append(line)
        if not by_id:
            lines.append(styled("  no usable suggestion", "$text-muted"))
        if outcome.dropped:
            lines.append(styled(f"  {len(outcome.dropped)} suggestion(s) dropped", "$text-muted"))
        status.update(Content("\n").join(lines))

    def _titles(self, ids: tuple[str, ...]) -> list[str]:
        titles = {c.id: c.title for c in self.session.criteria(self.round)}
        return [titles.get(i, i) for i in ids]

    def on_mount(self) -> None:
        cal = self.round.calibration
        assert cal is not None
        table = self.query_one("#gaps", DataTable)
        table.add_columns("Criterion", "You", "Reference", "Gap")
        for gap in cal.gaps:
            diff = gap.diff
            if diff is None:
                mark = Text("—", style="dim")
            elif diff == 0:
                mark = Text("0 ✓", style="green")
            else:
                mark = Text(f"{diff:+d}", style="bold yellow")
            table.add_row(
                safe_text(gap.title),
                str(gap.user) if gap.user is not None else "—",
                str(gap.reference) if gap.reference is not None else "—",
                mark,
            )
        table.focus()
        if self._model_wanted:
            self._grade()

    def action_next(self) -> None:
        self.session.apply(RoundFinished())
        self.flow.round_done()
