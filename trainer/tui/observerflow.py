"""The observer's terminal: watches a two-terminal pair round read-only (reverse shadowing).

The host's welcome said this code opened the observer seat; from then on every view is an
`ObserverView` (checked by `validate_observer_view` before it gets here). The observer's
flags and scores stay on this machine: nothing is ever sent to the host (the link refuses
to). At each reveal the round goes to this person's own history as a shadow round.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

from trainer.core.pair.observer import (
    ObserverFlag,
    ObserverStage,
    ObserverView,
    make_flag,
    observer_attempt,
    observer_stage,
)

if TYPE_CHECKING:
    from textual.app import App

    from trainer.tui.netflow import GuestPairFlow
    from trainer.tui.services import Services


class ObserverFlow:
    """Routes observer views to their screens and keeps this observer's flags and scores."""

    def __init__(self, app: App[Any], services: Services, guest: GuestPairFlow) -> None:
        self.app = app
        self.services = services
        self.guest = guest
        self.latest: ObserverView | None = None
        self.fetched_at = 0.0
        self.scores: dict[int, dict[str, int]] = {}  # per round (1-based), this observer's
        self.flags: dict[int, list[ObserverFlag]] = {}
        self._shown: tuple[int, ObserverStage] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._sid: Future[int] | None = None
        self._recorded: set[int] = set()
        self._finished = False

    @property
    def status_line(self) -> str:
        return self.guest.status_line

    # -- routing ------------------------------------------------------------------------

    def start(self) -> None:
        from trainer.tui.screens.pair.observer import ObserverWaitScreen

        self._shown = (0, "waiting")
        self.app.switch_screen(ObserverWaitScreen(self))

    def on_view(self, view: ObserverView) -> None:
        self.latest = view
        self.fetched_at = self.services.clock()
        self._keep(view)
        self.route()

    def route(self) -> None:
        """Show the screen the latest view calls for; never under an open dialog (the
        dialog's own close calls this again), so a flag being written is not lost."""
        from textual.screen import ModalScreen

        from trainer.tui.screens.pair.common import ViewChanged
        from trainer.tui.screens.pair.observer import (
            ObserverRevealScreen,
            ObserverWaitScreen,
            ObserverWatchScreen,
        )

        view = self.latest
        if view is None or isinstance(self.app.screen, ModalScreen):
            return
        stage = observer_stage(view)
        key = (view.round, stage)
        if key == self._shown:
            self.app.screen.post_message(ViewChanged())
            return
        self._shown = key
        screens = {
            "waiting": ObserverWaitScreen,
            "watching": ObserverWatchScreen,
            "reveal": ObserverRevealScreen,
        }
        self.app.switch_screen(screens[stage](self))

    def stage(self) -> ObserverStage | None:
        return self._shown[1] if self._shown else None

    # -- the observer's own marks -----------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds into the candidate's answer now (the view's time plus the local clock)."""
        view = self.latest
        if view is None:
            return 0.0
        extra = self.services.clock() - self.fetched_at if view.phase == "answering" else 0.0
        return view.elapsed_s + max(0.0, extra)

    def open(self) -> bool:
        """Flags and scores are taken while the round runs, not after the reveal."""
        view = self.latest
        return view is not None and view.phase in ("answering", "assessing")

    def add_flag(self, at_s: float, kind: str, note: str) -> ObserverFlag | None:
        view = self.latest
        if view is None or not self.open():
            return None
        flag = make_flag(view, at_s, kind, note)
        self.flags.setdefault(view.round, []).append(flag)
        return flag

    def score(self, criterion_id: str, level: int | None) -> None:
        view = self.latest
        if view is None or not self.open():
            return
        mine = self.scores.setdefault(view.round, {})
        if level is None:
            mine.pop(criterion_id, None)
        else:
            mine[criterion_id] = level

    def my_scores(self) -> dict[str, int]:
        view = self.latest
        return dict(self.scores.get(view.round, {})) if view is not None else {}

    def my_flags(self) -> list[ObserverFlag]:
        view = self.latest
        return list(self.flags.get(view.round, [])) if view is not None else []

    # -- this observer's history: each revealed round as a shadow round ----------------------

    def _keep(self, view: ObserverView) -> None:
        history = self.services.history
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="observer-history")
            names = list(view.names)
            at = self.services.wall()
            settings = {"observer": True, "rounds": view.rounds}

            self._sid = self._pool.submit(
                partial(
                    history.start_session,
                    mode="pair-observer",
                    role_plan="observe",
                    started_at=at,
                    settings=settings,
                    participants=names,
                )
            )
            self._sid.add_done_callback(self._report)
        sid = self._sid
        assert sid is not None
        if view.reveal is not None and view.round not in self._recorded:
            self._recorded.add(view.round)
            at = self.services.wall()
            mine = dict(self.scores.get(view.round, {}))
            flags = list(self.flags.get(view.round, []))

            def write() -> None:
                history.record_attempt(
                    observer_attempt(view, mine, flags, session_id=sid.result(), submitted_at=at)
                )

            self._pool.submit(write).add_done_callback(self._report)
        if view.finished and not self._finished:
            self._finished = True
            at = self.services.wall()
            self._pool.submit(
                lambda: history.finish_session(sid.result(), finished_at=at)
            ).add_done_callback(self._report)

    def _report(self, future: Future[Any]) -> None:
        exc = future.exception()
        if exc is None:
            return
        try:
            self.app.call_from_thread(
                self.app.notify, f"Could not save history: {exc}", severity="error", markup=False
            )
        except RuntimeError:
            pass

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
