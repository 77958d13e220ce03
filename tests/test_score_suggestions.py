"""Suggested levels for written criteria: from signals (shown, never counted) and from the
model grader (fills only what no person scored, and replaces the signals' level)."""

from __future__ import annotations

import json

import pytest

from tests.test_evaluation import small_pack
from trainer.core.evaluation.evaluation import evaluate
from trainer.core.evaluation.evidence import SuggestedScore, suggest_from_signals
from trainer.core.evaluation.signals import signal_coverage
from trainer.core.packs.resolve import ResolvedCriterion
from trainer.core.session import (
    AnswerChanged,
    ModelGraded,
    Scored,
    Session,
    SessionError,
    Submitted,
)

FOUR = ("Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire")


def criterion(signals: list[str], levels: tuple[str, ...] = FOUR) -> ResolvedCriterion:
    from trainer.core.packs.model import Signal

    return ResolvedCriterion(
        id="c",
        title="C",
        weight=1.0,
        levels=levels,
        descriptors=tuple("x" * len(levels)),
        signals=tuple(Signal(term=s) for s in signals),
    )


def suggested(answer: str, signals: list[str], levels: tuple[str, ...] = FOUR) -> int | None:
    crit = criterion(signals, levels)
    (cov,) = signal_coverage(answer, [crit])
    s = suggest_from_signals(cov, crit.max_score)
    return None if s is None else s.score


@pytest.mark.parametrize(
    ("answer", "level"),
    [
        ("Nothing relevant here.", 2),  # no evidence: below the middle, not the floor
        ("We added a cache.", 2),
        ("We added a cache and a queue.", 3),
        ("We added a cache, a queue and a replica.", 4),
    ],
)
def test_signal_level_on_four_levels(answer: str, level: int) -> None:
    assert suggested(answer, ["cache", "queue", "replica"]) == level


def test_a_negated_mention_does_not_raise_the_level() -> None:
    assert suggested("We did not add a cache, nor a queue.", ["cache", "queue"]) == 2
    assert suggested("We added a cache, not a queue.", ["cache", "queue"]) == 3


def test_one_signal_is_too_thin_to_suggest() -> None:
    assert suggested("We added a cache.", ["cache"]) is None


def test_other_scales() -> None:
    five = ("1", "2", "3", "4", "5")
    assert suggested("cache queue", ["cache", "queue", "replica", "shard"], five) == 3
    assert suggested("cache", ["cache", "queue"], ("No", "Yes")) == 2
    assert suggested("", ["cache", "queue"], ("No", "Yes")) == 1
    assert suggested("", ["cache", "queue"], five) == 2
    assert suggested("", ["cache", "queue"], ("No", "Maybe", "Yes")) == 1


def test_signal_suggestion_is_shown_but_never_fills_the_score() -> None:
    pack = small_pack()
    ev = evaluate(pack, pack.questions[0], answer="For example, the downside is cost.")
    (s,) = ev.suggestions
    assert (s.criterion_id, s.score, s.rule, s.fills) == ("clarity", 3, "signals", False)
    assert ev.final.overall is None and "auto" not in ev.by_source
    line = next(i.message for i in ev.evidence if i.criterion_id == "clarity")
    assert line.endswith("suggests 3 of 3")


def model(cid: str, score: int, max_score: int) -> SuggestedScore:
    return SuggestedScore(cid, score, max_score, "model", "names the trade-off", quote="cost")


def test_model_suggestion_fills_what_nobody_scored_and_replaces_the_signals() -> None:
    pack = small_pack()
    q = pack.questions[0]
    ev = evaluate(
        pack,
        q,
        answer="For example, the downside is cost.",
        scores={"self": {"depth": 4}},
        model=[model("clarity", 2, 3), model("depth", 1, 5)],
    )
    by_id = {s.criterion_id: s for s in ev.suggestions}
    assert by_id["clarity"].rule == "model" and by_id["clarity"].score == 2
    assert ev.final.score_of("clarity") == 2 and ev.final_sources["clarity"] == "auto"
    assert ev.final.score_of("depth") == 4 and ev.final_sources["depth"] == "self"
    items = [i for i in ev.evidence if i.source == "model"]
    # each beside its signals line, if it has one; the rest after the signals
    assert [i.criterion_id for i in items] == ["clarity", "depth"]
    assert '"cost"' in items[0].message


@pytest.mark.parametrize(
    "bad", [model("clarity", 4, 3), model("clarity", 2, 5), model("nope", 1, 3)]
)
def test_model_suggestion_that_does_not_fit_the_rubric_is_ignored(bad: SuggestedScore) -> None:
    pack = small_pack()
    ev = evaluate(pack, pack.questions[0], answer="For example.", model=[bad])
    assert all(s.rule != "model" for s in ev.suggestions)
    assert ev.final.overall is None


# -- the session's ModelGraded event -------------------------------------------------------


def _session(qid: str, role: str = "candidate") -> Session:
    from tests.test_session import EXAMPLE, FakeClock, make_session
    from trainer.core.packs.loader import load_pack_file

    loaded = load_pack_file(EXAMPLE)
    assert loaded.pack is not None
    return make_session(loaded.pack, [(qid, role)], FakeClock())


def test_model_graded_fills_after_submit_and_survives_a_later_score() -> None:
    session = _session("design-paste-bin")
    session.apply(AnswerChanged("Estimate QPS and storage first; discuss retention."))
    with pytest.raises(SessionError):
        session.apply(ModelGraded((model("requirements", 3, 4),)))  # not submitted yet
    session.apply(Submitted())
    criteria = session.criteria()
    first = criteria[0]
    suggestion = model(first.id, 2, first.max_score)
    session.apply(ModelGraded((suggestion,)))
    ev = session.current.evaluation
    assert ev is not None and ev.final.score_of(first.id) == 2
    assert ev.final_sources[first.id] == "auto"
    session.apply(Scored(first.id, first.max_score))  # the person's score wins from now on
    ev = session.current.evaluation
    assert ev is not None and ev.final.score_of(first.id) == first.max_score
    assert session.current.model_suggestions == (suggestion,)
    data = session.current.to_dict()
    assert data["model_suggestions"][0]["criterion_id"] == first.id
    json.dumps(data)


def test_model_graded_refuses_a_coding_round() -> None:
    session = _session("pair-sum")
    session.apply(Submitted())
    with pytest.raises(SessionError):
        session.apply(ModelGraded((model("correctness", 4, 4),)))
