"""What every round screen shares: the session, its current round, a header, confirmations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual.screen import Screen
from textual.widgets import Static

from trainer.core.packs.model import ReferenceAnswer
from trainer.tui.safe import safe, styled
from trainer.tui.screens.modals import ConfirmScreen

if TYPE_CHECKING:
    from trainer.tui.ports import Flow


class RoundScreen(Screen[None]):
    STAGE: ClassVar[str] = ""

    def __init__(self, flow: Flow) -> None:
        super().__init__(classes="round-screen")
        self.flow = flow
        self.session = flow.require_session()
        self.round = self.session.current
        self.entry = self.session.entry()
        self.criteria = self.session.criteria()

    @property
    def reference(self) -> ReferenceAnswer:
        """The reference answer judged in an interviewer round."""
        for ref in self.entry.question.reference_answers:
            if ref.id == self.round.reference_id:
                return ref
        raise RuntimeError(f"round {self.round.index + 1} judges no reference answer")

    def title_bar(self) -> Static:
        head = styled(
            f"Round {self.round.index + 1}/{len(self.session.rounds)} · {self.STAGE} · ", "$accent"
        )
        return Static(
            head + safe(self.entry.question.title, "bold", one_line=True), classes="round-title"
        )

    def reveal_when_scored(self, reveal: Callable[[], None]) -> None:
        """Reveal at once when every criterion is scored; otherwise ask first."""
        missing = [c.title for c in self.criteria if c.id not in self.round.scores]
        if not missing:
            reveal()
            return
        self.confirm_then(
            f"Not scored yet: {', '.join(missing)}. Reveal anyway?",
            "Reveal",
            "Keep scoring",
            reveal,
        )

    def confirm_then(self, question: str, yes: str, no: str, then: Callable[[], None]) -> None:
        """Ask first; run `then` only on yes."""

        def done(answer: bool | None) -> None:
            if answer:
                then()

        self.app.push_screen(ConfirmScreen(question, yes=yes, no=no), done)
