"""Render an Evaluation's automatic evidence as literal text, each line with its source."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from trainer.core.evaluation.evaluation import Evaluation
from trainer.core.evaluation.evidence import failure_details
from trainer.core.evaluation.results import RunResult
from trainer.core.evaluation.signals import SignalCoverage
from trainer.tui.safe import safe, styled

_MARK = {"good": ("✓", "$success"), "bad": ("✗", "$error"), "neutral": ("•", "$text-muted")}
_SOURCE = {
    "tests": "tests",
    "choices": "choices",
    "signals": "signals",
    "model": "model",
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


#: Columns a context line may use (80 less the scroll bar and padding), label included.
CONTEXT_WIDTH = 74
_MIN_QUOTE = 24


def signal_context(coverage: SignalCoverage, width: int = CONTEXT_WIDTH) -> list[Content]:
    """One line per signal found: the answer's sentence with the match highlighted.

    The answer is untrusted text: every part goes through `safe` (literal, one line), never
    markup. A negated mention says so, so nobody counts it as covered.
    """
    lines: list[Content] = []
    for hit in coverage.hits:
        if not hit.appears:
            continue
        label = f"{hit.term} (negated)" if hit.negated else hit.term
        # indent, ': “' and '”' take 8 columns; the quote gets the rest of the line.
        before, match, after = hit.in_context(max(_MIN_QUOTE, width - 8 - len(label)))
        mark_style = "bold $warning" if hit.negated else "bold $accent"
        lines.append(
            Content("    ")
            + safe(label, "$warning" if hit.negated else "$text-muted", one_line=True)
            + styled(": “", "$text-muted")
            + safe(before, one_line=True)
            + safe(match, f"{mark_style} underline", one_line=True)
            + safe(after, one_line=True)
            + styled("”", "$text-muted")
        )
    return lines


def evidence_content(ev: Evaluation) -> Content:
    lines: list[Content] = []
    coverage = {cov.criterion_id: cov for cov in ev.signals}
    for item in ev.evidence:
        mark, style = _MARK.get(item.tone, _MARK["neutral"])
        source = _SOURCE.get(item.source, item.source)
        lines.append(
            styled(f"{mark} ", style) + styled(f"[{source}] ", "$text-muted") + safe(item.message)
        )
        cov = coverage.get(item.criterion_id or "") if item.code == "signals" else None
        if cov is not None:
            lines.extend(signal_context(cov))
    return Content("\n").join(lines) if lines else styled("No automatic evidence.", "$text-muted")


class EvidenceView(Static):
    def show(self, ev: Evaluation, pending: str = "") -> None:
        body = evidence_content(ev)
        if pending:
            body = styled(pending + "\n", "italic $warning") + body
        self.update(body)
