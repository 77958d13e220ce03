"""Progress over time: scores per criterion, calibration, self-assessment, time and hints.

Every figure comes from `trainer.core.storage.progress.stats` (SQL aggregates); this
screen only lays them out: a plot per tab (textual-plotext) with the same numbers beside
it, since a braille line is a trend, not a figure. The data is read on mount: with ten
thousand rounds the aggregates take milliseconds, so the first frame already has them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Select, Static, TabbedContent, TabPane

from trainer.core.storage.progress import (
    WEAKEST_MIN_SCORES,
    Group,
    ProgressFilters,
    Series,
    Stats,
    by_week,
    end_of_day,
    local_offset,
    stats,
    trend,
)
from trainer.tui.ports import services_of
from trainer.tui.safe import safe, styled

if TYPE_CHECKING:
    from textual.content import Content
    from textual_plotext import PlotextPlot

    from trainer.tui.services import Services

#: Lines drawn in the criteria plot; the table below it lists every criterion.
PLOTTED_CRITERIA = 4
PERIODS = [
    ("All time", "all"),
    ("Last 7 days", "7"),
    ("Last 30 days", "30"),
    ("Last 90 days", "90"),
]
ROLES = [
    ("Any role", "any"),
    ("As candidate", "candidate"),
    ("As interviewer", "interviewer"),
    ("Shadowing", "shadow"),
]


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def change(series: Series) -> str:
    """The last week's mean against the first week's, in points ("" within one week)."""
    delta = trend(series)[2]
    return "" if delta is None else f"{delta * 100:+.0f} pts"


class StatsScreen(Screen[None]):
    """The Stats screen (home f3, `trainer stats --tui`)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f2", "history", "History"),
        Binding("r", "reload", "Reload", show=False),
        Binding("1", "tab('tab-criteria')", "Criteria", show=False),
        Binding("2", "tab('tab-calibration')", "Calibration", show=False),
        Binding("3", "tab('tab-time')", "Time", show=False),
        Binding("4", "tab('tab-groups')", "Groups", show=False),
    ]

    def action_tab(self, pane_id: str) -> None:
        self.query_one("#stats-tabs", TabbedContent).active = pane_id

    def __init__(self, filters: ProgressFilters | None = None) -> None:
        super().__init__()
        self.filters = filters or ProgressFilters()
        self.period = "all"
        self.data: Stats | None = None
        self.error = ""
        self._ready = False  # the Selects and plots exist (just after the first frame)

    @property
    def services(self) -> Services:
        services = services_of(self.app)
        assert services is not None, "the Stats screen runs in the trainer app"
        return services

    def compose(self) -> ComposeResult:
        # The first frame is the frame: title, tabs and tables. Selects, plots (and the
        # plotting library) and the history's figures follow right after it, as the home
        # screen does with its filters and packs.
        yield Static(
            styled("Progress  ", "bold $accent") + styled("reading your history…", "$text-muted"),
            id="stats-title",
            classes="round-header",
        )
        yield Horizontal(id="stats-filters")
        with TabbedContent(id="stats-tabs"):
            with TabPane("Criteria", id="tab-criteria"):
                yield Vertical(id="box-criteria", classes="stats-plot")
                yield Static(id="table-criteria", classes="stats-table")
            with TabPane("Calibration", id="tab-calibration"):
                yield Vertical(id="box-calibration", classes="stats-plot")
                yield Static(id="table-calibration", classes="stats-table")
            with TabPane("Time & hints", id="tab-time"):
                yield Vertical(id="box-time", classes="stats-plot")
                yield Static(id="table-time", classes="stats-table")
            with TabPane("By kind & pack", id="tab-groups"):
                with VerticalScroll():
                    yield Static(id="table-groups", classes="stats-table")
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._build)

    async def _build(self) -> None:
        from textual_plotext import PlotextPlot

        from trainer.tui.screens.home import KIND_LABELS

        for name in ("criteria", "calibration", "time"):
            await self.query_one(f"#box-{name}", Vertical).mount(
                PlotextPlot(id=f"plot-{name}", classes="stats-plot")
            )
        await self.query_one("#stats-filters", Horizontal).mount_all(
            [
                Select(ROLES, value="any", allow_blank=False, id="stats-role", compact=True),
                Select(
                    [(label, kind) for kind, label in KIND_LABELS.items()],
                    prompt="Any kind",
                    id="stats-kind",
                    compact=True,
                ),
                Select([], prompt="Any pack", id="stats-pack", compact=True),
                Select(PERIODS, value="all", allow_blank=False, id="stats-period", compact=True),
            ]
        )
        self._ready = True
        self._pack_options()
        self.reload()

    def _pack_options(self) -> None:
        bank = self.services.bank
        if bank is not None and self._ready:
            self.query_one("#stats-pack", Select).set_options(
                [(safe(p.pack.title, one_line=True), p.pack.id) for p in bank.packs]
            )

    def action_reload(self) -> None:
        if self._ready:
            self.reload()

    def action_back(self) -> None:
        back_home(self)

    def action_history(self) -> None:
        from trainer.tui.screens.history import HistoryScreen

        self.app.switch_screen(HistoryScreen())

    def bank_loaded(self) -> None:
        """Titles arrive with the packs, after the first frame."""
        self._pack_options()
        if self.data is not None:
            self.render_stats(self.data)

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        value = event.value if isinstance(event.value, str) else None
        f, period = self.filters, self.period
        if event.select.id == "stats-period":
            self.period = value or "all"
        elif event.select.id == "stats-role":
            role = None if value in (None, "any") else value
            self.filters = ProgressFilters(pack_id=f.pack_id, kind=f.kind, role=role)
        elif event.select.id == "stats-kind":
            self.filters = ProgressFilters(pack_id=f.pack_id, kind=value, role=f.role)
        elif event.select.id == "stats-pack":
            self.filters = ProgressFilters(pack_id=value, kind=f.kind, role=f.role)
        if (self.filters, self.period) != (f, period):  # options being set change nothing
            self.reload()

    def _current_filters(self, now: float) -> ProgressFilters:
        if self.period == "all":
            return self.filters
        start = end_of_day(now) - int(self.period) * 86400
        return ProgressFilters(
            pack_id=self.filters.pack_id,
            kind=self.filters.kind,
            role=self.filters.role,
            since=start,
        )

    def reload(self) -> None:
        services = self.services
        now = services.wall()
        try:
            self.data = stats(
                services.history,
                self._current_filters(now),
                utc_offset_s=local_offset(now),
                now=end_of_day(now),
            )
        except Exception as exc:  # a broken history is shown, never a traceback
            self.data = None
            self.query_one("#stats-title", Static).update(
                styled("Progress · cannot read the history (see the message)", "bold $error")
            )
            self.notify(str(exc), title="History", severity="error", timeout=30, markup=False)
            return
        if services.history_notice:
            self.notify(services.history_notice, severity="warning", timeout=10, markup=False)
            services.history_notice = ""
        self.render_stats(self.data)

    # -- rendering ------------------------------------------------------------------------

    def render_stats(self, s: Stats) -> None:
        bank = self.services.bank
        titles = bank.criterion_titles() if bank is not None else {}
        total = sum(s.rounds.values())
        parts = [
            f"{total} round{'s' if total != 1 else ''} in {s.sessions} "
            f"session{'s' if s.sessions != 1 else ''}"
        ]
        if s.due_now is not None:
            parts.append(f"{s.due_now} of {s.cards} questions due today")
        header = styled("Progress  ", "bold $accent") + styled(" · ".join(parts), "$text-muted")
        self.query_one("#stats-title", Static).update(header)
        self._criteria(s, titles)
        self._calibration(s)
        self._time(s)
        self._groups(s)

    def _empty(self, plot: PlotextPlot, message: str) -> None:
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(message)
        plot.refresh()

    def _plot(self, plot_id: str, lines: list[tuple[str, Series]], title: str, top: float) -> None:
        from textual_plotext import PlotextPlot

        plot = self.query_one(f"#{plot_id}", PlotextPlot)
        drawn = [(label, series) for label, series in lines if series.points]
        if not drawn:
            self._empty(plot, "Nothing recorded yet")
            return
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.date_form("Y-m-d")
        plt.title(title)
        for label, daily in drawn:
            series = by_week(daily)
            days = [p.day for p in series.points]
            values = [p.value * 100 for p in series.points]
            if len(days) == 1:
                plt.scatter(days, values, label=label, marker="dot")
            else:
                plt.plot(days, values, label=label, marker="braille")
        plt.ylim(0, top)
        plot.refresh()

    def _criteria(self, s: Stats, titles: dict[str, str]) -> None:
        ranked = sorted(s.criteria, key=lambda c: -c.series.count)
        shown = ranked[:PLOTTED_CRITERIA]
        if s.weakest is not None and all(c.criterion_id != s.weakest.criterion_id for c in shown):
            weakest = next(c for c in s.criteria if c.criterion_id == s.weakest.criterion_id)
            shown = [*shown[: PLOTTED_CRITERIA - 1], weakest]
        self._plot(
            "plot-criteria",
            [(titles.get(c.criterion_id, c.criterion_id), c.series) for c in shown],
            "Candidate score per criterion (%)",
            100,
        )
        rows = [("Criterion", "Mean", "Scores", "Trend")]
        # Weakest first among criteria with enough scores to judge; the sparse ones after.
        for c in sorted(
            s.criteria,
            key=lambda c: (c.series.count < WEAKEST_MIN_SCORES, c.series.mean or 0.0),
        ):
            rows.append(
                (
                    titles.get(c.criterion_id, c.criterion_id),
                    pct(c.series.mean),
                    str(c.series.count),
                    change(c.series),
                )
            )
        table = self.query_one("#table-criteria", Static)
        if len(rows) == 1:
            table.update(styled("No scored candidate rounds yet.", "italic"))
        else:
            note = (
                "\nScores are shares of each criterion's scale; the weakest first "
                f"(of those scored {WEAKEST_MIN_SCORES}+ times)."
            )
            table.update(_table(rows) + styled(note, "italic $text-muted"))

    def _calibration(self, s: Stats) -> None:
        self._plot(
            "plot-calibration",
            [("Interviewer gap", s.calibration_gap), ("Self-assessment gap", s.self_gap)],
            "Gap from the reference (%, lower is better)",
            100,
        )
        rows = [
            ("Gap", "Mean", "Rounds", "Trend"),
            (
                "Your scores as interviewer vs the reference",
                pct(s.calibration_gap.mean),
                str(s.calibration_gap.count),
                change(s.calibration_gap),
            ),
            (
                "Your self-scores vs the evidence or partner",
                pct(s.self_gap.mean),
                str(s.self_gap.count),
                change(s.self_gap),
            ),
        ]
        self.query_one("#table-calibration", Static).update(_table(rows))

    def _time(self, s: Stats) -> None:
        self._plot(
            "plot-time",
            [("Time used / limit", s.time_share)],
            "Time used against the limit (%)",
            max(100, max((p.value * 100 for p in s.time_share.points), default=100)),
        )
        rows = [
            ("Figure", "Mean", "Rounds", "Trend"),
            (
                "Time used of the limit",
                pct(s.time_share.mean),
                str(s.time_share.count),
                change(s.time_share),
            ),
            (
                "Hints per round",
                "–" if s.hints.mean is None else f"{s.hints.mean:.1f}",
                str(s.hints.count),
                "",
            ),
        ]
        self.query_one("#table-time", Static).update(_table(rows))

    def _groups(self, s: Stats) -> None:
        from trainer.tui.screens.home import KIND_LABELS

        bank = self.services.bank
        pack_titles = bank.pack_titles() if bank is not None else {}

        def rows(groups: Sequence[Group], names: Mapping[str, str]) -> list[Sequence[str]]:
            head: list[Sequence[str]] = [("", "Rounds", "Score", "Gap", "Time", "Hints")]
            return head + [
                (
                    names.get(g.key, g.key),
                    str(g.rounds),
                    pct(g.mean_score),
                    pct(g.mean_calibration_gap),
                    pct(g.mean_time_share),
                    "–" if g.mean_hints is None else f"{g.mean_hints:.1f}",
                )
                for g in groups
            ]

        kinds = rows(s.by_kind, KIND_LABELS)
        packs = rows(s.by_pack, pack_titles)
        roles = [("", "Rounds")] + [
            (_ROLE_WORD.get(role, role), str(n)) for role, n in sorted(s.rounds.items())
        ]
        body = styled("By role\n", "bold") + _table(roles)
        body += styled("\n\nBy kind\n", "bold") + _table(kinds) + styled("\n\nBy pack\n", "bold")
        body += _table(packs)
        self.query_one("#table-groups", Static).update(body)


_ROLE_WORD = {"candidate": "As candidate", "interviewer": "As interviewer", "shadow": "Shadowing"}


def _table(rows: Sequence[Sequence[str]]) -> Content:
    """A plain aligned table: literal cells (names come from packs), the header in bold."""
    from textual.content import Content

    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    widths[0] = min(widths[0], 44)
    out = Content("")
    for index, row in enumerate(rows):
        first = row[0] if len(row[0]) <= widths[0] else row[0][: widths[0] - 1] + "…"
        cells = [first.ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        line = "  ".join(cells).rstrip()
        out += safe(line, "bold" if index == 0 else "", one_line=True)
        if index < len(rows) - 1:
            out += Content("\n")
    return out


def back_home(screen: Screen[None]) -> None:
    """Back to what is underneath; a screen opened directly (`--tui`) goes to the home screen."""
    if len(screen.app.screen_stack) > 2:
        screen.app.pop_screen()
        return
    from trainer.tui.screens.home import HomeScreen

    services = services_of(screen.app)
    screen.app.switch_screen(HomeScreen(bank=services.bank if services is not None else None))
