"""The Textual app: wires services, the flow and the screens; owns no session logic."""

from __future__ import annotations

import signal
import threading
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.command import Hit, Hits, Provider

from trainer.tui.screens.home import HomeScreen
from trainer.tui.services import Services, StartOptions

if TYPE_CHECKING:
    from trainer.core.selection import Filters
    from trainer.core.storage.drafts import Draft


class QuestionCommands(Provider):
    """Command palette: type part of a question's title to start a session with it."""

    async def search(self, query: str) -> Hits:
        app = self.app
        assert isinstance(app, TrainerApp)
        bank = app.services.bank
        if bank is None:
            return
        matcher = self.matcher(query)
        for entry in bank.entries:
            title = f"Practise: {entry.question.title} ({entry.pack.pack.id})"
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(app.start_with, entry.key),
                    help=f"{entry.question.kind.replace('_', ' ')} · {entry.question.difficulty}",
                )


class TrainerApp(App[None]):
    CSS_PATH = "trainer.tcss"
    TITLE = "trainer"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {QuestionCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("question_mark", "help", "Help", show=False),
        Binding("f1", "help", "Help"),
        Binding("f8", "toggle_theme", "Theme", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, services: Services, options: StartOptions | None = None) -> None:
        super().__init__()
        from trainer.tui.flow import Flow

        self.services = services
        self.options = options or StartOptions()
        self.flow = Flow(self, services)

    def on_mount(self) -> None:
        self.push_screen(HomeScreen(self.options.role, self.options.rounds))
        self.set_interval(self.services.autosave_interval, self.flow.tick_autosave)
        self._install_signal_handlers()
        self.call_after_refresh(self._start_pack_loader)  # after the first frame

    def _install_signal_handlers(self) -> None:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self._on_signal)
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass  # not the main thread (tests) or no signals on this platform

    def _on_signal(self) -> None:
        self.flow.flush_now()
        self.exit(return_code=1)

    def _start_pack_loader(self) -> None:
        # A daemon thread, not a Textual worker: quitting at once must not wait for YAML.
        threading.Thread(target=self._load_packs, name="packs", daemon=True).start()

    def _load_packs(self) -> None:
        bank = self.services.load_bank()
        pending = []
        try:
            pending = self.services.drafts.pending()
        except OSError:
            pass
        try:
            self.call_from_thread(self._packs_loaded, bank, pending)
        except RuntimeError:
            pass  # the app has already closed

    def _packs_loaded(self, bank: object, pending: list[object]) -> None:
        from trainer.core.storage.drafts import Draft

        home = self.screen if isinstance(self.screen, HomeScreen) else None
        if home is not None:
            home.set_bank(self.services.load_bank(), self.services.pack_problems)
        drafts = [d for d in pending if isinstance(d, Draft)]
        if drafts:
            self._offer_draft(drafts[0])
        elif self.options.direct:
            self._start_direct()

    def _offer_draft(self, draft: object) -> None:
        from trainer.core.storage.drafts import Draft
        from trainer.tui.flow import describe_draft
        from trainer.tui.screens.modals import RestoreDraftScreen

        assert isinstance(draft, Draft)
        where, saved = describe_draft(draft)

        def decided(restore: bool | None) -> None:
            meta = draft.meta
            key = (str(meta.get("pack_id")), str(meta.get("question_id")))
            bank = self.services.load_bank()
            if restore and bank.get(*key) is not None:
                self.services.drafts.discard(draft.key)
                self._start(role=str(meta.get("role", "candidate")), first=key, restore=draft)
                return
            if restore:
                self.notify(
                    "That draft's question is no longer in any loaded pack; the draft is kept.",
                    severity="warning",
                    markup=False,
                )
            else:
                self.services.drafts.discard(draft.key)
            if self.options.direct:
                self._start_direct()

        self.push_screen(RestoreDraftScreen(where, draft.text, saved), decided)

    def _start_direct(self) -> None:
        o = self.options
        first = None
        if o.question:
            entry = self.services.load_bank().find(o.question)
            if entry is None:
                self.notify(
                    f"No question '{o.question}' in the loaded packs.",
                    severity="error",
                    markup=False,
                )
                return
            first = entry.key
        self._start(role=o.role, first=first, pack_ids=o.pack_ids)

    def _start(
        self,
        *,
        role: str,
        first: tuple[str, str] | None = None,
        pack_ids: list[str] | None = None,
        restore: Draft | None = None,
        rounds: int | None = None,
        filters: Filters | None = None,
    ) -> None:
        from trainer.core.selection import Filters

        if filters is None:
            filters = Filters(pack_ids=frozenset(pack_ids or ()))
        self.flow.start(
            role=role,
            rounds=rounds or self.options.rounds,
            filters=filters,
            first=first,
            restore=restore,
        )

    @on(HomeScreen.StartRequested)
    def _start_requested(self, event: HomeScreen.StartRequested) -> None:
        self._start(role=event.role, rounds=event.rounds, first=event.first, filters=event.filters)

    def start_with(self, key: tuple[str, str]) -> None:
        if self.flow.session is not None and not self.flow.session.finished:
            self.notify("Finish or quit the current session first.", markup=False)
            return
        self._start(role=self.options.role, first=key)

    def action_help(self) -> None:
        from trainer.tui.screens.modals import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def action_quit(self) -> None:
        self.flow.flush_now()
        self.exit()

    def on_unmount(self) -> None:
        self.flow.close()
