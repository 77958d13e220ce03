"""The `recorded_interview` kind: its shape, its rules (with positions), `pack new` support."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.core.packs.starter import starter_pack
from trainer.core.packs.validate import validate_files
from trainer.core.selection import QuestionBank, plan_rounds

BASE = starter_pack(
    "shadow-demo", schema_path="s.json", filename="p.yaml", kinds=["recorded_interview"]
)


def diagnostics(tmp_path: Path, text: str) -> list[tuple[str, int, int, str]]:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return [(d.rule, d.line, d.column, d.message) for d in validate_files([path]).diagnostics]


def rules(tmp_path: Path, text: str) -> list[str]:
    return [r for r, *_ in diagnostics(tmp_path, text)]


def test_the_starter_recorded_interview_is_valid(tmp_path: Path) -> None:
    assert rules(tmp_path, BASE) == []


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "rule", "at"),
    [
        ("      - turn: 9\n", "      - turn: 21\n", "moment-turn-out-of-range", "turn: 21"),
        ("      - turn: 3\n", "      - turn: 0\n", "moment-turn-out-of-range", "turn: 0"),
        ("kind: good-probe", "kind: good-prob", "moment-kind-unknown", "kind: good-prob"),
        (
            "        rewrite: The role sometimes needs evening work; is there anything that "
            "would stop you?\n",
            "",
            "conduct-rewrite-missing",
            None,
        ),
        (
            'explanation: Asking what the candidate did themself gets past "we".',
            'explanation: Asking what the candidate did themself gets past "we".\n'
            "        rewrite: Ask it again.",
            "rewrite-not-conduct",
            "rewrite: Ask it again.",
        ),
        ("        at_s: 36\n", "        at_s: 5\n", "turn-times-decreasing", "at_s: 5\n"),
        (
            "scores: {story: 4, communication: 3}",
            "scores: {story: 5, communication: 3}",
            "score-out-of-range",
            None,
        ),
        ("scores: {story: 4, communication: 3}", "scores: {story: 4}", "score-missing", None),
        (
            "scores: {story: 4, communication: 3}",
            "scores: {story: 4, communication: 3, pace: 2}",
            "score-unknown-criterion",
            "pace",
        ),
        (
            "      - speaker: candidate\n        at_s: 8\n",
            "      - speaker: narrator\n        at_s: 8\n",
            "value-not-allowed",
            "narrator",
        ),
        ('        text: "And what did you do, yourself?"', "        text: ' '", "turn-blank", None),
    ],
)
def test_each_mistake_has_its_rule_and_position(
    tmp_path: Path, old: str, new: str, rule: str, at: str | None
) -> None:
    assert old in BASE, old
    text = BASE.replace(old, new, 1)
    found = diagnostics(tmp_path, text)
    matching = [d for d in found if d[0] == rule]
    assert matching, found
    if at is not None:
        assert matching[0][1] == line_of(text, at), matching


def test_short_interviews_get_advice(tmp_path: Path) -> None:
    start = BASE.index("      - speaker: interviewer\n        at_s: 160")
    end = BASE.index("    debrief:")
    text = BASE[:start] + BASE[end:]
    text = text.replace(
        "      - turn: 19\n",
        "      - turn: 9\n        kind: good-hint\n        explanation: x\n      - turn: 1\n",
        1,
    )
    found = diagnostics(tmp_path, text)
    assert [d[0] for d in found] == ["turns-few"], found
    assert "10 turns" in found[0][3]


def test_no_moments_and_one_sided_interviews_are_errors(tmp_path: Path) -> None:
    start = BASE.index("    moments:")
    text = BASE[:start] + "    moments: []\n"
    assert "moments-missing" in rules(tmp_path, text)
    one_sided = BASE.replace("speaker: candidate", "speaker: interviewer")
    assert "interview-one-sided" in rules(tmp_path, one_sided)


def test_a_pack_may_add_moment_kinds_but_not_redefine_built_in_ones(tmp_path: Path) -> None:
    extra = (
        "moment_kinds:\n"
        "  - {id: rushed-close, title: Rushed close, description: Ends without questions}\n"
    )
    text = BASE.replace("questions:\n", extra + "\nquestions:\n", 1).replace(
        "kind: good-probe", "kind: rushed-close"
    )
    assert rules(tmp_path, text) == []
    clash = text.replace("id: rushed-close,", "id: conduct,")
    assert "moment-kind-duplicate" in rules(tmp_path, clash)


def test_recorded_interviews_are_never_answered_or_judged(tmp_path: Path) -> None:
    from trainer.core.packs.loader import load_pack_file

    path = tmp_path / "p.yaml"
    path.write_text(BASE)
    pack = load_pack_file(path).pack
    assert pack is not None
    bank = QuestionBank([pack])
    [entry] = bank.entries
    assert (entry.can_answer, entry.can_interview, entry.can_shadow) == (False, False, True)
    assert plan_rounds(bank.entries, "candidate", 2) == []
    # Served only as a shadow round, even when asked for first in an alternating session.
    assert [r.role for r in plan_rounds(bank.entries, "alternate", 2, first=entry)] == ["shadow"]
    assert [r.role for r in plan_rounds(bank.entries, "shadow", 3)] == ["shadow"]
