"""The pair engine without a UI: seats, phases, hints with times, blind reveal, views.

The candidate's view is serialised to JSON at every phase and searched for the
interviewer's material, so a leak anywhere in the data fails a test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import AnyQuestion, MultipleChoiceQuestion, Pack
from trainer.core.pairing import (
    INTERVIEWER_RUBRIC,
    NAME_MAX,
    AnswerChanged,
    BriefingDone,
    ChoicesChanged,
    FeedbackChanged,
    HintGiven,
    NotesChanged,
    PairError,
    PairSession,
    Rated,
    RoundFinished,
    Scored,
    SideSubmitted,
    Submitted,
    clean_name,
    summary,
    view,
)
from trainer.core.selection import QuestionBank

EXAMPLE = Path(__file__).resolve().parents[1] / "question_packs" / "example.yaml"
NOTES = "ZZ-interviewer-notes-secret"
FEEDBACK = "ZZ-interviewer-feedback-secret"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def pack() -> Pack:
    loaded = load_pack_file(EXAMPLE)
    assert loaded.ok and loaded.pack is not None
    return loaded.pack


def make(pack: Pack, qids: list[str], clock: FakeClock, first: int = 0) -> PairSession:
    bank = QuestionBank([pack])
    entries = [bank.find(q) for q in qids]
    assert all(e is not None for e in entries)
    return PairSession(
        bank.get,
        [e for e in entries if e is not None],
        ("Ana", "Ben"),
        clock,
        first_candidate=first,  # type: ignore[arg-type]
    )


def secrets(question: AnyQuestion, given: int) -> list[str]:
    """Strings only the interviewer may see before the reveal."""
    out = [h for h in question.hints[given:]]
    out += [a.summary for a in question.approaches] + [a.title for a in question.approaches]
    out += [r.answer for r in question.reference_answers]
    out += [r.rationale for r in question.reference_answers]
    out += [f for f in question.follow_ups]
    if question.interviewer_notes:
        out.append(question.interviewer_notes)
    if isinstance(question, MultipleChoiceQuestion):
        out += [c.feedback for c in question.choices]
        if question.explanation:
            out.append(question.explanation)
    out += [NOTES, FEEDBACK]
    return [s for s in out if s.strip()]


def assert_no_leak(session: PairSession, given: int) -> None:
    rnd = session.current
    seen = view(session, rnd.candidate)
    text = json.dumps(seen)
    for secret in secrets(session.entry().question, given):
        assert json.dumps(secret)[1:-1] not in text, secret[:40]
    for key in ("briefing", "notes", "scores", "feedback", "evidence"):
        assert key not in seen, key
    if session.entry(rnd).question.kind == "multiple_choice":
        assert '"correct"' not in text


def play_round(session: PairSession, clock: FakeClock, hints: int = 1) -> None:
    """Play the current round through, checking the candidate's view at every step."""
    rnd = session.current
    cand, intv = rnd.candidate, rnd.interviewer
    question = session.entry().question
    assert view(session, intv)["role"] == "interviewer"
    assert_no_leak(session, 0)
    session.apply(NotesChanged(intv, NOTES))
    session.apply(BriefingDone(intv))
    assert_no_leak(session, 0)
    clock.now += 30
    for i in range(hints):
        session.apply(HintGiven(intv))
        assert_no_leak(session, i + 1)
    if isinstance(question, MultipleChoiceQuestion):
        session.apply(ChoicesChanged(cand, (question.choices[0].id,)))
    else:
        session.apply(AnswerChanged(cand, "my answer"))
    clock.now += 60
    session.apply(Submitted(cand))
    assert_no_leak(session, hints)
    crits = session.criteria()
    for c in crits:
        session.apply(Scored(intv, c.id, 1))
        session.apply(Scored(cand, c.id, c.max_score))
    session.apply(FeedbackChanged(intv, FEEDBACK))
    assert_no_leak(session, hints)
    session.apply(SideSubmitted(intv))
    assert session.current.phase == "assessing"  # blind: waits for the candidate
    assert_no_leak(session, hints)
    for r in INTERVIEWER_RUBRIC:
        session.apply(Rated(cand, r.id, 3))
    session.apply(FeedbackChanged(cand, "clear question"))
    after = session.apply(SideSubmitted(cand))
    assert after.phase == "reveal"


@pytest.mark.parametrize(
    "qid", ["pair-sum", "cache-invalidation", "design-paste-bin", "ask-about-age"]
)
def test_candidate_view_never_holds_interviewer_material(pack: Pack, qid: str) -> None:
    clock = FakeClock()
    session = make(pack, [qid], clock)
    question = session.entry().question
    play_round(session, clock, hints=min(1, len(question.hints)))
    shown = view(session, session.current.candidate)
    assert shown["feedback"] == FEEDBACK  # revealed to both only now
    assert shown["notes"] == NOTES
    assert set(shown["gaps"]) == {c.id for c in session.criteria()}


def test_two_rounds_swap_roles_and_summarise(pack: Pack) -> None:
    clock = FakeClock()
    session = make(pack, ["pair-sum", "cache-invalidation"], clock, first=1)
    assert session.current.candidate == 1
    play_round(session, clock)
    session.apply(RoundFinished(0))
    second = session.current
    assert (second.candidate, second.phase) == (0, "briefing")
    play_round(session, clock)
    session.apply(RoundFinished(1))
    assert session.finished
    people = summary(session)
    assert [p["name"] for p in people] == ["Ana", "Ben"]
    for person in people:
        assert len(person["as_candidate"]) == 1 and len(person["as_interviewer"]) == 1
        assert person["mean_rating"] == 3
        assert person["mean_self_gap"] > 0  # self-scored top, interviewer scored 1
        assert person["mean_disagreement"] > 0
    assert view(session, 0)["summary"] == people
    json.dumps(session.current.to_dict())


def test_hints_are_recorded_with_their_time(pack: Pack) -> None:
    clock = FakeClock()
    session = make(pack, ["pair-sum"], clock)
    intv = session.current.interviewer
    session.apply(BriefingDone(intv))
    clock.now += 42.5
    session.apply(HintGiven(intv))
    assert session.current.hints[0].at_s == 42.5
    hints = session.entry().question.hints
    for _ in hints[1:]:
        session.apply(HintGiven(intv))
    with pytest.raises(PairError, match="no more hints"):
        session.apply(HintGiven(intv))
    cand_view = view(session, session.current.candidate)
    assert [h["text"] for h in cand_view["hints_given"]] == list(hints)


def test_wrong_seat_or_phase_is_refused(pack: Pack) -> None:
    clock = FakeClock()
    session = make(pack, ["pair-sum"], clock)
    cand, intv = session.current.candidate, session.current.interviewer
    with pytest.raises(PairError):
        session.apply(BriefingDone(cand))
    with pytest.raises(PairError):
        session.apply(AnswerChanged(cand, "x"))  # still the briefing
    session.apply(BriefingDone(intv))
    with pytest.raises(PairError):
        session.apply(AnswerChanged(intv, "x"))
    with pytest.raises(PairError):
        session.apply(HintGiven(cand))
    with pytest.raises(PairError):
        session.apply(Submitted(intv))
    with pytest.raises(PairError):
        session.apply(SideSubmitted(cand))
    session.apply(Submitted(cand))
    cid = session.criteria()[0].id
    with pytest.raises(PairError):
        session.apply(Rated(intv, "clarity", 2))
    with pytest.raises(PairError):
        session.apply(Scored(intv, cid, 99))
    with pytest.raises(PairError):
        session.apply(Rated(cand, "nope", 2))
    with pytest.raises(PairError):
        session.apply(RoundFinished(cand))  # no reveal before both submit
    session.apply(SideSubmitted(intv))
    with pytest.raises(PairError):
        session.apply(Scored(intv, cid, 2))  # submitted sides are final
    with pytest.raises(PairError):
        session.apply(NotesChanged(intv, "late"))
    with pytest.raises(PairError):
        session.apply(HintGiven(2))  # type: ignore[arg-type]


def test_names_are_untrusted() -> None:
    assert clean_name("\x1b[31mAna\x07", "x") == "\\e[31mAna\\x07"
    assert clean_name("  ", "Person 1") == "Person 1"
    assert clean_name("a\nb", "x") == "a\\nb"
    long = clean_name("x" * 500, "y")
    assert len(long) == NAME_MAX and long.endswith("…")


def test_same_names_are_told_apart(pack: Pack) -> None:
    bank = QuestionBank([pack])
    entry = bank.find("pair-sum")
    assert entry is not None
    session = PairSession(bank.get, [entry], ("Ana", "Ana"), FakeClock())
    assert session.names[0] != session.names[1]


def test_history_keeps_both_sides_and_both_names(pack: Pack, tmp_path: Path) -> None:
    from trainer.core.storage.history import MIGRATIONS, SCHEMA_VERSION, HistoryStore

    assert SCHEMA_VERSION == len(MIGRATIONS)
    clock = FakeClock()
    session = make(pack, ["pair-sum"], clock)
    play_round(session, clock)
    rnd = session.current
    with HistoryStore(tmp_path / "h.db") as store:
        sid = store.start_session(mode="pair", role_plan="alternate", started_at=1.0, settings={})
        store.set_participants(sid, session.names)
        store.record_pair_round(
            sid,
            rnd.to_dict(),
            candidate=session.names[rnd.candidate],
            interviewer=session.names[rnd.interviewer],
            submitted_at=clock.now,
        )
        assert store.participants(sid) == ["Ana", "Ben"]
        (stored,) = store.pair_rounds(sid)
        assert stored["notes"] == NOTES and stored["feedback"] == FEEDBACK
        assert stored["self_scores"] and stored["scores"] and stored["ratings"]
        assert stored["candidate_name"] == "Ana" and stored["interviewer_name"] == "Ben"
        with pytest.raises(ValueError):
            store.set_participants(sid + 99, ["x", "y"])
        # The flows name the seats as the session starts, in one write.
        other = store.start_session(
            mode="pair", role_plan="swap", started_at=2.0, settings={}, participants=["Cy", "Di"]
        )
        assert store.participants(other) == ["Cy", "Di"]


def test_an_older_history_is_upgraded_in_place(tmp_path: Path) -> None:
    from trainer.core.storage import db
    from trainer.core.storage.history import MIGRATIONS, SCHEMA_VERSION, HistoryStore

    path = tmp_path / "old.db"
    conn = db.open_db(path, MIGRATIONS[:1])
    conn.execute("INSERT INTO sessions (mode, role_plan, started_at) VALUES ('solo', 'c', 1)")
    conn.commit()
    conn.close()
    with HistoryStore(path) as store:
        assert len(store.sessions()) == 1
        store.set_participants(store.sessions()[0].id, ["Ana", "Ben"])
    conn = db.open_db(path, MIGRATIONS)
    assert db.user_version(conn) == SCHEMA_VERSION
    conn.close()


# -- hot-seat order, crash safety, test runs, graded answers ------------------------------


def test_turns_go_briefing_answering_scoring_self_reveal_summary(pack: Pack) -> None:
    from trainer.core.pairing import next_turn

    clock = FakeClock()
    s = make(pack, ["cache-invalidation"], clock)
    rnd = s.current
    seen = [next_turn(s)]
    s.apply(BriefingDone(rnd.interviewer))
    seen.append(next_turn(s))
    s.apply(Submitted(rnd.candidate))
    seen.append(next_turn(s))
    s.apply(SideSubmitted(rnd.interviewer))
    seen.append(next_turn(s))
    s.apply(SideSubmitted(rnd.candidate))
    seen.append(next_turn(s))
    s.apply(RoundFinished(rnd.candidate))
    seen.append(next_turn(s))
    assert [(t.stage, t.seat, t.private) for t in seen] == [
        ("briefing", 1, True),
        ("answering", 0, False),
        ("scoring", 1, True),
        ("self_assessment", 0, True),
        ("reveal", None, False),
        ("summary", None, False),
    ]


def test_a_snapshot_restores_every_side_and_the_running_clock(pack: Pack) -> None:
    clock = FakeClock()
    s = make(pack, ["pair-sum", "cache-invalidation"], clock)
    play_round(s, clock)
    s.apply(RoundFinished(0))
    rnd = s.current
    s.apply(NotesChanged(rnd.interviewer, NOTES))
    s.apply(BriefingDone(rnd.interviewer))
    clock.now += 42
    s.apply(HintGiven(rnd.interviewer))
    s.apply(AnswerChanged(rnd.candidate, "half an answer"))
    saved = json.loads(json.dumps(s.snapshot()))  # it must survive JSON

    later = FakeClock()
    later.now = 50_000.0
    bank = QuestionBank([pack])
    back = PairSession.restore(bank.get, saved, later)
    assert back.names == s.names and back.current_index == 1
    assert back.rounds[0].phase == "done" and back.rounds[0].scores == s.rounds[0].scores
    assert back.rounds[0].ratings == s.rounds[0].ratings
    cur = back.current
    assert cur.phase == "answering" and cur.answer == "half an answer" and cur.notes == NOTES
    assert [h.at_s for h in cur.hints] == [42.0]
    assert cur.elapsed(later.now) == pytest.approx(42.0)
    later.now += 8
    assert cur.elapsed(later.now) == pytest.approx(50.0)
    back.apply(Submitted(cur.candidate))  # and the session goes on
    assert back.current.phase == "assessing"


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(format=99),
        lambda d: d.update(rounds=[]),
        lambda d: d["rounds"][0].update(question_id="no-such-question"),
        lambda d: d["rounds"][0].update(phase="hacked"),
        lambda d: d["rounds"][0]["scores"].update(correctness=99),
        lambda d: d.update(current_index=7),
        lambda d: d.update(first_candidate=5),
        lambda d: d.pop("names"),
        lambda d: d["rounds"].append(dict(d["rounds"][0], phase="done")),  # done after current
    ],
)
def test_a_damaged_snapshot_is_refused_cleanly(pack: Pack, damage: Any) -> None:
    clock = FakeClock()
    s = make(pack, ["pair-sum"], clock)
    s.apply(BriefingDone(1))
    s.apply(Submitted(0))
    s.apply(Scored(1, "correctness", 2))
    data = json.loads(json.dumps(s.snapshot()))
    damage(data)
    with pytest.raises(PairError):
        PairSession.restore(QuestionBank([pack]).get, data, clock)


def test_the_full_test_run_becomes_evidence_for_the_interviewer(pack: Pack) -> None:
    from trainer.core.evaluation.results import RunResult, TestResult

    clock = FakeClock()
    s = make(pack, ["pair-sum"], clock)
    with pytest.raises(PairError):
        s.record_run(RunResult(verdict="accepted"))  # nothing submitted yet
    s.apply(BriefingDone(1))
    s.apply(AnswerChanged(0, "def pair_sum(nums, target): ..."))
    s.apply(Submitted(0))
    assert view(s, 1)["tests_run"] is False
    result = RunResult(
        verdict="wrong_answer",
        tests=(
            TestResult(id="example", visibility="sample", verdict="accepted"),
            TestResult(id="dups", visibility="hidden", verdict="wrong_answer"),
        ),
    )
    s.record_run(result)
    seen = view(s, 1)
    assert seen["tests_run"] is True
    from trainer.core.evaluation.evaluation import Evaluation

    coding = Evaluation.from_dict(seen["evidence"]).coding
    assert coding is not None and [t.id for t in coding.tests] == ["example", "dups"]
    assert "evidence" not in view(s, 0)  # the candidate still sees none of it
    restored = PairSession.restore(QuestionBank([pack]).get, s.snapshot(), clock)
    assert restored.current.run == result


def test_the_reveal_sets_the_answer_beside_the_graded_ones(pack: Pack) -> None:
    clock = FakeClock()
    s = make(pack, ["cache-invalidation"], clock)
    play_round(s, clock)
    seen = view(s, 0)
    refs = seen["references"]
    question = s.entry().question
    assert [r["id"] for r in refs] == [r.id for r in question.reference_answers if r.scores]
    assert all(r["verdict"] for r in refs)
    assert seen["verdicts"]["interviewer"]["verdict"] == "Strong no hire"  # all 1s
    assert seen["verdicts"]["self"]["verdict"] == "Strong hire"  # all top levels
    assert "references" not in view_before_reveal(pack)


def view_before_reveal(pack: Pack) -> dict[str, Any]:
    clock = FakeClock()
    s = make(pack, ["cache-invalidation"], clock)
    s.apply(BriefingDone(1))
    s.apply(Submitted(0))
    return view(s, 0)


def pack_with_pair_settings(pack: Pack, settings: dict[str, Any]) -> Pack:
    data = pack.model_dump(mode="json", exclude_none=True)
    data["pair"] = settings
    return Pack.model_validate(data, strict=False)


def test_a_pack_replaces_the_interviewer_rubric(pack: Pack) -> None:
    custom = pack_with_pair_settings(
        pack,
        {"interviewer_rubric": [{"id": "pacing", "title": "Pacing", "description": "Calm."}]},
    )
    clock = FakeClock()
    bank = QuestionBank([custom])
    entry = bank.find("cache-invalidation")
    assert entry is not None
    s = PairSession(bank.get, [entry], ("Ana", "Ben"), clock)
    s.apply(BriefingDone(1))
    s.apply(Submitted(0))
    assert [c["id"] for c in view(s, 0)["interviewer_rubric"]] == ["pacing"]
    s.apply(Rated(0, "pacing", 4))
    with pytest.raises(PairError):
        s.apply(Rated(0, "clarity", 4))  # the built-in rubric no longer applies
    restored = PairSession.restore(bank.get, s.snapshot(), clock)
    assert restored.current.ratings == {"pacing": 4}


def test_private_descriptors_stay_out_of_the_candidates_view(pack: Pack) -> None:
    private = pack_with_pair_settings(pack, {"private_descriptors": True})
    clock = FakeClock()
    bank = QuestionBank([private])
    entry = bank.find("cache-invalidation")
    assert entry is not None
    s = PairSession(bank.get, [entry], ("Ana", "Ben"), clock)
    s.apply(BriefingDone(1))
    s.apply(Submitted(0))
    descriptors = [d for c in s.criteria() for d in c.descriptors if len(d) > 12]
    seen = json.dumps(view(s, 0))
    assert descriptors and not any(json.dumps(d)[1:-1] in seen for d in descriptors)
    assert all("descriptors" in c for c in view(s, 1)["rubric"])  # the interviewer has them
    for c in s.criteria():
        s.apply(Scored(0, c.id, 2))
    s.apply(SideSubmitted(0))
    s.apply(SideSubmitted(1))
    assert all("descriptors" in c for c in view(s, 0)["rubric"])  # revealed now


def test_duplicate_rating_ids_are_a_pack_error_with_their_line(tmp_path: Path) -> None:
    from trainer.core.packs.validate import validate_files

    text = EXAMPLE.read_text("utf-8") + (
        "pair:\n"
        "  interviewer_rubric:\n"
        "    - {id: pacing, title: Pacing}\n"
        "    - {id: pacing, title: Again}\n"
    )
    path = tmp_path / "dup.yaml"
    path.write_text(text, "utf-8")
    found = [d for d in validate_files([path]).diagnostics if d.rule == "id-duplicate"]
    assert len(found) == 1 and found[0].line == text.count("\n")
