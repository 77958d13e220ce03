"""The Evaluation: evidence and scores by source, final-score precedence, plain-data round trip."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from trainer.core.evaluation.evaluation import Evaluation, evaluate
from trainer.core.evaluation.results import RunResult, TestResult
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import AnyQuestion, Pack

EXAMPLE = Path(__file__).resolve().parents[1] / "question_packs" / "example.yaml"
SOURCES = {"tests", "choices", "signals", "hints", "time"}


@pytest.fixture(scope="module")
def pack() -> Pack:
    loaded = load_pack_file(EXAMPLE)
    assert loaded.ok and loaded.pack is not None
    return loaded.pack


def question(pack: Pack, qid: str) -> AnyQuestion:
    found = pack.question(qid)
    assert found is not None
    return found


def small_pack(**question: Any) -> Pack:
    """A pack with a 3-level and a 5-level scale, and one question built from `question`."""
    base: dict[str, Any] = {
        "id": "q",
        "kind": "concept",
        "title": "Q",
        "difficulty": "easy",
        "prompt": "Explain.",
        "rubric": [
            {"id": "depth", "scale": "five", "weight": 2, "descriptors": list("abcde")},
            {"ref": "clarity", "weight": 1},
        ],
    }
    base.update(question)
    return Pack.model_validate(
        {
            "schema_version": 1,
            "pack": {"id": "small", "title": "Small", "version": "1"},
            "scales": [
                {"id": "three", "levels": ["No", "Maybe", "Yes"]},
                {"id": "five", "levels": ["1", "2", "3", "4", "5"]},
            ],
            "criteria": [
                {
                    "id": "clarity",
                    "title": "Clarity",
                    "descriptors": ["a", "b", "c"],
                    "signals": ["example", {"term": "trade-off", "synonyms": ["downside"]}],
                },
            ],
            "questions": [base],
        }
    )


RUN_SAMPLES_ONLY = RunResult(
    "wrong_answer",
    (
        TestResult("example", "sample", "accepted"),
        TestResult("large", "hidden", "time_limit", args_repr="[0, 1, ...]", error="1.0 s"),
    ),
)


def test_auto_correctness_fills_only_what_no_person_scored(pack: Pack) -> None:
    q = question(pack, "pair-sum")
    ev = evaluate(pack, q, run=RUN_SAMPLES_ONLY, scores={"self": {"efficiency": 2}})
    assert ev.final.score_of("correctness") == 3  # all samples, not every hidden test
    assert ev.final_sources == {"correctness": "auto", "efficiency": "self"}
    assert ev.auto_filled == ("correctness",)
    assert ev.final.partial and ev.final.unscored == ("communication", "testing")
    assert set(ev.by_source) == {"self", "auto"}


@pytest.mark.parametrize(
    ("not_run", "score"),
    [((), 3), (("pair-at-end",), 3), (("duplicates",), 2)],  # "duplicates" is a sample test
)
def test_evaluate_knows_which_unrun_tests_are_samples(
    pack: Pack, not_run: tuple[str, ...], score: int
) -> None:
    run = RunResult(
        "time_limit",
        (TestResult("example", "sample", "accepted"), TestResult("large", "hidden", "time_limit")),
        not_run=not_run,
    )
    ev = evaluate(pack, question(pack, "pair-sum"), run=run)
    assert ev.final.score_of("correctness") == score
    assert ev.coding is not None and ev.coding.not_run == not_run


def test_person_score_beats_the_suggestion(pack: Pack) -> None:
    q = question(pack, "pair-sum")
    ev = evaluate(pack, q, run=RUN_SAMPLES_ONLY, scores={"self": {"correctness": 1}})
    assert ev.final.score_of("correctness") == 1
    assert ev.final_sources["correctness"] == "self"
    assert ev.auto_filled == ()
    assert ev.by_source["auto"].score_of("correctness") == 3  # still kept, separately


@pytest.mark.parametrize(
    ("scores", "expected", "source"),
    [
        ({"self": {"a": 1}}, 1, "self"),
        ({"self": {"a": 1}, "partner": {"a": 2}}, 2, "partner"),
        ({"self": {"a": 1}, "partner": {"a": 2}, "interviewer": {"a": 3}}, 3, "interviewer"),
        ({"self": {"a": 1}, "interviewer": {"a": 3}}, 3, "interviewer"),
        ({"self": {"a": 1}, "partner": {"a": None}}, 1, "self"),  # partner left it unscored
        ({"reference": {"a": 3}}, None, None),  # reference never enters the final
        ({"reference": {"a": 3}, "self": {"a": 2}}, 2, "self"),
    ],
)
def test_precedence_per_criterion(
    scores: dict[str, dict[str, int | None]], expected: int | None, source: str | None
) -> None:
    p = small_pack(rubric=[{"id": "a", "scale": "three", "descriptors": ["x", "y", "z"]}])
    ev = evaluate(p, p.questions[0], scores=scores)
    assert ev.final.score_of("a") == expected
    assert ev.final_sources.get("a") == source
    assert set(ev.by_source) == set(scores)


def test_precedence_mixes_sources_across_criteria() -> None:
    p = small_pack()
    ev = evaluate(
        p, p.questions[0], scores={"self": {"depth": 5, "clarity": 3}, "partner": {"depth": 2}}
    )
    assert ev.final.scores() == {"depth": 2, "clarity": 3}
    assert ev.final_sources == {"depth": "partner", "clarity": "self"}
    # depth 2 of 5 -> 1/4 (weight 2); clarity 3 of 3 -> 1 (weight 1)
    assert ev.final.overall == Fraction(1, 2)
    assert ev.final.verdict == "Maybe"  # pack's first scale ("three") is the verdict scale


def test_reference_answer_scores_are_kept_for_comparison(pack: Pack) -> None:
    q = question(pack, "cache-invalidation")
    ev = evaluate(
        pack,
        q,
        answer=q.reference_answers[0].answer,
        reference_id="ttl-only",
        scores={"interviewer": {"coverage": 3, "communication": 2}},
    )
    assert ev.reference_id == "ttl-only"
    assert ev.by_source["reference"].scores() == {"coverage": 2, "communication": 2}
    assert ev.final.scores() == {"coverage": 3, "communication": 2}
    assert set(ev.final_sources.values()) == {"interviewer"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": {"boss": {"coverage": 1}}}, "unknown score source"),
        ({"scores": {"auto": {"coverage": 1}}}, "unknown score source"),
        ({"reference_id": "missing"}, "no reference answer"),
        ({"reference_id": "ttl-only", "scores": {"reference": {"coverage": 1}}}, "not both"),
        ({"scores": {"self": {"coverage": 9}}}, "coverage"),
        ({"run": RUN_SAMPLES_ONLY}, "code run"),
        ({"selected": ["a"]}, "choices were selected"),
        ({"hints_used": -1}, "hints"),
        ({"elapsed_s": -3.0}, "elapsed"),
    ],
)
def test_invalid_input_raises(pack: Pack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate(pack, question(pack, "cache-invalidation"), **kwargs)


@pytest.mark.parametrize(
    ("qid", "has_signals"),
    [
        ("cache-invalidation", True),
        ("design-paste-bin", True),
        ("disagree-with-lead", True),
        ("pair-sum", False),
        ("ask-about-age", False),
    ],
)
def test_signals_only_for_free_text(pack: Pack, qid: str, has_signals: bool) -> None:
    ev = evaluate(pack, question(pack, qid), answer="trade-off, QPS, storage, result, TTL")
    assert bool(ev.signals) is has_signals
    assert any(i.source == "signals" for i in ev.evidence) is has_signals


def test_free_text_signals_are_evidence_not_the_grade(pack: Pack) -> None:
    q = question(pack, "design-paste-bin")
    ev = evaluate(pack, q, answer="Estimate QPS and storage first; discuss retention.")
    req = next(c for c in ev.signals if c.criterion_id == "requirements")
    assert req.missed == ()
    assert ev.final.overall is None and ev.final.verdict is None  # nobody scored yet
    assert ev.by_source == {}


def test_multiple_choice_evaluation(pack: Pack) -> None:
    q = question(pack, "ask-about-age")
    wrong = evaluate(pack, q, selected=["c"])
    assert wrong.choices is not None and not wrong.choices.correct
    assert [c.id for c in wrong.choices.missed] == ["b"]
    assert wrong.overall == 0
    right = evaluate(pack, q, selected=["b"])
    assert right.overall == 1
    none = evaluate(pack, q)
    assert none.choices is not None and none.choices.selected == ()
    assert none.evidence[0].code == "choices-none"


def test_hints_and_time_use_the_question(pack: Pack) -> None:
    q = question(pack, "pair-sum")  # 3 hints, 20 minute limit
    ev = evaluate(pack, q, hints_used=2, elapsed_s=20 * 60 + 1)
    assert (ev.hints.used, ev.hints.available) == (2, 3)
    assert ev.time.limit_s == 1200 and ev.time.overtime
    codes = {i.code for i in ev.evidence}
    assert {"hints-many", "overtime"} <= codes
    in_time = evaluate(pack, q, elapsed_s=1200)
    assert not in_time.time.overtime


def test_default_time_limit_by_kind(pack: Pack) -> None:
    ev = evaluate(pack, question(pack, "disagree-with-lead"))  # behavioral: 8 minutes
    assert ev.time.limit_s == 8 * 60


def test_every_evidence_item_names_its_source(pack: Pack) -> None:
    q = question(pack, "pair-sum")
    ev = evaluate(pack, q, run=RUN_SAMPLES_ONLY, hints_used=1, elapsed_s=10)
    assert ev.evidence
    assert {i.source for i in ev.evidence} <= SOURCES
    assert [i.source for i in ev.evidence] == ["tests"] * 4 + ["hints", "time"]


CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "pair-sum",
        {
            "run": RUN_SAMPLES_ONLY,
            "hints_used": 1,
            "elapsed_s": 1234.5,
            "scores": {"self": {"efficiency": 3}, "partner": {"testing": 2}},
        },
    ),
    (
        "pair-sum",
        {
            "run": RunResult("compile_error"),
            "reference_id": "nested-loops",
            "scores": {
                "interviewer": {"correctness": 1, "efficiency": 2, "communication": 2, "testing": 1}
            },
        },
    ),
    (
        "cache-invalidation",
        {
            "answer": "TTL and write-through, with caché ünïcode",
            "scores": {"self": {"coverage": 3}},
        },
    ),
    ("design-paste-bin", {"answer": "", "elapsed_s": 4000}),
    ("disagree-with-lead", {"answer": "Situation... result... learned", "reference_id": "vague"}),
    ("ask-about-age", {"selected": ["a", "zzz"]}),
]


@pytest.mark.parametrize(
    ("qid", "kwargs"), CASES, ids=[f"{q}-{i}" for i, (q, _) in enumerate(CASES)]
)
def test_evaluation_round_trips_through_json(
    pack: Pack, tmp_path: Path, qid: str, kwargs: dict[str, Any]
) -> None:
    ev = evaluate(pack, question(pack, qid), **kwargs)
    path = tmp_path / "evaluation.json"
    path.write_text(json.dumps(ev.to_dict(), ensure_ascii=False), encoding="utf-8")
    back = Evaluation.from_dict(json.loads(path.read_text(encoding="utf-8")))
    assert back == ev
    assert back.evidence == ev.evidence
    assert back.final.verdict == ev.final.verdict
    assert back.overall == ev.overall


def test_plain_data_is_json_types_only(pack: Pack) -> None:
    ev = evaluate(
        pack, question(pack, "pair-sum"), run=RUN_SAMPLES_ONLY, scores={"self": {"efficiency": 3}}
    )
    data = ev.to_dict()
    assert data["format"] == 1
    assert data["final_sources"] == {"correctness": "auto", "efficiency": "self"}
    assert json.loads(json.dumps(data)) == data  # no tuples, Fractions or other objects


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format=99),
        lambda d: d.pop("final"),
        lambda d: d["final_sources"].update(correctness="boss"),
        lambda d: d["final"].update(overall="half"),
        lambda d: d["hints"].update(used="many"),
    ],
)
def test_from_dict_rejects_malformed_data(pack: Pack, mutate: Any) -> None:
    ev = evaluate(pack, question(pack, "pair-sum"), run=RUN_SAMPLES_ONLY)
    data = ev.to_dict()
    mutate(data)
    with pytest.raises(ValueError):
        Evaluation.from_dict(data)
