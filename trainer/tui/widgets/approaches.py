"""Sample approaches, one tab each: summary, trade-offs, complexity, code."""

from __future__ import annotations

from collections.abc import Sequence

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Markdown, Static, TabbedContent, TabPane

from trainer.core.packs.model import Approach
from trainer.core.text import make_visible
from trainer.tui.safe import safe, safe_markdown, styled


class ApproachTabs(Vertical):
    def __init__(
        self, approaches: Sequence[Approach], *, code: bool, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.approaches = list(approaches)
        self.code = code

    def compose(self) -> ComposeResult:
        if not self.approaches:
            yield Static(styled("This question has no sample approaches.", "$text-muted"))
            return
        with TabbedContent():
            for i, a in enumerate(self.approaches):
                with TabPane(safe(a.title, one_line=True), id=f"approach-{i}"):
                    yield Markdown(safe_markdown(a.summary), open_links=False)
                    facts: list[Content] = []
                    if a.complexity:
                        facts.append(
                            styled("Complexity: ", "bold")
                            + safe(f"time {a.complexity.time}, space {a.complexity.space}")
                        )
                    if a.expect and a.expect != "accepted":
                        facts.append(
                            styled("Expected verdict: ", "bold")
                            + safe(a.expect.replace("_", " "))
                            + styled(" (deliberately too slow or flawed)", "$text-muted")
                        )
                    for t in a.tradeoffs:
                        facts.append(styled("• ", "$accent") + safe(t))
                    if facts:
                        yield Static(Content("\n").join(facts), classes="approach-facts")
                    if a.solution:
                        if self.code:
                            yield Static(
                                Syntax(
                                    make_visible(a.solution).rstrip(),
                                    "python",
                                    theme="ansi_dark",
                                    line_numbers=False,
                                    word_wrap=True,
                                ),
                                classes="approach-code",
                            )
                        else:
                            yield Markdown(safe_markdown(a.solution), open_links=False)
