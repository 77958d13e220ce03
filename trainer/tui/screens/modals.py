"""Small modal dialogs: confirm, restore a draft, help."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from trainer.core.text import shorten
from trainer.tui.safe import safe, styled


class ConfirmScreen(ModalScreen[bool]):
    """Yes/no; Enter or y confirms, Escape or n cancels."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="modal")
        self.question = question
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(styled(self.question, "bold"), classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant="primary", id="yes")
                yield Button(self.no, id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class RestoreDraftScreen(ModalScreen[bool]):
    """Offer back an answer that was being typed when the app last stopped."""

    BINDINGS = [Binding("escape", "answer(False)", "Discard")]

    def __init__(
        self, where: str, text: str, saved: str, title: str = "Unfinished answer found"
    ) -> None:
        super().__init__(classes="modal")
        self.where, self.text, self.saved = where, text, saved
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(styled(self.title_text, "bold"), classes="dialog-title")
            yield Static(safe(f"{self.where} · saved {self.saved}", "$text-muted"))
            yield Static(
                safe(shorten(self.text.replace("\n", " ⏎ "), 360)), classes="draft-preview"
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Restore", variant="primary", id="restore")
                yield Button("Discard", variant="error", id="discard")

    def on_mount(self) -> None:
        self.query_one("#restore", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "restore")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


HELP = """\
Everywhere
  ? or f1     this help
  ctrl+p      command palette: find a question by its title
  f8          light or dark theme
  ctrl+q      quit (answers are saved as you type)
Home
  type        filter the questions (tab moves between the filters)
  enter       start a session with the highlighted question
  ctrl+s      start a mixed session from the filtered questions
  ctrl+r      review what is due today, weakest criterion first
  f2 / f3     history / stats (keys 1-4 switch the stats tabs)
Candidate round
  ctrl+g      show the next hint
  ctrl+r      run the sample tests (coding)
  ctrl+t      pause or resume the clock
  space       select a choice (multiple choice)
  ctrl+s      submit your answer
Result screen and interviewer round
  tab         move between the text and the rubric
  up, down    move between criteria
  1-9         score the highlighted criterion; 0 clears it
  ctrl+s      reveal the reference scores (interviewer)
  ctrl+n      next round
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss_help", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="modal")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static(styled("Keys", "bold"))
            yield Static(styled(HELP, ""))
            yield Static(styled("Escape closes this.", "italic $text-muted"))

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
