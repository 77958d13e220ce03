"""The interviewer's private briefing: everything needed to run the round well."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Input, Markdown, Static

from trainer.core.packs.model import Approach
from trainer.core.pairing import NOTE_MAX, NotesChanged
from trainer.tui.safe import safe, safe_markdown, styled
from trainer.tui.screens.pair.common import PairScreen
from trainer.tui.widgets.approaches import ApproachTabs


def rubric_content(rubric: list[dict[str, Any]]) -> Content:
    parts: list[Content] = []
    for c in rubric:
        parts.append(safe(str(c["title"]), "bold"))
        for i, (level, text) in enumerate(
            zip(c["levels"], c.get("descriptors", ()), strict=False), start=1
        ):
            parts.append(styled(f"  {i} ", "bold") + safe(f"{level}: ", "bold") + safe(str(text)))
    return Content("\n").join(parts)


class BriefingScreen(PairScreen):
    STAGE = "Briefing"

    BINDINGS = [Binding("ctrl+s", "start", "Start the interview", priority=True)]

    def compose(self) -> ComposeResult:
        d = self.data
        q = self.question
        b = d["briefing"]
        yield from self.header()
        with VerticalScroll(id="briefing-body"):
            yield self.who_line()
            yield Static(
                styled(
                    "Only you see this. Read it, then ctrl+s hands the question to the "
                    "candidate (PgDn scrolls).",
                    "italic $text-muted",
                )
            )
            yield Static(styled("The question", "bold underline"), classes="section")
            yield Static(
                styled(f"{q['kind'].replace('_', ' ')} · {q['difficulty']}", "$text-muted")
                + styled(f" · {round(float(q['time_limit_s']) / 60)} min", "$text-muted")
            )
            yield Markdown(safe_markdown(str(q["prompt"])), open_links=False)
            if b.get("look_for"):
                yield Static(styled("What to look for", "bold underline"), classes="section")
                yield Markdown(safe_markdown(str(b["look_for"])), open_links=False)
            if b.get("follow_ups"):
                yield Static(styled("Follow-up questions", "bold underline"), classes="section")
                yield Static(
                    Content("\n").join(
                        styled("• ", "$accent") + safe(str(f)) for f in b["follow_ups"]
                    )
                )
            yield Static(
                styled("Hints to give, in order", "bold underline")
                + styled("  (ctrl+g gives the next one while they answer)", "$text-muted"),
                classes="section",
            )
            yield Static(
                Content("\n").join(
                    styled(f"{i}. ", "bold $warning") + safe(str(h))
                    for i, h in enumerate(b["hints"], start=1)
                )
                if b["hints"]
                else styled("This question has no hints.", "$text-muted")
            )
            if b.get("choices"):
                yield Static(styled("The choices", "bold underline"), classes="section")
                yield Static(
                    Content("\n").join(
                        styled(
                            "✓ " if c.get("correct") else "✗ ",
                            "$success" if c.get("correct") else "$error",
                        )
                        + safe(f"{c['id']}) {c['text']}", "bold")
                        + Content("\n   ")
                        + safe(str(c.get("feedback", "")))
                        for c in b["choices"]
                    )
                )
            yield Static(styled("The rubric", "bold underline"), classes="section")
            yield Static(rubric_content(d.get("rubric", [])), id="briefing-rubric")
            refs = b.get("reference_answers") or []
            if refs:
                yield Static(
                    styled("Graded answers to compare with", "bold underline"), classes="section"
                )
                for r in refs:
                    scores = ", ".join(f"{k} {v}" for k, v in dict(r.get("scores", {})).items())
                    yield Static(
                        safe(str(r.get("label") or r["id"]), "bold")
                        + safe(f"  ({scores})", "$text-muted"),
                        classes="subsection",
                    )
                    yield Markdown(safe_markdown(str(r["answer"])), open_links=False)
            approaches = [Approach.model_validate(a) for a in b.get("approaches", ())]
            if approaches:
                yield Static(styled("Sample approaches", "bold underline"), classes="section")
                yield ApproachTabs(approaches, code=q["kind"] == "coding")
            yield Static(
                styled("Your notes", "bold underline")
                + styled(
                    "  (only you can read them; shown as dots while they answer)", "$text-muted"
                ),
                classes="section",
            )
            yield Input(
                str(d.get("notes", "")),
                placeholder="Anything to remember while they answer",
                max_length=NOTE_MAX,
                id="notes",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#briefing-body").focus()

    @on(Input.Changed, "#notes")
    def _notes(self, event: Input.Changed) -> None:
        self.port.send(NotesChanged(self.seat, event.value))

    def action_start(self) -> None:
        self.port.briefing_done(self.seat)
