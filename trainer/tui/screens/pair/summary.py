"""End of a pair session: each person as candidate and as interviewer; where it is kept."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from trainer.tui.safe import safe, safe_text, styled
from trainer.tui.screens.pair.common import PairScreen


def _num(value: Any, fmt: str = "{:+.1f}") -> str:
    return fmt.format(value) if isinstance(value, int | float) else "—"


class PairSummaryScreen(PairScreen):
    BINDINGS = [
        Binding("ctrl+n", "home", "Home", priority=True),
        Binding("escape", "home", "Home", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self, port: Any, seat: Any, saved_to: str = "") -> None:
        super().__init__(port, seat)
        self.saved_to = saved_to

    def compose(self) -> ComposeResult:
        yield Static(styled("Pair session summary", "bold $accent"), classes="round-header")
        with VerticalScroll(id="pair-summary-body"):
            yield DataTable(id="pair-people", cursor_type="none", zebra_stripes=True)
            yield Static(
                styled(
                    "Self gap: your self-score minus your interviewer's, per criterion "
                    "(+ means you rated yourself higher). Disagreement: how far your scores "
                    "as interviewer were from your partner's self-view.",
                    "$text-muted",
                ),
                classes="section",
            )
            yield DataTable(id="pair-rounds", cursor_type="none", zebra_stripes=True)
            comments = self._comments()
            if comments:
                yield Static(comments, classes="section")
            where = styled("Both sides of every round are in your history", "italic")
            if self.saved_to:
                where += styled(" (", "italic") + safe(self.saved_to, "italic")
                where += styled(" in the data folder that `trainer info` shows)", "italic")
            yield Static(
                where + styled(". ctrl+n: home, q: quit.", "italic"),
                classes="section",
                id="pair-saved",
            )
        yield Footer()

    def _comments(self) -> Content:
        lines = []
        for person in self.data.get("summary", []):
            for r in person.get("as_interviewer", []):
                if str(r.get("comment", "")).strip():
                    lines.append(
                        styled(f"Round {r['round']}, to ", "$text-muted")
                        + safe(str(person["name"]), "bold", one_line=True)
                        + styled(": “", "$text-muted")
                        + safe(str(r["comment"]), one_line=True)
                        + styled("”", "$text-muted")
                    )
        return Content("\n").join(lines)

    def on_mount(self) -> None:
        people = self.query_one("#pair-people", DataTable)
        people.add_columns("Person", "As candidate", "Self gap", "Rated as intv.", "Disagree")
        rounds = self.query_one("#pair-rounds", DataTable)
        rounds.add_columns("#", "Candidate", "Interviewer's verdict", "Self scores vs intv.")
        rows: list[tuple[int, Any, Any, str]] = []
        for p in self.data.get("summary", []):
            verdicts = ", ".join(str(r.get("verdict") or "—") for r in p.get("as_candidate", []))
            people.add_row(
                safe_text(str(p["name"])),
                safe_text(verdicts or "—"),
                _num(p.get("mean_self_gap")),
                _num(p.get("mean_rating"), "{:.1f} of 4"),
                _num(p.get("mean_disagreement"), "{:.1f}"),
            )
            for r in p.get("as_candidate", []):
                own, theirs = r.get("self_scores", {}), r.get("scores", {})
                both = [k for k in theirs if k in own]
                gap = sum(own[k] - theirs[k] for k in both)
                rows.append(
                    (
                        int(r["round"]),
                        safe_text(str(p["name"])),
                        safe_text(str(r.get("verdict") or "—")),
                        f"{gap:+d} over {len(both)} criteria" if both else "—",
                    )
                )
        for index, name, verdict, gap in sorted(rows, key=lambda row: row[0]):
            rounds.add_row(str(index), name, verdict, gap)
        for table in self.query(DataTable):
            table.can_focus = False
        self.query_one("#pair-summary-body").focus()

    def action_home(self) -> None:
        self.port.go_home()
