"""Render an Evaluation's automatic evidence as literal text, each line with its source."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from trainer.core.evaluation.evaluation import Evaluation
from trainer.core.evaluation.evidence import failure_details
from trainer.core.evaluation.results import RunResult
from trainer.tui.safe import safe, styled

_MARK = {"good": ("✓", "$success"), "bad": ("✗", "$error"), "neutral": ("•", "$text-muted")}
_SOURCE = {
    "tests": "tests",
    "choices": "choices",
    "signals": "signals",
    "hints": "hints",
    "time": "time",
}


def run_lines(run: RunResult, *, limit: int = 40) -> Content:
    """Per-test lines for a code run (sample run while answering, or the full run)."""
    parts: list[Content] = []
    for test in run.tests[:limit]:
        ok = test.passed
        mark, style = ("✓", "$success") if ok else ("✗", "$error")
        line = styled(f"{mark} ", style) + safe(f"{test.id} ({test.visibility})", one_line=True)
        if not ok:
            line += styled(f"  {test.verdict.replace('_', ' ')}", style)
            detail = failure_details(test)
            if detail and test.visibility == "sample":  # hidden inputs stay hidden here
                line += Content("\n    ") + safe(detail, "$text-muted", one_line=True)
        parts.append(line)
    if len(run.tests) > limit:
        parts.append(styled(f"… and {len(run.tests) - limit} more", "$text-muted"))
    if not run.tests:
        parts.append(styled(f"✗ {run.verdict.replace('_', ' ')}", "$error"))
    if run.not_run:
        parts.append(styled(f"· not run after that: {len(run.not_run)} test(s)", "$text-muted"))
    for note in run.notes:
        parts.append(safe(f"note: {note}", "italic $text-muted", one_line=True))
    if run.stdout.strip():
        parts.append(
            styled("printed: ", "$text-muted") + safe(run.stdout.strip()[:300], one_line=True)
        )
    return Content("\n").join(parts)


def evidence_content(ev: Evaluation) -> Content:
    lines: list[Content] = []
    for item in ev.evidence:
        mark, style = _MARK.get(item.tone, _MARK["neutral"])
        source = _SOURCE.get(item.source, item.source)
        lines.append(
            styled(f"{mark} ", style) + styled(f"[{source}] ", "$text-muted") + safe(item.message)
        )
    return Content("\n").join(lines) if lines else styled("No automatic evidence.", "$text-muted")


class EvidenceView(Static):
    def show(self, ev: Evaluation, pending: str = "") -> None:
        body = evidence_content(ev)
        if pending:
            body = styled(pending + "\n", "italic $warning") + body
        self.update(body)
