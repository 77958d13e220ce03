"""The Textual app: wires services, the flow and the screens; owns no session logic."""

from __future__ import annotations

import signal
import threading
from concurrent.futures import CancelledError
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.command import Hit, Hits, Provider

from trainer.tui.screens.home import HomeScreen
from trainer.tui.services import NetOptions, PairOptions, Services, StartOptions

if TYPE_CHECKING:
    from trainer.core.selection import Filters
    from trainer.core.storage.drafts import Draft
    from trainer.tui.netflow import GuestPairFlow, HostPairFlow
    from trainer.tui.pairflow import PairFlow
    from trainer.tui.screens.pair.setup import PairSetupScreen


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
        self.pair_flow: PairFlow | None = None
        self.net_flow: HostPairFlow | GuestPairFlow | None = None
        if self.options.pair is not None and self.options.net is None:
            from trainer.tui.pairflow import PairFlow

            self.pair_flow = PairFlow(self, services)

    def on_mount(self) -> None:
        pair = self.options.pair
        if pair is not None and self.options.net is not None:
            from trainer.tui.screens.pair.network import ConnectingScreen

            self.push_screen(ConnectingScreen())
            self.run_worker(self._open_net(pair, self.options.net), exclusive=True)
        elif pair is not None:
            from trainer.tui.screens.pair.setup import PairSetupScreen

            self.push_screen(
                PairSetupScreen(pair.names, pair.rounds, pair.first_candidate, describe(pair))
            )
        elif self.options.screen == "stats":  # alone: escape goes on to the home screen
            from trainer.tui.screens.stats import StatsScreen

            self.push_screen(StatsScreen())
        elif self.options.screen == "history":
            from trainer.tui.screens.history import HistoryScreen

            self.push_screen(HistoryScreen())
        else:
            self.push_screen(HomeScreen(self.options.role, self.options.rounds))
        self.set_interval(self.services.autosave_interval, self._tick_autosave)
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

    async def _open_net(self, pair: PairOptions, net: NetOptions) -> None:
        from trainer.tui.netflow import GuestPairFlow, HostPairFlow

        if net.mode == "host":
            first = None
            if pair.question:
                entry = self.services.load_bank().find(pair.question)
                if entry is None:
                    self.exit(return_code=2, message=f"No question '{pair.question}'.")
                    return
                first = entry.key
            host = HostPairFlow(
                self,
                self.services,
                name=net.name,
                rounds=pair.rounds,
                filters=pair_filters(pair),
                first_question=first,
                guest_starts=net.guest_starts,
                listen=net.listen,
                socket_path=net.socket_path,
                observer=net.observer,
            )
            self.net_flow = host
            try:
                await host.open()
            except OSError as exc:
                self.exit(return_code=2, message=f"Cannot listen: {exc}")
            return
        guest = GuestPairFlow(self, self.services, code=net.code, name=net.name)
        self.net_flow = guest
        problem = await guest.open()
        if problem is not None:
            self.exit(return_code=1, message=f"Could not join: {problem}")

    def _tick_autosave(self) -> None:
        self.flow.tick_autosave()
        if self.pair_flow is not None:
            self.pair_flow.tick_autosave()
        if self.net_flow is not None:
            self.net_flow.tick_autosave()

    def _flush_now(self) -> None:
        self.flow.flush_now()
        if self.pair_flow is not None:
            self.pair_flow.flush_now()
        if self.net_flow is not None:
            self.net_flow.flush_now()

    def _on_signal(self) -> None:
        self._flush_now()
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
        except (RuntimeError, CancelledError):
            pass  # the app closed while the packs were loading (a quick quit)

    def _packs_loaded(self, bank: object, pending: list[object]) -> None:
        from trainer.core.storage.drafts import Draft

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is not None:
            home.set_bank(self.services.load_bank(), self.services.pack_problems)
        loaded = getattr(self.screen, "bank_loaded", None)
        if callable(loaded):  # History and Stats show titles once the packs are in
            loaded()
        from trainer.tui.pairflow import is_any_pair_draft, is_pair_draft

        drafts = [d for d in pending if isinstance(d, Draft)]
        if self.options.net is not None:
            if self.options.net.mode == "join":
                from trainer.tui.netflow import GUEST_DRAFT_KEY

                mine = [d for d in drafts if d.key == GUEST_DRAFT_KEY]
                if mine:
                    self._offer_guest_draft(mine[0])
            return
        if self.pair_flow is not None:
            pair_drafts = [d for d in drafts if is_pair_draft(d)]
            if pair_drafts:
                self._offer_pair_draft(pair_drafts[0])
            return
        drafts = [d for d in drafts if not is_any_pair_draft(d)]
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

    def _offer_pair_draft(self, draft: Draft) -> None:
        import datetime as dt

        from trainer.tui.pairflow import describe_pair_draft
        from trainer.tui.screens.modals import RestoreDraftScreen

        saved = dt.datetime.fromtimestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M")

        def decided(restore: bool | None) -> None:
            assert self.pair_flow is not None
            if restore and self.pair_flow.restore(draft):
                return
            if not restore:
                self.services.drafts.discard(draft.key)

        self.push_screen(
            RestoreDraftScreen(
                describe_pair_draft(draft), draft.text, saved, "Unfinished pair session found"
            ),
            decided,
        )

    def _offer_guest_draft(self, draft: Draft) -> None:
        import datetime as dt

        from trainer.tui.screens.modals import RestoreDraftScreen

        saved = dt.datetime.fromtimestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M")

        def decided(keep: bool | None) -> None:
            if keep:
                self.copy_to_clipboard(draft.text)
                self.notify(
                    "Your earlier answer is on the clipboard (where the terminal allows it).",
                    markup=False,
                )
            self.services.drafts.discard(draft.key)

        title = str(draft.meta.get("title", "a pair session"))
        self.push_screen(
            RestoreDraftScreen(
                f"your answer to {title}, in a pair session that stopped early",
                draft.text,
                saved,
                "Your answer from an unfinished pair session",
            ),
            decided,
        )

    def on_pair_setup_screen_start_requested(self, event: PairSetupScreen.StartRequested) -> None:

        pair = self.options.pair
        if self.pair_flow is None or pair is None:
            return
        first = None
        if pair.question:
            entry = self.services.load_bank().find(pair.question)
            if entry is None:
                self.notify(
                    f"No question '{pair.question}' in the loaded packs.",
                    severity="error",
                    markup=False,
                )
                return
            first = entry.key
        filters = pair_filters(pair)
        self.pair_flow.start(event.names, event.rounds, event.first_candidate, filters, first)

    def _start_direct(self) -> None:
        o = self.options
        if o.due:
            self.flow.start_due(role=o.role, rounds=o.rounds, focus=o.focus)
            return
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

    @on(HomeScreen.ReviewRequested)
    def _review_requested(self, event: HomeScreen.ReviewRequested) -> None:
        self.flow.start_due(role=event.role, rounds=event.rounds, focus="weakest")

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
        self._flush_now()
        self.exit()

    async def on_unmount(self) -> None:
        self.flow.close()
        if self.pair_flow is not None:
            self.pair_flow.close()
        if self.net_flow is not None:
            self.net_flow.close()
            await self.net_flow.shut()


def pair_filters(pair: PairOptions) -> Filters:
    from trainer.core.selection import Filters

    return Filters(
        pack_ids=frozenset(pair.pack_ids),
        kinds=frozenset(pair.kinds),
        difficulties=frozenset(pair.difficulties),
        tags=frozenset(pair.tags),
    )


def describe(pair: PairOptions) -> str:
    """The pair filters in one line, for the setup screen."""
    parts = []
    for label, values in (
        ("packs", pair.pack_ids),
        ("kinds", [k.replace("_", " ") for k in pair.kinds]),
        ("difficulty", pair.difficulties),
        ("tags", pair.tags),
    ):
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    if pair.question:
        parts.append(f"first question: {pair.question}")
    return " · ".join(parts) if parts else "any question from the loaded packs"
