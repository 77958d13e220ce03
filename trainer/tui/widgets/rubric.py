"""Score a rubric from the keyboard or the mouse: one focusable row per criterion.

Number keys pick a level on the focused row, 0 or Backspace clears it, Up/Down
move between rows. The widget only reports choices (`RubricScorer.Scored`); the
screen applies them to the session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from trainer.core.evaluation.evidence import SuggestedScore
from trainer.core.packs.resolve import ResolvedCriterion
from trainer.tui.safe import safe, styled


class LevelLine(Static):
    """One descriptor line; a click picks its level."""

    def __init__(self, criterion_id: str, level: int, text: str, name: str) -> None:
        super().__init__(classes="level")
        self.criterion_id = criterion_id
        self.level = level
        self._descriptor = text
        self._level_name = name

    def render(self) -> Content:
        head = styled(f" {self.level} ", "bold reverse" if self.has_class("-chosen") else "bold")
        if not self._descriptor:
            return head + safe(f" {self._level_name}", "bold")
        return head + styled(f" {self._level_name}: ", "bold") + safe(self._descriptor)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        row = self.parent
        if isinstance(row, CriterionRow):
            row.focus()
            row.choose(self.level)


class CriterionRow(Vertical, can_focus=True):
    BINDINGS = [
        *(Binding(str(n), f"choose({n})", show=False) for n in range(1, 10)),
        Binding("0", "choose(0)", "Clear", show=False),
        Binding("backspace", "choose(0)", "Clear", show=False),
        Binding("down", "app.focus_next", "Next", show=False),
        Binding("up", "app.focus_previous", "Previous", show=False),
    ]

    def __init__(
        self,
        criterion: ResolvedCriterion,
        level: int | None,
        reference: int | None = None,
        *,
        show_weight: bool = True,
        compact: bool = False,
    ) -> None:
        super().__init__(classes="criterion")
        self.criterion = criterion
        self.level = level
        self.reference = reference
        self.show_weight = show_weight
        self.compact = compact
        self.suggestion: SuggestedScore | None = None

    def compose(self) -> ComposeResult:
        c = self.criterion
        title = safe(c.title, "bold")
        if self.show_weight:
            title += styled(f"  weight {c.weight:g}", "$text-muted")
        elif c.description:
            title += safe(f"  {c.description}", "$text-muted")
        yield Static(title, classes="criterion-title")
        if self.compact:  # level names only, on one line: for scales that need no descriptors
            with Horizontal(classes="levels-inline"):
                for i, name in enumerate(c.levels, start=1):
                    yield LevelLine(c.id, i, "", name)
        else:
            for i, (name, text) in enumerate(zip(c.levels, c.descriptors, strict=False), start=1):
                yield LevelLine(c.id, i, text, name)
        yield Static(classes="criterion-status")

    def on_mount(self) -> None:
        self._refresh()

    def action_choose(self, level: int) -> None:
        self.choose(level or None)

    def choose(self, level: int | None) -> None:
        if level is not None and not 1 <= level <= self.criterion.max_score:
            self.app.bell()
            return
        self.level = level
        self._refresh()
        self.post_message(RubricScorer.Scored(self.criterion.id, level))

    def suggest(self, suggestion: SuggestedScore | None) -> None:
        """Show what the trainer suggests for this criterion (tests, signals or the model)."""
        if suggestion != self.suggestion:
            self.suggestion = suggestion
            if self.is_mounted:
                self._refresh()

    def _refresh(self) -> None:
        for line in self.query(LevelLine):
            line.set_class(line.level == self.level, "-chosen")
            line.refresh()
        status = self.query_one(".criterion-status", Static)
        if self.level is None:
            text = styled(
                f"not scored yet: press 1-{self.criterion.max_score}", "italic $text-muted"
            )
        else:
            name = self.criterion.levels[self.level - 1]
            text = styled(f"your score: {self.level} ({name})", "bold $success")
        s = self.suggestion
        if s is not None and 1 <= s.score <= len(self.criterion.levels):
            who = "model suggestion" if s.rule == "model" else f"{s.source_label} suggest"
            text += styled(f"  · {who}: ", "$text-muted") + styled(
                f"{s.score} ({self.criterion.levels[s.score - 1]})", "bold $accent"
            )
            text += safe(f" - {s.reason}", "$text-muted", one_line=True)
        status.update(text)


class RubricScorer(Vertical):
    """All criteria of a question, each a focusable CriterionRow."""

    @dataclass
    class Scored(Message):
        criterion_id: str
        level: int | None
        scorer_id: str | None = None  # which RubricScorer, when a screen has two

    def __init__(
        self,
        criteria: Sequence[ResolvedCriterion],
        scores: Mapping[str, int] | None = None,
        *,
        id: str | None = None,
        show_weight: bool = True,
        compact: bool = False,
    ) -> None:
        super().__init__(id=id)
        self.criteria = list(criteria)
        self.scores = dict(scores or {})
        self.show_weight = show_weight
        self.compact = compact

    def compose(self) -> ComposeResult:
        for criterion in self.criteria:
            yield CriterionRow(
                criterion,
                self.scores.get(criterion.id),
                show_weight=self.show_weight,
                compact=self.compact,
            )

    @on(Scored)
    def _track(self, event: Scored) -> None:
        event.scorer_id = self.id
        if event.level is None:
            self.scores.pop(event.criterion_id, None)
        else:
            self.scores[event.criterion_id] = event.level

    def show_suggestions(self, suggestions: Sequence[SuggestedScore]) -> None:
        """Put each suggestion beside its criterion; a criterion without one shows none."""
        by_id = {s.criterion_id: s for s in suggestions}
        for row in self.query(CriterionRow):
            row.suggest(by_id.get(row.criterion.id))

    def focus_first(self) -> None:
        rows = list(self.query(CriterionRow))
        if rows:
            rows[0].focus()
