"""The observer's view and its own flags and scores, without a UI or a link.

The observer view is serialised to JSON at every phase and searched for the interviewer's
scores, feedback, notes and briefing: a leak anywhere before the reveal fails a test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_pair import (
    EXAMPLE,
    FEEDBACK,
    NOTES,
    FakeClock,
    make,
    pack_with_pair_settings,
    secrets,
)
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import MultipleChoiceQuestion, Pack
from trainer.core.pair.observer import (
    ObserverView,
    make_flag,
    mean_gap,
    observer_attempt,
    observer_moment_kinds,
    observer_stage,
    observer_view,
    score_gaps,
    validate_observer_view,
)
from trainer.core.pairing import (
    INTERVIEWER_RUBRIC,
    AnswerChanged,
    BriefingDone,
    ChoicesChanged,
    FeedbackChanged,
    HintGiven,
    NotesChanged,
    PairSession,
    Rated,
    RoundFinished,
    Scored,
    SideSubmitted,
    Submitted,
)
from trainer.core.selection import QuestionBank
from trainer.core.storage.history import HistoryStore

SELF_COMMENT = "ZZ-candidate-comment-secret"
EMPTY_SCORES: dict[str, Any] = {"scores": {}, "self_scores": {}, "feedback": ""}


@pytest.fixture(scope="module")
def pack() -> Pack:
    loaded = load_pack_file(EXAMPLE)
    assert loaded.ok and loaded.pack is not None
    return loaded.pack


def leaks(session: PairSession, given: int) -> list[str]:
    """Interviewer-only text found in the observer's view (hints given are not private)."""
    text = json.dumps(observer_view(session))
    out = [s for s in secrets(session.entry().question, given) if json.dumps(s)[1:-1] in text]
    return out + [s for s in (SELF_COMMENT,) if s in text]


def assert_blind(session: PairSession, given: int) -> dict[str, Any]:
    seen = observer_view(session)
    assert leaks(session, given) == []
    assert seen["reveal"] is None
    for key in ("scores", "self_scores", "feedback", "notes", "briefing", "evidence", "ratings"):
        assert key not in seen, key
    validate_observer_view(json.loads(json.dumps(seen)))  # what the observer's side accepts
    return seen


def play_to_reveal(session: PairSession, clock: FakeClock) -> None:
    rnd = session.current
    cand, intv = rnd.candidate, rnd.interviewer
    question = session.entry().question
    assert_blind(session, 0)
    session.apply(NotesChanged(intv, NOTES))
    session.apply(BriefingDone(intv))
    clock.now += 30
    if question.hints:
        session.apply(HintGiven(intv))
    given = len(session.current.hints)
    if isinstance(question, MultipleChoiceQuestion):
        session.apply(ChoicesChanged(cand, (question.choices[0].id,)))
    else:
        session.apply(AnswerChanged(cand, "def f(): return [0, 1]"))
    assert_blind(session, given)
    clock.now += 60
    session.apply(Submitted(cand))
    for c in session.criteria():
        session.apply(Scored(intv, c.id, 1))
        assert_blind(session, given)
        session.apply(Scored(cand, c.id, c.max_score))
    session.apply(FeedbackChanged(intv, FEEDBACK))
    session.apply(FeedbackChanged(cand, SELF_COMMENT))
    assert_blind(session, given)
    session.apply(SideSubmitted(intv))
    assert assert_blind(session, given)["submitted"] == {"interviewer": True, "candidate": False}
    for r in INTERVIEWER_RUBRIC:
        session.apply(Rated(cand, r.id, 3))
    session.apply(SideSubmitted(cand))
    assert session.current.phase == "reveal"


@pytest.mark.parametrize(
    "qid", ["pair-sum", "cache-invalidation", "design-paste-bin", "ask-about-age"]
)
def test_no_interviewer_scores_or_feedback_before_the_reveal(pack: Pack, qid: str) -> None:
    clock = FakeClock()
    session = make(pack, [qid], clock)
    play_to_reveal(session, clock)
    seen = validate_observer_view(json.loads(json.dumps(observer_view(session))))
    assert seen.reveal is not None
    assert seen.reveal.scores == {c.id: 1 for c in session.criteria()}
    assert seen.reveal.self_scores == {c.id: c.max_score for c in session.criteria()}
    assert seen.reveal.feedback == FEEDBACK
    assert NOTES not in json.dumps(observer_view(session))  # notes stay the interviewer's


def test_the_observer_sees_the_candidates_side_and_the_interviewers_actions(pack: Pack) -> None:
    clock = FakeClock()
    session = make(pack, ["pair-sum"], clock)
    waiting = validate_observer_view(observer_view(session))
    assert observer_stage(waiting) == "waiting" and waiting.actions == [] and waiting.answer == ""
    session.apply(BriefingDone(1))
    clock.now += 42
    session.apply(HintGiven(1))
    session.apply(AnswerChanged(0, "def pair_sum(): ..."))
    seen = validate_observer_view(observer_view(session))
    assert observer_stage(seen) == "watching"
    assert seen.answer == "def pair_sum(): ..."
    assert seen.hints_given[0].text == session.entry().question.hints[0]
    assert seen.hints_given[0].at_s == 42
    assert [(a.kind, a.at_s) for a in seen.actions] == [("started", 0.0), ("hint", 42.0)]
    assert seen.candidate_name == "Ana" and seen.interviewer_name == "Ben"
    clock.now += 18
    session.apply(Submitted(0))
    after = validate_observer_view(observer_view(session))
    assert observer_stage(after) == "watching"
    assert after.actions[-1].kind == "submitted" and after.actions[-1].at_s == 60
    assert "scoring" in after.actions[-1].text


def test_the_reveal_stage_and_the_next_round(pack: Pack) -> None:
    clock = FakeClock()
    session = make(pack, ["pair-sum", "cache-invalidation"], clock)
    play_to_reveal(session, clock)
    assert observer_stage(validate_observer_view(observer_view(session))) == "reveal"
    session.apply(RoundFinished(0))
    nxt = validate_observer_view(observer_view(session))
    assert (nxt.round, nxt.phase, nxt.reveal, nxt.candidate) == (2, "briefing", None, 1)


def test_private_descriptors_wait_for_the_reveal(pack: Pack) -> None:
    private = pack_with_pair_settings(pack, {"private_descriptors": True})
    bank = QuestionBank([private])
    entry = bank.find("cache-invalidation")
    assert entry is not None
    clock = FakeClock()
    s = PairSession(bank.get, [entry], ("Ana", "Ben"), clock)
    s.apply(BriefingDone(1))
    assert all(c["descriptors"] == [] for c in observer_view(s)["rubric"])
    s.apply(Submitted(0))
    s.apply(SideSubmitted(0))
    s.apply(SideSubmitted(1))
    assert all(c["descriptors"] for c in observer_view(s)["rubric"])


def good_view(pack: Pack) -> dict[str, Any]:
    clock = FakeClock()
    s = make(pack, ["pair-sum"], clock)
    s.apply(BriefingDone(1))
    data: dict[str, Any] = json.loads(json.dumps(observer_view(s)))
    return data


@pytest.mark.parametrize(
    "damage",
    [
        lambda v: v.update(extra=1),
        lambda v: v.update(scores={"correctness": 4}),  # the guest view's key: not here
        lambda v: v.update(answer="x" * 200_001),
        lambda v: v.update(observer=False),
        lambda v: v.update(candidate=2),
        lambda v: v.update(names=["a"]),
        lambda v: v.update(round="1"),
        lambda v: v.update(elapsed_s=-1),
        lambda v: v.update(elapsed_s=True),
        lambda v: v["question"].update(prompt=7),
        lambda v: v["question"].update(secret="x"),
        lambda v: v["rubric"][0].update(levels=[]),
        lambda v: v["actions"].append({"kind": "teleport", "at_s": 0, "text": ""}),
        lambda v: v.update(hints_given=[{"text": "h", "at_s": 0}] * 101),
        lambda v: v.update(  # scores before the reveal
            reveal={
                "scores": {},
                "self_scores": {},
                "feedback": "",
                "overall": None,
                "verdict": None,
            }
        ),
        lambda v: v.update(phase="reveal"),  # a reveal without its reveal part
    ],
)
def test_a_bad_observer_view_is_refused(pack: Pack, damage: Any) -> None:
    view = good_view(pack)
    validate_observer_view(json.loads(json.dumps(view)))  # the undamaged one passes
    damage(view)
    with pytest.raises(ValueError):
        validate_observer_view(view)


def revealed(pack: Pack) -> ObserverView:
    clock = FakeClock()
    session = make(pack, ["pair-sum"], clock)
    play_to_reveal(session, clock)
    return validate_observer_view(json.loads(json.dumps(observer_view(session))))


def test_flags_are_tied_to_the_time_and_the_latest_action(pack: Pack) -> None:
    clock = FakeClock()
    session = make(pack, ["pair-sum"], clock)
    session.apply(BriefingDone(1))
    clock.now += 30
    session.apply(HintGiven(1))
    view = validate_observer_view(observer_view(session))
    assert make_flag(view, 12.0, "good-probe").after == "The interviewer started the round"
    late = make_flag(view, 31.26, "hint-too-strong", "  gave it away " + "x" * 600)
    assert (late.after, late.after_at_s, late.at_s) == ("Hint 1 given", 30.0, 31.3)
    assert late.note.startswith("gave it away") and len(late.note) == 500
    kinds = [k.id for k in observer_moment_kinds()]
    assert "good-probe" in kinds and "conduct" in kinds


def test_gaps_and_the_history_record(pack: Pack, tmp_path: Path) -> None:
    view = revealed(pack)
    ids = [c.id for c in view.rubric]
    mine = {ids[0]: 3, ids[1]: 1, "not-a-criterion": 2}
    gaps = score_gaps(view, mine)
    assert [(g.criterion_id, g.gap) for g in gaps[:2]] == [(ids[0], 2), (ids[1], 0)]
    assert all(g.gap is None for g in gaps[2:])
    assert mean_gap(gaps) == 1.0
    flag = make_flag(view, 10, "good-hint", "nice")
    record = observer_attempt(view, mine, [flag], session_id=None, submitted_at=5.0)
    assert record.role == "shadow" and record.kind == "coding"
    assert record.scores["interviewer"] == {ids[0]: 3.0, ids[1]: 1.0}
    assert record.scores["partner"] == {i: 1.0 for i in ids}
    assert record.calibration_mae is None and record.feedback == FEEDBACK
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        sid = store.start_session(
            mode="pair-observer", role_plan="observe", started_at=1.0, settings={}
        )
        store.record_attempt(observer_attempt(view, mine, [flag], session_id=sid, submitted_at=5.0))
        [stored] = store.attempts(role="shadow")
    assert stored.details["observer"]["flags"][0]["note"] == "nice"
    assert stored.details["observer"]["mean_gap"] == 1.0
