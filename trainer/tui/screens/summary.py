"""End of a session: every round, its score or calibration, time; saved to history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from trainer.core.recording import summarise
from trainer.core.text import shorten
from trainer.tui.safe import safe_text, styled
from trainer.tui.widgets.countdown import format_clock

if TYPE_CHECKING:
    from trainer.tui.ports import Flow


class SummaryScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+n", "again", "New session", priority=True),
        Binding("escape", "again", "Home", show=False),
        Binding("q", "app.quit", "Quit"),
        Binding("r", "report", "Save report"),
    ]

    def action_report(self) -> None:
        """Markdown, to the reports folder of the data directory (`trainer report` for more)."""
        self.flow.save_report("md")

    def __init__(
        self, flow: Flow, running_mae: float | None = None, running_rounds: int = 0
    ) -> None:
        super().__init__()
        self.flow = flow
        self.summary = summarise(flow.require_session())
        self.running_mae = running_mae
        self.running_rounds = running_rounds

    def compose(self) -> ComposeResult:
        s = self.summary
        yield Static(styled("Session summary", "bold $accent"), classes="round-header")
        with VerticalScroll(id="summary-body"):
            yield DataTable(id="rounds-table", cursor_type="row", zebra_stripes=True)
            lines = [
                styled(f"Rounds: {len(s.rounds)} · time {format_clock(s.total_time_s)}", "bold")
            ]
            if s.mean_score is not None:
                lines.append(styled(f"Mean candidate score: {s.mean_score * 100:.0f}%", ""))
            if s.mean_calibration is not None:
                lines.append(
                    styled(
                        f"Gap from the reference scores this session: "
                        f"{s.mean_calibration * 100:.0f}%"
                        " (interviewer rounds; lower is better)",
                        "",
                    )
                )
            if self.running_mae is not None:
                lines.append(
                    styled(
                        f"Over your last {self.running_rounds} interviewer rounds: "
                        f"{self.running_mae * 100:.0f}% mean gap",
                        "$text-muted",
                    )
                )
            lines.append(
                styled(
                    "Saved to your history. r saves a report, ctrl+n starts a new session, "
                    "q quits.",
                    "italic $text-muted",
                )
            )
            yield Static(styled("\n", "").join(lines), id="totals")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#rounds-table", DataTable)
        table.add_columns("#", "As", "Question", "Score", "Verdict", "Gap", "Time", "Hints")
        for r in self.summary.rounds:
            over = r.time_s > r.time_limit_s
            table.add_row(
                str(r.index + 1),
                {"candidate": "cand.", "shadow": "shad."}.get(r.role, "intv."),
                safe_text(shorten(r.title, 24)),
                f"{r.score * 100:.0f}%" if r.score is not None else "—",
                safe_text(r.verdict or "—"),
                f"{r.calibration_mae * 100:.0f}%" if r.calibration_mae is not None else "—",
                Text(format_clock(r.time_s) + ("!" if over else ""), style="red" if over else ""),
                str(r.hints),
            )
        table.focus()

    def action_again(self) -> None:
        self.flow.go_home()
