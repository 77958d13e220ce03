"""Question selection: bank filters and look-ups, role plans, and planning rounds.

A small synthetic bank keeps the expected answers explicit: two packs that share a
question id, every kind, some questions an interviewer round cannot use.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import Pack
from trainer.core.selection import (
    Entry,
    Filters,
    PlannedRound,
    QuestionBank,
    plan_rounds,
    roles_for,
)
from trainer.core.session import Session

EXAMPLE = Path(__file__).resolve().parents[1] / "question_packs" / "example.yaml"
RUBRIC = [{"id": "depth", "descriptors": ["Shallow.", "Deep."]}]
REFS = [{"id": "ref", "answer": "An answer.", "scores": {"depth": 1}, "rationale": "Why."}]


def _question(
    qid: str,
    kind: str,
    difficulty: str,
    *,
    title: str,
    prompt: str,
    tags: tuple[str, ...] = (),
    refs: bool = True,
    rubric: bool = True,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": qid,
        "kind": kind,
        "title": title,
        "difficulty": difficulty,
        "tags": list(tags),
        "prompt": prompt,
        "rubric": RUBRIC if rubric else [],
        "reference_answers": REFS if refs else [],
    }
    if kind == "coding":
        data["signature"] = {"function": "f", "params": ["x"]}
        data["tests"] = [{"id": "t", "args": [1], "expected": 1}]
    if kind == "multiple_choice":
        data["choices"] = [
            {"id": "a", "text": "A", "correct": True, "feedback": "Yes."},
            {"id": "b", "text": "B", "feedback": "No."},
        ]
    return data


def _pack(pack_id: str, questions: list[dict[str, Any]]) -> Pack:
    return Pack.model_validate(
        {
            "schema_version": 1,
            "pack": {"id": pack_id, "title": pack_id.title(), "version": "1.0.0"},
            "scales": [{"id": "two", "levels": ["No", "Yes"]}],
            "questions": questions,
        }
    )


ALPHA = _pack(
    "alpha",
    [
        _question(
            "hash-maps",
            "concept",
            "easy",
            title="Hash maps",
            prompt="Explain open addressing.",
            tags=("hashing", "arrays"),
        ),
        _question(
            "rate-limit",
            "system_design",
            "hard",
            title="Rate limiter",
            prompt="Design a token bucket.",
            tags=("scaling",),
        ),
        _question(
            "conflict",
            "behavioral",
            "medium",
            title="A conflict",
            prompt="Tell me about a conflict.",
            refs=False,
        ),
        _question(
            "pick-one",
            "multiple_choice",
            "easy",
            title="Pick one",
            prompt="Which is allowed?",
            tags=("conduct",),
            refs=False,
            rubric=False,
        ),
    ],
)
BETA = _pack(
    "beta",
    [
        _question(
            "hash-maps",
            "concept",
            "medium",
            title="Hash tables again",
            prompt="Explain chaining.",
            tags=("hashing",),
        ),
        _question(
            "two-sum", "coding", "easy", title="Two sum", prompt="Find two.", tags=("arrays",)
        ),
        _question("mc-with-refs", "multiple_choice", "medium", title="Odd one", prompt="Choose."),
        _question("no-rubric", "concept", "hard", title="Bare", prompt="Say.", rubric=False),
    ],
)
ALL = [
    "alpha/hash-maps",
    "alpha/rate-limit",
    "alpha/conflict",
    "alpha/pick-one",
    "beta/hash-maps",
    "beta/two-sum",
    "beta/mc-with-refs",
    "beta/no-rubric",
]
INTERVIEWABLE = {"alpha/hash-maps", "alpha/rate-limit", "beta/hash-maps", "beta/two-sum"}


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return QuestionBank([ALPHA, BETA])


def name(entry: Entry) -> str:
    return "/".join(entry.key)


def key(text: str) -> tuple[str, str]:
    pack_id, _, qid = text.partition("/")
    return (pack_id, qid)


def entry(bank: QuestionBank, text: str) -> Entry:
    found = bank.get(*key(text))
    assert found is not None, text
    return found


# -- the bank -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ALL),
        (Filters(pack_ids=frozenset({"beta"})), ALL[4:]),
        (Filters(pack_ids=frozenset({"alpha", "beta"})), ALL),
        (Filters(pack_ids=frozenset({"gamma"})), []),
        (
            Filters(kinds=frozenset({"concept"})),
            ["alpha/hash-maps", "beta/hash-maps", "beta/no-rubric"],
        ),
        (
            Filters(kinds=frozenset({"coding", "multiple_choice"})),
            ["alpha/pick-one", "beta/two-sum", "beta/mc-with-refs"],
        ),
        (Filters(difficulties=frozenset({"hard"})), ["alpha/rate-limit", "beta/no-rubric"]),
        (
            Filters(difficulties=frozenset({"easy", "medium"})),
            [k for k in ALL if k not in ("alpha/rate-limit", "beta/no-rubric")],
        ),
        (Filters(tags=frozenset({"arrays"})), ["alpha/hash-maps", "beta/two-sum"]),
        (
            Filters(tags=frozenset({"arrays", "scaling"})),  # any of the tags
            ["alpha/hash-maps", "alpha/rate-limit", "beta/two-sum"],
        ),
        (Filters(tags=frozenset({"nothing"})), []),
        (Filters(text="token"), ["alpha/rate-limit"]),  # the prompt
        (Filters(text="HASH chaining"), ["beta/hash-maps"]),  # every word, any case
        (Filters(text="hash"), ["alpha/hash-maps", "beta/hash-maps"]),
        (Filters(text="conduct"), ["alpha/pick-one"]),  # a tag
        (Filters(text="two-sum"), ["beta/two-sum"]),  # the id
        (Filters(text="  odd   one "), ["beta/mc-with-refs"]),  # the title
        (Filters(text="zebra"), []),
        (
            Filters(pack_ids=frozenset({"alpha"}), kinds=frozenset({"concept"}), text="open"),
            ["alpha/hash-maps"],
        ),
        (
            Filters(
                pack_ids=frozenset({"beta"}),
                difficulties=frozenset({"easy"}),
                tags=frozenset({"hashing"}),
            ),
            [],
        ),
    ],
)
def test_filters(bank: QuestionBank, filters: Filters, expected: list[str]) -> None:
    assert [name(e) for e in bank.filter(filters)] == expected
    assert [name(e) for e in bank.entries if filters.matches(e)] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hash-maps", "alpha/hash-maps"),  # a shared bare id: the first pack wins
        ("alpha/hash-maps", "alpha/hash-maps"),
        ("beta/hash-maps", "beta/hash-maps"),
        ("two-sum", "beta/two-sum"),
        ("beta/two-sum", "beta/two-sum"),
        ("alpha/two-sum", None),
        ("gamma/two-sum", None),
        ("missing", None),
        ("beta/", None),
        ("", None),
    ],
)
def test_find(bank: QuestionBank, query: str, expected: str | None) -> None:
    found = bank.find(query)
    assert (None if found is None else name(found)) == expected


def test_find_in_the_example_pack() -> None:
    loaded = load_pack_file(EXAMPLE)
    assert loaded.pack is not None
    bank = QuestionBank([loaded.pack])
    found = bank.find("example/pair-sum")
    assert found is not None and found.question.title == "Pair with a given sum"
    assert bank.find("pair-sum") == found == bank.get("example", "pair-sum")
    assert bank.find("other/pair-sum") is None


def test_bank_lists_tags_once_sorted(bank: QuestionBank) -> None:
    assert bank.tags() == ["arrays", "conduct", "hashing", "scaling"]
    assert [p.pack.id for p in bank.packs] == ["alpha", "beta"]


@pytest.mark.parametrize("key", ALL)
def test_can_interview(bank: QuestionBank, key: str) -> None:
    """Needs a reference answer and a rubric, and is not multiple choice."""
    assert entry(bank, key).can_interview is (key in INTERVIEWABLE)


# -- role plans -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "rounds", "expected"),
    [
        ("alternate", 0, []),
        ("alternate", 1, ["candidate"]),
        ("alternate", 4, ["candidate", "interviewer", "candidate", "interviewer"]),
        ("alternate", 5, ["candidate", "interviewer"] * 2 + ["candidate"]),
        ("candidate", 3, ["candidate"] * 3),
        ("interviewer", 2, ["interviewer"] * 2),
    ],
)
def test_roles_for(plan: str, rounds: int, expected: list[str]) -> None:
    assert roles_for(plan, rounds) == expected


@pytest.mark.parametrize("plan", ["both", "", "Candidate"])
def test_unknown_role_plan(bank: QuestionBank, plan: str) -> None:
    with pytest.raises(ValueError, match="unknown role plan"):
        roles_for(plan, 2)
    with pytest.raises(ValueError, match="unknown role plan"):
        plan_rounds(bank.entries, plan, 2, rng=random.Random(0))


# -- planning rounds ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("rounds", [1, 2, 5, 8, 12])
def test_alternate_plan(bank: QuestionBank, seed: int, rounds: int) -> None:
    plan = plan_rounds(bank.entries, "alternate", rounds, rng=random.Random(seed))
    keys = [name(p.entry) for p in plan]
    assert len(plan) == min(rounds, len(ALL))
    assert len(set(keys)) == len(keys)  # no question twice
    for i, planned in enumerate(plan):
        if planned.role == "interviewer":
            assert i % 2 == 1 and planned.entry.can_interview
        else:
            assert planned.role == "candidate"
            if i % 2 == 1:  # fell back: every interviewable question was already used
                assert INTERVIEWABLE <= set(keys[:i])
    session = Session(bank.get, plan, lambda: 0.0)
    assert [r.role for r in session.rounds] == [p.role for p in plan]


@pytest.mark.parametrize(
    ("pool", "rounds", "roles"),
    [
        (["alpha/conflict", "alpha/pick-one", "beta/mc-with-refs"], 3, ["candidate"] * 3),
        (["beta/no-rubric", "alpha/pick-one"], 5, ["candidate"] * 2),
        (
            ["alpha/conflict", "beta/two-sum", "alpha/pick-one"],
            3,
            ["interviewer", "candidate", "candidate"],
        ),
        (ALL, 4, ["interviewer"] * 4),
        (ALL, 6, ["interviewer"] * 4 + ["candidate"] * 2),
    ],
)
@pytest.mark.parametrize("seed", range(4))
def test_interviewer_plan_falls_back_to_candidate_rounds(
    bank: QuestionBank, pool: list[str], rounds: int, roles: list[str], seed: int
) -> None:
    entries = [entry(bank, k) for k in pool]
    plan = plan_rounds(entries, "interviewer", rounds, rng=random.Random(seed))
    assert [p.role for p in plan] == roles
    keys = [name(p.entry) for p in plan]
    assert len(set(keys)) == len(keys) and set(keys) <= set(pool)
    assert all(p.entry.can_interview for p in plan if p.role == "interviewer")
    session = Session(bank.get, plan, lambda: 0.0)
    assert [r.phase for r in session.rounds] == [
        "scoring" if r == "interviewer" else "answering" for r in roles
    ]


@pytest.mark.parametrize("plan_name", ["alternate", "candidate", "interviewer"])
def test_no_question_twice_even_when_asked_for_more(bank: QuestionBank, plan_name: str) -> None:
    pool = bank.entries + bank.entries  # duplicates in the pool change nothing
    plan = plan_rounds(pool, plan_name, 50, rng=random.Random(1))
    keys = [name(p.entry) for p in plan]
    assert sorted(keys) == sorted(ALL)


@pytest.mark.parametrize(
    ("first", "plan_name", "role"),
    [
        ("alpha/rate-limit", "interviewer", "interviewer"),
        ("alpha/pick-one", "interviewer", "candidate"),
        ("beta/no-rubric", "interviewer", "candidate"),
        ("beta/mc-with-refs", "interviewer", "candidate"),
        ("alpha/rate-limit", "alternate", "candidate"),
        ("alpha/rate-limit", "candidate", "candidate"),
    ],
)
@pytest.mark.parametrize("in_pool", [True, False])
def test_first_question_is_honoured(
    bank: QuestionBank, first: str, plan_name: str, role: str, in_pool: bool
) -> None:
    chosen = entry(bank, first)
    pool = [e for e in bank.entries if in_pool or e is not chosen]
    plan = plan_rounds(pool, plan_name, 4, first=chosen, rng=random.Random(3))
    assert plan[0] == PlannedRound(role, chosen)
    keys = [name(p.entry) for p in plan]
    assert len(plan) == 4 and keys.count(first) == 1


@pytest.mark.parametrize("seed", range(5))
def test_least_recently_seen_first(bank: QuestionBank, seed: int) -> None:
    order = random.Random(seed + 100).sample(ALL, len(ALL))
    last_seen = {key(k): float(t) for t, k in enumerate(order)}
    plan = plan_rounds(
        bank.entries, "candidate", len(ALL), rng=random.Random(seed), last_seen=last_seen
    )
    assert [name(p.entry) for p in plan] == order


@pytest.mark.parametrize("seed", range(5))
def test_never_seen_comes_before_seen(bank: QuestionBank, seed: int) -> None:
    seen = {("alpha", "hash-maps"): 50.0, ("beta", "two-sum"): 10.0, ("alpha", "conflict"): 30.0}
    plan = plan_rounds(bank.entries, "candidate", len(ALL), rng=random.Random(seed), last_seen=seen)
    keys = [name(p.entry) for p in plan]
    assert set(keys[:5]) == set(ALL) - {"alpha/hash-maps", "beta/two-sum", "alpha/conflict"}
    assert keys[5:] == ["beta/two-sum", "alpha/conflict", "alpha/hash-maps"]


def test_least_recently_seen_applies_per_role(bank: QuestionBank) -> None:
    """An interviewer round takes the oldest question it can use, not the oldest overall."""
    seen = {key(k): float(t) for t, k in enumerate(ALL)}
    plan = plan_rounds(bank.entries, "interviewer", 2, rng=random.Random(0), last_seen=seen)
    assert [name(p.entry) for p in plan] == ["alpha/hash-maps", "alpha/rate-limit"]
    plan = plan_rounds(bank.entries, "alternate", 3, rng=random.Random(0), last_seen=seen)
    assert [(p.role, name(p.entry)) for p in plan] == [
        ("candidate", "alpha/hash-maps"),
        ("interviewer", "alpha/rate-limit"),
        ("candidate", "alpha/conflict"),
    ]


@pytest.mark.parametrize(
    "exclude",
    [
        {("alpha", "hash-maps")},
        {("beta", "two-sum"), ("alpha", "rate-limit"), ("beta", "hash-maps")},
        {key(k) for k in INTERVIEWABLE},
    ],
)
def test_exclude(bank: QuestionBank, exclude: set[tuple[str, str]]) -> None:
    plan = plan_rounds(bank.entries, "alternate", 20, rng=random.Random(2), exclude=exclude)
    keys = {p.entry.key for p in plan}
    assert not keys & exclude
    assert len(plan) == len(ALL) - len(exclude)


@pytest.mark.parametrize("seed", [0, 7, 12345])
def test_same_seed_same_plan(bank: QuestionBank, seed: int) -> None:
    a = plan_rounds(bank.entries, "alternate", 6, rng=random.Random(seed))
    b = plan_rounds(bank.entries, "alternate", 6, rng=random.Random(seed))
    assert a == b


def test_empty_pool_plans_nothing(bank: QuestionBank) -> None:
    assert plan_rounds([], "alternate", 3, rng=random.Random(0)) == []
    only = entry(bank, "alpha/pick-one")
    assert plan_rounds([], "alternate", 3, first=only) == [PlannedRound("candidate", only)]
