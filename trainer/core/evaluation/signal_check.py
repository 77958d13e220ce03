"""Do a pack's signals tell strong answers from weak ones? Checked against its graded answers.

A signal is evidence only if strong answers tend to say it and weak ones do not. The pack's
own reference answers, each scored by an expert per criterion, are the test set: a signal
that no answer scored "hire" on its criterion mentions is worded unlike real strong answers
(`signal-missed-by-hire`); one that every answer scored "no hire" mentions cannot tell them
apart (`signal-in-every-no-hire`, with at least two such answers, since one answer saying a
word is no pattern). "Hire" is a level above the middle of the criterion's scale, "no hire"
one below it (on four levels: 3-4 and 1-2); a middle level counts as neither. Answers are
matched exactly as the result screen matches them (lemmas, gaps, negation), so a negated
mention does not count.

These are warnings that only `trainer pack validate` reports: loading a pack never depends on
them, and matching every answer is too slow for the app's start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from trainer.core.diagnostics import Diagnostic, PathPart, Severity
from trainer.core.evaluation.evaluation import FREE_TEXT_KINDS
from trainer.core.evaluation.signals import find_signal
from trainer.core.packs.model import Pack, Signal
from trainer.core.packs.resolve import resolve_item
from trainer.core.packs.yamlsafe import SourceDocument

#: The fewest "no hire" answers for `signal-in-every-no-hire` to mean something.
MIN_NO_HIRE = 2


@dataclass
class _Tally:
    signal: Signal
    criterion_id: str
    max_score: int
    hire: int = 0
    hire_mentions: int = 0
    no_hire: int = 0
    no_hire_mentions: int = 0
    questions: set[str] = field(default_factory=set)


def _is_hire(score: int, levels: int) -> bool:
    return score * 2 > levels + 1


def _is_no_hire(score: int, levels: int) -> bool:
    return score * 2 < levels + 1


def _signal_sites(pack: Pack) -> Iterator[tuple[str, int, tuple[PathPart, ...], list[Signal]]]:
    """(question id, rubric index, where the signals are written, the signals) per item."""
    crit_index = {c.id: i for i, c in enumerate(pack.criteria)}
    for qi, question in enumerate(pack.questions):
        if question.kind not in FREE_TEXT_KINDS or not question.reference_answers:
            continue
        for ri, item in enumerate(question.rubric):
            if item.signals is not None:
                yield question.id, ri, ("questions", qi, "rubric", ri, "signals"), item.signals
            elif item.ref is not None and item.ref in crit_index:
                ci = crit_index[item.ref]
                yield question.id, ri, ("criteria", ci, "signals"), pack.criteria[ci].signals


def check_signals(pack: Pack, source: SourceDocument, file: str) -> list[Diagnostic]:
    """The two signal warnings for one pack (empty when its answers give no verdict)."""
    tallies: dict[tuple[PathPart, ...], _Tally] = {}
    for qid, ri, base, signals in _signal_sites(pack):
        question = pack.question(qid)
        assert question is not None
        resolved = resolve_item(pack, question.rubric[ri])
        if resolved is None:
            continue
        levels = resolved.max_score
        for si, signal in enumerate(signals):
            tally = tallies.setdefault((*base, si), _Tally(signal, resolved.id, levels))
            for ref in question.reference_answers:
                score = ref.scores.get(resolved.id)
                if score is None or isinstance(score, bool):
                    continue
                mentioned = find_signal(ref.answer, signal).mentioned
                if _is_hire(score, levels):
                    tally.hire += 1
                    tally.hire_mentions += mentioned
                    tally.questions.add(qid)
                elif _is_no_hire(score, levels):
                    tally.no_hire += 1
                    tally.no_hire_mentions += mentioned
                    tally.questions.add(qid)
    out: list[Diagnostic] = []
    for path, t in tallies.items():
        term = t.signal.term
        if t.hire and not t.hire_mentions:
            out.append(
                source.diag(
                    "signal-missed-by-hire",
                    f"signal '{term}' ({t.criterion_id}) is in none of the {t.hire} reference "
                    f"answer(s) scored hire on it",
                    path,
                    severity=Severity.WARNING,
                    hint="word it as strong answers say it, add synonyms, or drop it",
                )
            )
        if t.no_hire >= MIN_NO_HIRE and t.no_hire_mentions == t.no_hire:
            out.append(
                source.diag(
                    "signal-in-every-no-hire",
                    f"signal '{term}' ({t.criterion_id}) is in all {t.no_hire} reference "
                    f"answers scored no hire on it: it cannot tell weak answers from strong",
                    path,
                    severity=Severity.WARNING,
                    hint="choose a phrase that only a strong answer would use",
                )
            )
    return out
