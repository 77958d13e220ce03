"""The two private halves of assessing: the interviewer scores, the candidate self-assesses.

Neither sees the other's scores until both have submitted (a blind reveal), so the
candidate's self-view is their own and the interviewer is not anchored by it.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Markdown, Static, TextArea

from trainer.core.evaluation.evaluation import Evaluation
from trainer.core.pairing import FeedbackChanged, Rated, Scored, SideSubmitted
from trainer.tui.safe import safe, safe_markdown, styled
from trainer.tui.screens.pair.common import (
    PairScreen,
    answer_markdown,
    criteria_from_view,
    hints_content,
    rating_criteria,
)
from trainer.tui.widgets.countdown import format_clock
from trainer.tui.widgets.evidence import EvidenceView
from trainer.tui.widgets.rubric import RubricScorer


def evaluation_of(data: dict[str, Any]) -> Evaluation | None:
    raw = data.get("evidence")
    if not raw:
        return None
    try:
        return Evaluation.from_dict(raw)
    except ValueError:
        return None


def _focus_rubric(screen: PairScreen, selector: str) -> None:
    """Once the screen is live, start on the first criterion unless something has focus.

    A focus set while the previous screen is still leaving can be dropped; this one holds.
    """
    if screen.focused is None and screen.query_one(selector, RubricScorer).criteria:
        screen.call_after_refresh(screen.query_one(selector, RubricScorer).focus_first)


class ScoringScreen(PairScreen):
    """The interviewer's scoring: the answer, the automatic evidence, the rubric, feedback."""

    STAGE = "Scoring"
    AUTO_FOCUS = "CriterionRow"  # the first criterion, whatever finishes mounting last

    BINDINGS = [Binding("ctrl+s", "submit", "Submit scores", priority=True)]

    def compose(self) -> ComposeResult:
        d = self.data
        yield from self.header()
        with VerticalScroll(id="scoring-body"):
            yield self.who_line()
            yield Static(
                styled(
                    f"Only you see this. {self.candidate_name} scores themselves too; "
                    "neither of you sees the other's scores until the reveal.",
                    "italic $text-muted",
                )
            )
            yield Static(styled("Their answer", "bold underline"), classes="section")
            yield Markdown(safe_markdown(answer_markdown(d)), open_links=False, id="pair-answer")
            yield Static(styled("What the trainer saw", "bold underline"), classes="section")
            yield EvidenceView(id="evidence")
            yield Static(
                hints_content(d.get("hints_given", []), int(d.get("hints_total", 0)))
                + styled(f"\nTime used: {format_clock(float(d.get('elapsed_s') or 0))}", ""),
                classes="subsection",
            )
            if str(d.get("notes", "")).strip():
                yield Static(styled("Your notes", "bold"), classes="subsection")
                yield Static(safe(str(d["notes"])), id="your-notes")
            yield Static(
                styled("Your scores", "bold underline")
                + styled("  (up/down picks a criterion, 1-4 picks a level)", "$text-muted"),
                classes="section",
            )
            if not d["rubric"]:
                yield Static(
                    styled(
                        "This question has no rubric: the choices are graded automatically "
                        "(above). Your feedback still counts.",
                        "italic $text-muted",
                    )
                )
            yield RubricScorer(criteria_from_view(d["rubric"]), d.get("scores", {}), id="rubric")
            yield Static(
                styled("Your feedback for ", "bold underline")
                + safe(self.candidate_name, "bold underline", one_line=True),
                classes="section",
            )
            yield TextArea(
                str(d.get("feedback", "")),
                id="feedback",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="What went well, what to improve; cite the answer.",
            )
        yield Footer()

    def on_mount(self) -> None:
        self._show_evidence()
        self.query_one(RubricScorer).focus_first()
        self.call_after_refresh(self.query_one("#scoring-body").scroll_home, animate=False)

    def on_screen_resume(self) -> None:
        _focus_rubric(self, "#rubric")

    def _show_evidence(self) -> None:
        ev = evaluation_of(self.data)
        view = self.query_one(EvidenceView)
        pending = ""
        if self.question["kind"] == "coding" and not self.data.get("tests_run", True):
            pending = "Running every test (sample and hidden)…"
        if ev is None:
            view.update(styled(pending or "No automatic evidence.", "$text-muted"))
        else:
            view.show(ev, pending)

    def view_changed(self) -> None:
        self._show_evidence()

    @on(RubricScorer.Scored)
    def _scored(self, event: RubricScorer.Scored) -> None:
        self.port.send(Scored(self.seat, event.criterion_id, event.level))

    @on(TextArea.Changed, "#feedback")
    def _typed(self, event: TextArea.Changed) -> None:
        self.port.send(FeedbackChanged(self.seat, event.text_area.text))

    def action_submit(self) -> None:
        d = self.reload()
        missing = [str(c["title"]) for c in d["rubric"] if c["id"] not in d.get("scores", {})]
        if missing:
            self.confirm_then(
                f"Not scored yet: {', '.join(missing)}. Submit anyway?",
                "Submit",
                "Keep scoring",
                self._submit,
            )
            return
        self._submit()

    def _submit(self) -> None:
        if self.port.send(SideSubmitted(self.seat)):
            self.port.done()


class SelfAssessmentScreen(PairScreen):
    """The candidate scores their own answer and rates the interviewer, 1-4 each."""

    STAGE = "Self-assessment"
    AUTO_FOCUS = "CriterionRow"

    BINDINGS = [Binding("ctrl+s", "submit", "Submit", priority=True)]

    def compose(self) -> ComposeResult:
        d = self.data
        yield from self.header()
        with VerticalScroll(id="self-body"):
            yield self.who_line()
            yield Static(
                styled(
                    f"Only you see this. {self.interviewer_name} scores your answer too; "
                    "neither of you sees the other's scores until the reveal.",
                    "italic $text-muted",
                )
            )
            yield Static(styled("Your answer", "bold underline"), classes="section")
            yield Markdown(safe_markdown(answer_markdown(d)), open_links=False, id="pair-answer")
            yield Static(
                styled("Score yourself", "bold underline")
                + styled("  (up/down picks a criterion, 1-4 picks a level)", "$text-muted"),
                classes="section",
            )
            # A pack may keep the level descriptors private until the reveal: names only then.
            private = not all(c.get("descriptors") for c in d["rubric"])
            yield RubricScorer(
                criteria_from_view(d["rubric"]),
                d.get("self_scores", {}),
                id="self-rubric",
                compact=private,
            )
            yield Static(
                styled("Rate your interviewer, ", "bold underline")
                + safe(self.interviewer_name, "bold underline", one_line=True),
                classes="section",
            )
            yield RubricScorer(
                rating_criteria(d),
                d.get("ratings", {}),
                id="ratings",
                show_weight=False,
                compact=True,
            )
            yield Static(
                styled("A comment for ", "bold underline")
                + safe(self.interviewer_name, "bold underline", one_line=True),
                classes="section",
            )
            yield TextArea(
                str(d.get("comment", "")),
                id="comment",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="What helped, what to do differently as an interviewer.",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#self-rubric", RubricScorer).focus_first()
        self.call_after_refresh(self.query_one("#self-body").scroll_home, animate=False)

    def on_screen_resume(self) -> None:
        _focus_rubric(self, "#self-rubric")

    @on(RubricScorer.Scored)
    def _scored(self, event: RubricScorer.Scored) -> None:
        if event.scorer_id == "ratings":
            self.port.send(Rated(self.seat, event.criterion_id, event.level))
        else:
            self.port.send(Scored(self.seat, event.criterion_id, event.level))

    @on(TextArea.Changed, "#comment")
    def _typed(self, event: TextArea.Changed) -> None:
        self.port.send(FeedbackChanged(self.seat, event.text_area.text))

    def action_submit(self) -> None:
        d = self.reload()
        missing = [str(c["title"]) for c in d["rubric"] if c["id"] not in d.get("self_scores", {})]
        missing += [
            str(c["title"]) for c in d["interviewer_rubric"] if c["id"] not in d.get("ratings", {})
        ]
        if missing:
            self.confirm_then(
                f"Not scored yet: {', '.join(missing)}. Submit anyway?",
                "Submit",
                "Keep scoring",
                self._submit,
            )
            return
        self._submit()

    def _submit(self) -> None:
        if self.port.send(SideSubmitted(self.seat)):
            self.port.done()
