"""The screen between turns at a shared terminal: who looks away, who presses Enter.

It shows names and the next stage only, never any question material, so whatever is
on screen while the keyboard changes hands is safe for both people to see.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from trainer.tui.safe import safe, styled


class HandoffScreen(Screen[None]):
    """Enter calls `then`. Other keys do nothing: no accidental peeking."""

    BINDINGS = [Binding("enter", "go", "Continue", priority=True)]

    def __init__(
        self,
        heading: str,
        away: str | None,
        actor: str | None,
        body: str,
        then: Callable[[], None],
    ) -> None:
        super().__init__(classes="handoff-screen")
        self.then = then
        self._gone = False
        self.heading = heading
        self.away = away
        self.actor = actor
        self.body = body

    def compose(self) -> ComposeResult:
        with Middle(), Center(), Vertical(id="handoff"):
            yield Static(safe(self.heading, "bold $accent"), id="handoff-heading")
            if self.away is not None:
                yield Static(
                    safe(self.away, "bold", one_line=True)
                    + styled(", please look away now.", "bold"),
                    id="handoff-away",
                )
            yield Static(safe(self.body), id="handoff-body")
            prompt = styled("Press Enter to continue.", "bold $success")
            if self.actor is not None:
                prompt = safe(self.actor, "bold $success", one_line=True) + styled(
                    ", press Enter when you are ready.", "bold $success"
                )
            yield Static(prompt, id="handoff-prompt")
        yield Footer()

    def action_go(self) -> None:
        if not self._gone:  # a second Enter before the next screen shows must not skip it
            self._gone = True
            self.then()
