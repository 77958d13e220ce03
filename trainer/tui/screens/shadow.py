"""Shadow round: a recorded interview plays turn by turn; flag what the interviewer does.

Space (or `n`) shows the next turn; `a` plays on at reading speed until pressed again; `f`
flags a turn with a moment kind and a note. Once every turn is shown, the rubric appears:
score the candidate, then ctrl+s reveals the expert's moments and scores
(`ShadowRevealScreen`). Every turn, flag and note is pack or user text, shown literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Markdown, Static

from trainer.core.packs.model import RecordedInterviewQuestion, Turn
from trainer.core.session import FlagToggled, RoundFinished, Scored, Submitted, TurnShown
from trainer.core.shadowing import Flag, MomentKindInfo, moment_kinds
from trainer.tui.safe import safe, safe_markdown, safe_text, styled
from trainer.tui.screens.base import RoundScreen
from trainer.tui.screens.flagdialog import FlagDialog
from trainer.tui.widgets.countdown import Countdown
from trainer.tui.widgets.rubric import CriterionRow, RubricScorer

if TYPE_CHECKING:
    from trainer.tui.ports import Flow

#: Reading speed for auto-advance: about 200 words a minute, each turn shown 2.5-20 s.
WORDS_PER_SECOND = 3.3
MIN_TURN_S, MAX_TURN_S = 2.5, 20.0


def unwrap(text: str) -> str:
    """Join the hard-wrapped lines of a YAML block into paragraphs the screen can wrap."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", text.strip())


def reading_time(turn: Turn) -> float:
    words = len(turn.text.split()) + len((turn.code or turn.diagram or "").split()) // 2
    return max(MIN_TURN_S, min(MAX_TURN_S, words / WORDS_PER_SECOND))


def turn_content(number: int, turn: Turn, flags: list[Flag], titles: dict[str, str]) -> Content:
    """One turn as shown: its number, speaker, time, text, code or diagram, and its flags."""
    who = "Interviewer" if turn.speaker == "interviewer" else "Candidate"
    style = "bold $accent" if turn.speaker == "interviewer" else "bold $success"
    head = styled(f"{number:>2} ", "$text-muted") + styled(who, style)
    if turn.at_s is not None:
        minutes, seconds = divmod(int(turn.at_s), 60)
        head += styled(f"  {minutes:02d}:{seconds:02d}", "$text-muted")
    parts = [head, safe(unwrap(turn.text))]
    for block in (turn.code, turn.diagram):
        if block:
            parts.append(safe(block.rstrip("\n"), "$text-muted"))
    for flag in flags:
        line = styled("   ⚑ ", "bold $warning") + safe(titles.get(flag.kind, flag.kind), "$warning")
        if flag.note:
            line += styled(": ", "$warning") + safe(flag.note, one_line=True)
        parts.append(line)
    return Content("\n").join(parts)


class FlagScreen(FlagDialog[Flag | None]):
    """Pick a moment kind for a turn (Enter), with an optional note; Escape cancels."""

    def __init__(self, turn: int, last: int, kinds: list[MomentKindInfo]) -> None:
        super().__init__(styled("Flag a turn", "bold"), kinds)
        self.turn, self.last = turn, last

    def extra_rows(self) -> Iterator[Widget]:
        with Horizontal(id="flag-row"):
            yield Static("Turn ", classes="flag-label")
            yield Input(str(self.turn), id="flag-turn", type="integer", compact=True)
            yield Static(f" of 1-{self.last}", classes="flag-label")

    def picked(self, kind: str) -> None:
        raw = self.query_one("#flag-turn", Input).value
        try:
            turn = int(raw)
        except ValueError:
            turn = self.turn
        if not 1 <= turn <= self.last:
            self.notify(f"Turn {turn} has not been shown yet.", severity="warning", markup=False)
            return
        self.dismiss(Flag(turn, kind, self.note()))


class ShadowScreen(RoundScreen):
    STAGE = "Shadow"

    BINDINGS = [
        Binding("space", "next_turn", "Next turn"),
        Binding("n", "next_turn", "Next", show=False),
        Binding("a", "auto", "Auto-play"),
        Binding("f", "flag", "Flag"),
        Binding("ctrl+s", "submit", "Reveal", priority=True),
    ]

    def __init__(self, flow: Flow) -> None:
        super().__init__(flow)
        question = self.entry.question
        assert isinstance(question, RecordedInterviewQuestion)
        self.question = question
        self.kinds = moment_kinds(self.entry.pack)
        self.titles = {k.id: k.title for k in self.kinds}
        self.auto = False
        self._shown_at = self.session.clock()

    def compose(self) -> ComposeResult:
        s = self.session
        with Horizontal(classes="round-header"):
            yield self.title_bar()
            yield Countdown(
                lambda: self.round.remaining(s.clock()), lambda: self.round.paused, id="clock"
            )
        with VerticalScroll(id="shadow-body"):
            yield Static(
                styled(
                    "Watch the interviewer. space: next turn · a: auto-play · f: flag a turn "
                    "(a mistake or good practice) · the rubric appears at the end.",
                    "italic $text-muted",
                )
            )
            yield Static(styled("The question asked", "bold underline"), classes="section")
            yield Markdown(safe_markdown(self.question.prompt), open_links=False)
            yield Static(id="transcript")
            yield Static(id="turn-status", classes="muted-line")
            with Vertical(id="shadow-scoring"):
                yield Static(
                    styled("Score the candidate", "bold underline")
                    + styled(
                        "  (up/down picks a criterion, 1-4 a level; ctrl+s reveals)", "$text-muted"
                    ),
                    classes="section",
                )
                yield RubricScorer(self.criteria, self.round.scores, id="rubric")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#shadow-body").focus()
        self.refresh_transcript()
        self.set_interval(0.25, self._tick)

    # -- the transcript -------------------------------------------------------------------

    def refresh_transcript(self) -> None:
        turns = self.question.turns[: self.round.turns_shown]
        parts = [
            turn_content(i, t, self.round.flags.on(i), self.titles)
            for i, t in enumerate(turns, start=1)
        ]
        self.query_one("#transcript", Static).update(Content("\n\n").join(parts))
        total = len(self.question.turns)
        done = self.round.turns_shown >= total
        status = f"Turn {self.round.turns_shown} of {total}"
        status += " · auto-play on (a stops)" if self.auto else ""
        status += f" · {len(self.round.flags.all())} flag(s)"
        if done:
            status += " · the end: score the candidate below"
        self.query_one("#turn-status", Static).update(styled(status, "$text-muted"))
        self.query_one("#shadow-scoring").display = done
        self.flow.mark_draft(
            self._draft_text(),
            turns=self.round.turns_shown,
            flags=self.round.flags.to_list(),
            scores=dict(self.round.scores),
        )

    def _draft_text(self) -> str:
        """What the restore dialog shows; empty (no draft) until something is flagged or scored."""
        flags = self.round.flags.all()
        if not flags and not self.round.scores:
            return ""
        lines = [
            f"Turn {f.turn}: {self.titles.get(f.kind, f.kind)}" + (f" - {f.note}" if f.note else "")
            for f in flags
        ]
        lines.append(f"(watched to turn {self.round.turns_shown} of {len(self.question.turns)})")
        return "\n".join(lines)

    def action_next_turn(self) -> None:
        if self.round.phase != "watching":
            return
        before = self.round.turns_shown
        self.session.apply(TurnShown())
        self._shown_at = self.session.clock()
        self.refresh_transcript()
        if self.round.turns_shown >= len(self.question.turns):
            self.auto = False
            if self.round.turns_shown != before:  # the last turn: on to the rubric
                self.refresh_transcript()
                rows = self.query(CriterionRow)
                if rows:
                    self.call_after_refresh(rows.first().focus)
                return
        self.call_after_refresh(
            self.query_one("#shadow-body", VerticalScroll).scroll_end, animate=False
        )

    def action_auto(self) -> None:
        self.auto = not self.auto
        self._shown_at = self.session.clock()
        self.refresh_transcript()

    def _tick(self) -> None:
        if not self.auto or self.round.phase != "watching":
            return
        current = self.question.turns[self.round.turns_shown - 1]
        if self.session.clock() - self._shown_at >= reading_time(current):
            self.action_next_turn()

    def action_flag(self) -> None:
        if self.round.phase != "watching":
            return
        was_auto, self.auto = self.auto, False

        def done(flag: Flag | None) -> None:
            self.auto = was_auto
            if flag is not None:
                self.session.apply(FlagToggled(flag.turn, flag.kind, flag.note))
            self.refresh_transcript()

        self.app.push_screen(
            FlagScreen(self.round.turns_shown, self.round.turns_shown, self.kinds), done
        )

    @on(RubricScorer.Scored)
    def _scored(self, event: RubricScorer.Scored) -> None:
        self.session.apply(Scored(event.criterion_id, event.level))
        self.refresh_transcript()

    def action_submit(self) -> None:
        if self.round.turns_shown < len(self.question.turns):
            self.notify(
                "Watch to the end first (space shows the next turn).",
                severity="warning",
                markup=False,
            )
            return
        self.reveal_when_scored(self._submit)

    def _submit(self) -> None:
        if self.round.phase != "watching":
            return
        self.session.apply(Submitted())
        self.flow.submitted()


_OUTCOME = {
    "caught": ("✓ caught", "bold $success"),
    "noticed": ("~ noticed, another kind", "bold $warning"),
    "missed": ("✗ missed", "bold $error"),
}


class ShadowRevealScreen(RoundScreen):
    """The expert's moments beside your flags, and your scores of the candidate beside theirs."""

    STAGE = "Shadow · reveal"
    BINDINGS = [Binding("ctrl+n", "next", "Next round", priority=True)]

    def compose(self) -> ComposeResult:
        question = self.entry.question
        assert isinstance(question, RecordedInterviewQuestion)
        result = self.round.shadow
        cal = self.round.calibration
        assert result is not None
        titles = {k.id: k.title for k in moment_kinds(self.entry.pack)}
        with Horizontal(classes="round-header"):
            yield self.title_bar()
        with VerticalScroll(id="shadow-reveal-body"):
            score = f"{result.score * 100:.0f}%" if result.score is not None else "–"
            summary = (
                f"Caught {result.caught} of {len(result.moments)} marked moments"
                f" ({result.noticed} noticed as another kind, {result.missed} missed)"
                f" · {len(result.false_flags)} flag(s) matching no moment"
                f" · shadowing score {score}"
            )
            yield Static(styled(summary, "bold"), id="shadow-summary")
            yield Static(styled("The expert's marked moments", "bold underline"), classes="section")
            parts: list[Content] = []
            for m in result.moments:
                label, style = _OUTCOME[m.outcome]
                head = styled(f"Turn {m.turn} · ", "bold") + safe(
                    titles.get(m.kind, m.kind), "bold"
                )
                head += styled(f"  {label}", style)
                if m.flag is not None and (m.flag.turn != m.turn or m.flag.kind != m.kind):
                    head += styled(
                        f" (your flag: turn {m.flag.turn}, {titles.get(m.flag.kind, m.flag.kind)})",
                        "$text-muted",
                    )
                said = question.turns[m.turn - 1].text if 1 <= m.turn <= len(question.turns) else ""
                lines = [
                    head,
                    styled("  “", "$text-muted")
                    + safe(unwrap(said), "italic", one_line=True)
                    + styled("”", "$text-muted"),
                    safe(unwrap(m.explanation)),
                ]
                if m.rewrite:
                    lines.append(styled("Ask instead: ", "bold $success") + safe(unwrap(m.rewrite)))
                parts.append(Content("\n").join(lines))
            yield Static(Content("\n\n").join(parts), id="shadow-moments")
            if result.false_flags:
                yield Static(
                    styled("Your flags that match no marked moment", "bold underline"),
                    classes="section",
                )
                yield Static(
                    Content("\n").join(
                        styled(f"Turn {f.turn} · ", "bold")
                        + safe(titles.get(f.kind, f.kind))
                        + (
                            styled(": ", "") + safe(f.note, one_line=True)
                            if f.note
                            else Content("")
                        )
                        for f in result.false_flags
                    ),
                    id="shadow-false-flags",
                )
            yield Static(
                styled("The candidate: your scores and the expert's", "bold underline"),
                classes="section",
            )
            if cal is not None:
                gap = f"{float(cal.mae) * 100:.0f}% gap" if cal.mae is not None else "not scored"
                verdicts = (
                    styled(f"{gap} · your verdict ", "$text-muted")
                    + safe(cal.user_verdict or "–")
                    + styled(" · the expert's ", "$text-muted")
                    + safe(cal.reference_verdict or "–")
                )
                yield Static(verdicts)
            yield DataTable(id="shadow-gaps", cursor_type="row", zebra_stripes=True)
            yield Static(styled("Why the expert scored so", "bold"), classes="subsection")
            yield Markdown(safe_markdown(question.debrief.rationale), open_links=False)
            if question.debrief.summary:
                yield Static(styled("The interviewer, in short", "bold"), classes="subsection")
                yield Markdown(safe_markdown(question.debrief.summary), open_links=False)
            yield Static(styled("ctrl+n: next round", "italic $text-muted"))
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#shadow-gaps", DataTable)
        table.add_columns("Criterion", "You", "Expert", "Gap")
        cal = self.round.calibration
        for gap in cal.gaps if cal is not None else ():
            diff = gap.diff
            table.add_row(
                safe_text(gap.title),
                str(gap.user) if gap.user is not None else "—",
                str(gap.reference) if gap.reference is not None else "—",
                "—" if diff is None else f"{diff:+d}",
            )
        self.query_one("#shadow-reveal-body").focus()

    def action_next(self) -> None:
        self.session.apply(RoundFinished())
        self.flow.round_done()
