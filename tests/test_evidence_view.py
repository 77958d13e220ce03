"""Signals shown in context: the answer's sentence, literal, with the match highlighted."""

from __future__ import annotations

from trainer.core.evaluation.signals import signal_coverage
from trainer.core.packs.model import Signal
from trainer.core.packs.resolve import ResolvedCriterion
from trainer.tui.widgets.evidence import CONTEXT_WIDTH, signal_context

FOUR = ("Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire")


def crit(*terms: str) -> ResolvedCriterion:
    return ResolvedCriterion(
        id="c",
        title="C",
        weight=1.0,
        levels=FOUR,
        descriptors=("a", "b", "c", "d"),
        signals=tuple(Signal(term=t) for t in terms),
    )


def test_context_line_highlights_only_the_match() -> None:
    answer = "Intro. I listened to his concerns [bold]and[/bold] \x1b[31m acted."
    (cov,) = signal_coverage(answer, [crit("their concern", "queue")])
    (line,) = signal_context(cov)  # the missed signal gets no line
    text = line.plain
    assert text.startswith("    their concern: “I listened to his ")
    assert "[bold]and[/bold]" in text  # markup is shown, not applied
    assert "\x1b" not in text  # the escape is made visible, never sent
    styled = [text[s.start : s.end] for s in line.spans if "underline" in str(s.style)]
    assert styled == ["concerns"]


def test_negated_mention_says_so() -> None:
    (cov,) = signal_coverage("I didn't write any tests.", [crit("test")])
    (line,) = signal_context(cov)
    assert line.plain == "    test (negated): “I didn't write any tests.”"
    assert any("$warning" in str(s.style) for s in line.spans)


def test_long_sentences_fit_one_line() -> None:
    answer = "So " + "very " * 40 + "we cached the hot rows " + "and more " * 30 + "."
    (cov,) = signal_coverage(answer, [crit("cache")])
    (line,) = signal_context(cov)
    assert len(line.plain) <= CONTEXT_WIDTH
    assert "cached" in line.plain and "…" in line.plain
