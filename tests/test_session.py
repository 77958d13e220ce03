"""The session engine without a UI: whole rounds of each kind, the clock, hints and bad events.

A fake clock drives every test, so time only moves when a test says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import pytest

from trainer.core.evaluation.results import RunResult, TestResult
from trainer.core.packs.discovery import discover
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import (
    AnyQuestion,
    CodingQuestion,
    MultipleChoiceQuestion,
    Pack,
)
from trainer.core.packs.resolve import resolve_rubric
from trainer.core.selection import PlannedRound, QuestionBank
from trainer.core.session import (
    AnswerChanged,
    ChoicesChanged,
    Event,
    FeedbackChanged,
    HintRequested,
    Paused,
    Resumed,
    RoundFinished,
    RoundState,
    RunCompleted,
    SampleRunCompleted,
    Scored,
    Session,
    SessionError,
    Submitted,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "question_packs" / "example.yaml"
START = 1_000.0


class FakeClock:
    """Time stands still until a test advances it."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def example() -> Pack:
    loaded = load_pack_file(EXAMPLE)
    assert loaded.ok and loaded.pack is not None
    return loaded.pack


@pytest.fixture(scope="module")
def builtin() -> QuestionBank:
    packs = []
    for source in discover():
        loaded = load_pack_file(source.path)
        assert loaded.ok and loaded.pack is not None, source.path
        packs.append(loaded.pack)
    return QuestionBank(packs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_session(pack: Pack, rounds: list[tuple[str, str]], clock: FakeClock) -> Session:
    """A session over one pack; `rounds` lists (question id, role) in order."""
    bank = QuestionBank([pack])
    plan = []
    for qid, role in rounds:
        entry = bank.find(qid)
        assert entry is not None, qid
        plan.append(PlannedRound(role, entry))
    return Session(bank.get, plan, clock)


def coding(session: Session) -> CodingQuestion:
    question = session.entry().question
    assert isinstance(question, CodingQuestion)
    return question


def fake_run(question: CodingQuestion, failing: frozenset[str] = frozenset()) -> RunResult:
    """A run of every test of `question`; the ids in `failing` got a wrong answer."""
    tests = tuple(
        TestResult(t.id, t.visibility, "wrong_answer" if t.id in failing else "accepted")
        for t in question.tests
    )
    return RunResult("wrong_answer" if failing else "accepted", tests)


def snapshot(rnd: RoundState) -> str:
    return json.dumps(rnd.to_dict(), sort_keys=True)


# -- a whole candidate round, per kind ----------------------------------------------------

ALL_PAIR_SUM_TESTS = frozenset({"example", "negatives", "duplicates", "pair-at-end", "large"})


@pytest.mark.parametrize(
    ("failing", "passed", "suggested", "tier"),
    [
        (frozenset(), 5, 4, "all-passed"),
        (frozenset({"large"}), 4, 3, "samples-passed"),
        (frozenset({"example", "large"}), 3, 2, "some-passed"),
        (ALL_PAIR_SUM_TESTS, 0, 1, "none-passed"),
    ],
)
def test_coding_candidate_round(
    example: Pack,
    clock: FakeClock,
    failing: frozenset[str],
    passed: int,
    suggested: int,
    tier: str,
) -> None:
    session = make_session(example, [("pair-sum", "candidate")], clock)
    rnd = session.current
    assert (rnd.role, rnd.candidate, rnd.interviewer) == ("candidate", "user", "pack")
    assert (rnd.phase, rnd.kind, rnd.time_limit_s) == ("answering", "coding", 20 * 60)
    question = coding(session)
    solution = question.approaches[0].solution or ""

    session.apply(AnswerChanged("def pair_sum(nums, target):\n    ..."))
    session.apply(AnswerChanged(solution))
    session.apply(HintRequested())
    clock.advance(90)
    samples = fake_run(question, failing & {"example", "negatives", "duplicates"})
    session.apply(SampleRunCompleted(samples))
    assert (rnd.sample_runs, rnd.last_sample_run) == (1, samples)
    clock.advance(210)
    session.apply(Submitted())

    assert rnd.phase == "reviewing"
    assert rnd.answer == solution
    assert rnd.elapsed_at_submit == 300
    ev = rnd.evaluation
    assert ev is not None
    assert ev.coding is None  # the full run has not come back yet
    assert ev.overall is None and ev.final_sources == {}
    assert (ev.hints.used, ev.hints.available) == (1, 3)
    assert (ev.time.elapsed_s, ev.time.limit_s) == (300, 1200)

    run = fake_run(question, failing)
    session.apply(RunCompleted(run))
    ev = rnd.evaluation
    assert rnd.run == run and ev is not None and ev.coding is not None
    assert ev.coding.passed == passed and ev.coding.total == 5
    assert [(s.criterion_id, s.score, s.rule) for s in ev.suggestions] == [
        ("correctness", suggested, tier)
    ]
    assert ev.final.score_of("correctness") == suggested
    assert ev.auto_filled == ("correctness",)

    session.apply(Scored("correctness", 2))
    ev = rnd.evaluation
    assert ev is not None
    assert ev.final.score_of("correctness") == 2
    assert ev.final_sources == {"correctness": "self"}
    assert ev.by_source["auto"].score_of("correctness") == suggested  # still shown

    for cid, level in (("correctness", 4), ("efficiency", 4), ("communication", 3), ("testing", 3)):
        session.apply(Scored(cid, level))
    ev = rnd.evaluation
    assert ev is not None
    # weights 3, 2, 1, 1: (3 * 1 + 2 * 1 + 2/3 + 2/3) / 7
    assert ev.final.overall == Fraction(19, 21)
    assert ev.final.verdict == "Strong hire"
    assert not ev.final.partial

    session.apply(RoundFinished())
    assert session.current.phase == "done" and session.finished
    json.dumps(rnd.to_dict())  # plain data all the way down


@pytest.mark.parametrize(
    ("selected", "kept", "correct", "credit"),
    [
        (("b",), ("b",), True, Fraction(1)),
        (("a",), ("a",), False, Fraction(0)),
        (("a", "b"), ("a", "b"), False, Fraction(0)),  # single select: two picks is wrong
        (("b", "zz"), ("b",), True, Fraction(1)),  # unknown ids are dropped
        ((), (), False, Fraction(0)),
    ],
)
def test_multiple_choice_single_round(
    example: Pack,
    clock: FakeClock,
    selected: tuple[str, ...],
    kept: tuple[str, ...],
    correct: bool,
    credit: Fraction,
) -> None:
    session = make_session(example, [("ask-about-age", "candidate")], clock)
    rnd = session.current
    session.apply(ChoicesChanged(("c",)))
    session.apply(ChoicesChanged(selected))
    assert rnd.selected == kept
    clock.advance(45)
    session.apply(Submitted())
    ev = rnd.evaluation
    assert ev is not None and ev.choices is not None
    assert ev.choices.selected == tuple(sorted(kept))
    assert (ev.choices.correct, ev.choices.credit, ev.overall) == (correct, credit, credit)
    assert ev.time.elapsed_s == 45
    session.apply(RoundFinished())
    assert session.finished


MULTI = ("interviewer-conduct", "us-health-questions-before-offer")  # correct: a and d


@pytest.mark.parametrize(
    ("selected", "correct", "credit"),
    [
        (("a", "d"), True, Fraction(1)),
        (("d", "a"), True, Fraction(1)),
        (("a",), False, Fraction(1, 2)),
        (("a", "b"), False, Fraction(0)),
        (("a", "d", "b"), False, Fraction(1, 2)),
        (("a", "b", "c", "d", "e"), False, Fraction(0)),
        ((), False, Fraction(0)),
    ],
)
def test_multiple_choice_multiple_round(
    builtin: QuestionBank,
    clock: FakeClock,
    selected: tuple[str, ...],
    correct: bool,
    credit: Fraction,
) -> None:
    entry = builtin.get(*MULTI)
    assert entry is not None
    assert isinstance(entry.question, MultipleChoiceQuestion)
    assert entry.question.select == "multiple"
    assert {c.id for c in entry.question.choices if c.correct} == {"a", "d"}
    session = Session(builtin.get, [PlannedRound("candidate", entry)], clock)
    session.apply(ChoicesChanged(selected))
    session.apply(Submitted())
    ev = session.current.evaluation
    assert ev is not None and ev.choices is not None
    assert (ev.choices.correct, ev.choices.credit) == (correct, credit)
    assert ev.overall == credit  # no rubric: the choice credit is the score


@pytest.mark.parametrize(
    ("qid", "answer", "mentioned"),
    [
        (
            "cache-invalidation",
            "Set an expiry on each key, and evict the entry on every write.",
            {"coverage": ("TTL", "invalidate"), "communication": ()},
        ),
        (
            "cache-invalidation",
            "A write-through cache with a TTL; the trade-off is an assumption about "
            "staleness, and the edge cases are races.",
            {
                "coverage": ("TTL", "write-through"),
                "communication": ("trade-off", "assumption", "edge case"),
            },
        ),
        (
            "design-paste-bin",
            "First the QPS and the storage per day.",
            {"requirements": ("QPS", "storage"), "communication": ()},
        ),
        (
            "disagree-with-lead",
            # "learnt" is an irregular form the pack does not list; its lemma is "learn"
            "The situation was a rushed migration. The result: we shipped a week late, and I "
            "learnt to write things down.",
            {"star": ("situation", "result", "learned"), "communication": ()},
        ),
        ("disagree-with-lead", "", {"star": (), "communication": ()}),
    ],
)
def test_free_text_round_signals(
    example: Pack,
    clock: FakeClock,
    qid: str,
    answer: str,
    mentioned: dict[str, tuple[str, ...]],
) -> None:
    session = make_session(example, [(qid, "candidate")], clock)
    session.apply(AnswerChanged(answer))
    session.apply(Submitted())
    ev = session.current.evaluation
    assert ev is not None
    assert ev.coding is None and ev.choices is None
    assert {c.criterion_id: c.mentioned for c in ev.signals} == mentioned
    all_terms = {
        c.id: tuple(s.term for s in c.signals)
        for c in resolve_rubric(example, session.entry().question)
        if c.signals
    }
    for cov in ev.signals:
        said, denied, missed = set(cov.mentioned), set(cov.negated), set(cov.missed)
        assert said | denied | missed == set(all_terms[cov.criterion_id])
        assert not said & missed and not said & denied and not denied & missed


def _answer_for(question: AnyQuestion, pack: Pack) -> str:
    """Every signal term of the rubric, so a free-text answer mentions all of them."""
    terms = [s.term for c in resolve_rubric(pack, question) for s in c.signals]
    return ". ".join(terms)


@pytest.mark.parametrize(
    "pack_id",
    ["example", "coding", "concepts", "behavioral", "system-design", "interviewer-conduct"],
)
def test_every_builtin_question_as_a_candidate_round(
    builtin: QuestionBank, clock: FakeClock, pack_id: str
) -> None:
    """One session over a whole built-in pack: answer, use every hint, submit, score, finish."""
    entries = [e for e in builtin.entries if e.pack.pack.id == pack_id]
    assert entries
    session = Session(builtin.get, [PlannedRound("candidate", e) for e in entries], clock)
    for i, entry in enumerate(entries):
        q = entry.question
        rnd = session.current
        assert (rnd.index, rnd.question_id, rnd.phase) == (i, q.id, "answering")
        for _ in q.hints:
            session.apply(HintRequested())
        with pytest.raises(SessionError, match="no more hints"):
            session.apply(HintRequested())
        assert session.visible_hints() == list(q.hints)
        if isinstance(q, MultipleChoiceQuestion):
            session.apply(ChoicesChanged(tuple(c.id for c in q.choices if c.correct)))
        elif isinstance(q, CodingQuestion):
            session.apply(AnswerChanged(q.approaches[0].solution or ""))
        else:
            session.apply(AnswerChanged(_answer_for(q, entry.pack)))
        clock.advance(10 + i)
        session.apply(Submitted())
        if isinstance(q, CodingQuestion):
            session.apply(RunCompleted(fake_run(q)))
        criteria = session.criteria()
        for crit in criteria:
            session.apply(Scored(crit.id, crit.max_score))
        ev = rnd.evaluation
        assert ev is not None, q.id
        assert ev.hints.used == len(q.hints)
        assert ev.time.elapsed_s == 10 + i
        assert ev.overall == 1, q.id
        if isinstance(q, MultipleChoiceQuestion):
            assert ev.choices is not None and ev.choices.correct, q.id
        elif isinstance(q, CodingQuestion):
            assert ev.coding is not None and ev.coding.all_passed, q.id
            assert ev.coding.total == len(q.tests)
            if any(c.id == "correctness" for c in criteria):
                assert ev.by_source["auto"].score_of("correctness") == max(
                    c.max_score for c in criteria if c.id == "correctness"
                )
        else:
            for cov in ev.signals:
                assert cov.missed == (), (q.id, cov.criterion_id)
        session.apply(RoundFinished())
        assert rnd.phase == "done"
    assert session.finished
    assert session.current_index == len(entries) - 1


# -- a whole interviewer round --------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "mae", "over", "under", "unscored", "verdict", "agrees"),
    [
        (
            {"correctness": 1, "efficiency": 2, "communication": 2, "testing": 1},
            Fraction(0),
            (),
            (),
            (),
            "Strong no hire",
            True,
        ),
        (
            {"correctness": 2, "efficiency": 2, "communication": 2, "testing": 1},
            Fraction(1, 12),
            ("correctness",),
            (),
            (),
            "Leaning no hire",
            False,
        ),
        (
            {"correctness": 1, "efficiency": 1, "communication": 2},
            Fraction(1, 9),
            (),
            ("efficiency",),
            ("testing",),
            "Strong no hire",
            True,
        ),
        (
            {"correctness": 4, "efficiency": 4, "communication": 4, "testing": 4},
            Fraction(5, 6),
            ("correctness", "efficiency", "communication", "testing"),
            (),
            (),
            "Strong hire",
            False,
        ),
        (
            {},
            None,
            (),
            (),
            ("correctness", "efficiency", "communication", "testing"),
            None,
            None,
        ),
    ],
)
def test_interviewer_round(
    example: Pack,
    clock: FakeClock,
    scores: dict[str, int],
    mae: Fraction | None,
    over: tuple[str, ...],
    under: tuple[str, ...],
    unscored: tuple[str, ...],
    verdict: str | None,
    agrees: bool | None,
) -> None:
    session = make_session(example, [("pair-sum", "interviewer")], clock)
    rnd = session.current
    assert (rnd.role, rnd.candidate, rnd.interviewer) == ("interviewer", "pack", "user")
    assert (rnd.phase, rnd.reference_id) == ("scoring", "nested-loops")

    session.apply(Scored("testing", 3))
    session.apply(Scored("testing", None))  # cleared again
    assert "testing" not in rnd.scores
    for cid, level in scores.items():
        session.apply(Scored(cid, level))
    assert rnd.scores == scores
    session.apply(AnswerChanged("The inner loop can pair an element with itself."))
    assert rnd.feedback == "The inner loop can pair an element with itself."
    assert rnd.answer == ""
    session.apply(FeedbackChanged("Pairs an element with itself; quadratic."))
    clock.advance(240)
    session.apply(Submitted())

    assert rnd.phase == "revealed" and rnd.evaluation is None
    assert rnd.elapsed_at_submit == 240
    cal = rnd.calibration
    assert cal is not None
    assert (cal.pack_id, cal.question_id, cal.reference_id) == (
        "example",
        "pair-sum",
        "nested-loops",
    )
    assert [g.criterion_id for g in cal.gaps] == [
        "correctness",
        "efficiency",
        "communication",
        "testing",
    ]
    assert {g.criterion_id: g.reference for g in cal.gaps} == {
        "correctness": 1,
        "efficiency": 2,
        "communication": 2,
        "testing": 1,
    }
    assert {g.criterion_id: g.user for g in cal.gaps} == {
        cid: scores.get(cid) for cid in ("correctness", "efficiency", "communication", "testing")
    }
    assert (cal.mae, cal.over, cal.under, cal.unscored) == (mae, over, under, unscored)
    assert cal.reference_verdict == "Strong no hire"
    assert (cal.user_verdict, cal.verdict_agrees) == (verdict, agrees)

    with pytest.raises(SessionError):
        session.apply(Scored("correctness", 3))  # scores are locked once revealed
    session.apply(FeedbackChanged("Pairs an element with itself."))  # notes may still change
    session.apply(RoundFinished())
    assert session.current.phase == "done"
    assert rnd.feedback == "Pairs an element with itself."
    json.dumps(rnd.to_dict())


@pytest.mark.parametrize(
    "pack_id", ["example", "coding", "concepts", "behavioral", "system-design"]
)
@pytest.mark.parametrize("slip", [False, True])
def test_every_builtin_reference_answer_as_an_interviewer_round(
    builtin: QuestionBank, clock: FakeClock, pack_id: str, slip: bool
) -> None:
    """Scoring as the pack's reference does calibrates perfectly; one level off costs 1/(n-1)."""
    entries = [e for e in builtin.entries if e.pack.pack.id == pack_id and e.can_interview]
    assert entries
    session = Session(builtin.get, [PlannedRound("interviewer", e) for e in entries], clock)
    for i, entry in enumerate(entries):
        rnd = session.current
        assert (rnd.index, rnd.phase, rnd.candidate) == (i, "scoring", "pack")
        ref = next(r for r in entry.question.reference_answers if r.id == rnd.reference_id)
        criteria = {c.id: c for c in session.criteria()}
        scores = dict(ref.scores)
        first, level = next(iter(scores.items()))
        top = criteria[first].max_score
        if slip:
            scores[first] = level + 1 if level < top else level - 1
        for cid, value in scores.items():
            session.apply(Scored(cid, value))
        clock.advance(60)
        session.apply(Submitted())
        cal = rnd.calibration
        assert cal is not None, entry.key
        assert {g.criterion_id for g in cal.compared} == set(ref.scores), entry.key
        if slip:
            assert cal.mae == Fraction(1, top - 1) / len(ref.scores), entry.key
            assert (cal.over + cal.under) == (first,)
        else:
            assert cal.mae == 0 and cal.verdict_agrees is True, entry.key
            assert cal.user_verdict == cal.reference_verdict is not None
            assert {g.direction for g in cal.gaps} <= {"match", "no-reference"}
        session.apply(RoundFinished())
    assert session.finished


@pytest.mark.parametrize("seat", range(5))
def test_interviewer_rounds_rotate_reference_answers(
    builtin: QuestionBank, clock: FakeClock, seat: int
) -> None:
    entry = builtin.get("system-design", "url-shortener")
    assert entry is not None
    refs = [r.id for r in entry.question.reference_answers]
    assert len(refs) == 3
    filler = [e for e in builtin.entries if e.pack.pack.id == "example"][:seat]
    plan = [PlannedRound("candidate", e) for e in filler] + [PlannedRound("interviewer", entry)]
    session = Session(builtin.get, plan, clock)
    assert session.rounds[-1].reference_id == refs[seat % 3]


# -- the clock ------------------------------------------------------------------------------

Step = tuple[str, float]


@pytest.mark.parametrize(
    ("steps", "elapsed", "paused"),
    [
        ([("advance", 60)], 60, False),
        (
            [("advance", 10), ("pause", 0), ("advance", 100), ("resume", 0), ("advance", 5)],
            15,
            False,
        ),
        (
            [
                ("pause", 0),
                ("pause", 0),
                ("advance", 50),
                ("resume", 0),
                ("resume", 0),
                ("advance", 7),
            ],
            7,
            False,
        ),
        ([("advance", 3), ("resume", 0), ("advance", 4)], 7, False),
        ([("advance", 20), ("pause", 0), ("advance", 1_000)], 20, True),
        (
            [
                ("advance", 1),
                ("pause", 0),
                ("advance", 9),
                ("resume", 0),
                ("advance", 2),
                ("pause", 0),
                ("advance", 30),
                ("resume", 0),
                ("advance", 4),
            ],
            7,
            False,
        ),
    ],
)
@pytest.mark.parametrize(("qid", "role"), [("pair-sum", "candidate"), ("pair-sum", "interviewer")])
def test_countdown_and_pause(
    example: Pack,
    clock: FakeClock,
    steps: list[Step],
    elapsed: float,
    paused: bool,
    qid: str,
    role: str,
) -> None:
    session = make_session(example, [(qid, role)], clock)
    rnd = session.current
    assert rnd.remaining(clock()) == 1200
    for op, seconds in steps:
        if op == "advance":
            clock.advance(seconds)
        else:
            session.apply(Paused() if op == "pause" else Resumed())
    assert rnd.paused is paused
    assert rnd.elapsed(clock()) == elapsed
    assert rnd.remaining(clock()) == 1200 - elapsed
    session.apply(Submitted())
    clock.advance(500)
    session.apply(Paused())
    session.apply(Resumed())
    clock.advance(500)
    assert rnd.elapsed_at_submit == elapsed
    assert rnd.elapsed(clock()) == elapsed  # frozen at submit
    if rnd.evaluation is not None:
        assert rnd.evaluation.time.elapsed_s == elapsed


@pytest.mark.parametrize("over_by", [0, 1, 59.5, 3_600])
def test_overtime_never_blocks_submit(example: Pack, clock: FakeClock, over_by: float) -> None:
    session = make_session(example, [("cache-invalidation", "candidate")], clock)
    rnd = session.current
    clock.advance(300 + over_by)
    assert rnd.remaining(clock()) == -over_by
    session.apply(AnswerChanged("Late, but here."))
    session.apply(HintRequested())
    session.apply(Submitted())
    ev = rnd.evaluation
    assert rnd.phase == "reviewing" and ev is not None
    assert ev.time.overtime is (over_by > 0)
    assert ev.time.over_by_s == over_by
    assert [i.code for i in ev.time.items()] == ["overtime" if over_by > 0 else "in-time"]


def test_each_round_has_its_own_clock(example: Pack, clock: FakeClock) -> None:
    session = make_session(
        example, [("pair-sum", "candidate"), ("cache-invalidation", "interviewer")], clock
    )
    first = session.current
    clock.advance(100)
    session.apply(Paused())  # left paused: the next round still starts running
    session.apply(Submitted())
    clock.advance(600)  # reviewing the result is not answering time
    session.apply(RoundFinished())
    second = session.current
    assert second is not first and second.index == 1
    assert second.elapsed(clock()) == 0 and not second.paused
    clock.advance(30)
    assert second.remaining(clock()) == 300 - 30
    assert first.elapsed(clock()) == 100


# -- hints ----------------------------------------------------------------------------------


@pytest.mark.parametrize("wanted", [0, 1, 2, 3])
def test_hints_are_progressive_and_counted(example: Pack, clock: FakeClock, wanted: int) -> None:
    session = make_session(example, [("pair-sum", "candidate")], clock)
    hints = session.entry().question.hints
    assert len(hints) == 3
    for n in range(1, wanted + 1):
        session.apply(HintRequested())
        assert session.visible_hints() == list(hints[:n])
    assert session.current.hints_shown == wanted
    session.apply(Submitted())
    ev = session.current.evaluation
    assert ev is not None and (ev.hints.used, ev.hints.available) == (wanted, 3)
    assert ev.hints.more_than_one is (wanted > 1)


@pytest.mark.parametrize(("qid", "available"), [("pair-sum", 3), ("ask-about-age", 0)])
def test_no_hint_after_the_last(example: Pack, clock: FakeClock, qid: str, available: int) -> None:
    session = make_session(example, [(qid, "candidate")], clock)
    for _ in range(available):
        session.apply(HintRequested())
    for _ in range(2):
        with pytest.raises(SessionError, match="no more hints"):
            session.apply(HintRequested())
    assert session.current.hints_shown == available


# -- events that do not fit ----------------------------------------------------------------


def _at(phase: str, pack: Pack, clock: FakeClock) -> Session:
    """A one-round session on pair-sum in the given phase."""
    role = "candidate" if phase in ("answering", "reviewing", "done") else "interviewer"
    session = make_session(pack, [("pair-sum", role)], clock)
    if phase in ("reviewing", "revealed", "done", "done-interviewer"):
        session.apply(Submitted())
    if phase.startswith("done"):
        session.apply(RoundFinished())
    return session


_RUN = RunResult("accepted")
_ANY_EVENT: dict[str, Event] = {
    "hint": HintRequested(),
    "answer": AnswerChanged("x"),
    "choices": ChoicesChanged(("a",)),
    "submit": Submitted(),
    "run": RunCompleted(_RUN),
    "sample-run": SampleRunCompleted(_RUN),
    "score": Scored("correctness", 2),
    "feedback": FeedbackChanged("x"),
    "finish": RoundFinished(),
}
_WRONG = {
    "answering": ("run", "score", "finish"),
    "reviewing": ("hint", "answer", "choices", "submit", "sample-run"),
    "scoring": ("hint", "choices", "run", "sample-run", "finish"),
    "revealed": ("hint", "answer", "choices", "submit", "run", "sample-run", "score"),
    "done": tuple(_ANY_EVENT),
    "done-interviewer": tuple(_ANY_EVENT),
}


@pytest.mark.parametrize(
    ("phase", "event"), [(phase, name) for phase, names in _WRONG.items() for name in names]
)
def test_event_in_the_wrong_phase(example: Pack, clock: FakeClock, phase: str, event: str) -> None:
    session = _at(phase, example, clock)
    rnd = session.current
    before = snapshot(rnd)
    clock.advance(5)
    with pytest.raises(SessionError):
        session.apply(_ANY_EVENT[event])
    assert snapshot(rnd) == before


@pytest.mark.parametrize(
    ("qid", "setup", "event"),
    [
        ("pair-sum", (), ChoicesChanged(("a",))),
        ("cache-invalidation", (), SampleRunCompleted(_RUN)),
        ("ask-about-age", (), SampleRunCompleted(_RUN)),
        ("cache-invalidation", (Submitted(),), RunCompleted(_RUN)),
        ("ask-about-age", (Submitted(),), RunCompleted(_RUN)),
    ],
)
def test_event_for_the_wrong_kind(
    example: Pack, clock: FakeClock, qid: str, setup: tuple[Event, ...], event: Event
) -> None:
    session = make_session(example, [(qid, "candidate")], clock)
    for earlier in setup:
        session.apply(earlier)
    before = snapshot(session.current)
    with pytest.raises(SessionError):
        session.apply(event)
    assert snapshot(session.current) == before
    if setup and session.criteria():  # the round is not wedged: scoring still works
        session.apply(Scored("communication", 3))
        ev = session.current.evaluation
        assert ev is not None and ev.final.score_of("communication") == 3
    if setup:
        session.apply(RoundFinished())
        assert session.finished


@pytest.mark.parametrize("role", ["candidate", "interviewer"])
@pytest.mark.parametrize(
    ("cid", "level"),
    [
        ("correctness", 0),
        ("correctness", 5),
        ("correctness", -1),
        ("efficiency", 99),
        ("no-such-criterion", 2),
        ("coverage", 2),  # a criterion of another question
        ("correctness", cast(Any, True)),
        ("correctness", cast(Any, 2.0)),
        ("correctness", cast(Any, "3")),
    ],
)
def test_bad_scores_are_refused(
    example: Pack, clock: FakeClock, role: str, cid: str, level: int
) -> None:
    session = make_session(example, [("pair-sum", role)], clock)
    if role == "candidate":
        session.apply(Submitted())
    session.apply(Scored("testing", 2))
    before = snapshot(session.current)
    with pytest.raises(SessionError):
        session.apply(Scored(cid, level))
    assert snapshot(session.current) == before
    session.apply(Scored("testing", 3))  # still usable afterwards
    assert session.current.scores == {"testing": 3}


# -- evaluation follows the scores ------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "overall", "verdict", "partial"),
    [
        ([], None, None, True),
        ([("coverage", 4)], Fraction(1), "Strong hire", True),
        ([("coverage", 4), ("communication", 1)], Fraction(2, 3), "Leaning hire", False),
        ([("coverage", 1), ("communication", 4)], Fraction(1, 3), "Leaning no hire", False),
        (
            [("coverage", 1), ("communication", 4), ("coverage", None)],
            Fraction(1),
            "Strong hire",
            True,
        ),
        ([("coverage", 2), ("coverage", None), ("communication", None)], None, None, True),
    ],
)
def test_evaluation_follows_scores(
    example: Pack,
    clock: FakeClock,
    scores: list[tuple[str, int | None]],
    overall: Fraction | None,
    verdict: str | None,
    partial: bool,
) -> None:
    session = make_session(example, [("cache-invalidation", "candidate")], clock)
    session.apply(Submitted())
    for cid, level in scores:
        session.apply(Scored(cid, level))
    ev = session.current.evaluation
    assert ev is not None
    assert (ev.final.overall, ev.final.verdict, ev.final.partial) == (overall, verdict, partial)
    expected = {cid: lvl for cid, lvl in dict(scores).items() if lvl is not None}
    if expected:
        assert ev.by_source["self"].scores() == expected
    else:
        assert "self" not in ev.by_source
    assert ev.final_sources == dict.fromkeys(expected, "self")


def test_run_completed_replaces_an_earlier_run(example: Pack, clock: FakeClock) -> None:
    session = make_session(example, [("pair-sum", "candidate")], clock)
    question = coding(session)
    session.apply(Submitted())
    session.apply(RunCompleted(fake_run(question, ALL_PAIR_SUM_TESTS)))
    ev = session.current.evaluation
    assert ev is not None and ev.final.score_of("correctness") == 1
    session.apply(RunCompleted(fake_run(question)))
    ev = session.current.evaluation
    assert ev is not None and ev.final.score_of("correctness") == 4
    assert ev.coding is not None and ev.coding.all_passed


# -- the session as a whole -----------------------------------------------------------------


def _play(session: Session, clock: FakeClock, seconds: float) -> None:
    """Answer or score the current round plainly, submit and finish it."""
    rnd = session.current
    clock.advance(seconds)
    if rnd.role == "interviewer":
        crit = session.criteria()[0]
        session.apply(Scored(crit.id, 2))
    else:
        session.apply(AnswerChanged("an answer"))
    session.apply(Submitted())
    session.apply(RoundFinished())


@pytest.mark.parametrize("rounds", [1, 2, 3, 4])
def test_seats_follow_the_plan(example: Pack, clock: FakeClock, rounds: int) -> None:
    ids = ["pair-sum", "cache-invalidation", "design-paste-bin", "disagree-with-lead"]
    roles = ["candidate" if i % 2 == 0 else "interviewer" for i in range(rounds)]
    session = make_session(example, list(zip(ids, roles, strict=False)), clock)
    seen = []
    for i in range(rounds):
        rnd = session.current
        assert session.current_index == i and not session.finished
        seen.append((rnd.role, rnd.candidate, rnd.interviewer, rnd.phase))
        _play(session, clock, 10)
    assert session.finished
    assert seen == [
        ("candidate", "user", "pack", "answering")
        if r == "candidate"
        else ("interviewer", "pack", "user", "scoring")
        for r in roles
    ]


def test_session_needs_rounds(clock: FakeClock) -> None:
    with pytest.raises(SessionError):
        Session(lambda pack, question: None, [], clock)


def test_interviewer_round_needs_a_reference_answer(example: Pack, clock: FakeClock) -> None:
    with pytest.raises(SessionError, match="no reference answer"):
        make_session(example, [("ask-about-age", "interviewer")], clock)


@pytest.mark.parametrize("event", [HintRequested(), Submitted()])
def test_unloaded_question_is_a_session_error(
    example: Pack, clock: FakeClock, event: Event
) -> None:
    entry = QuestionBank([example]).find("pair-sum")
    assert entry is not None
    lookup: Callable[[str, str], None] = lambda pack, question: None  # noqa: E731
    session = Session(lookup, [PlannedRound("candidate", entry)], clock)
    with pytest.raises(SessionError, match="not loaded"):
        session.apply(event)
