"""Guards the built-in system-design pack against silently shrinking or drifting.

The validator checks that a pack is well formed; these tests check that this pack
keeps the content it promises: eight design questions, each worked through the four
phases, with at least two approaches and calibrated reference answers at different
levels. Each check returns a list of problems, so a failure says exactly what is
missing, and the mutation tests prove that every check can actually fail.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainer.core.packs.loader import LoadedPack, load_pack_file
from trainer.core.packs.model import AnyQuestion, Pack
from trainer.core.packs.resolve import resolve_rubric
from trainer.core.packs.validate import validate_files
from trainer.core.packs.yamlsafe import load_yaml

PACK_FILE = Path(__file__).resolve().parents[1] / "question_packs" / "system_design.yaml"

QUESTION_IDS = (
    "url-shortener",
    "distributed-rate-limiter",
    "news-feed",
    "chat-service",
    "file-sync",
    "notification-service",
    "metrics-pipeline",
    "search-autocomplete",
)
LEVELS = ["Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire"]
PHASE_CRITERIA = ("requirements", "high-level-design", "deep-dive", "scaling-tradeoffs")
SHARED_CRITERIA = (*PHASE_CRITERIA, "communication")
# How each prompt names the four phases, so a rewrite cannot drop one unnoticed.
PHASE_WORDS = ("requirements", "high-level design", "deep dive", "scaling")

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")
MAX_TITLE = 79
MAX_HINT = 399
MIN_HINTS = 4  # one nudge per phase at least
MIN_APPROACHES = 2
MIN_TRADEOFFS = 2
MIN_REFERENCE_ANSWERS = 2
MIN_FOLLOW_UPS = 2
MIN_ANSWER_WORDS = 80  # "a few paragraphs", not a one-liner
FLAWED_MAX_MEAN = 2.0  # some answer must sit in the no-hire half
MIN_LEVEL_SPREAD = 1.0  # weighted means of the answers differ by at least a level

Check = Callable[[Pack, AnyQuestion], list[str]]

# The C emitter is about 15x faster than the pure-Python one on this pack.
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _weighted_mean(pack: Pack, question: AnyQuestion, scores: dict[str, int]) -> float:
    criteria = resolve_rubric(pack, question)
    total = sum(c.weight for c in criteria)
    return sum(c.weight * scores.get(c.id, 0) for c in criteria) / total


def pack_problems(pack: Pack) -> list[str]:
    """Pack-level promises: identity, the one scale, the shared phase criteria, the count."""
    problems: list[str] = []
    if pack.pack.id != "system-design":
        problems.append(f"pack id is {pack.pack.id!r}")
    if [(s.id, s.levels) for s in pack.scales] != [("four-point", LEVELS)]:
        problems.append("the pack must have exactly the four-point scale")
    shared = {c.id: c for c in pack.criteria}
    for cid in SHARED_CRITERIA:
        crit = shared.get(cid)
        if crit is None:
            problems.append(f"shared criterion {cid!r} is missing")
        elif not crit.signals:
            problems.append(f"shared criterion {cid!r} has no signals")
    ids = tuple(q.id for q in pack.questions)
    if ids != QUESTION_IDS:
        problems.append(f"questions are {ids}, expected {QUESTION_IDS}")
    kinds = {q.kind for q in pack.questions}
    if kinds != {"system_design"}:
        problems.append(f"question kinds are {sorted(kinds)}")
    return problems


def structure_problems(pack: Pack, question: AnyQuestion) -> list[str]:
    """Title, tags, a four-phase prompt, progressive hints, notes and follow-ups."""
    problems: list[str] = []
    if _blank(question.title) or len(question.title) > MAX_TITLE:
        problems.append(f"title is blank or longer than {MAX_TITLE} characters")
    if not question.tags or not all(KEBAB.match(t) for t in question.tags):
        problems.append(f"tags {question.tags} are missing or not kebab-case")
    prompt = question.prompt.lower()
    problems += [f"prompt does not mention {w!r}" for w in PHASE_WORDS if w not in prompt]
    if len(question.hints) < MIN_HINTS:
        problems.append(f"{len(question.hints)} hints, expected at least {MIN_HINTS}")
    for i, hint in enumerate(question.hints):
        if _blank(hint) or len(hint) > MAX_HINT:
            problems.append(f"hint {i} is blank or longer than {MAX_HINT} characters")
    if len(set(question.hints)) != len(question.hints):
        problems.append("two hints are identical")
    if _blank(question.interviewer_notes):
        problems.append("interviewer_notes are blank")
    if len(question.follow_ups) < MIN_FOLLOW_UPS or any(_blank(f) for f in question.follow_ups):
        problems.append(f"fewer than {MIN_FOLLOW_UPS} follow-ups, or a blank one")
    return problems


def rubric_problems(pack: Pack, question: AnyQuestion) -> list[str]:
    """Every phase is scored, plus at least one criterion specific to the question."""
    problems: list[str] = []
    criteria = resolve_rubric(pack, question)
    if len(criteria) != len(question.rubric):
        problems.append("a rubric item does not resolve to a criterion")
    ids = [c.id for c in criteria]
    if len(set(ids)) != len(ids):
        problems.append(f"duplicate criteria in {ids}")
    problems += [f"rubric lacks {cid!r}" for cid in SHARED_CRITERIA if cid not in ids]
    inline = [item for item in question.rubric if item.ref is None]
    if not inline:
        problems.append("no question-specific criterion")
    for crit in criteria:
        if list(crit.levels) != LEVELS:
            problems.append(f"{crit.id!r} is not on the four-point scale")
        if len(crit.descriptors) != len(LEVELS) or any(_blank(d) for d in crit.descriptors):
            problems.append(f"{crit.id!r} needs {len(LEVELS)} non-blank descriptors")
        if len(set(crit.descriptors)) != len(crit.descriptors):
            problems.append(f"{crit.id!r} has two identical descriptors")
        if not crit.signals:
            problems.append(f"{crit.id!r} has no signals")
        if crit.weight <= 0:
            problems.append(f"{crit.id!r} has weight {crit.weight}")
    for item in inline:
        if _blank(item.title) or item.id is None or not KEBAB.match(item.id):
            problems.append(f"inline criterion {item.id!r} lacks a title or a kebab-case id")
    return problems


def approach_problems(pack: Pack, question: AnyQuestion) -> list[str]:
    """At least two approaches, each with a summary, trade-offs and worked numbers."""
    problems: list[str] = []
    approaches = question.approaches
    if len(approaches) < MIN_APPROACHES:
        problems.append(f"{len(approaches)} approaches, expected at least {MIN_APPROACHES}")
    ids = [a.id for a in approaches]
    if len(set(ids)) != len(ids) or not all(KEBAB.match(i) for i in ids):
        problems.append(f"approach ids {ids} are not unique kebab-case")
    for a in approaches:
        if _blank(a.title) or _blank(a.summary):
            problems.append(f"approach {a.id!r} lacks a title or summary")
        if len(a.tradeoffs) < MIN_TRADEOFFS or any(_blank(t) for t in a.tradeoffs):
            problems.append(f"approach {a.id!r} has fewer than {MIN_TRADEOFFS} trade-offs")
        if a.solution is None or not re.search(r"\d", a.solution):
            problems.append(f"approach {a.id!r} has no worked answer with numbers")
    return problems


def reference_problems(pack: Pack, question: AnyQuestion) -> list[str]:
    """Reference answers score every criterion, and span the hire line, one clearly flawed."""
    problems: list[str] = []
    answers = question.reference_answers
    if len(answers) < MIN_REFERENCE_ANSWERS:
        problems.append(f"{len(answers)} reference answers, expected {MIN_REFERENCE_ANSWERS}+")
        return problems
    ids = [a.id for a in answers]
    if len(set(ids)) != len(ids) or not all(KEBAB.match(i) for i in ids):
        problems.append(f"reference answer ids {ids} are not unique kebab-case")
    criterion_ids = {c.id for c in resolve_rubric(pack, question)}
    for ans in answers:
        if set(ans.scores) != criterion_ids:
            missing = sorted(criterion_ids - set(ans.scores))
            extra = sorted(set(ans.scores) - criterion_ids)
            problems.append(f"answer {ans.id!r} scores: missing {missing}, unknown {extra}")
        bad = {k: v for k, v in ans.scores.items() if not 1 <= v <= len(LEVELS)}
        if bad:
            problems.append(f"answer {ans.id!r} has scores out of range: {bad}")
        if _blank(ans.rationale) or _blank(ans.label):
            problems.append(f"answer {ans.id!r} lacks a label or a rationale")
        if len(ans.answer.split()) < MIN_ANSWER_WORDS:
            problems.append(f"answer {ans.id!r} is shorter than {MIN_ANSWER_WORDS} words")
    means = [_weighted_mean(pack, question, a.scores) for a in answers]
    if min(means) > FLAWED_MAX_MEAN:
        problems.append(f"no clearly flawed answer (weighted means {means})")
    if max(means) - min(means) < MIN_LEVEL_SPREAD:
        problems.append(f"answers are not at different levels (weighted means {means})")
    return problems


CHECKS: dict[str, Check] = {
    "structure": structure_problems,
    "rubric": rubric_problems,
    "approaches": approach_problems,
    "reference-answers": reference_problems,
}


def _write_yaml(path: Path, data: dict[str, Any]) -> None:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")


def all_problems(pack: Pack) -> list[str]:
    problems = pack_problems(pack)
    for question in pack.questions:
        for name, check in CHECKS.items():
            problems += [f"{question.id} {name}: {p}" for p in check(pack, question)]
    return problems


@pytest.fixture(scope="module")
def loaded() -> LoadedPack:
    return load_pack_file(PACK_FILE)


@pytest.fixture(scope="module")
def pack(loaded: LoadedPack) -> Pack:
    assert loaded.pack is not None, [str(d) for d in loaded.diagnostics]
    return loaded.pack


@pytest.fixture(scope="module")
def plain_data() -> dict[str, Any]:
    """The pack as plain data, read with the project's own YAML rules, for mutating."""
    data = load_yaml(PACK_FILE.read_bytes(), str(PACK_FILE)).data
    assert isinstance(data, dict)
    return data


def test_validator_reports_nothing() -> None:
    """Clean means no errors, no warnings and no infos from the full validator."""
    report = validate_files([PACK_FILE])
    assert [f"{d.line}: {d.rule} {d.message}" for d in report.diagnostics] == []
    assert report.files[0].questions == len(QUESTION_IDS)


def test_pack_level_promises(pack: Pack) -> None:
    assert pack_problems(pack) == []


@pytest.mark.parametrize("check_name", sorted(CHECKS))
@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_question_meets_requirements(pack: Pack, question_id: str, check_name: str) -> None:
    question = pack.question(question_id)
    assert question is not None
    assert CHECKS[check_name](pack, question) == []


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_reference_scores_follow_the_labels(pack: Pack, question_id: str) -> None:
    """The answer labelled weak must score below every other answer of its question."""
    question = pack.question(question_id)
    assert question is not None
    means = {a.label: _weighted_mean(pack, question, a.scores) for a in question.reference_answers}
    assert "weak" in means
    assert all(means["weak"] < m for label, m in means.items() if label != "weak")


def _question(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    q: dict[str, Any] = data["questions"][index]
    return q


def _drop_question(data: dict[str, Any]) -> None:
    data["questions"].pop()


def _one_hint(data: dict[str, Any]) -> None:
    _question(data)["hints"] = _question(data)["hints"][:1]


def _long_hint(data: dict[str, Any]) -> None:
    _question(data, 3)["hints"][0] = "Why? " * 90


def _one_approach(data: dict[str, Any]) -> None:
    _question(data, 1)["approaches"] = _question(data, 1)["approaches"][:1]


def _no_numbers(data: dict[str, Any]) -> None:
    _question(data, 2)["approaches"][0]["solution"] = "Cache everything and shard by user."


def _missing_score(data: dict[str, Any]) -> None:
    del _question(data, 4)["reference_answers"][0]["scores"]["deep-dive"]


def _no_flawed_answer(data: dict[str, Any]) -> None:
    for answer in _question(data, 5)["reference_answers"]:
        answer["scores"] = dict.fromkeys(answer["scores"], 3)


def _single_answer(data: dict[str, Any]) -> None:
    _question(data, 6)["reference_answers"] = _question(data, 6)["reference_answers"][:1]


def _phase_dropped(data: dict[str, Any]) -> None:
    q = _question(data, 7)
    q["prompt"] = q["prompt"].replace("Deep dive", "Detail").replace("deep dive", "detail")


def _shared_ref_dropped(data: dict[str, Any]) -> None:
    rubric = _question(data)["rubric"]
    _question(data)["rubric"] = [r for r in rubric if r.get("ref") != "scaling-tradeoffs"]


def _three_descriptors(data: dict[str, Any]) -> None:
    inline = next(r for r in _question(data, 2)["rubric"] if "id" in r)
    inline["descriptors"] = inline["descriptors"][:3]


def _no_specific_criterion(data: dict[str, Any]) -> None:
    q = _question(data, 1)
    q["rubric"] = [r for r in q["rubric"] if "ref" in r]
    for answer in q["reference_answers"]:
        answer["scores"] = {k: v for k, v in answer["scores"].items() if k in SHARED_CRITERIA}


# Each mutation breaks one promise; the fragment is what the matching check must report.
MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "question-removed": (_drop_question, "questions are"),
    "one-hint": (_one_hint, "1 hints, expected"),
    "hint-too-long": (_long_hint, "hint 0 is blank or longer"),
    "one-approach": (_one_approach, "1 approaches, expected"),
    "approach-without-numbers": (_no_numbers, "no worked answer with numbers"),
    "score-missing": (_missing_score, "missing ['deep-dive']"),
    "no-flawed-answer": (_no_flawed_answer, "no clearly flawed answer"),
    "single-reference-answer": (_single_answer, "1 reference answers"),
    "phase-missing-from-prompt": (_phase_dropped, "prompt does not mention 'deep dive'"),
    "shared-criterion-dropped": (_shared_ref_dropped, "rubric lacks 'scaling-tradeoffs'"),
    "three-descriptors": (_three_descriptors, "needs 4 non-blank descriptors"),
    "no-question-specific-criterion": (_no_specific_criterion, "no question-specific criterion"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_checks_catch_a_shrunken_copy(
    plain_data: dict[str, Any], tmp_path: Path, mutation: str
) -> None:
    """Each check fires on a copy of the pack with one promise broken."""
    data = copy.deepcopy(plain_data)
    mutate, expected = MUTATIONS[mutation]
    mutate(data)
    path = tmp_path / "system_design.yaml"
    _write_yaml(path, data)
    mutated = load_pack_file(path)
    assert mutated.pack is not None, [str(d) for d in mutated.diagnostics]
    problems = all_problems(mutated.pack)
    assert any(expected in p for p in problems), problems


def test_unchanged_copy_passes_every_check(plain_data: dict[str, Any], tmp_path: Path) -> None:
    """The round trip used by the mutation tests does not itself break anything."""
    path = tmp_path / "system_design.yaml"
    _write_yaml(path, plain_data)
    copied = load_pack_file(path)
    assert copied.pack is not None, [str(d) for d in copied.diagnostics]
    assert all_problems(copied.pack) == []
