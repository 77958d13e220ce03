"""What a screen may ask of the session flow, as an interface below both.

The flow (above) imports the screens to show them; the screens type against this
protocol only, never against `trainer.tui.flow`, so every import arrow points down
(a test checks it). `trainer.tui.flow.Flow` satisfies it structurally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from trainer.core.evaluation.results import RunResult
    from trainer.core.pairing import PairEvent
    from trainer.core.session import Session
    from trainer.tui.services import Services


class Flow(Protocol):
    services: Services

    def require_session(self) -> Session: ...

    def mark_draft(self, text: str, **meta: Any) -> None: ...

    def submitted(self) -> None: ...

    def round_done(self) -> None: ...

    def go_home(self) -> None: ...

    def save_report(self, fmt: str = "md") -> None: ...


class PairPort(Protocol):
    """What a pair screen may ask: its seat's view, and to send that seat's events.

    Screens render only `view(seat)` (plain data decided in core), so the same screens
    serve a second terminal, where the view arrives over the link instead.
    """

    services: Services
    shared_terminal: bool  # True: one keyboard for both (hot seat); False: one each

    def view(self, seat: int) -> dict[str, Any]: ...

    def send(self, event: PairEvent) -> bool: ...

    def clock(self) -> float: ...

    async def run_samples(self, code: str) -> RunResult: ...

    def briefing_done(self, seat: int) -> None: ...

    def done(self) -> None: ...

    def go_home(self) -> None: ...


class ServicesHost(Protocol):
    """What the History, Stats and home screens need of the app: its services."""

    services: Services


def services_of(app: object) -> Services | None:
    """The app's services, or None in an app without them (a layout test's bare App).

    Screens cannot import the app class (the arrows point down), so they ask this way.
    """
    services = getattr(app, "services", None)
    return cast("ServicesHost", app).services if services is not None else None
