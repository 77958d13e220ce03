"""What a screen may ask of the session flow, as an interface below both.

The flow (above) imports the screens to show them; the screens type against this
protocol only, never against `trainer.tui.flow`, so every import arrow points down
(a test checks it). `trainer.tui.flow.Flow` satisfies it structurally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from trainer.core.session import Session
    from trainer.tui.services import Services


class Flow(Protocol):
    services: Services

    def require_session(self) -> Session: ...

    def mark_draft(self, text: str, **meta: Any) -> None: ...

    def submitted(self) -> None: ...

    def round_done(self) -> None: ...

    def go_home(self) -> None: ...
