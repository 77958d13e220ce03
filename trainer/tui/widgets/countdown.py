"""The round clock: counts down from the limit, then shows overtime; never stops the user."""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from trainer.tui.safe import styled


def format_clock(seconds: float) -> str:
    seconds = round(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class Countdown(Static):
    """Polls a `remaining()` callable; the screen owns the session, the widget only shows it.

    The reactive holds the whole seconds shown, so the widget repaints once a second,
    not on every poll.
    """

    shown: reactive[tuple[int, bool]] = reactive((0, False))

    def __init__(
        self, remaining: Callable[[], float], paused: Callable[[], bool], *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self._remaining_fn = remaining
        self._paused_fn = paused

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(0.5, self.tick)

    def tick(self) -> None:
        self.shown = (round(self._remaining_fn()), self._paused_fn())

    def render(self) -> Content:
        value, paused = self.shown
        if value >= 0:
            text, style = f"{format_clock(value)} left", "bold" if value > 60 else "bold $warning"
        else:
            text, style = f"+{format_clock(value)} over", "bold $error"
        if paused:
            text, style = f"{text} · paused", "bold $text-muted"
        return styled(text, style)
