"""Set up a pair session: two names, how many rounds, who is candidate first."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Select, Static

from trainer.core.text import NAME_MAX, clean_name
from trainer.tui.safe import safe, styled


class PairSetupScreen(Screen[None]):
    BINDINGS = [Binding("ctrl+s", "start", "Start", priority=True)]

    @dataclass
    class StartRequested(Message):
        names: tuple[str, str]
        rounds: int
        first_candidate: int

    def __init__(
        self,
        names: tuple[str, str] = ("", ""),
        rounds: int = 2,
        first_candidate: int = 0,
        questions: str = "",
    ) -> None:
        super().__init__(classes="pair-setup")
        self.names = names
        self.rounds = rounds
        self.first_candidate = 1 if first_candidate == 1 else 0
        self.questions = questions

    def compose(self) -> ComposeResult:
        yield Static(
            styled("Pair practice on one terminal", "bold $accent"), classes="round-header"
        )
        with Vertical(id="pair-setup-body"):
            yield Static(
                styled(
                    "Two people take turns: one answers as the candidate, the other interviews; "
                    "roles swap every round. Private screens are guarded: the other person "
                    "looks away when asked.",
                    "$text-muted",
                ),
                classes="section",
            )
            with Horizontal(classes="setup-row"):
                yield Label("First person ", classes="setup-label")
                yield Input(self.names[0], placeholder="name", max_length=NAME_MAX, id="name-0")
            with Horizontal(classes="setup-row"):
                yield Label("Second person", classes="setup-label")
                yield Input(self.names[1], placeholder="name", max_length=NAME_MAX, id="name-1")
            with Horizontal(classes="setup-row"):
                yield Label("Rounds       ", classes="setup-label")
                yield Input(str(self.rounds), type="integer", max_length=2, id="pair-rounds")
            with Horizontal(classes="setup-row"):
                yield Label("Candidate first", classes="setup-label")
                yield Select(
                    self._options(), value=self.first_candidate, allow_blank=False, id="first"
                )
            if self.questions:
                yield Static(
                    styled("Questions: ", "bold") + safe(self.questions), classes="section"
                )
            yield Static(
                styled("Tab moves between fields; ctrl+s or Enter starts.", "italic $text-muted"),
                classes="section",
            )
        yield Footer()

    def _current_names(self) -> tuple[str, str]:
        a = self.query_one("#name-0", Input).value if self.is_mounted else self.names[0]
        b = self.query_one("#name-1", Input).value if self.is_mounted else self.names[1]
        return clean_name(a, "Person 1"), clean_name(b, "Person 2")

    def _options(self) -> list[tuple[str, int]]:
        a, b = self._current_names()
        return [(a, 0), (b, 1)]

    def on_mount(self) -> None:
        self.query_one("#name-0", Input).focus()

    @on(Input.Changed, "#name-0, #name-1")
    def _renamed(self) -> None:
        select = self.query_one("#first", Select)
        value = select.value
        select.set_options(self._options())
        select.value = value if value in (0, 1) else 0

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        raw = self.query_one("#pair-rounds", Input).value.strip()
        try:
            rounds = int(raw)
        except ValueError:
            rounds = 0
        if not 1 <= rounds <= 20:
            self.notify(
                "Rounds must be a whole number from 1 to 20.", severity="warning", markup=False
            )
            return
        first = 1 if self.query_one("#first", Select).value == 1 else 0
        self.post_message(self.StartRequested(self._current_names(), rounds, first))
