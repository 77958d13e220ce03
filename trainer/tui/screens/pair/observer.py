"""The observer's screens: waiting, watching the round (flags and own scores), the reveal.

Everything here comes from the host's observer view (candidate's side, interviewer's
actions) or from this observer's own marks, and every text of either is shown literally.
The interviewer's scores and feedback appear only on the reveal screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Middle, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Markdown, Static

from trainer.core.evaluation.scoring import score_rubric
from trainer.core.pair.observer import (
    NOTE_MAX,
    ObserverFlag,
    ObserverView,
    latest_action,
    mean_gap,
    observer_moment_kinds,
    score_gaps,
)
from trainer.tui.safe import safe, safe_markdown, safe_text, styled
from trainer.tui.screens.flagdialog import FlagDialog
from trainer.tui.screens.pair.common import (
    ViewChanged,
    answer_markdown,
    gap_cell,
    hints_content,
    pct,
)
from trainer.tui.widgets.countdown import Countdown, format_clock
from trainer.tui.widgets.rubric import RubricScorer

if TYPE_CHECKING:
    from trainer.tui.observerflow import ObserverFlow

KIND_TITLES = {k.id: k.title for k in observer_moment_kinds()}
GOOD = {k.id for k in observer_moment_kinds() if k.good}


def flag_line(flag: ObserverFlag) -> Content:
    """One flag: when, which kind, after which interviewer action, and the note."""
    good = flag.kind in GOOD
    line = styled(f"{format_clock(flag.at_s)} ", "bold") + styled(
        "✓ " if good else "✗ ", "$success" if good else "$error"
    )
    line += safe(KIND_TITLES.get(flag.kind, flag.kind), one_line=True)
    if flag.after:
        at = f" ({format_clock(flag.after_at_s)})" if flag.after_at_s is not None else ""
        line += styled(" · after ", "$text-muted") + safe(flag.after + at, "$text-muted")
    if flag.note:
        line += styled(": ", "") + safe(flag.note, one_line=True)
    return line


def flags_content(flags: list[ObserverFlag]) -> Content:
    if not flags:
        return styled("No flags yet: f marks a moment.", "$text-muted")
    return Content("\n").join(flag_line(f) for f in flags)


def who_line(view: ObserverView) -> Static:
    return Static(
        styled("Candidate: ", "$text-muted")
        + safe(view.candidate_name, "bold", one_line=True)
        + styled("   Interviewer: ", "$text-muted")
        + safe(view.interviewer_name, "bold", one_line=True)
        + styled("   You observe", "$text-muted"),
        classes="pair-who",
    )


def title_bar(view: ObserverView, stage: str) -> Static:
    head = styled(f"Round {view.round}/{view.rounds} · {stage} · ", "$accent")
    return Static(head + safe(view.question.title, "bold", one_line=True), classes="round-title")


class ObserverWaitScreen(Screen[None]):
    """Before the round starts: who is doing what, nothing of the briefing."""

    def __init__(self, flow: ObserverFlow) -> None:
        super().__init__(classes="handoff-screen")
        self.flow = flow

    def compose(self) -> ComposeResult:
        with Middle(), Center(), Vertical(id="handoff"):
            yield Static(styled("Observing a pair session", "bold $accent"))
            yield Static(id="waiting-text")
        yield Footer()

    def on_mount(self) -> None:
        self.on_view_changed(ViewChanged())

    def on_view_changed(self, _: ViewChanged) -> None:
        view = self.flow.latest
        if view is None:
            text = safe("Waiting for the session to start: the host's partner has not joined.")
        else:
            text = safe(
                f"Round {view.round} of {view.rounds}: {view.interviewer_name} is reading the "
                f"interviewer briefing. {view.candidate_name}'s question appears here when "
                "the round starts."
            )
        text += Content("\n\n") + styled(
            "You watch read-only: f flags a moment, and you score the candidate on the rubric "
            "yourself. Only you see your flags and scores; the interviewer's appear beside "
            "them at the reveal.",
            "$text-muted",
        )
        if self.flow.status_line:
            text += Content("\n\n") + safe(self.flow.status_line, "$text-muted")
        self.query_one("#waiting-text", Static).update(text)


class ObserverWatchScreen(Screen[None]):
    """The candidate's side as it happens, the interviewer's actions, the observer's marks."""

    BINDINGS = [Binding("f", "flag", "Flag a moment")]

    def __init__(self, flow: ObserverFlow) -> None:
        super().__init__(classes="round-screen pair-screen")
        self.flow = flow
        assert flow.latest is not None
        self.view = flow.latest

    def compose(self) -> ComposeResult:
        v = self.view
        with Horizontal(classes="round-header"):
            yield title_bar(v, "Observing")
            yield Countdown(self._remaining, self._paused, id="clock")
        with VerticalScroll(id="observer-body"):
            yield who_line(v)
            yield Static(
                styled(
                    "Read-only. f flags a moment; score below. Only you see your marks; "
                    "the interviewer's scores appear at the reveal.",
                    "italic $text-muted",
                )
            )
            yield Static(id="observer-actions")
            yield Markdown(safe_markdown(v.question.prompt), open_links=False)
            yield Static(id="observer-hints", classes="hints")
            yield Static(
                styled("The candidate's answer, as they type", "bold underline"),
                classes="section",
            )
            yield Markdown(id="observer-answer", open_links=False)
            yield Static(styled("Your flags", "bold underline"), classes="section")
            yield Static(id="observer-flags")
            yield Static(
                styled("Your scores", "bold underline")
                + styled("  (up/down picks a criterion, 1-4 a level)", "$text-muted"),
                classes="section",
            )
            yield RubricScorer(v.criteria(), self.flow.my_scores(), id="observer-rubric")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#observer-body").focus()
        self.refresh_view()

    def _remaining(self) -> float:
        return self.view.question.time_limit_s - self.flow.elapsed()

    def _paused(self) -> bool:
        return self.view.phase != "answering"

    def on_view_changed(self, _: ViewChanged) -> None:
        if self.flow.latest is not None:
            self.view = self.flow.latest
        self.refresh_view()

    def refresh_view(self) -> None:
        v = self.view
        actions = [
            styled(f"{format_clock(a.at_s)} ", "$text-muted") + safe(a.text, one_line=True)
            for a in v.actions[-4:]
        ]
        head = styled("The interviewer", "bold")
        if v.phase == "assessing":
            done = "submitted their scores" if v.submitted.interviewer else "is scoring"
            head += styled(f" {done} (their scores stay hidden until the reveal)", "$warning")
        self.query_one("#observer-actions", Static).update(Content("\n").join([head, *actions]))
        self.query_one("#observer-hints", Static).update(
            hints_content([h.model_dump() for h in v.hints_given], v.hints_total)
        )
        self.query_one("#observer-answer", Markdown).update(
            safe_markdown(answer_markdown(v.model_dump()))
        )
        self.query_one("#observer-flags", Static).update(flags_content(self.flow.my_flags()))

    @on(RubricScorer.Scored)
    def _scored(self, event: RubricScorer.Scored) -> None:
        self.flow.score(event.criterion_id, event.level)

    def action_flag(self) -> None:
        if not self.flow.open():
            return
        at = self.flow.elapsed()
        action = latest_action(self.view.actions, at)

        def done(result: tuple[str, str] | None) -> None:
            if result is not None:
                self.flow.add_flag(at, *result)
            self.refresh_view()
            self.flow.route()  # a view that arrived while the dialog was open

        self.app.push_screen(ObserverFlagScreen(at, action.text if action else ""), done)


class ObserverFlagScreen(FlagDialog[tuple[str, str] | None]):
    """Pick a moment kind (Enter), with an optional note; Escape cancels."""

    NOTE_MAX = NOTE_MAX

    def __init__(self, at_s: float, after: str) -> None:
        where = styled(f"  at {format_clock(at_s)}", "$text-muted")
        if after:
            where += styled(" · after: ", "$text-muted") + safe(after, "$text-muted", one_line=True)
        super().__init__(styled("Flag this moment", "bold") + where, observer_moment_kinds())
        self.at_s, self.after = at_s, after

    def picked(self, kind: str) -> None:
        self.dismiss((kind, self.note()))


class ObserverRevealScreen(Screen[None]):
    """The observer's scores beside the interviewer's per criterion, and the flags."""

    def __init__(self, flow: ObserverFlow) -> None:
        super().__init__(classes="round-screen pair-screen")
        self.flow = flow
        assert flow.latest is not None and flow.latest.reveal is not None
        self.view = flow.latest

    def compose(self) -> ComposeResult:
        v = self.view
        reveal = v.reveal
        assert reveal is not None
        mine = self.flow.my_scores()
        criteria = v.criteria()
        own = score_rubric(criteria, mine) if criteria and mine else None
        with Horizontal(classes="round-header"):
            yield title_bar(v, "Observer reveal")
        with VerticalScroll(id="observer-reveal-body"):
            yield who_line(v)
            yield Static(
                safe(v.interviewer_name, "bold", one_line=True)
                + styled(": ", "bold")
                + safe(reveal.verdict or "no verdict")
                + styled(f" ({pct(reveal.overall)})", "$text-muted")
                + styled("   You: ", "bold")
                + safe(own.verdict if own and own.verdict else "no verdict")
                + styled(
                    f" ({pct(float(own.overall) if own and own.overall is not None else None)})",
                    "$text-muted",
                ),
                id="observer-verdicts",
            )
            yield DataTable(id="observer-gaps", cursor_type="none", zebra_stripes=True)
            gaps = score_gaps(v, mine)
            mean = mean_gap(gaps)
            same = sum(1 for g in gaps if g.gap == 0)
            both = sum(1 for g in gaps if g.gap is not None)
            yield Static(
                styled(
                    f"Gap: your level minus {self._short(v.interviewer_name)}'s. "
                    + (
                        f"Mean {mean:.1f} level(s) over {both}; the same on {same}."
                        if mean is not None
                        else "You scored no criterion they scored."
                    ),
                    "$text-muted",
                ),
                id="observer-gap-summary",
            )
            yield Static(styled("Your flags", "bold underline"), classes="section")
            yield Static(flags_content(self.flow.my_flags()), id="observer-flag-list")
            yield Static(
                styled("Feedback from ", "bold underline")
                + safe(v.interviewer_name, "bold underline", one_line=True),
                classes="section",
            )
            feedback = reveal.feedback.strip()
            yield Static(
                safe(feedback) if feedback else styled("No written feedback.", "$text-muted"),
                id="observer-feedback",
            )
            yield Static(styled("The answer", "bold underline"), classes="section")
            yield Markdown(safe_markdown(answer_markdown(v.model_dump())), open_links=False)
            yield Static(id="observer-next", classes="section")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#observer-gaps", DataTable)
        table.add_columns("Criterion", "You", self._short(self.view.interviewer_name), "Gap")
        for g in score_gaps(self.view, self.flow.my_scores()):
            table.add_row(
                safe_text(g.title),
                str(g.mine) if g.mine is not None else "—",
                str(g.theirs) if g.theirs is not None else "—",
                gap_cell(g.gap),
            )
        table.can_focus = False  # the arrows scroll the page
        self.query_one("#observer-reveal-body").focus()
        self.on_view_changed(ViewChanged())

    def on_view_changed(self, _: ViewChanged) -> None:
        finished = self.flow.latest is not None and self.flow.latest.finished
        text = (
            "The session is over; your rounds are in your history (as shadow rounds). ctrl+q quits."
            if finished
            else "The next round starts here when they go on. This round is in your history."
        )
        self.query_one("#observer-next", Static).update(styled(text, "italic $text-muted"))

    @staticmethod
    def _short(name: str) -> str:
        return name if len(name) <= 14 else name[:13] + "…"
