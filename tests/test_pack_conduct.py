"""The built-in interviewer-conduct pack: valid, complete, and unable to shrink unnoticed.

The content is the product, so its shape is pinned here: how many items there are, what
topics they cover, and what every item carries (hints, feedback on every choice, an
explanation, and for legal items a named law for each jurisdiction it is tagged with).
The checks are plain functions returning problems, so the mutation tests below can show
that each one fails when the pack degrades.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import MultipleChoiceQuestion, Pack
from trainer.core.packs.validate import validate_files

PACK_FILE = REPO / "question_packs" / "interviewer_conduct.yaml"
PACK_ID = "interviewer-conduct"

EXPECTED_MULTIPLE_CHOICE = 25
MIN_SELECT_MULTIPLE = 5
MIN_SELECT_SINGLE = 15
MIN_CHOICES = 3
MAX_TITLE = 80
MAX_HINT = 400
#: At most this share of single-select items may have the longest text as the answer.
MAX_SHARE_LONGEST_CORRECT = 0.4

#: Topic tag -> the least number of items that must carry it.
MIN_PER_TOPIC = {
    "legal": 12,
    "hints": 3,
    "scoring": 4,
    "candidate-experience": 2,
    "time-management": 1,
    "closing": 1,
}

#: Subjects the legal items must cover, one tag each.
LEGAL_SUBJECTS = (
    "age",
    "family",
    "religion",
    "disability",
    "national-origin",
    "right-to-work",
    "location",
    "salary-history",
    "pregnancy",
    "criminal-record",
    "military",
    "genetic-information",
    "gdpr",
)

#: A legal item tagged with a jurisdiction must name at least one of its laws.
JURISDICTION_LAWS: dict[str, tuple[str, ...]] = {
    "us": (
        r"Title VII",
        r"\bADEA\b",
        r"\bADA\b",
        r"\bGINA\b",
        r"\bUSERRA\b",
        r"Labor Code",
        r"8 U\.S\.C\.",
    ),
    "uk": (
        r"Equality Act 2010",
        r"Rehabilitation of Offenders Act",
        r"Immigration, Asylum and Nationality Act",
        r"UK GDPR",
    ),
    "eu": (r"\bGDPR\b", r"Directive \(EU\) 2023/970"),
    "germany": (r"\bAGG\b",),
}

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

# The C implementations keep the mutation tests fast; the pure-Python ones are the fallback.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YamlDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@cache
def _shipped_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(PACK_FILE.read_text(encoding="utf-8"), Loader=_YamlLoader)
    return data


@cache
def _shipped_pack() -> Pack:
    loaded = load_pack_file(PACK_FILE)
    assert loaded.pack is not None, loaded.diagnostics
    return loaded.pack


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def pack_problems(pack: Pack) -> list[str]:
    """Pack-wide requirements: counts per kind and select mode, topics, answer spread."""
    problems: list[str] = []
    if pack.pack.id != PACK_ID:
        problems.append(f"pack id is {pack.pack.id!r}, expected {PACK_ID!r}")
    kinds = Counter(q.kind for q in pack.questions)
    if kinds["multiple_choice"] != EXPECTED_MULTIPLE_CHOICE:
        problems.append(
            f"{kinds['multiple_choice']} multiple-choice items, expected {EXPECTED_MULTIPLE_CHOICE}"
        )
    if set(kinds) - {"multiple_choice"}:
        problems.append(f"unexpected kinds: {sorted(set(kinds) - {'multiple_choice'})}")
    mcqs = [q for q in pack.questions if isinstance(q, MultipleChoiceQuestion)]
    selects = Counter(q.select for q in mcqs)
    if selects["multiple"] < MIN_SELECT_MULTIPLE:
        problems.append(f"only {selects['multiple']} select-multiple items")
    if selects["single"] < MIN_SELECT_SINGLE:
        problems.append(f"only {selects['single']} select-single items")
    ids = Counter(q.id for q in pack.questions)
    problems += [f"question id {i!r} is used {n} times" for i, n in ids.items() if n > 1]
    tags = Counter(t for q in pack.questions for t in set(q.tags))
    for topic, least in MIN_PER_TOPIC.items():
        if tags[topic] < least:
            problems.append(f"topic {topic!r} has {tags[topic]} items, needs {least}")
    legal_tags = {t for q in pack.questions if "legal" in q.tags for t in q.tags}
    problems += [f"no legal item on {s!r}" for s in LEGAL_SUBJECTS if s not in legal_tags]
    # Answer-position bias: a guesser must not profit from always picking one position.
    positions = Counter(
        next(i for i, c in enumerate(q.choices) if c.correct)
        for q in mcqs
        if q.select == "single" and any(c.correct for c in q.choices)
    )
    singles = sum(positions.values())
    if singles and max(positions.values()) * 2 > singles:
        problems.append(f"single-select answers bunch in one position: {dict(positions)}")
    if singles and len(positions) < 3:
        problems.append(f"single-select answers use only positions {sorted(positions)}")
    # Length bias: "pick the longest" must not be a winning strategy.
    longest = sum(
        1
        for q in mcqs
        if q.select == "single"
        and any(c.correct and len(c.text) == max(len(o.text) for o in q.choices) for c in q.choices)
    )
    if singles and longest > MAX_SHARE_LONGEST_CORRECT * singles:
        problems.append(f"the answer is the longest choice in {longest} of {singles} items")
    return problems


def question_problems(q: Any) -> list[str]:
    """What every item must carry; a list of problems, empty when the item is complete."""
    if not isinstance(q, MultipleChoiceQuestion):
        return [f"{q.id}: kind is {q.kind}, expected multiple_choice"]
    problems: list[str] = []
    if not KEBAB.fullmatch(q.id):
        problems.append(f"{q.id}: id is not kebab-case")
    if not q.title.strip() or len(q.title) >= MAX_TITLE:
        problems.append(f"{q.id}: title is blank or {MAX_TITLE}+ characters")
    if not q.prompt.strip():
        problems.append(f"{q.id}: prompt is blank")
    if not q.explanation.strip():
        problems.append(f"{q.id}: explanation is blank")
    if not q.hints:
        problems.append(f"{q.id}: no hint")
    for hint in q.hints:
        if not hint.strip() or len(hint) >= MAX_HINT:
            problems.append(f"{q.id}: a hint is blank or {MAX_HINT}+ characters")
    if not q.tags or len(set(q.tags)) != len(q.tags):
        problems.append(f"{q.id}: tags are missing or repeated")
    problems += [f"{q.id}: tag {t!r} is not kebab-case" for t in q.tags if not KEBAB.fullmatch(t)]
    problems += _choice_problems(q)
    if "legal" in q.tags:
        problems += _law_problems(q)
    return problems


def _choice_problems(q: MultipleChoiceQuestion) -> list[str]:
    problems: list[str] = []
    if len(q.choices) < MIN_CHOICES:
        problems.append(f"{q.id}: {len(q.choices)} choices, needs {MIN_CHOICES}")
    if len({c.id for c in q.choices}) != len(q.choices):
        problems.append(f"{q.id}: duplicate choice ids")
    if len({_norm(c.text) for c in q.choices}) != len(q.choices):
        problems.append(f"{q.id}: duplicate choice texts")
    problems += [f"{q.id}: choice {c.id} has blank text" for c in q.choices if not c.text.strip()]
    problems += [
        f"{q.id}: choice {c.id} has no feedback" for c in q.choices if not c.feedback.strip()
    ]
    correct = sum(c.correct for c in q.choices)
    if q.select == "single" and correct != 1:
        problems.append(f"{q.id}: select single with {correct} correct choices")
    if q.select == "multiple":
        if not 1 <= correct < len(q.choices):
            problems.append(f"{q.id}: select multiple with {correct} of {len(q.choices)} correct")
        if "select all" not in q.prompt.casefold():
            problems.append(f"{q.id}: select-multiple prompt does not say 'Select all'")
    return problems


def _law_problems(q: MultipleChoiceQuestion) -> list[str]:
    """Legal items name a law for every jurisdiction they are tagged with."""
    places = [t for t in q.tags if t in JURISDICTION_LAWS]
    if not places:
        return [f"{q.id}: legal item names no jurisdiction tag"]
    return [
        f"{q.id}: tagged {place!r} but the explanation names none of its laws"
        for place in places
        if not any(re.search(law, q.explanation) for law in JURISDICTION_LAWS[place])
    ]


# ---------------------------------------------------------------- the shipped pack


def test_validator_reports_nothing() -> None:
    report = validate_files([PACK_FILE])
    assert [(d.severity.value, d.rule, d.path_str) for d in report.diagnostics] == []
    assert report.files[0].questions == EXPECTED_MULTIPLE_CHOICE


def test_pack_meets_its_requirements() -> None:
    assert pack_problems(_shipped_pack()) == []


@pytest.mark.parametrize("question_id", [q.id for q in _shipped_pack().questions])
def test_question_is_complete(question_id: str) -> None:
    question = _shipped_pack().question(question_id)
    assert question is not None
    assert question_problems(question) == []


# ---------------------------------------------------------------- the checks can fail

Mutation = Callable[[dict[str, Any]], None]


def _item(data: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == qid)


def _drop_last_question(data: dict[str, Any]) -> None:
    data["questions"].pop()


def _second_correct_in_single(data: dict[str, Any]) -> None:
    for choice in _item(data, "age-and-its-proxies")["choices"]:
        choice["correct"] = True


def _blank_feedback(data: dict[str, Any]) -> None:
    _item(data, "is-this-right")["choices"][0]["feedback"] = "   "


def _no_hints(data: dict[str, Any]) -> None:
    _item(data, "running-out-of-time")["hints"] = []


def _duplicate_choice_text(data: dict[str, Any]) -> None:
    choices = _item(data, "hint-without-the-answer")["choices"]
    choices[1]["text"] = choices[2]["text"].upper()


def _two_choices_only(data: dict[str, Any]) -> None:
    item = _item(data, "evidence-based-notes")
    item["choices"] = [c for c in item["choices"] if c.get("correct")] + item["choices"][:1]


def _law_removed(data: dict[str, Any]) -> None:
    _item(data, "germany-agg")["explanation"] = "Treat every candidate the same way."


def _topic_dropped(data: dict[str, Any]) -> None:
    for q in data["questions"]:
        q["tags"] = [t for t in q["tags"] if t != "closing"]


def _subject_dropped(data: dict[str, Any]) -> None:
    data["questions"] = [q for q in data["questions"] if "military" not in q["tags"]]


def _multiple_made_single(data: dict[str, Any]) -> None:
    for q in data["questions"]:
        if q.get("select") == "multiple":
            q["select"] = "single"
            q["choices"] = [c for c in q["choices"] if c.get("correct")][:1] + [
                c for c in q["choices"] if not c.get("correct")
            ]


def _answers_bunched(data: dict[str, Any]) -> None:
    for q in data["questions"]:
        if q.get("select", "single") == "single":
            q["choices"].sort(key=lambda c: not c.get("correct", False))


def _answers_longest(data: dict[str, Any]) -> None:
    for q in data["questions"]:
        for choice in q["choices"]:
            if choice.get("correct"):
                choice["text"] += " This is also what the guidance recommends in most cases."


def _select_all_missing(data: dict[str, Any]) -> None:
    item = _item(data, "calibrating-with-others")
    item["prompt"] = item["prompt"].replace("Select all that apply.", "")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_drop_last_question, "24 multiple-choice items"),
        (_second_correct_in_single, "select single with 4 correct"),
        (_blank_feedback, "has no feedback"),
        (_no_hints, "no hint"),
        (_duplicate_choice_text, "duplicate choice texts"),
        (_two_choices_only, "2 choices"),
        (_law_removed, "tagged 'germany'"),
        (_topic_dropped, "topic 'closing'"),
        (_subject_dropped, "no legal item on 'military'"),
        (_multiple_made_single, "select-multiple items"),
        (_answers_bunched, "bunch in one position"),
        (_answers_longest, "the answer is the longest choice"),
        (_select_all_missing, "does not say 'Select all'"),
    ],
)
def test_checks_catch_a_degraded_pack(tmp_path: Path, mutate: Mutation, expected: str) -> None:
    data = copy.deepcopy(_shipped_data())
    mutate(data)
    degraded = tmp_path / "degraded.yaml"
    text = yaml.dump(data, Dumper=_YamlDumper, sort_keys=False, allow_unicode=True)
    degraded.write_text(text, encoding="utf-8")
    loaded = load_pack_file(degraded)
    assert loaded.pack is not None, loaded.diagnostics
    problems = pack_problems(loaded.pack) + [
        p for q in loaded.pack.questions for p in question_problems(q)
    ]
    assert any(expected in p for p in problems), problems
