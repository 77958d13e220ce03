"""Candidate round: prompt, clock, hints, the answer editor, sample runs, submit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Markdown, Static, TextArea

from trainer.core.packs.model import CodingQuestion, MultipleChoiceQuestion
from trainer.core.session import (
    AnswerChanged,
    ChoicesChanged,
    HintRequested,
    Paused,
    Resumed,
    SampleRunCompleted,
    Submitted,
)
from trainer.tui.safe import safe, safe_markdown, styled
from trainer.tui.screens.base import RoundScreen
from trainer.tui.widgets.choices import ChoiceList
from trainer.tui.widgets.countdown import Countdown
from trainer.tui.widgets.evidence import run_lines

if TYPE_CHECKING:
    from trainer.tui.ports import Flow


class BlankPane(VerticalScroll):
    """A pane whose own paint is only its background (its children and scrollbars are
    composited apart), so a keystroke beside it is not a repaint of all its rows."""

    BLANK = True


class BlankHeader(Horizontal):
    """The round header's row: background only, its title and clock paint themselves."""

    BLANK = True


class CandidateScreen(RoundScreen):
    STAGE = "Candidate"
    # An opaque screen with no border: its own paint is its background, which Textual then
    # draws without rendering it line by line. Each keystroke composites every child of the
    # screen for the rows it changes, so this and the two classes above are the repaints a
    # keystroke costs beyond the editor (the footer is one row).
    BLANK = True

    BINDINGS = [
        Binding("ctrl+g", "hint", "Hint", priority=True),
        Binding("ctrl+r", "run_samples", "Run samples", priority=True),
        Binding("ctrl+t", "pause", "Pause", priority=True),
        Binding("ctrl+s", "submit", "Submit", priority=True),
    ]

    def __init__(self, flow: Flow, restored_text: str | None = None) -> None:
        super().__init__(flow)
        self.restored_text = restored_text
        self._sample_run_active = False

    @property
    def question(self):  # type: ignore[no-untyped-def]
        return self.entry.question

    def compose(self) -> ComposeResult:
        q = self.question
        s = self.session
        with BlankHeader(classes="round-header"):
            yield self.title_bar()
            yield Countdown(
                lambda: self.round.remaining(s.clock()), lambda: self.round.paused, id="clock"
            )
        # The panes are the screen's own children, and a written answer's editor is a pane by
        # itself: every container behind the editor is composited again on each keystroke.
        with BlankPane(id="prompt-pane"):
            yield Static(
                styled(f"{q.kind.replace('_', ' ')} · {q.difficulty}", "$text-muted")
                + safe("  " + " ".join(f"#{t}" for t in q.tags), "$text-muted"),
                classes="meta",
            )
            yield Markdown(safe_markdown(q.prompt), open_links=False, id="prompt")
            yield Static(id="hints", classes="hints")
        if isinstance(q, CodingQuestion | MultipleChoiceQuestion):
            with Vertical(id="answer-pane"):
                yield from self._editor()
                if isinstance(q, CodingQuestion):
                    yield Static(
                        styled("ctrl+r runs the sample tests here.", "italic $text-muted"),
                        id="runs",
                    )
        else:
            yield from self._editor()
        yield Footer()

    def _editor(self) -> ComposeResult:
        q = self.question
        if isinstance(q, MultipleChoiceQuestion):
            hint = "Pick one" if q.select == "single" else "Select all that apply"
            yield Static(
                styled(f"{hint} (Space or Enter selects, ctrl+s submits)", "$text-muted"),
                classes="choice-hint",
            )
            yield ChoiceList(
                q.choices,
                multiple=q.select == "multiple",
                selected=self.round.selected,
                id="choices",
            )
            return
        if isinstance(q, CodingQuestion):
            text = self.restored_text or self.round.answer or q.signature.starter_code()
            editor = TextArea.code_editor(text, language="python", id="editor", soft_wrap=False)
        else:
            text = self.restored_text or self.round.answer
            editor = TextArea(
                text,
                id="editor",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="Type your answer. It is saved as you type.",
            )
        yield editor

    def on_mount(self) -> None:
        self._show_hints()
        if self.restored_text is not None:
            self.session.apply(AnswerChanged(self.restored_text))
        editor = self.query("#editor, #choices").first()
        editor.focus()
        if isinstance(editor, TextArea) and editor.text != self.round.answer:
            self.session.apply(AnswerChanged(editor.text))
        if isinstance(editor, TextArea) and editor.text:
            # continue where the text ends (the starter's body, or a restored draft)
            lines = editor.text.split("\n")
            editor.move_cursor((len(lines) - 1, len(lines[-1])))

    def _show_hints(self) -> None:
        hints = self.session.visible_hints()
        total = len(self.question.hints)
        widget = self.query_one("#hints", Static)
        if not total:
            widget.update(styled("No hints for this question.", "$text-muted"))
            return
        more = "  (ctrl+g for the next)" if len(hints) < total else ""
        parts = [styled(f"Hints {len(hints)}/{total}", "bold") + styled(more, "$text-muted")]
        # newest first: the hint just asked for is always in view without scrolling
        for i, hint in reversed(list(enumerate(hints, start=1))):
            parts.append(styled(f"{i}. ", "bold $warning") + safe(hint))
        widget.update(styled("\n", "").join(parts))

    @on(TextArea.Changed, "#editor")
    def _typed(self, event: TextArea.Changed) -> None:
        text = event.text_area.text  # joins the document's lines: once per key, not twice
        self.session.apply(AnswerChanged(text))
        self.flow.mark_draft(
            text, hints=self.round.hints_shown, elapsed=self.round.elapsed(self.session.clock())
        )

    @on(ChoiceList.Changed)
    def _chosen(self, event: ChoiceList.Changed) -> None:
        self.session.apply(ChoicesChanged(event.selected))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do nothing for this question (the footer only shows what works)."""
        if action == "run_samples":
            return isinstance(self.question, CodingQuestion)
        if action == "hint":
            return bool(self.question.hints)
        return True

    def action_hint(self) -> None:
        if self.round.hints_shown >= len(self.question.hints):
            self.notify("No more hints.", markup=False)
            return
        self.session.apply(HintRequested())
        self._show_hints()
        self.query_one("#hints").scroll_home(animate=False)
        self.flow.mark_draft(self.round.answer, hints=self.round.hints_shown)

    def action_pause(self) -> None:
        self.session.apply(Resumed() if self.round.paused else Paused())
        self.query_one(Countdown).tick()
        self.notify("Clock paused." if self.round.paused else "Clock running.", markup=False)

    def action_run_samples(self) -> None:
        if not isinstance(self.question, CodingQuestion):
            self.notify("Only coding questions have tests to run.", markup=False)
            return
        if self._sample_run_active:
            return
        self._sample_run_active = True
        self.query_one("#runs", Static).update(styled("Running the sample tests…", "italic"))
        self._run_samples()

    @work(exclusive=True, group="samples")
    async def _run_samples(self) -> None:
        from trainer.core.evaluation.runner import limits_from_question, tests_from_question

        q = self.question
        assert isinstance(q, CodingQuestion)
        try:
            result = await self.flow.services.run(
                self.round.answer,
                q.signature.function,
                tests_from_question(q, only="sample"),
                limits_from_question(q),
            )
        finally:
            self._sample_run_active = False
        if self.round.phase != "answering":
            return
        self.session.apply(SampleRunCompleted(result))
        total = len(result.tests) + len(result.not_run)
        head = styled(f"Sample tests: {result.passed}/{total} passed\n", "bold")
        self.query_one("#runs", Static).update(head + run_lines(result))

    def action_submit(self) -> None:
        empty = not self.round.answer.strip() and not self.round.selected
        starter = isinstance(self.question, CodingQuestion) and (
            self.round.answer.strip() == self.question.signature.starter_code().strip()
        )
        if empty or starter:
            self.confirm_then(
                "Your answer is empty. Submit anyway?", "Submit", "Keep working", self._submit
            )
            return
        self._submit()

    def _submit(self) -> None:
        if self.round.phase != "answering":
            return
        self.session.apply(Submitted())
        self.flow.submitted()
