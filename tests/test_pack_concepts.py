"""The built-in concepts pack: clean under the validator, and complete enough to teach.

The checks live in two plain functions, `pack_problems` and `question_problems`, so the
same rules can be shown to fail on deliberately damaged copies of the pack (written to
tmp_path) as well as to pass on the real one: content cannot silently shrink.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainer.core.evaluation.signals import signal_coverage
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import AnyQuestion, ConceptQuestion, Pack
from trainer.core.packs.resolve import resolve_rubric
from trainer.core.packs.validate import validate_files
from trainer.core.packs.yamlsafe import load_yaml

PACK_FILE = Path(__file__).resolve().parents[1] / "question_packs" / "concepts.yaml"
PACK_ID = "concepts"
MIN_QUESTIONS = 15
AREAS = ("http", "databases", "concurrency", "caching", "networking", "operating-systems")
LEVELS = ["Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire"]
SHARED = ("depth", "communication")  # shared criteria every question references
MIN_ACCURACY_SIGNALS = 5
MIN_MODEL_PARAGRAPHS = 2  # a model answer is a few paragraphs (lists count as one)
MIN_MODEL_WORDS = 250
MAX_TITLE, MAX_HINT = 80, 400


def pack_problems(pack: Pack) -> list[str]:
    """Pack-level requirements: identity, scale, size, and the areas the pack must span."""
    problems: list[str] = []
    if pack.pack.id != PACK_ID:
        problems.append(f"pack id is {pack.pack.id!r}, not {PACK_ID!r}")
    if [s.levels for s in pack.scales] != [LEVELS]:
        problems.append("the pack must define exactly the four-point scale")
    concept = [q for q in pack.questions if isinstance(q, ConceptQuestion)]
    if len(concept) != len(pack.questions):
        problems.append("every question must be a concept question")
    if len(concept) < MIN_QUESTIONS:
        problems.append(f"only {len(concept)} concept questions; need {MIN_QUESTIONS}")
    tags = {t for q in pack.questions for t in q.tags}
    problems.extend(f"no question is tagged {area!r}" for area in AREAS if area not in tags)
    return problems


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def question_problems(pack: Pack, q: AnyQuestion) -> list[str]:
    """Every per-question requirement of the pack's brief, as readable problems."""
    problems: list[str] = []
    if _blank(q.title) or len(q.title) >= MAX_TITLE:
        problems.append(f"title must be non-blank and under {MAX_TITLE} characters")
    if not q.tags:
        problems.append("no tags")
    if _blank(q.prompt):
        problems.append("blank prompt")
    if len(q.hints) < 2:
        problems.append(f"{len(q.hints)} hints; need at least 2")
    if any(_blank(h) or len(h) >= MAX_HINT for h in q.hints):
        problems.append(f"every hint must be non-blank and under {MAX_HINT} characters")
    if len({h.strip().lower() for h in q.hints}) != len(q.hints):
        problems.append("hints repeat each other")

    criteria = resolve_rubric(pack, q)
    if len(criteria) != len(q.rubric) or not criteria:
        problems.append("rubric is empty or has items that do not resolve")
    for crit in criteria:
        if list(crit.levels) != LEVELS or len(crit.descriptors) != len(LEVELS):
            problems.append(f"criterion {crit.id!r} needs 4 descriptors on the four-point scale")
        if any(_blank(d) for d in crit.descriptors):
            problems.append(f"criterion {crit.id!r} has a blank descriptor")
        if not crit.signals:
            problems.append(f"criterion {crit.id!r} has no signals")
    by_id = {c.id: c for c in criteria}
    inline = {item.id for item in q.rubric if item.id is not None}
    refs = {item.ref for item in q.rubric if item.ref is not None}
    if "accuracy" not in inline:
        problems.append("no inline 'accuracy' criterion")
    elif len(by_id["accuracy"].signals) < MIN_ACCURACY_SIGNALS:
        problems.append(f"'accuracy' has fewer than {MIN_ACCURACY_SIGNALS} signals")
    problems.extend(f"rubric does not reference {s!r}" for s in SHARED if s not in refs)

    if not q.approaches:
        problems.append("no approach")
    for approach in q.approaches:
        if _blank(approach.summary) or not approach.tradeoffs:
            problems.append(f"approach {approach.id!r} needs a summary and trade-offs")
    models = [a.solution for a in q.approaches if a.solution is not None]
    if not models:
        problems.append("no approach carries a model answer in 'solution'")
    for solution in models:
        paragraphs = [p for p in solution.split("\n\n") if p.strip()]
        if len(paragraphs) < MIN_MODEL_PARAGRAPHS or len(solution.split()) < MIN_MODEL_WORDS:
            problems.append(
                f"model answer has {len(paragraphs)} paragraphs and {len(solution.split())} "
                f"words; need {MIN_MODEL_PARAGRAPHS} and {MIN_MODEL_WORDS}"
            )
        for cov in signal_coverage(solution, criteria):
            if cov.criterion_id == "accuracy" and cov.missed:
                problems.append(f"model answer does not mention signals {cov.missed}")

    if not q.reference_answers:
        problems.append("no reference answer")
    for ref in q.reference_answers:
        if set(ref.scores) != set(by_id):
            problems.append(f"reference {ref.id!r} scores {sorted(ref.scores)}, not the rubric")
        if any(not 1 <= s <= len(LEVELS) for s in ref.scores.values()):
            problems.append(f"reference {ref.id!r} has a score outside 1..4")
        if _blank(ref.answer) or _blank(ref.rationale):
            problems.append(f"reference {ref.id!r} needs an answer and a rationale")
    if q.reference_answers and all(
        all(s == len(LEVELS) for s in ref.scores.values()) for ref in q.reference_answers
    ):
        problems.append("no imperfect reference answer to calibrate against")

    if _blank(q.interviewer_notes):
        problems.append("no interviewer_notes")
    if not q.follow_ups or any(_blank(f) for f in q.follow_ups):
        problems.append("needs non-blank follow_ups")
    return problems


def _load(path: Path) -> tuple[Pack, dict[str, Any]]:
    """The model, and the plain document to damage (the loader keeps only the model)."""
    result = load_pack_file(path)
    assert result.ok and result.pack is not None, [str(d) for d in result.diagnostics]
    data = load_yaml(path.read_bytes(), str(path)).data
    assert isinstance(data, dict)
    return result.pack, data


def _question_ids() -> list[str]:
    """Ids for parametrising; empty if the pack does not load (other tests then fail)."""
    result = load_pack_file(PACK_FILE)
    return [q.id for q in result.pack.questions] if result.pack is not None else []


QUESTION_IDS = _question_ids()


@pytest.fixture(scope="module")
def loaded() -> tuple[Pack, dict[str, Any]]:
    return _load(PACK_FILE)


def test_validator_reports_nothing() -> None:
    report = validate_files([PACK_FILE])
    assert [f"{d.line}: {d.rule} {d.message}" for d in report.diagnostics] == []
    assert report.files[0].pack_id == PACK_ID


def test_pack_requirements(loaded: tuple[Pack, dict[str, Any]]) -> None:
    assert pack_problems(loaded[0]) == []


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_question_requirements(loaded: tuple[Pack, dict[str, Any]], question_id: str) -> None:
    pack = loaded[0]
    question = pack.question(question_id)
    assert question is not None
    assert question_problems(pack, question) == []


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_weak_reference_mentions_fewer_key_terms(
    loaded: tuple[Pack, dict[str, Any]], question_id: str
) -> None:
    """Signals must separate answers: the lowest-scored reference covers less than the model."""
    pack = loaded[0]
    question = pack.question(question_id)
    assert question is not None
    criteria = [c for c in resolve_rubric(pack, question) if c.id == "accuracy"]
    weakest = min(question.reference_answers, key=lambda r: r.scores["accuracy"])
    model = next(a.solution for a in question.approaches if a.solution is not None)
    (weak_cov,) = signal_coverage(weakest.answer, criteria)
    (model_cov,) = signal_coverage(model, criteria)
    assert weak_cov.ratio < model_cov.ratio


Mutation = Callable[[dict[str, Any]], None]


def _set(key: str, value: Any) -> Mutation:
    def mutate(q: dict[str, Any]) -> None:
        q[key] = value

    return mutate


def _drop(key: str) -> Mutation:
    def mutate(q: dict[str, Any]) -> None:
        q.pop(key, None)

    return mutate


def _rubric(predicate: Callable[[dict[str, Any]], bool], change: Mutation) -> Mutation:
    def mutate(q: dict[str, Any]) -> None:
        for item in q["rubric"]:
            if predicate(item):
                change(item)

    return mutate


def _accuracy(item: dict[str, Any]) -> bool:
    return item.get("id") == "accuracy"


def _each_reference(change: Mutation) -> Mutation:
    def mutate(q: dict[str, Any]) -> None:
        for ref in q["reference_answers"]:
            change(ref)

    return mutate


def _each_approach(change: Mutation) -> Mutation:
    def mutate(q: dict[str, Any]) -> None:
        for approach in q["approaches"]:
            change(approach)

    return mutate


def _drop_score(criterion: str) -> Mutation:
    return _each_reference(lambda ref: ref["scores"].pop(criterion))


def _first_paragraph_only(approach: dict[str, Any]) -> None:
    approach["solution"] = approach["solution"].split("\n\n")[0]


def _drop_shared_depth(q: dict[str, Any]) -> None:
    q["rubric"] = [i for i in q["rubric"] if i.get("ref") != "depth"]
    _drop_score("depth")(q)


def _perfect_scores(ref: dict[str, Any]) -> None:
    ref["scores"] = {k: 4 for k in ref["scores"]}


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "one-hint": (lambda q: q.update(hints=q["hints"][:1]), "hints; need at least 2"),
    "long-hint": (lambda q: q["hints"].append("x" * MAX_HINT), "under 400"),
    "long-title": (_set("title", "t" * MAX_TITLE), "title"),
    "no-tags": (_set("tags", []), "no tags"),
    "no-notes": (_drop("interviewer_notes"), "interviewer_notes"),
    "no-follow-ups": (_drop("follow_ups"), "follow_ups"),
    "no-accuracy": (
        lambda q: q.update(rubric=[i for i in q["rubric"] if not _accuracy(i)]),
        "no inline 'accuracy'",
    ),
    "few-signals": (
        _rubric(_accuracy, lambda i: i.update(signals=i["signals"][:2])),
        "fewer than 5 signals",
    ),
    "no-depth": (_drop_shared_depth, "does not reference 'depth'"),
    "three-descriptors": (
        _rubric(_accuracy, lambda i: i.update(descriptors=i["descriptors"][:3])),
        "needs 4 descriptors",
    ),
    "no-tradeoffs": (_each_approach(lambda a: a.update(tradeoffs=[])), "trade-offs"),
    "no-solution": (_each_approach(lambda a: a.pop("solution")), "model answer in 'solution'"),
    "short-solution": (_each_approach(_first_paragraph_only), "paragraphs"),
    "off-topic-solution": (
        _each_approach(lambda a: a.update(solution="Words.\n\nMore words.\n\nStill nothing.")),
        "does not mention signals",
    ),
    "no-references": (_set("reference_answers", []), "no reference answer"),
    "score-missing": (_drop_score("communication"), "not the rubric"),
    "score-too-high": (_each_reference(lambda r: r["scores"].update(depth=5)), "outside 1..4"),
    "blank-rationale": (_each_reference(lambda r: r.update(rationale=" ")), "rationale"),
    "all-perfect": (_each_reference(_perfect_scores), "no imperfect reference"),
}


_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _write(data: dict[str, Any], path: Path) -> Path:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_question_checks_catch_damage(
    loaded: tuple[Pack, dict[str, Any]], tmp_path: Path, name: str
) -> None:
    mutate, expected = MUTATIONS[name]
    data = copy.deepcopy(loaded[1])
    question = data["questions"][0]
    mutate(question)
    data["questions"] = [question]
    pack, _ = _load(_write(data, tmp_path / "damaged.yaml"))
    problems = question_problems(pack, pack.questions[0])
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("name", "expected"),
    [("drop-question", "concept questions; need 15"), ("drop-area", "tagged 'caching'")],
)
def test_pack_checks_catch_damage(
    loaded: tuple[Pack, dict[str, Any]], tmp_path: Path, name: str, expected: str
) -> None:
    data = copy.deepcopy(loaded[1])
    # Pack-level checks read only identity, kinds and tags: keep the rest of each question
    # minimal so the damaged copy stays small.
    keep = ("id", "kind", "title", "difficulty", "tags", "prompt")
    data["questions"] = [{k: q[k] for k in keep} for q in data["questions"]]
    if name == "drop-question":
        data["questions"] = data["questions"][:-1]
    else:
        for q in data["questions"]:
            q["tags"] = [t for t in q["tags"] if t != "caching"] or ["misc"]
    pack, _ = _load(_write(data, tmp_path / "damaged.yaml"))
    problems = pack_problems(pack)
    assert any(expected in p for p in problems), problems
