"""Guards the built-in coding pack against silently shrinking or drifting.

The validator checks that a pack is well formed; these tests check that this pack keeps
the content it promises: the eighteen problems listed below (never fewer than fifteen),
easy to hard over the core topics, each with enough sample and hidden tests, two or
more working approaches, a deliberately slow approach proven slow by a large generated
test on at least five of them, and graded candidate answers: imperfect ones, and strong
ones declared `expect: accepted`. The reference code is also run here, in-process on the
pack's own tests (only the fast approaches; `pack validate --run` checks that the slow
ones time out), so a wrong expected value cannot slip in. Each check returns a list of
problems, and the mutation tests prove that every check can fail.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainer.core.evaluation.runner import compare_values, spec_from_case
from trainer.core.packs.generators import has_generator
from trainer.core.packs.loader import LoadedPack, load_pack_file
from trainer.core.packs.model import AnyQuestion, CodingQuestion, Pack
from trainer.core.packs.resolve import resolve_rubric
from trainer.core.packs.validate import validate_files
from trainer.core.packs.yamlsafe import load_yaml

PACK_FILE = Path(__file__).resolve().parents[1] / "question_packs" / "coding.yaml"

LEVELS = ["Strong no hire", "Leaning no hire", "Leaning hire", "Strong hire"]
SHARED_CRITERIA = ("problem-solving", "communication", "testing", "code-quality")
REQUIRED_TAGS = (
    "arrays",
    "hashing",
    "two-pointers",
    "intervals",
    "stacks",
    "trees",
    "graphs",
    "heaps",
    "dynamic-programming",
    "binary-search",
)
DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}
QUESTION_IDS = (
    "best-single-trade",
    "balanced-brackets",
    "repeat-within-k",
    "sorted-squares",
    "balanced-tree",
    "count-groups",
    "merge-intervals",
    "meeting-rooms",
    "days-until-warmer",
    "count-subarrays-with-sum",
    "ship-within-days",
    "validate-search-tree",
    "build-order",
    "network-delay",
    "longest-increasing-subsequence",
    "max-path-sum",
    "edit-distance",
    "trapped-rain-water",
)

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")
MIN_QUESTIONS = 15
MIN_PER_DIFFICULTY = 2
MAX_TITLE = 79
MAX_HINT = 399
MIN_HINTS = 2
MIN_SAMPLE_TESTS = 3
MIN_HIDDEN_TESTS = 5
MIN_ACCEPTED_APPROACHES = 2
MIN_SLOW_QUESTIONS = 5

Check = Callable[[Pack, CodingQuestion], list[str]]

# The C emitter is much faster than the pure-Python one on a pack this size.
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _defines_function(code: str, name: str) -> bool:
    """True when `code` parses and defines `name` at module level, as the runner calls it."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.FunctionDef) and node.name == name for node in tree.body)


def _coding(pack: Pack) -> list[CodingQuestion]:
    return [q for q in pack.questions if isinstance(q, CodingQuestion)]


def pack_problems(pack: Pack) -> list[str]:
    """Pack-level promises: identity, scale, shared criteria, count, spread and topics."""
    problems: list[str] = []
    if pack.pack.id != "coding":
        problems.append(f"pack id is {pack.pack.id!r}")
    if [(s.id, s.levels) for s in pack.scales] != [("four-point", LEVELS)]:
        problems.append("the pack must have exactly the four-point scale")
    shared = {c.id for c in pack.criteria}
    problems += [f"shared criterion {c!r} is missing" for c in SHARED_CRITERIA if c not in shared]
    questions = _coding(pack)
    if len(questions) != len(pack.questions):
        problems.append("every question must be a coding question")
    if len(questions) < MIN_QUESTIONS:
        problems.append(f"{len(questions)} coding questions, expected at least {MIN_QUESTIONS}")
    for level in DIFFICULTY_ORDER:
        count = sum(q.difficulty == level for q in questions)
        if count < MIN_PER_DIFFICULTY:
            problems.append(f"{count} {level} questions, expected at least {MIN_PER_DIFFICULTY}")
    ranks = [DIFFICULTY_ORDER[q.difficulty] for q in questions]
    if ranks != sorted(ranks):
        problems.append("questions are not ordered from easy to hard")
    tags = {t for q in questions for t in q.tags}
    problems += [f"no question has the tag {t!r}" for t in REQUIRED_TAGS if t not in tags]
    slow = [q.id for q in questions if any(a.expect == "time_limit" for a in q.approaches)]
    if len(slow) < MIN_SLOW_QUESTIONS:
        problems.append(f"{len(slow)} slow approaches, expected at least {MIN_SLOW_QUESTIONS}")
    ids = tuple(q.id for q in questions)
    if ids != QUESTION_IDS:
        problems.append(f"questions are {ids}, expected {QUESTION_IDS}")
    return problems


def structure_problems(pack: Pack, question: CodingQuestion) -> list[str]:
    """Title, tags, prompt, progressive hints, notes and follow-ups."""
    problems: list[str] = []
    if _blank(question.title) or len(question.title) > MAX_TITLE:
        problems.append(f"title is blank or longer than {MAX_TITLE} characters")
    if not question.tags or not all(KEBAB.match(t) for t in question.tags):
        problems.append(f"tags {question.tags} are missing or not kebab-case")
    if _blank(question.prompt):
        problems.append("prompt is blank")
    if len(question.hints) < MIN_HINTS:
        problems.append(f"{len(question.hints)} hints, expected at least {MIN_HINTS}")
    for i, hint in enumerate(question.hints):
        if _blank(hint) or len(hint) > MAX_HINT:
            problems.append(f"hint {i} is blank or longer than {MAX_HINT} characters")
    if len(set(question.hints)) != len(question.hints):
        problems.append("two hints are identical")
    if _blank(question.interviewer_notes):
        problems.append("interviewer_notes are blank")
    if not question.follow_ups or any(_blank(f) for f in question.follow_ups):
        problems.append("no follow-ups, or a blank one")
    return problems


def signature_problems(pack: Pack, question: CodingQuestion) -> list[str]:
    """A callable name, every parameter annotated, and a declared return type."""
    problems: list[str] = []
    sig = question.signature
    if not sig.function.isidentifier():
        problems.append(f"function name {sig.function!r} is not an identifier")
    for param in sig.params:
        name, sep, annotation = param.partition(":")
        if not name.strip().isidentifier() or not sep or _blank(annotation):
            problems.append(f"parameter {param!r} lacks a type annotation")
    if _blank(sig.returns):
        problems.append("signature has no return type")
    return problems


def case_problems(pack: Pack, question: CodingQuestion) -> list[str]:
    """Enough sample and hidden tests, with unique kebab-case ids."""
    problems: list[str] = []
    samples = sum(t.visibility == "sample" for t in question.tests)
    hidden = sum(t.visibility == "hidden" for t in question.tests)
    if samples < MIN_SAMPLE_TESTS:
        problems.append(f"{samples} sample tests, expected at least {MIN_SAMPLE_TESTS}")
    if hidden < MIN_HIDDEN_TESTS:
        problems.append(f"{hidden} hidden tests, expected at least {MIN_HIDDEN_TESTS}")
    ids = [t.id for t in question.tests]
    if len(set(ids)) != len(ids) or not all(KEBAB.match(i) for i in ids):
        problems.append(f"test ids {ids} are not unique kebab-case")
    return problems


def approach_problems(pack: Pack, question: CodingQuestion) -> list[str]:
    """Two or more working approaches with code; a slow one needs a large generated test."""
    problems: list[str] = []
    name = question.signature.function
    ids = [a.id for a in question.approaches]
    if len(set(ids)) != len(ids) or not all(KEBAB.match(i) for i in ids):
        problems.append(f"approach ids {ids} are not unique kebab-case")
    accepted = [a for a in question.approaches if (a.expect or "accepted") == "accepted"]
    if len(accepted) < MIN_ACCEPTED_APPROACHES:
        problems.append(
            f"{len(accepted)} accepted approaches, expected at least {MIN_ACCEPTED_APPROACHES}"
        )
    for a in question.approaches:
        if _blank(a.title) or _blank(a.summary) or not a.tradeoffs:
            problems.append(f"approach {a.id!r} lacks a title, summary or trade-offs")
        if a.complexity is None:
            problems.append(f"approach {a.id!r} has no complexity")
        if a.solution is None or not _defines_function(a.solution, name):
            problems.append(f"approach {a.id!r} does not define {name}() at top level")
        if a.expect not in (None, "accepted", "time_limit"):
            problems.append(f"approach {a.id!r} expects {a.expect}")
    if any(a.expect == "time_limit" for a in question.approaches):
        large = [t for t in question.tests if t.visibility == "hidden" and has_generator(t.args)]
        if not large:
            problems.append("a slow approach but no large generated hidden test to prove it")
    return problems


def rubric_problems(pack: Pack, question: CodingQuestion) -> list[str]:
    """Correctness weighs most; the shared criteria are used; four descriptors each."""
    problems: list[str] = []
    criteria = resolve_rubric(pack, question)
    if len(criteria) != len(question.rubric):
        problems.append("a rubric item does not resolve to a criterion")
    ids = [c.id for c in criteria]
    if len(set(ids)) != len(ids):
        problems.append(f"duplicate criteria in {ids}")
    problems += [f"rubric lacks {cid!r}" for cid in SHARED_CRITERIA if cid not in ids]
    weights = {c.id: c.weight for c in criteria}
    correctness = weights.pop("correctness", None)
    if correctness is None:
        problems.append("rubric lacks a 'correctness' criterion")
    elif weights and correctness <= max(weights.values()):
        problems.append("'correctness' does not have the highest weight")
    for crit in criteria:
        if list(crit.levels) != LEVELS:
            problems.append(f"{crit.id!r} is not on the four-point scale")
        if len(crit.descriptors) != len(LEVELS) or any(_blank(d) for d in crit.descriptors):
            problems.append(f"{crit.id!r} needs {len(LEVELS)} non-blank descriptors")
        if len(set(crit.descriptors)) != len(crit.descriptors):
            problems.append(f"{crit.id!r} has two identical descriptors")
        if crit.weight <= 0:
            problems.append(f"{crit.id!r} has weight {crit.weight}")
    return problems


def reference_problems(pack: Pack, question: CodingQuestion) -> list[str]:
    """A graded candidate answer: runnable code, every criterion scored, a rationale."""
    problems: list[str] = []
    answers = question.reference_answers
    if not answers:
        problems.append("no reference answer")
    criterion_ids = {c.id for c in resolve_rubric(pack, question)}
    name = question.signature.function
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
        if not _defines_function(ans.answer, name):
            problems.append(f"answer {ans.id!r} does not define {name}() at top level")
    return problems


CHECKS: dict[str, Check] = {
    "structure": structure_problems,
    "signature": signature_problems,
    "tests": case_problems,
    "approaches": approach_problems,
    "rubric": rubric_problems,
    "reference-answers": reference_problems,
}


def all_problems(pack: Pack) -> list[str]:
    problems = pack_problems(pack)
    for question in _coding(pack):
        for name, check in CHECKS.items():
            problems += [f"{question.id} {name}: {p}" for p in check(pack, question)]
    return problems


# ----------------------------------------------------------------- running the code


@contextmanager
def _restored_recursion_limit() -> Iterator[None]:
    """Some solutions raise the limit for deep memoised recursion; undo it afterwards."""
    limit = sys.getrecursionlimit()
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _load(code: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": "candidate"}
    exec(compile(code, f"<{name}>", "exec"), namespace)  # the pack's own reference code
    function: Callable[..., Any] = namespace[name]
    return function


def _failures(code: str, question: CodingQuestion, *, small_only: bool = False) -> list[str]:
    """Test ids the code fails when called in-process, as the runner would call it."""
    function = _load(code, question.signature.function)
    failed: list[str] = []
    with _restored_recursion_limit():
        for case in question.tests:
            if small_only and has_generator(case.args):
                continue
            spec = spec_from_case(case)
            args = json.loads(json.dumps(spec.args))  # fresh copies, as the child gets them
            try:
                actual = function(*args)
            except Exception as exc:  # a failing reference answer may raise
                failed.append(f"{case.id} ({type(exc).__name__})")
                continue
            if not compare_values(spec.expected, actual, spec.compare):
                failed.append(case.id)
    return failed


def solution_problems(question: CodingQuestion) -> list[str]:
    """Every approach declared accepted passes every test, large ones included."""
    problems: list[str] = []
    for a in question.approaches:
        if (a.expect or "accepted") != "accepted" or a.solution is None:
            continue
        failed = _failures(a.solution, question)
        if failed:
            problems.append(f"approach {a.id!r} fails {failed}")
    return problems


def flawed_answer_problems(question: CodingQuestion) -> list[str]:
    """A flawed graded answer must fail at least one small test; one declared
    `expect: accepted` (a strong answer) must pass every test, large ones included."""
    problems: list[str] = []
    for ans in question.reference_answers:
        if ans.expect == "accepted":
            failed = _failures(ans.answer, question)
            if failed:
                problems.append(f"answer {ans.id!r} is declared accepted but fails {failed}")
        elif not _failures(ans.answer, question, small_only=True):
            problems.append(
                f"answer {ans.id!r} passes every test, so its rationale cannot be right"
            )
    return problems


# --------------------------------------------------------------------------- fixtures


def _write_yaml(path: Path, data: dict[str, Any]) -> None:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")


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


def _coding_question(pack: Pack, question_id: str) -> CodingQuestion:
    question: AnyQuestion | None = pack.question(question_id)
    assert isinstance(question, CodingQuestion)
    return question


# ------------------------------------------------------------------------------ tests


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
    question = _coding_question(pack, question_id)
    assert CHECKS[check_name](pack, question) == []


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_accepted_solutions_pass_every_test(pack: Pack, question_id: str) -> None:
    assert solution_problems(_coding_question(pack, question_id)) == []


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_graded_answers_are_really_flawed(pack: Pack, question_id: str) -> None:
    assert flawed_answer_problems(_coding_question(pack, question_id)) == []


@pytest.mark.parametrize("question_id", QUESTION_IDS)
def test_interviewer_rounds_see_a_strong_and_a_flawed_answer(pack: Pack, question_id: str) -> None:
    answers = _coding_question(pack, question_id).reference_answers
    strong = [a for a in answers if a.label == "strong" and a.expect == "accepted"]
    flawed = [a for a in answers if a.expect != "accepted"]
    assert strong and flawed
    assert all(max(a.scores.values()) == 4 and min(a.scores.values()) >= 3 for a in strong)


def _question(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    q: dict[str, Any] = data["questions"][index]
    return q


def _first_slow(data: dict[str, Any]) -> dict[str, Any]:
    return next(
        q
        for q in data["questions"]
        if any(a.get("expect") == "time_limit" for a in q["approaches"])
    )


def _drop_questions(data: dict[str, Any]) -> None:
    del data["questions"][MIN_QUESTIONS - 1 :]


def _hard_first(data: dict[str, Any]) -> None:
    data["questions"].insert(0, data["questions"].pop())


def _heaps_untagged(data: dict[str, Any]) -> None:
    for q in data["questions"]:
        q["tags"] = [t for t in q["tags"] if t != "heaps"]


def _one_hint(data: dict[str, Any]) -> None:
    _question(data)["hints"] = _question(data)["hints"][:1]


def _long_hint(data: dict[str, Any]) -> None:
    _question(data, 2)["hints"][0] = "Why? " * 90


def _unannotated_param(data: dict[str, Any]) -> None:
    params = _question(data, 3)["signature"]["params"]
    params[0] = params[0].split(":")[0]


def _two_samples(data: dict[str, Any]) -> None:
    q = _question(data, 4)
    samples = [t for t in q["tests"] if t.get("visibility") == "sample"]
    q["tests"].remove(samples[0])


def _four_hidden(data: dict[str, Any]) -> None:
    q = _question(data, 5)
    hidden = [t for t in q["tests"] if t.get("visibility", "hidden") == "hidden"]
    q["tests"] = [t for t in q["tests"] if t not in hidden[4:]]


def _one_accepted(data: dict[str, Any]) -> None:
    q = _question(data, 6)
    accepted = [a for a in q["approaches"] if a.get("expect", "accepted") == "accepted"]
    q["approaches"].remove(accepted[1])


def _renamed_function(data: dict[str, Any]) -> None:
    a = _question(data, 7)["approaches"][0]
    a["solution"] = a["solution"].replace("def ", "def renamed_", 1)


def _no_complexity(data: dict[str, Any]) -> None:
    del _question(data, 8)["approaches"][0]["complexity"]


def _slow_without_large_test(data: dict[str, Any]) -> None:
    q = _first_slow(data)
    q["tests"] = [t for t in q["tests"] if "$gen" not in json.dumps(t["args"])]


def _too_few_slow(data: dict[str, Any]) -> None:
    slow = [
        q
        for q in data["questions"]
        if any(a.get("expect") == "time_limit" for a in q["approaches"])
    ]
    for q in slow[MIN_SLOW_QUESTIONS - 1 :]:
        q["approaches"] = [a for a in q["approaches"] if a.get("expect") != "time_limit"]


def _correctness_outweighed(data: dict[str, Any]) -> None:
    for item in _question(data, 9)["rubric"]:
        if item.get("id") == "efficiency":
            item["weight"] = 5


def _shared_ref_dropped(data: dict[str, Any]) -> None:
    q = _question(data, 10)
    q["rubric"] = [r for r in q["rubric"] if r.get("ref") != "testing"]


def _missing_score(data: dict[str, Any]) -> None:
    del _question(data, 11)["reference_answers"][0]["scores"]["correctness"]


def _no_reference_answer(data: dict[str, Any]) -> None:
    _question(data, 12)["reference_answers"] = []


def _wrong_expected(data: dict[str, Any]) -> None:
    _question(data)["tests"][0]["expected"] = -1


def _answer_made_correct(data: dict[str, Any]) -> None:
    q = _question(data, 1)
    q["reference_answers"][0]["answer"] = q["approaches"][0]["solution"]


# Each mutation breaks one promise; the fragment is what the matching check must report.
MUTATIONS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "questions-removed": (_drop_questions, f"{MIN_QUESTIONS - 1} coding questions"),
    "hard-question-first": (_hard_first, "not ordered from easy to hard"),
    "topic-dropped": (_heaps_untagged, "no question has the tag 'heaps'"),
    "one-hint": (_one_hint, "1 hints, expected"),
    "hint-too-long": (_long_hint, "hint 0 is blank or longer"),
    "parameter-unannotated": (_unannotated_param, "lacks a type annotation"),
    "two-sample-tests": (_two_samples, "2 sample tests"),
    "four-hidden-tests": (_four_hidden, "4 hidden tests"),
    "one-accepted-approach": (_one_accepted, "1 accepted approaches"),
    "solution-renamed": (_renamed_function, "does not define"),
    "complexity-missing": (_no_complexity, "has no complexity"),
    "slow-without-large-test": (_slow_without_large_test, "no large generated hidden test"),
    "too-few-slow-approaches": (_too_few_slow, f"{MIN_SLOW_QUESTIONS - 1} slow approaches"),
    "correctness-outweighed": (_correctness_outweighed, "'correctness' does not have the highest"),
    "shared-criterion-dropped": (_shared_ref_dropped, "rubric lacks 'testing'"),
    "score-missing": (_missing_score, "missing ['correctness']"),
    "no-reference-answer": (_no_reference_answer, "no reference answer"),
}


def _mutated_pack(plain_data: dict[str, Any], mutate: Callable[[dict[str, Any]], None]) -> Pack:
    """A changed copy, validated by the same model the loader uses after parsing YAML.

    Going through the model directly, not a YAML file, keeps these tests fast; the
    round trip through a file is checked once, by the last test.
    """
    data = copy.deepcopy(plain_data)
    mutate(data)
    return Pack.model_validate(data)


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_checks_catch_a_shrunken_copy(plain_data: dict[str, Any], mutation: str) -> None:
    """Each check fires on a copy of the pack with one promise broken."""
    mutate, expected = MUTATIONS[mutation]
    problems = all_problems(_mutated_pack(plain_data, mutate))
    assert any(expected in p for p in problems), problems


def test_wrong_expected_value_is_caught(plain_data: dict[str, Any]) -> None:
    pack = _mutated_pack(plain_data, _wrong_expected)
    problems = solution_problems(_coding(pack)[0])
    assert problems and all("fails [" in p for p in problems), problems


def test_correct_graded_answer_is_caught(plain_data: dict[str, Any]) -> None:
    pack = _mutated_pack(plain_data, _answer_made_correct)
    problems = flawed_answer_problems(_coding(pack)[1])
    assert any("passes every test" in p for p in problems), problems


def test_unchanged_copy_passes_every_check(plain_data: dict[str, Any], tmp_path: Path) -> None:
    """Writing the plain data back to YAML and loading it keeps every promise."""
    path = tmp_path / "coding.yaml"
    _write_yaml(path, plain_data)
    copied = load_pack_file(path)
    assert copied.pack is not None, [str(d) for d in copied.diagnostics]
    assert all_problems(copied.pack) == []
