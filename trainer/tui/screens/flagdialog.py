"""The dialog that flags a moment: a kind from a list and an optional note.

Shared by the solo shadow round and the observer seat of pair mode. The list has focus,
so Enter picks a kind at once; a printable key typed there goes to the note instead of
being lost (`type_into`, as on the home screen), and Backspace edits it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from trainer.core.shadowing import MomentKindInfo
from trainer.tui.safe import safe, styled
from trainer.tui.widgets.typeahead import type_into

ResultT = TypeVar("ResultT")


class FlagDialog(ModalScreen[ResultT]):
    """Title, extra rows, note, kinds and help; subclasses turn a pick into their result."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    NOTE_MAX: int | None = None

    def __init__(self, title: Content, kinds: Iterable[MomentKindInfo]) -> None:
        super().__init__(classes="flag-screen")
        self.title_content, self.kinds = title, list(kinds)

    def extra_rows(self) -> Iterator[Widget]:
        """Rows between the title and the note (the solo round's turn number)."""
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical(id="flag-dialog"):
            yield Static(self.title_content, id="flag-title")
            yield from self.extra_rows()
            yield Input(
                placeholder="Note (optional; type to add one)",
                id="flag-note",
                compact=True,
                max_length=self.NOTE_MAX or 0,
            )
            yield OptionList(
                *[
                    Option(
                        styled("✓ " if k.good else "✗ ", "$success" if k.good else "$error")
                        + safe(k.title, one_line=True),
                        id=k.id,
                    )
                    for k in self.kinds
                ],
                id="flag-kinds",
            )
            yield Static(
                styled("Enter picks the kind · typing adds a note · Esc cancels", "$text-muted"),
                id="flag-help",
            )

    def on_mount(self) -> None:
        kinds = self.query_one("#flag-kinds", OptionList)
        kinds.highlighted = 0
        kinds.focus()

    def note(self) -> str:
        return self.query_one("#flag-note", Input).value.strip()

    def on_key(self, event: events.Key) -> None:
        """Typing while the list has focus writes the note, so no keystroke is lost."""
        if isinstance(self.focused, OptionList):
            type_into(self.query_one("#flag-note", Input), event)

    @on(OptionList.OptionSelected, "#flag-kinds")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.picked(str(event.option.id))

    def picked(self, kind: str) -> None:
        raise NotImplementedError

    @on(Input.Submitted)
    def _enter_in_input(self) -> None:
        self.query_one("#flag-kinds", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
