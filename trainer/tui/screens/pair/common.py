"""What every pair screen shares: its seat's view (plain data from core) and a header.

A pair screen never reads the session: it renders `port.view(seat)`, the data core
decided that seat may see, and sends that seat's events. The same screens can then
serve a second terminal, where the view comes over the link.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from trainer.core.packs.resolve import ResolvedCriterion
from trainer.tui.safe import safe, styled
from trainer.tui.screens.modals import ConfirmScreen
from trainer.tui.widgets.countdown import Countdown

if TYPE_CHECKING:
    from trainer.core.pairing import Seat
    from trainer.tui.ports import PairPort


class ViewChanged(Message):
    """The state moved on outside this screen (a test run finished, the peer acted)."""


class PairScreen(Screen[None]):
    STAGE: ClassVar[str] = ""

    def __init__(self, port: PairPort, seat: Seat | None) -> None:
        super().__init__(classes="round-screen pair-screen")
        self.port = port
        self.seat: Seat = seat if seat is not None else 0
        self.data: dict[str, Any] = port.view(self.seat)
        self._fetched_at = port.clock()

    def reload(self) -> dict[str, Any]:
        self.data = self.port.view(self.seat)
        self._fetched_at = self.port.clock()
        return self.data

    def on_view_changed(self, _: ViewChanged) -> None:
        self.reload()
        self.view_changed()

    def view_changed(self) -> None:
        """Update what depends on the view; screens override."""

    @property
    def question(self) -> dict[str, Any]:
        q: dict[str, Any] = self.data["question"]
        return q

    def person(self, seat: int) -> str:
        return str(self.data["names"][seat])

    @property
    def candidate_name(self) -> str:
        return self.person(self.seat if self.data["role"] == "candidate" else 1 - self.seat)

    @property
    def interviewer_name(self) -> str:
        return self.person(self.seat if self.data["role"] == "interviewer" else 1 - self.seat)

    def remaining(self) -> float:
        elapsed = float(self.data.get("elapsed_s") or 0.0)
        if self.data.get("phase") == "answering":
            elapsed += self.port.clock() - self._fetched_at
        return float(self.question["time_limit_s"]) - elapsed

    def header(self, with_clock: bool = False) -> ComposeResult:
        with Horizontal(classes="round-header"):
            head = styled(f"Round {self.data['round']}/{self.data['rounds']} · ", "$accent")
            if self.STAGE:
                head += styled(f"{self.STAGE} · ", "$accent")
            yield Static(
                head + safe(str(self.question["title"]), "bold", one_line=True),
                classes="round-title",
            )
            if with_clock:
                yield Countdown(self.remaining, lambda: False, id="clock")

    def who_line(self) -> Static:
        return Static(
            styled("Candidate: ", "$text-muted")
            + safe(self.candidate_name, "bold", one_line=True)
            + styled("   Interviewer: ", "$text-muted")
            + safe(self.interviewer_name, "bold", one_line=True),
            classes="pair-who",
        )

    def confirm_then(self, question: str, yes: str, no: str, then: Callable[[], None]) -> None:
        def done(answer: bool | None) -> None:
            if answer:
                then()

        self.app.push_screen(ConfirmScreen(question, yes=yes, no=no), done)


def criteria_from_view(items: Sequence[Mapping[str, Any]]) -> list[ResolvedCriterion]:
    """Rubric rows from a view's plain data (the widget takes resolved criteria)."""
    return [
        ResolvedCriterion(
            id=str(c["id"]),
            title=str(c["title"]),
            weight=float(c.get("weight", 1.0)),
            levels=tuple(str(x) for x in c["levels"]),
            descriptors=tuple(str(x) for x in c.get("descriptors", ())),
            description=str(c.get("description", "")),
        )
        for c in items
    ]


def rating_criteria(data: Mapping[str, Any]) -> list[ResolvedCriterion]:
    """The interviewer rubric as rubric rows: 1-4 by level name (shown compact)."""
    levels = tuple(str(x).capitalize() for x in data.get("rating_levels", ()))
    return [
        ResolvedCriterion(
            id=str(c["id"]),
            title=str(c["title"]),
            weight=1.0,
            levels=levels,
            descriptors=("",) * len(levels),
            description=str(c.get("description", "")),
        )
        for c in data.get("interviewer_rubric", ())
    ]


def hints_content(given: Sequence[Mapping[str, Any]], total: int, more: str = "") -> Content:
    """The hints given so far, newest first, each with when it was given."""
    from trainer.tui.widgets.countdown import format_clock

    if not total:
        return styled("No hints for this question.", "$text-muted")
    head = styled(f"Hints given {len(given)}/{total}", "bold") + styled(more, "$text-muted")
    parts = [head]
    for i, hint in reversed(list(enumerate(given, start=1))):
        at = format_clock(float(hint.get("at_s", 0.0)))
        parts.append(
            styled(f"{i}. ", "bold $warning")
            + safe(str(hint["text"]))
            + styled(f"  (at {at})", "$text-muted")
        )
    return Content("\n").join(parts)


def answer_markdown(data: Mapping[str, Any]) -> str:
    """The candidate's answer as Markdown source: code fenced, choices listed."""
    q = data["question"]
    if q["kind"] == "multiple_choice":
        chosen = set(data.get("selected", ()))
        lines = [
            f"- {'**[x]**' if c['id'] in chosen else '[ ]'} {c['id']}) {c['text']}"
            for c in q.get("choices", ())
        ]
        return "\n".join(lines) if chosen else "*No choice selected.*\n\n" + "\n".join(lines)
    answer = str(data.get("answer", ""))
    if not answer.strip():
        return "*The answer is empty.*"
    if q["kind"] == "coding":
        fence = "````" if "```" in answer else "```"
        return f"{fence}python\n{answer.rstrip()}\n{fence}"
    return answer


def pct(value: Any) -> str:
    """A share as a whole percentage, or a dash when there is none."""
    return f"{float(value) * 100:.0f}%" if isinstance(value, int | float) else "—"


def gap_cell(diff: int | None) -> Text:
    """A score gap for a table cell: a dash, "0 ✓", or the signed difference."""
    if diff is None:
        return Text("—", style="dim")
    if diff == 0:
        return Text("0 ✓", style="green")
    return Text(f"{diff:+d}", style="bold yellow")
