"""Shadow rounds in the core: matching flags to the expert's moments, the session's phases."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.core.packs.loader import load_pack_bytes
from trainer.core.packs.model import RecordedInterviewQuestion
from trainer.core.packs.starter import starter_pack
from trainer.core.recording import attempt_record, summarise
from trainer.core.selection import PlannedRound, QuestionBank
from trainer.core.session import (
    FlagToggled,
    RoundFinished,
    Scored,
    Session,
    SessionError,
    Submitted,
    TurnShown,
)
from trainer.core.shadowing import Flag, FlagSet, compare_flags, moment_kinds
from trainer.core.storage.history import HistoryStore

TEXT = starter_pack(
    "shadow-demo", schema_path="s.json", filename="p.yaml", kinds=["recorded_interview"]
)


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    loaded = load_pack_bytes(TEXT.encode(), "p.yaml")
    assert loaded.ok and loaded.pack is not None, loaded.diagnostics
    return QuestionBank([loaded.pack])


def question(bank: QuestionBank) -> RecordedInterviewQuestion:
    q = bank.entries[0].question
    assert isinstance(q, RecordedInterviewQuestion)
    return q


# The starter marks turn 3 good-probe, turn 9 conduct, turn 19 good-feedback.


def test_exact_and_one_turn_late_flags_catch(bank: QuestionBank) -> None:
    result = compare_flags(
        question(bank), [Flag(3, "good-probe"), Flag(10, "conduct"), Flag(19, "good-feedback")]
    )
    assert [m.outcome for m in result.moments] == ["caught", "caught", "caught"]
    assert result.score == 1.0 and result.false_flags == ()


def test_a_wrong_kind_notices_and_a_far_flag_is_false(bank: QuestionBank) -> None:
    result = compare_flags(question(bank), [Flag(9, "leading-question"), Flag(14, "missed-probe")])
    assert [m.outcome for m in result.moments] == ["missed", "noticed", "missed"]
    assert result.moments[1].flag == Flag(9, "leading-question")
    assert result.false_flags == (Flag(14, "missed-probe"),)
    assert result.score == pytest.approx(0.5 / 3)


def test_one_flag_is_spent_on_one_moment_exact_kind_first(bank: QuestionBank) -> None:
    # Both flags are near turn 3; the one of the right kind catches it, and the conduct
    # flag (too far from turn 9) is left over as a false flag rather than a second match.
    result = compare_flags(question(bank), [Flag(4, "conduct"), Flag(2, "good-probe")])
    assert result.moments[0].outcome == "caught"  # the exact-kind flag wins turn 3
    assert result.moments[0].flag == Flag(2, "good-probe")
    assert result.false_flags == (Flag(4, "conduct"),)


def test_no_flags_miss_everything(bank: QuestionBank) -> None:
    result = compare_flags(question(bank), [])
    assert result.score == 0 and result.missed == 3


def test_flag_set_toggles_and_restores_defensively() -> None:
    flags = FlagSet()
    assert flags.toggle(3, "good-probe") is True
    assert flags.toggle(3, "good-probe") is False and flags.all() == []
    flags.toggle(5, "conduct", "asked about kids")
    kinds = {"conduct": 1}
    restored = FlagSet.from_list(
        [*flags.to_list(), {"turn": 99, "kind": "conduct"}, {"turn": 2, "kind": "nope"}, "x"],
        turns=20,
        kinds=kinds,
    )
    assert restored.all() == [Flag(5, "conduct", "asked about kids")]


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_shadow_round_plays_flags_scores_and_records(bank: QuestionBank, tmp_path: Path) -> None:
    entry = bank.entries[0]
    clock = Clock()
    session = Session(bank.get, [PlannedRound("shadow", entry)], clock)
    rnd = session.current
    assert (rnd.role, rnd.phase, rnd.turns_shown) == ("shadow", "watching", 1)
    with pytest.raises(SessionError, match="has not been shown"):
        session.apply(FlagToggled(3, "good-probe"))
    session.apply(TurnShown())
    session.apply(TurnShown())
    session.apply(FlagToggled(3, "good-probe"))
    with pytest.raises(SessionError, match="not a moment kind"):
        session.apply(FlagToggled(3, "rude"))
    with pytest.raises(SessionError, match="whole interview"):
        session.apply(Submitted())
    for _ in range(30):  # past the end stays at the end
        session.apply(TurnShown())
    assert rnd.turns_shown == len(question(bank).turns)
    session.apply(FlagToggled(9, "conduct", "family question"))
    session.apply(Scored("story", 3))
    session.apply(Scored("communication", 3))
    clock.now += 300
    session.apply(Submitted())
    assert rnd.phase == "revealed"
    assert rnd.shadow is not None and rnd.shadow.caught == 2 and rnd.shadow.missed == 1
    assert rnd.calibration is not None and rnd.calibration.mae == pytest.approx(1 / 6)
    record = attempt_record(rnd, session_id=None, submitted_at=1000.0)
    assert record.role == "shadow" and record.overall_score == pytest.approx(2 / 3)
    assert record.details["shadow"]["caught"] == 2
    assert record.scores["reference"] == {"story": 4, "communication": 3}
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        store.record_attempt(record)
        [stored] = store.attempts(role="shadow")
        assert stored.calibration_mae == pytest.approx(1 / 6)
    session.apply(RoundFinished())
    [summary] = summarise(session).rounds
    assert summary.role == "shadow" and summary.score == pytest.approx(2 / 3)


def test_moment_kinds_list_built_ins_then_the_packs(bank: QuestionBank) -> None:
    kinds = [k.id for k in moment_kinds(bank.entries[0].pack)]
    assert kinds[0] == "conduct" and "good-feedback" in kinds
