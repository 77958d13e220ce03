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

    def __init__(self, where: str, text: str, saved: str) -> None:
        super().__init__(classes="modal")
        self.where, self.text, self.saved = where, text, saved

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(styled("Unfinished answer found", "bold"), classes="dialog-title")
            yield Static(safe(f"{self.where} · saved {self.saved}", "$text-muted"))
            preview = "\n".join(self.text.splitlines()[:6])
            yield Static(
                safe(shorten(preview, 400) if "\n" not in preview else preview[:400]),
                classes="draft-preview",
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
  ?            this help              ctrl+p   command palette (jump to a question)
  ctrl+q       quit (answers are saved as you type)
  f8           switch light/dark theme
Home
  enter        start with the highlighted question     ctrl+s   start a session
  /            search                                   tab      move between fields
Candidate round
  ctrl+g       next hint              ctrl+r   run the sample tests (coding)
  ctrl+t       pause/resume clock     ctrl+s   submit the answer
  space        select a choice (multiple choice)
Result and interviewer rounds
  up/down      move between criteria  1-9      score the focused criterion
  0            clear a score          ctrl+s   submit scores (interviewer)
  ctrl+n       next round
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
