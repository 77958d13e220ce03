"""History: every session, newest first; open one to see each round as it was recorded.

The list comes from `progress.session_rows` (one grouped query); a session's rounds are
read only when it is opened. Everything shown from a round (answers, feedback, partner
names) is user or partner text and goes through `safe()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Select, Static

from trainer.core.storage.progress import ProgressFilters, SessionRow, end_of_day, session_rows
from trainer.tui.ports import services_of
from trainer.tui.safe import safe, safe_text, styled
from trainer.tui.widgets.countdown import format_clock

if TYPE_CHECKING:
    from trainer.core.storage.history import AttemptRecord
    from trainer.tui.services import Services

PERIODS = [("All time", "all"), ("Last 7 days", "7"), ("Last 30 days", "30")]
ROLES = [
    ("Any role", "any"),
    ("As candidate", "candidate"),
    ("As interviewer", "interviewer"),
    ("Shadowing", "shadow"),
]
_ROLE_WORD = {"candidate": "Candidate", "interviewer": "Interviewer", "shadow": "Shadow"}


def when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _services(screen: Screen[Any]) -> Services:
    services = services_of(screen.app)
    assert services is not None, "the History screen runs in the trainer app"
    return services


class HistoryScreen(Screen[None]):
    """Sessions newest first; Enter opens one (home f2, `trainer history --tui`)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f3", "stats", "Stats"),
    ]

    def action_back(self) -> None:
        from trainer.tui.screens.stats import back_home

        back_home(self)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SessionRow] = []
        self.role: str | None = None
        self.kind: str | None = None
        self.pack: str | None = None
        self.period = "all"

    def compose(self) -> ComposeResult:
        yield Static(styled("History", "bold $accent"), id="history-title", classes="round-header")
        with Horizontal(id="history-filters"):
            yield Select(ROLES, value="any", allow_blank=False, id="history-role", compact=True)
            yield Select([], prompt="Any kind", id="history-kind", compact=True)
            yield Select([], prompt="Any pack", id="history-pack", compact=True)
            yield Select(PERIODS, value="all", allow_blank=False, id="history-period", compact=True)
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Static(id="history-hint", classes="muted-line")
        yield Footer()

    def on_mount(self) -> None:
        from trainer.tui.screens.home import KIND_LABELS

        table = self.query_one("#sessions", DataTable)
        table.add_columns("Started", "Mode", "Rounds", "Score", "Gap", "Packs or people")
        self.query_one("#history-kind", Select).set_options(
            [(label, kind) for kind, label in KIND_LABELS.items()]
        )
        self._pack_options()
        self.reload()
        table.focus()

    def _pack_options(self) -> None:
        bank = _services(self).bank
        if bank is not None:
            self.query_one("#history-pack", Select).set_options(
                [(safe(p.pack.title, one_line=True), p.pack.id) for p in bank.packs]
            )

    def action_stats(self) -> None:
        from trainer.tui.screens.stats import StatsScreen

        self.app.switch_screen(StatsScreen())

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        value = event.value if isinstance(event.value, str) else None
        before = (self.role, self.kind, self.pack, self.period)
        if event.select.id == "history-role":
            self.role = None if value in (None, "any") else value
        elif event.select.id == "history-kind":
            self.kind = value
        elif event.select.id == "history-pack":
            self.pack = value
        elif event.select.id == "history-period":
            self.period = value or "all"
        if (self.role, self.kind, self.pack, self.period) != before:
            self.reload()

    def reload(self) -> None:
        services = _services(self)
        since = None
        if self.period != "all":
            since = end_of_day(services.wall()) - int(self.period) * 86400
        filters = ProgressFilters(role=self.role, kind=self.kind, pack_id=self.pack, since=since)
        table = self.query_one("#sessions", DataTable)
        hint = self.query_one("#history-hint", Static)
        try:
            self.rows = session_rows(services.history, filters)
        except Exception as exc:  # a broken history is shown, never a traceback
            self.rows = []
            hint.update(styled("Cannot read the history (see the message).", "$error"))
            self.notify(str(exc), title="History", severity="error", timeout=30, markup=False)
            return
        if services.history_notice:
            self.notify(services.history_notice, severity="warning", timeout=10, markup=False)
            services.history_notice = ""
        table.clear()
        bank = services.bank
        titles = bank.pack_titles() if bank is not None else {}
        for row in self.rows:
            packs = ", ".join(titles.get(p, p) for p in row.packs)
            who = " & ".join(row.participants) if row.participants else packs
            table.add_row(
                when(row.started_at),
                row.mode,
                str(row.rounds),
                pct(row.mean_score),
                pct(row.mean_calibration_gap),
                safe_text(who),
                key=str(row.id),
            )
        if self.rows:
            hint.update(
                styled(
                    f"{len(self.rows)} session{'s' if len(self.rows) != 1 else ''} · "
                    "enter: open · score: mean as candidate · gap: from the reference "
                    "as interviewer",
                    "$text-muted",
                )
            )
        else:
            hint.update(
                styled("No sessions yet: practise a question and it appears here.", "italic")
            )

    def bank_loaded(self) -> None:
        """Pack titles arrive after the first frame."""
        self._pack_options()
        self.reload()

    @on(DataTable.RowSelected, "#sessions")
    def _open(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        row = next((r for r in self.rows if str(r.id) == key), None)
        if row is not None:
            self.app.push_screen(SessionScreen(row))


class SessionScreen(Screen[None]):
    """One session: each round with its answer, evidence, scores, comparison and feedback."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, row: SessionRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        r = self.row
        title = styled(f"Session {r.id} · {r.mode} · {when(r.started_at)}", "bold $accent")
        if r.participants:
            title += styled(" · ", "$text-muted") + safe(" & ".join(r.participants), one_line=True)
        yield Static(title, classes="round-header")
        with VerticalScroll(id="session-body"):
            yield Static(id="session-rounds")
        yield Footer()

    def on_mount(self) -> None:
        services = _services(self)
        body = self.query_one("#session-rounds", Static)
        try:
            store = services.history
            attempts = store.attempts(session_id=self.row.id, limit=1000)
            pair = store.pair_rounds(self.row.id)
        except Exception as exc:
            body.update(safe(f"Cannot read this session: {exc}", "$error"))
            return
        titles = _question_titles(services)
        parts = [round_content(i, a, titles) for i, a in enumerate(sorted(attempts, key=_order), 1)]
        parts += [pair_round_content(p) for p in pair]
        body.update(
            Content("\n\n").join(parts) if parts else styled("No rounds recorded.", "italic")
        )


def _order(a: AttemptRecord) -> tuple[float, int]:
    return (a.submitted_at, a.id or 0)


def _question_titles(services: Services) -> dict[tuple[str, str], str]:
    bank = services.bank
    if bank is None:
        return {}
    return {e.key: e.question.title for e in bank.entries}


def round_content(index: int, a: AttemptRecord, titles: Mapping[tuple[str, str], str]) -> Content:
    """One recorded round as the screen shows it (public for tests and the report)."""
    title = titles.get((a.pack_id, a.question_id), f"{a.pack_id}/{a.question_id}")
    lines: list[Content] = [
        styled(f"Round {index} · {_ROLE_WORD.get(a.role, a.role)} · ", "bold")
        + safe(title, "bold", one_line=True)
    ]
    facts = []
    if a.time_taken_s is not None:
        limit = f" of {format_clock(a.time_limit_s)}" if a.time_limit_s else ""
        facts.append(f"time {format_clock(a.time_taken_s)}{limit}")
    facts.append(f"hints {a.hints_used}")
    if a.overall_score is not None:
        facts.append(f"score {pct(a.overall_score)}")
    if a.calibration_mae is not None:
        facts.append(f"gap {pct(a.calibration_mae)}")
    line = styled(" · ".join(facts), "$text-muted")
    if a.verdict:
        line += styled(" · verdict ", "$text-muted") + safe(a.verdict, one_line=True)
    lines.append(line)
    if a.selected_choices:
        lines.append(styled("Chose: ", "bold") + safe(", ".join(a.selected_choices)))
    if a.answer.strip():
        label = "Answer judged" if a.role != "candidate" else "Answer"
        lines.append(styled(f"{label}:", "bold"))
        lines.append(safe(a.answer.rstrip(), "$text"))
    shadow = a.details.get("shadow")
    if isinstance(shadow, Mapping):
        lines.append(_shadow_line(shadow))
    evidence = _evidence(a.details)
    if evidence is not None:
        lines.append(styled("Evidence:", "bold"))
        lines.append(evidence)
    if a.scores:
        lines.append(styled("Scores:", "bold"))
        criteria = sorted({cid for by in a.scores.values() for cid in by})
        order = ("self", "auto", "partner", "interviewer", "reference")
        sources = [s for s in order if s in a.scores]
        header = "  " + "criterion".ljust(24) + "".join(s.rjust(12) for s in sources)
        lines.append(styled(header, "$text-muted"))
        for cid in criteria:
            cells = "".join(_level(a.scores[s].get(cid)).rjust(12) for s in sources)
            lines.append(safe("  " + cid[:24].ljust(24) + cells))
    if a.feedback.strip():
        lines.append(styled("Feedback:", "bold"))
        lines.append(safe(a.feedback.rstrip()))
    return Content("\n").join(lines)


def _shadow_line(shadow: Mapping[str, Any]) -> Content:
    """A shadow round's flags against the expert's moments, from its recorded details."""

    def count(key: str) -> int:
        value = shadow.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    moments = shadow.get("moments")
    total = len(moments) if isinstance(moments, list) else 0
    false_flags = shadow.get("false_flags")
    wrong = len(false_flags) if isinstance(false_flags, list) else 0
    return styled("Shadowing: ", "bold") + styled(
        f"caught {count('caught')} of {total} moments, noticed {count('noticed')}, "
        f"missed {count('missed')}, {wrong} flag(s) matching no moment",
        "",
    )


def _level(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{float(value):.2f}"


def _evidence(details: Mapping[str, Any]) -> Content | None:
    data = details.get("evaluation")
    if not isinstance(data, Mapping):
        return None
    try:
        from trainer.core.evaluation.evaluation import Evaluation
        from trainer.tui.widgets.evidence import evidence_content

        return evidence_content(Evaluation.from_dict(data))
    except (ValueError, TypeError):
        return styled("(evidence recorded by another version; not shown)", "italic $text-muted")


def pair_round_content(p: Mapping[str, Any]) -> Content:
    """A pair round: who was candidate and interviewer, and both sides as recorded."""
    index = p.get("index")
    number = index + 1 if isinstance(index, int) else "?"
    head = styled(f"Pair round {number} · ", "bold") + safe(
        f"{p.get('candidate_name', '?')} as candidate, "
        f"{p.get('interviewer_name', '?')} interviewing",
        one_line=True,
    )
    lines = [
        head,
        safe(f"{p.get('pack_id', '')}/{p.get('question_id', '')}", "$text-muted", one_line=True),
    ]
    for key, label in (("answer", "Answer"), ("feedback", "Interviewer's feedback")):
        value = p.get(key)
        if isinstance(value, str) and value.strip():
            lines.append(styled(f"{label}:", "bold"))
            lines.append(safe(value.rstrip()))
    for key, label in (
        ("scores", "Interviewer's scores"),
        ("self_scores", "Self-scores"),
        ("ratings", "Rating of the interviewer"),
    ):
        value = p.get(key)
        if isinstance(value, Mapping) and value:
            shown = ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
            lines.append(styled(f"{label}: ", "bold") + safe(shown, one_line=True))
    comment = p.get("comment")
    if isinstance(comment, str) and comment.strip():
        lines.append(styled("Comment on the interviewer: ", "bold") + safe(comment.strip()))
    return Content("\n").join(lines)
