"""The validator's two signal warnings, checked against a pack's graded answers."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trainer.cli.main import app

runner = CliRunner()

PACK = """\
schema_version: 1
pack: {id: sig, title: Signals, version: "1"}
scales:
  - id: four
    levels: [Strong no hire, Leaning no hire, Leaning hire, Strong hire]
criteria:
  - id: depth
    title: Depth
    descriptors: [a, b, c, d]
    signals:
      - replication
      - {term: quorum, synonyms: [majority]}
      - cache
questions:
  - id: q
    kind: concept
    title: Replicas
    difficulty: easy
    prompt: Explain replication.
    hints: [Think of failures.]
    rubric:
      - {ref: depth}
    approaches:
      - {id: a, title: A, summary: S}
    reference_answers:
      - id: strong
        answer: Replication with a majority quorum; I did not add a cache.
        scores: {depth: 4}
        rationale: R
      - id: weak
        answer: Replication and a cache.
        scores: {depth: 1}
        rationale: R
      - id: weaker
        answer: Just a cache, copied around - replication I guess.
        scores: {depth: 2}
        rationale: R
      - id: middle
        answer: Nothing about it.
        scores: {depth: 3}
        rationale: R
"""


def validate(tmp_path: Path, text: str, *args: str) -> tuple[int, str]:
    path = tmp_path / "sig.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["pack", "validate", *args, str(path)])
    return result.exit_code, result.output


def signal_findings(out: str) -> list[tuple[int, int, str, str]]:
    """(line, column, rule, message) of the signal findings in `--format json` output."""
    return sorted(
        (d["line"], d["column"], d["rule"], d["message"])
        for d in json.loads(out)["diagnostics"]
        if d["rule"].startswith("signal-")
    )


def test_both_warnings_with_positions(tmp_path: Path) -> None:
    code, out = validate(tmp_path, PACK, "--format", "json")
    assert code == 0  # warnings do not fail by default
    # 'quorum' is said as "majority" by the strong answer; 'cache' only negated there;
    # 'replication' and 'cache' are in both answers scored 1-2; the level-3 answer is hire.
    assert signal_findings(out) == [
        (
            11,
            9,
            "signal-in-every-no-hire",
            "signal 'replication' (depth) is in all 2 reference answers scored no hire on it: "
            "it cannot tell weak answers from strong",
        ),
        (
            13,
            9,
            "signal-in-every-no-hire",
            "signal 'cache' (depth) is in all 2 reference answers scored no hire on it: it "
            "cannot tell weak answers from strong",
        ),
        (
            13,
            9,
            "signal-missed-by-hire",
            "signal 'cache' (depth) is in none of the 2 reference answer(s) scored hire on it",
        ),
    ]
    assert validate(tmp_path, PACK, "--fail-on", "warning")[0] == 1


def test_one_no_hire_answer_is_no_pattern(tmp_path: Path) -> None:
    text = PACK.replace("scores: {depth: 2}", "scores: {depth: 3}")
    _, out = validate(tmp_path, text, "--format", "json")
    assert "signal-in-every-no-hire" not in {rule for _, _, rule, _ in signal_findings(out)}


def test_signals_on_a_rubric_item_are_checked_where_they_are_written(tmp_path: Path) -> None:
    text = PACK.replace(
        "      - {ref: depth}\n", "      - {ref: depth, signals: [sharding, quorum]}\n"
    )
    _, out = validate(tmp_path, text, "--format", "json")
    found = signal_findings(out)
    assert [(line, rule) for line, _, rule, _ in found] == [(22, "signal-missed-by-hire")]
    assert "'sharding'" in found[0][3]


def test_no_reference_answers_no_warning(tmp_path: Path) -> None:
    text = PACK[: PACK.index("    reference_answers:")]
    _, out = validate(tmp_path, text, "--format", "json")
    assert signal_findings(out) == []


def test_rules_are_listed() -> None:
    out = runner.invoke(app, ["pack", "rules"]).output
    assert "signal-missed-by-hire" in out and "signal-in-every-no-hire" in out
