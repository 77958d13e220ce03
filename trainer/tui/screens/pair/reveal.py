"""The shared reveal: both people's scores side by side, the feedback, the rating."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Footer, Markdown, Static

from trainer.core.packs.model import Approach
from trainer.core.pairing import RoundFinished
from trainer.tui.safe import safe, safe_markdown, safe_text, styled
from trainer.tui.screens.pair.assessing import evaluation_of
from trainer.tui.screens.pair.common import PairScreen, answer_markdown, gap_cell, pct
from trainer.tui.widgets.approaches import ApproachTabs
from trainer.tui.widgets.evidence import EvidenceView


class PairRevealScreen(PairScreen):
    STAGE = "Reveal"

    BINDINGS = [Binding("ctrl+n", "next", "Next", priority=True)]

    def compose(self) -> ComposeResult:
        d = self.data
        v = d.get("verdicts", {})
        intv, cand = self.interviewer_name, self.candidate_name
        with Horizontal(classes="round-header"):
            yield Static(
                styled(f"Round {d['round']}/{d['rounds']} · Reveal · ", "$accent")
                + safe(str(self.question["title"]), "bold", one_line=True),
                classes="round-title",
            )
            yield Static(
                styled(pct(v.get("interviewer", {}).get("overall")), "bold"), classes="score"
            )
        with VerticalScroll(id="pair-reveal-body"):
            yield self.who_line()
            iv = v.get("interviewer", {}).get("verdict") or "no verdict"
            sv = v.get("self", {}).get("verdict") or "no verdict"
            same = iv == sv
            yield Static(
                (styled("Verdicts agree: ", "bold") + safe(str(iv)))
                if same
                else styled("Verdicts differ: ", "bold $warning")
                + safe(intv, one_line=True)
                + styled(" says ", "")
                + safe(str(iv), "bold")
                + styled(", ", "")
                + safe(cand, one_line=True)
                + styled(" says ", "")
                + safe(str(sv), "bold"),
                id="verdicts",
            )
            yield DataTable(id="pair-gaps", cursor_type="none", zebra_stripes=True)
            yield Static(
                styled("Feedback from ", "bold underline")
                + safe(intv, "bold underline", one_line=True),
                classes="section",
            )
            feedback = str(d.get("feedback", "")).strip()
            yield Static(
                safe(feedback) if feedback else styled("No written feedback.", "$text-muted"),
                id="pair-feedback",
            )
            yield Static(
                styled("How ", "bold underline")
                + safe(cand, "bold underline", one_line=True)
                + styled(" rated the interviewer", "bold underline"),
                classes="section",
            )
            yield DataTable(id="pair-ratings", cursor_type="none", zebra_stripes=True)
            comment = str(d.get("comment", "")).strip()
            if comment:
                yield Static(styled("Comment: ", "bold") + safe(comment), id="pair-comment")
            refs = d.get("references") or []
            if refs:
                yield Static(
                    styled("Beside the graded answers", "bold underline"), classes="section"
                )
                yield Static(self._references(refs), id="pair-references")
            yield Static(styled("The answer", "bold underline"), classes="section")
            yield Markdown(safe_markdown(answer_markdown(d)), open_links=False)
            yield Static(styled("What the trainer saw", "bold underline"), classes="section")
            yield EvidenceView(id="evidence")
            approaches = [
                Approach.model_validate(a) for a in d.get("briefing", {}).get("approaches", ())
            ]
            if approaches:
                yield Static(styled("Sample approaches", "bold underline"), classes="section")
                yield ApproachTabs(approaches, code=self.question["kind"] == "coding")
            yield Static(styled("ctrl+n goes on.", "italic $text-muted"), classes="section")
        yield Footer()

    def _references(self, refs: list[dict[str, Any]]) -> Content:
        v = self.data.get("verdicts", {}).get("interviewer", {})
        lines = [
            styled("This answer: ", "bold")
            + styled(f"{pct(v.get('overall'))}", "")
            + safe(f" · {v.get('verdict') or 'no verdict'}", "$text-muted")
        ]
        for r in refs:
            lines.append(
                safe(f"{r.get('label') or r['id']}: ", "bold")
                + styled(pct(r.get("overall")), "")
                + safe(f" · {r.get('verdict') or 'no verdict'}", "$text-muted")
            )
        return Content("\n").join(lines)

    def on_mount(self) -> None:
        d = self.data
        gaps = self.query_one("#pair-gaps", DataTable)
        gaps.add_columns(
            "Criterion",
            self._short(self.interviewer_name),
            self._short(self.candidate_name) + " (self)",
            "Gap",
        )
        scores, selfs = d.get("scores", {}), d.get("self_scores", {})
        for c in d.get("rubric", []):
            a, b = scores.get(c["id"]), selfs.get(c["id"])
            gaps.add_row(
                safe_text(str(c["title"])),
                str(a) if a is not None else "—",
                str(b) if b is not None else "—",
                gap_cell(b - a if a is not None and b is not None else None),
            )
        ratings = self.query_one("#pair-ratings", DataTable)
        ratings.add_columns("Interviewer rubric", "Rating")
        levels = list(d.get("rating_levels", []))
        got = d.get("ratings", {})
        for c in d.get("interviewer_rubric", []):
            level = got.get(c["id"])
            shown = (
                f"{level} ({levels[level - 1]})"
                if isinstance(level, int) and 0 < level <= len(levels)
                else "—"
            )
            ratings.add_row(safe_text(str(c["title"])), shown)
        ev = evaluation_of(d)
        if ev is not None:
            self.query_one(EvidenceView).show(ev)
        for table in self.query(DataTable):
            table.can_focus = False  # PgDn and the arrows scroll the page, not a table
        self.query_one("#pair-reveal-body").focus()

    @staticmethod
    def _short(name: str) -> str:
        return name if len(name) <= 14 else name[:13] + "…"

    def action_next(self) -> None:
        if self.port.send(RoundFinished(self.seat)):
            self.port.done()
