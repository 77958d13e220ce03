"""Home: pick packs and filters, see the matching questions, start a session."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from trainer.tui.safe import safe, styled
from trainer.tui.widgets.typeahead import type_into

if TYPE_CHECKING:
    from textual.app import App
    from textual.content import Content

    from trainer.core.selection import Entry, Filters, QuestionBank
    from trainer.core.storage.progress import Weakest
    from trainer.tui.services import Services

KIND_LABELS = {
    "coding": "Coding",
    "system_design": "System design",
    "behavioral": "Behavioural",
    "concept": "Concept",
    "multiple_choice": "Multiple choice",
    "recorded_interview": "Recorded interview",
}
#: Words a pack title may add to a kind's name without saying more ("Coding interview problems").
_FILLER_WORDS = frozenset({"interview", "interviews", "problem", "problems", "question"})
_FILLER_WORDS |= {"questions", "pack", "the"}


def pack_label(kind: str, pack_title: str) -> str:
    """The pack's title for a question row, or "" when it only repeats the kind."""

    def words(text: str) -> list[str]:
        return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _FILLER_WORDS]

    kind_words = words(KIND_LABELS.get(kind, kind.replace("_", " ")))
    if words(pack_title) in (kind_words, words(kind.replace("_", " "))):
        return ""
    return pack_title


ROLE_LABELS = [
    ("Alternate roles", "alternate"),
    ("Candidate only", "candidate"),
    ("Interviewer only", "interviewer"),
    ("Shadow only", "shadow"),
]


_LIST_ACTIONS = {
    "up": "cursor_up",
    "down": "cursor_down",
    "pageup": "page_up",
    "pagedown": "page_down",
}


class HomeScreen(Screen[None]):
    """Filters on top, the matching questions below; Enter starts with the highlighted one."""

    BINDINGS = [
        Binding("ctrl+s", "start", "Start session", priority=True),
        Binding("ctrl+r", "review", "Review due", priority=True),
        Binding("f2", "history", "History"),
        Binding("f3", "stats", "Stats"),
        Binding("slash", "search", "Search", show=False),
    ]

    @dataclass
    class ReviewRequested(Message):
        role: str
        rounds: int

    @dataclass
    class StartRequested(Message):
        role: str
        rounds: int
        filters: Filters
        first: tuple[str, str] | None

    def __init__(
        self, role: str = "alternate", rounds: int = 4, bank: QuestionBank | None = None
    ) -> None:
        super().__init__()
        self.bank: QuestionBank | None = None
        self._loaded_bank = bank
        self._problems: list[str] = []
        self._filters_ready = False
        self.matching: list[Entry] = []
        self._role, self._initial_rounds = role, rounds

    def compose(self) -> ComposeResult:
        yield Static(
            styled("trainer", "bold $accent")
            + styled("  practise interviews from both sides", "$text-muted"),
            id="home-title",
        )
        yield Static(id="progress-line")  # due today, weakest criterion: read after the frame
        yield Vertical(id="filters")  # filled after the first frame: Selects are slow to build
        yield Static(styled("Loading packs…", "italic $text-muted"), id="count")
        yield OptionList(id="questions")
        yield Footer()

    def _filter_rows(self) -> list[Horizontal]:
        return [
            Horizontal(
                Input(placeholder="Search questions…", id="search", compact=True),
                Select(
                    [(v, k) for k, v in KIND_LABELS.items()],
                    prompt="Any kind",
                    id="kind",
                    compact=True,
                ),
                Select(
                    [(d.capitalize(), d) for d in ("easy", "medium", "hard")],
                    prompt="Any level",
                    id="difficulty",
                    compact=True,
                ),
                classes="filter-row",
            ),
            Horizontal(
                Select([], prompt="All packs", id="pack", compact=True),
                Select([], prompt="Any tag", id="tag", compact=True),
                Select(ROLE_LABELS, value=self._role, allow_blank=False, id="role", compact=True),
                Input(
                    str(self._initial_rounds),
                    id="rounds",
                    type="integer",
                    max_length=2,
                    compact=True,
                    tooltip="Rounds in the session",
                ),
                classes="filter-row",
            ),
        ]

    def on_mount(self) -> None:
        self.call_after_refresh(self._mount_filters)

    def on_screen_resume(self) -> None:
        """Each return home (after a session, from Stats) shows the schedule as it is now."""
        self.call_after_refresh(self.refresh_progress)

    def refresh_progress(self) -> None:
        from trainer.tui.ports import services_of

        services = services_of(self.app)
        if services is not None:  # a bare App (tests of the layout) has no history
            app = self.app
            self.run_worker(
                lambda: self._read_progress(app, services),
                thread=True,
                exclusive=True,
                group="progress",
            )

    def _read_progress(self, app: App[object], services: Services) -> None:
        """In a thread: `self.app` is not reachable here, so the app is passed in."""
        from trainer.core.storage.progress import due_count, end_of_day, weakest_criterion

        try:
            history = services.history
            due = due_count(history, end_of_day(services.wall()))
            weakest = weakest_criterion(history)
        except Exception as exc:  # the home screen works without a history
            line = styled(
                "History unavailable (see the message); practice still works.", "$warning"
            )
            app.call_from_thread(self._show_line, line)
            app.call_from_thread(
                self.notify, str(exc), title="History", severity="error", timeout=30, markup=False
            )
            return
        notice = services.history_notice
        services.history_notice = ""
        app.call_from_thread(self._show_progress, due, weakest, notice)

    def _show_line(self, line: Content) -> None:
        for widget in self.query("#progress-line").results(Static):  # gone if home closed
            widget.update(line)

    def _show_progress(self, due: int, weakest: Weakest | None, notice: str) -> None:
        if notice:
            self.notify(notice, severity="warning", timeout=10, markup=False)
        line = styled(f"Due today: {due}", "bold" if due else "$text-muted")
        if due:
            line += styled(" (ctrl+r)", "$text-muted")
        if weakest is not None:
            titles = self.bank.criterion_titles() if self.bank is not None else {}
            name = titles.get(weakest.criterion_id, weakest.criterion_id)
            line += styled(" · weakest: ", "$text-muted") + safe(name, one_line=True)
            line += styled(f" {weakest.mean * 100:.0f}%", "$text-muted")
        line += styled(" · f2 history · f3 stats", "$text-muted")
        self._show_line(line)

    def action_history(self) -> None:
        from trainer.tui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen())

    def action_stats(self) -> None:
        from trainer.tui.screens.stats import StatsScreen

        self.app.push_screen(StatsScreen())

    def action_review(self) -> None:
        if self.bank is None:
            self.notify("Packs are still loading.", markup=False)
            return
        role = self._value("role") or "alternate"
        self.post_message(self.ReviewRequested(role=role, rounds=self._rounds()))

    async def _mount_filters(self) -> None:
        await self.query_one("#filters", Vertical).mount_all(self._filter_rows())
        self._filters_ready = True
        if self._loaded_bank is not None:
            self.show_bank(self._loaded_bank, self._problems)

    def set_bank(self, bank: QuestionBank, problems: list[str]) -> None:
        """Show the packs once the filters exist (the pack loader may finish first)."""
        self._loaded_bank, self._problems = bank, problems
        if self._filters_ready:
            self.show_bank(bank, problems)

    def show_bank(self, bank: QuestionBank, problems: list[str]) -> None:
        if self not in self.app.screen_stack:
            return  # a direct start replaced the home screen before the packs arrived
        self.bank = bank
        packs = self.query_one("#pack", Select)
        packs.set_options([(safe(p.pack.title, one_line=True), p.pack.id) for p in bank.packs])
        self.query_one("#tag", Select).set_options(
            [(safe(t, one_line=True), t) for t in bank.tags()]
        )
        if problems:
            self.notify(
                "\n".join(problems[:5]),
                title="Some packs were skipped",
                severity="warning",
                timeout=8,
                markup=False,
            )
        self.refilter()
        self.refresh_progress()  # again, now that criterion titles are known
        self.query_one("#questions", OptionList).focus()

    def _value(self, widget_id: str) -> str | None:
        value = self.query_one(f"#{widget_id}", Select).value
        return value if isinstance(value, str) else None

    def filters(self) -> Filters:
        from trainer.core.selection import Filters

        def one(widget_id: str) -> frozenset[str]:
            value = self._value(widget_id)
            return frozenset([value]) if value else frozenset()

        return Filters(
            pack_ids=one("pack"),
            kinds=one("kind"),
            difficulties=one("difficulty"),
            tags=one("tag"),
            text=self.query_one("#search", Input).value.strip(),
        )

    def refilter(self) -> None:
        if self.bank is None:
            return
        self.matching = self.bank.filter(self.filters())
        options = self.query_one("#questions", OptionList)
        options.clear_options()
        options.add_options([Option(self._row(e)) for e in self.matching])
        if self.matching:
            options.highlighted = 0
        from trainer.core.selection import Filters

        total = len(self.bank.filter(Filters(pack_ids=self.filters().pack_ids)))
        self.query_one("#count", Static).update(
            styled(
                f"{len(self.matching)} of {total} questions · enter: start with this one"
                " · ctrl+s: a mixed session",
                "$text-muted",
            )
        )

    @staticmethod
    def _row(entry: Entry) -> Content:
        question = entry.question
        row = safe(question.title, "bold", one_line=True) + styled(
            f" · {KIND_LABELS[question.kind]} · {question.difficulty}", "$text-muted"
        )
        label = pack_label(question.kind, entry.pack.pack.title)
        if label:
            row += styled(" · ", "$text-muted") + safe(label, "$text-muted", one_line=True)
        return row

    def on_key(self, event: events.Key) -> None:
        """Type to filter whatever has focus: keys no other widget took reach the search.

        Arrow keys and Enter keep driving the list, so "type, Enter" starts what was typed;
        an Input or an open Select that handles a key stops it before it gets here.
        """
        if not self._filters_ready:
            return
        search = self.query_one("#search", Input)
        options = self.query_one("#questions", OptionList)
        focused = self.focused
        if focused is search:
            if event.key in ("up", "down", "pageup", "pagedown"):
                event.stop()
                getattr(options, f"action_{_LIST_ACTIONS[event.key]}")()
            return
        if isinstance(focused, Input) or event.key in self.active_bindings:
            return  # "/" focuses the search, "?" opens help: bindings keep their keys
        if type_into(search, event):
            return
        if event.key == "escape" and search.value:
            event.stop()
            search.clear()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.action_start_with()

    @on(Input.Changed, "#search")
    @on(Select.Changed)
    def _changed(self) -> None:
        self.refilter()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def _rounds(self) -> int:
        raw = self.query_one("#rounds", Input).value
        try:
            return max(1, min(50, int(raw)))
        except ValueError:
            return 4

    def _request(self, first: tuple[str, str] | None) -> None:
        if self.bank is None:
            self.notify("Packs are still loading.", markup=False)
            return
        if not self.matching:
            self.notify("No question matches these filters.", severity="warning", markup=False)
            return
        self.post_message(
            self.StartRequested(
                role=self._value("role") or "alternate",
                rounds=self._rounds(),
                filters=self.filters(),
                first=first,
            )
        )

    def action_start(self) -> None:
        self._request(None)

    def action_start_with(self) -> None:
        options = self.query_one("#questions", OptionList)
        index = options.highlighted
        if index is None or not self.matching:
            self._request(None)
            return
        self._request(self.matching[index].key)

    @on(OptionList.OptionSelected, "#questions")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.matching):
            self._request(self.matching[event.option_index].key)
