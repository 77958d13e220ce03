"""The built-in behavioural pack keeps the shape it promises.

Twelve STAR-scored questions, each with a competency criterion, follow-ups and graded
strong and weak answers. The checks live in two functions (`pack_problems`,
`question_problems`) so that the mutation tests can prove each one fires: content
cannot shrink, or lose a graded answer, without a test failing.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import BehavioralQuestion, Pack
from trainer.core.packs.resolve import ResolvedCriterion, resolve_rubric
from trainer.core.packs.validate import validate_files

PACK_FILE = Path(__file__).resolve().parent.parent / "question_packs" / "behavioral.yaml"
LEVELS = ["Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire"]
STAR_CRITERIA = ("situation-task", "action", "result", "reflection", "communication")
QUESTION_COUNT = 12

#: question id -> the competency it probes (and the id of its competency criterion).
EXPECTED: dict[str, str] = {
    "conflict-with-colleague": "conflict-resolution",
    "project-that-failed": "learning-from-failure",
    "ownership-beyond-role": "ownership",
    "ambiguous-goal": "navigating-ambiguity",
    "influence-without-authority": "influence",
    "hard-feedback-received": "receiving-feedback",
    "competing-priorities": "prioritisation",
    "helping-someone-grow": "developing-others",
    "mistake-you-made": "accountability",
    "hard-deadline": "delivery-under-pressure",
    "committing-after-disagreeing": "disagree-and-commit",
    "learning-something-fast": "learning-agility",
}

MIN_HINTS = 2
MIN_FOLLOW_UPS = 3
MIN_TRADEOFFS = 2
MAX_TITLE = 80
MAX_HINT = 400
STRONG_WORDS = (200, 600)  # a two-to-four-minute spoken answer
_KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_FIRST_PERSON = re.compile(r"\bI\b")


def load(path: Path) -> Pack:
    """Load a pack file that must have no findings at all from the loader."""
    result = load_pack_file(path)
    assert result.pack is not None and not result.diagnostics, [str(d) for d in result.diagnostics]
    return result.pack


@cache
def shipped_pack() -> Pack:
    return load(PACK_FILE)


def weighted_level(criteria: list[ResolvedCriterion], scores: dict[str, int]) -> float:
    """The weighted mean level (1..4) a reference answer was given."""
    total = sum(c.weight for c in criteria)
    return sum(c.weight * scores.get(c.id, 0) for c in criteria) / total


def mentions(text: str, phrase: str) -> bool:
    """A deliberately plain whole-word match (with simple endings) for signal phrases."""
    words = [re.escape(w) for w in re.split(r"[\s-]+", phrase.strip()) if w]
    pattern = r"[\s-]+".join(words) + r"(?:s|es|d|ed|ing)?"
    return re.search(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE) is not None


def signals_mentioned(text: str, criterion: ResolvedCriterion) -> int:
    return sum(1 for s in criterion.signals if any(mentions(text, p) for p in s.phrases))


def pack_problems(pack: Pack) -> list[str]:
    """Pack-wide promises: identity, the one scale, shared STAR criteria, the question set."""
    out: list[str] = []
    if pack.pack.id != "behavioral":
        out.append(f"pack id is {pack.pack.id!r}, not 'behavioral'")
    if [(s.id, s.levels) for s in pack.scales] != [("four-point", LEVELS)]:
        out.append("the pack must have exactly one scale, four-point, with the standard levels")
    for cid in STAR_CRITERIA:
        crit = pack.criterion(cid)
        if crit is None:
            out.append(f"shared criterion {cid!r} is missing")
        elif len(crit.descriptors) != len(LEVELS) or not crit.signals:
            out.append(f"shared criterion {cid!r} needs 4 descriptors and signals")
    if len(pack.questions) != QUESTION_COUNT:
        out.append(f"{len(pack.questions)} questions, expected {QUESTION_COUNT}")
    ids = {q.id for q in pack.questions}
    for qid in sorted(set(EXPECTED) - ids):
        out.append(f"question {qid!r} is missing")
    return out


def question_problems(pack: Pack, question_id: str) -> list[str]:
    """Everything the brief requires of one behavioural question, as readable problems."""
    q = pack.question(question_id)
    if q is None:
        return [f"question {question_id!r} is missing"]
    if not isinstance(q, BehavioralQuestion):
        return [f"question {question_id!r} is {q.kind}, not behavioral"]
    out: list[str] = []
    expected_competency = EXPECTED.get(question_id)
    if not q.competency or (expected_competency and q.competency != expected_competency):
        out.append(f"competency is {q.competency!r}, expected {expected_competency!r}")
    if not q.title.strip() or len(q.title) >= MAX_TITLE:
        out.append("title must be non-blank and under 80 characters")
    if not q.tags or not all(_KEBAB.match(t) for t in q.tags):
        out.append("tags must be present and kebab-case")
    if not q.prompt.strip():
        out.append("prompt is blank")
    if len(q.hints) < MIN_HINTS:
        out.append(f"only {len(q.hints)} hints; need at least {MIN_HINTS}")
    if any(not h.strip() or len(h) >= MAX_HINT for h in q.hints):
        out.append("hints must be non-blank and under 400 characters")
    if len(q.follow_ups) < MIN_FOLLOW_UPS:
        out.append(f"only {len(q.follow_ups)} follow-ups; need at least {MIN_FOLLOW_UPS}")
    if not q.interviewer_notes.strip():
        out.append("interviewer_notes are blank")

    # Rubric: the five shared STAR criteria by reference, plus the inline competency criterion.
    refs = {item.ref for item in q.rubric if item.ref}
    for cid in STAR_CRITERIA:
        if cid not in refs:
            out.append(f"rubric does not reference {cid!r}")
    inline = {item.id: item for item in q.rubric if item.id}
    comp = inline.get(q.competency or "")
    if comp is None:
        out.append("rubric has no inline criterion named after the competency")
    elif not comp.title or not comp.signals:
        out.append("the competency criterion needs a title and signals")
    if any(item.weight <= 0 for item in q.rubric):
        out.append("rubric weights must be positive")
    criteria = resolve_rubric(pack, q)
    if len(criteria) != len(q.rubric):
        out.append("a rubric item does not resolve")
    for crit in criteria:
        if len(crit.descriptors) != len(LEVELS) or not crit.signals:
            out.append(f"criterion {crit.id!r} needs 4 descriptors and signals")
    criterion_ids = {c.id for c in criteria}

    if not q.approaches:
        out.append("no approach")
    for approach in q.approaches:
        if not approach.summary.strip() or len(approach.tradeoffs) < MIN_TRADEOFFS:
            out.append(f"approach {approach.id!r} needs a summary and at least 2 trade-offs")
        if not (approach.solution or "").strip():
            out.append(f"approach {approach.id!r} needs a structure for the answer")

    # Graded answers: realistic, first person, every criterion scored, strong above weak.
    by_label = {ref.label: ref for ref in q.reference_answers}
    for label in ("strong", "weak"):
        if label not in by_label:
            out.append(f"no reference answer labelled {label!r}")
    for ref in q.reference_answers:
        if set(ref.scores) != criterion_ids:
            out.append(f"answer {ref.id!r} scores {sorted(ref.scores)}, not the rubric")
        if not all(1 <= s <= len(LEVELS) for s in ref.scores.values()):
            out.append(f"answer {ref.id!r} has a score outside 1..4")
        if not ref.rationale.strip():
            out.append(f"answer {ref.id!r} has no rationale")
        if not _FIRST_PERSON.search(ref.answer):
            out.append(f"answer {ref.id!r} is not told in the first person")
    strong, weak = by_label.get("strong"), by_label.get("weak")
    if strong is not None and weak is not None:
        strong_level = weighted_level(criteria, strong.scores)
        weak_level = weighted_level(criteria, weak.scores)
        if not strong_level >= 3 > 2 >= weak_level:
            out.append(
                f"strong answer must average >= 3 and weak <= 2 "
                f"(got {strong_level:.2f} and {weak_level:.2f})"
            )
        low, high = STRONG_WORDS
        if not low <= len(strong.answer.split()) <= high:
            out.append(f"strong answer is {len(strong.answer.split())} words, not {low}-{high}")
        if comp is not None and criteria:
            comp_crit = next((c for c in criteria if c.id == comp.id), None)
            if comp_crit is not None and signals_mentioned(
                strong.answer, comp_crit
            ) <= signals_mentioned(weak.answer, comp_crit):
                out.append("the strong answer should mention more competency signals than the weak")
    return out


# ------------------------------------------------------------------ the shipped pack


def test_validator_reports_nothing() -> None:
    report = validate_files([PACK_FILE])
    assert [str(d) for d in report.diagnostics] == []
    assert report.files[0].questions == QUESTION_COUNT


def test_pack_level_promises() -> None:
    assert pack_problems(shipped_pack()) == []


@pytest.mark.parametrize("question_id", list(EXPECTED))
def test_question_meets_requirements(question_id: str) -> None:
    assert question_problems(shipped_pack(), question_id) == []


@pytest.mark.parametrize("question_id", list(EXPECTED))
def test_strong_answer_scores_highest(question_id: str) -> None:
    """Every graded answer other than the strong one scores below it (calibration anchor)."""
    pack = shipped_pack()
    q = pack.question(question_id)
    assert q is not None
    criteria = resolve_rubric(pack, q)
    levels = {ref.label: weighted_level(criteria, ref.scores) for ref in q.reference_answers}
    assert max(levels, key=lambda label: levels[label]) == "strong", levels


# ------------------------------------------------------------------ the checks can fail

Mutation = Callable[[dict[str, Any]], None]


def _question(data: dict[str, Any], qid: str = "mistake-you-made") -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == qid)


def _drop_answer(label: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        q = _question(data)
        q["reference_answers"] = [r for r in q["reference_answers"] if r.get("label") != label]

    return mutate


def _drop_star_ref(data: dict[str, Any]) -> None:
    q = _question(data)
    q["rubric"] = [item for item in q["rubric"] if item.get("ref") != "reflection"]
    for ref in q["reference_answers"]:
        del ref["scores"]["reflection"]


def _swap_strong_weak_scores(data: dict[str, Any]) -> None:
    refs = {r["label"]: r for r in _question(data)["reference_answers"]}
    refs["strong"]["scores"], refs["weak"]["scores"] = (
        refs["weak"]["scores"],
        refs["strong"]["scores"],
    )


def _answer(data: dict[str, Any], label: str) -> dict[str, Any]:
    return next(r for r in _question(data)["reference_answers"] if r.get("label") == label)


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "one-hint": (lambda d: _question(d).update(hints=_question(d)["hints"][:1]), "hints"),
    "long-hint": (lambda d: _question(d).update(hints=["x" * 400, "y"]), "under 400"),
    "two-follow-ups": (
        lambda d: _question(d).update(follow_ups=_question(d)["follow_ups"][:2]),
        "follow-ups",
    ),
    "no-competency": (lambda d: _question(d).pop("competency"), "competency is None"),
    "wrong-competency": (lambda d: _question(d).update(competency="influence"), "expected"),
    "no-notes": (lambda d: _question(d).pop("interviewer_notes"), "interviewer_notes"),
    "no-weak-answer": (_drop_answer("weak"), "labelled 'weak'"),
    "no-strong-answer": (_drop_answer("strong"), "labelled 'strong'"),
    "no-reflection-criterion": (_drop_star_ref, "'reflection'"),
    "unscored-criterion": (
        lambda d: _answer(d, "strong")["scores"].pop("accountability"),
        "not the rubric",
    ),
    "strong-below-weak": (_swap_strong_weak_scores, "average"),
    "short-strong-answer": (
        lambda d: _answer(d, "strong").update(answer="I broke it and I fixed it."),
        "words",
    ),
    "no-tradeoffs": (
        lambda d: _question(d)["approaches"][0].update(tradeoffs=["only one"]),
        "trade-offs",
    ),
    "third-person-answer": (
        lambda d: _answer(d, "weak").update(answer="They fixed it later."),
        "first person",
    ),
}


# The C implementations keep the round trips fast; the pure-Python ones are 5-10x slower.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _NoAliases(_Dumper):  # type: ignore[misc]
    """Never write anchors: the project's loader refuses them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@cache
def _plain_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(PACK_FILE.read_text(encoding="utf-8"), Loader=_Loader)
    return data


def _round_trip(tmp_path: Path, mutate: Mutation | None) -> Pack:
    """Write the pack (changed by `mutate`) into tmp_path and load it as a user's pack would be."""
    data = copy.deepcopy(_plain_data())
    if mutate is not None:
        mutate(data)
    path = tmp_path / "behavioral.yaml"
    text = yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return load(path)


def test_round_trip_without_changes_is_clean(tmp_path: Path) -> None:
    pack = _round_trip(tmp_path, None)
    assert pack_problems(pack) == []
    assert all(question_problems(pack, qid) == [] for qid in EXPECTED)


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_question_check_fires(tmp_path: Path, name: str) -> None:
    mutate, expected = MUTATIONS[name]
    problems = question_problems(_round_trip(tmp_path, mutate), "mistake-you-made")
    assert any(expected in p for p in problems), problems


def _drop_shared_criterion(data: dict[str, Any]) -> None:
    """Remove a STAR criterion and every use of it, so the pack still loads."""
    data["criteria"] = [c for c in data["criteria"] if c["id"] != "situation-task"]
    for q in data["questions"]:
        q["rubric"] = [item for item in q["rubric"] if item.get("ref") != "situation-task"]
        for ref in q["reference_answers"]:
            del ref["scores"]["situation-task"]


PACK_MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "question-removed": (lambda d: d["questions"].pop(), "11 questions"),
    "question-renamed": (lambda d: _question(d, "ambiguous-goal").update(id="vague"), "missing"),
    "pack-renamed": (lambda d: d["pack"].update(id="behavioural"), "pack id"),
    "scale-renamed": (lambda d: d["scales"][0]["levels"].reverse(), "one scale"),
    "shared-criterion-removed": (_drop_shared_criterion, "'situation-task' is missing"),
}


@pytest.mark.parametrize("name", list(PACK_MUTATIONS))
def test_each_pack_check_fires(tmp_path: Path, name: str) -> None:
    mutate, expected = PACK_MUTATIONS[name]
    problems = pack_problems(_round_trip(tmp_path, mutate))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("We agreed in writing.", "in writing", True),
        ("I ran a pilot-scheme.", "pilot", True),
        ("Two pilots ran.", "pilot", True),
        ("The one-on-one helped.", "one on one", True),
        ("An autopilot took over.", "pilot", False),
        ("", "goal", False),
    ],
)
def test_mentions(text: str, phrase: str, expected: bool) -> None:
    assert mentions(text, phrase) is expected
