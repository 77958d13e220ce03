"""`trainer pack check-suggestions`: each suggester against the experts' graded answers."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from typer.testing import CliRunner

from tests.grader_stub import GraderStub, completion_body
from tests.test_signal_check import PACK
from trainer.cli.main import app
from trainer.core.evaluation.suggestion_check import Comparison, agreement, constant_baseline

runner = CliRunner()


def comparison(expert: int, suggested: int | None, kind: str = "concept") -> Comparison:
    return Comparison("signals", "p", "q", kind, "a", "c", expert, suggested)


def test_agreement_figures() -> None:
    figures = agreement([comparison(4, 4), comparison(1, 3), comparison(2, None)])
    assert (figures.scored, figures.suggested, figures.exact, figures.abs_error) == (3, 2, 1, 2)
    assert figures.coverage == Fraction(2, 3)
    assert figures.exact_rate == Fraction(1, 2)
    assert figures.mean_abs_error == Fraction(1)
    assert agreement([]).exact_rate is None


def test_floor_is_the_commonest_expert_level() -> None:
    floor = constant_baseline([comparison(2, 4), comparison(2, 1), comparison(4, 4)])
    assert floor is not None
    level, figures = floor
    assert level == 2 and figures.exact == 2 and figures.abs_error == 2


def test_figures_for_a_pack(tmp_path: Path) -> None:
    path = tmp_path / "sig.yaml"
    path.write_text(PACK, encoding="utf-8")
    result = runner.invoke(app, ["pack", "check-suggestions", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["answers"] == 4
    # three signals; levels suggested: strong 3 (replication, majority), weak 3, weaker 3,
    # middle 2 (none mentioned); experts: 4, 1, 2, 3
    overall = doc["methods"]["signals"]["overall"]
    assert overall == {
        "scored": 4,
        "suggested": 4,
        "coverage": 1.0,
        "exact": 0,
        "exact_rate": 0.0,
        "mean_abs_error": 1.25,
    }
    assert list(doc["methods"]["signals"]) == ["concept", "overall"]
    assert "model" not in doc["methods"]


def test_text_output_and_a_skipped_pack(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(PACK, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(PACK.replace("{ref: depth}", "{ref: dpeth}"), encoding="utf-8")
    result = runner.invoke(app, ["pack", "check-suggestions", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "on 4 graded written answers" in result.output
    assert "concept" in result.output and "overall" in result.output
    assert "floor: always level" in result.output
    assert "skipped" in result.output and "bad.yaml" in result.output


def test_builtin_packs() -> None:
    result = runner.invoke(app, ["pack", "check-suggestions", "--format", "json"])
    assert result.exit_code == 0, result.output
    methods = json.loads(result.output)["methods"]
    assert set(methods["signals"]) == {"system_design", "behavioral", "concept", "overall"}


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pack", "check-suggestions", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2


def model_reply(level: int, quote: str) -> bytes:
    item = {"id": "depth", "level": level, "quote": quote, "rationale": "Names it."}
    return completion_body(json.dumps({"criteria": [item]}))


def test_model_figures_beside_the_signals(tmp_path: Path) -> None:
    path = tmp_path / "sig.yaml"
    path.write_text(PACK, encoding="utf-8")
    # One canned reply for every answer: level 4, quoting "Replication", which only the
    # strong and weak answers contain verbatim (the weaker one has it in lower case).
    with GraderStub("good", body=model_reply(4, "Replication")) as stub:
        result = runner.invoke(
            app,
            ["pack", "check-suggestions", str(path), "--format", "json"]
            + ["--grader", stub.url, "--grader-model", "stub", "--data-dir", str(tmp_path)],
        )
        sent = len(stub.requests)
    assert result.exit_code == 0, result.output
    assert sent == 4
    doc = json.loads(result.output)
    assert doc["grader"] == {"host": stub.host, "model": "stub", "failed": 0}
    overall = doc["methods"]["model"]["overall"]
    # strong: 4 against 4 (exact); weak: 4 against 1; weaker and middle: quote not found
    assert overall["scored"] == 4 and overall["suggested"] == 2
    assert overall["exact"] == 1 and overall["mean_abs_error"] == 1.5
    assert doc["methods"]["signals"]["overall"]["exact"] == 0


def test_model_header_in_text_output(tmp_path: Path) -> None:
    path = tmp_path / "sig.yaml"
    path.write_text(PACK, encoding="utf-8")
    with GraderStub("good", body=model_reply(2, "cache")) as stub:
        result = runner.invoke(
            app,
            ["pack", "check-suggestions", str(path), "--grader", stub.url]
            + ["--grader-model", "tiny", "--data-dir", str(tmp_path)],
        )
    assert result.exit_code == 0, result.output
    assert f"model (tiny at {stub.host})" in result.output


def test_a_grader_that_fails_is_counted_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "sig.yaml"
    path.write_text(PACK, encoding="utf-8")
    with GraderStub("http-error") as stub:
        result = runner.invoke(
            app,
            ["pack", "check-suggestions", str(path), "--format", "json"]
            + ["--grader", stub.url, "--data-dir", str(tmp_path)],
        )
    assert result.exit_code == 0, result.output
    out = result.stdout
    doc = json.loads(out)
    assert doc["grader"]["failed"] == 4
    assert doc["methods"]["model"]["overall"]["suggested"] == 0
    assert "the grader failed on 4 answer(s)" in result.stderr


def test_bad_grader_url_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "sig.yaml"
    path.write_text(PACK, encoding="utf-8")
    result = runner.invoke(
        app,
        ["pack", "check-suggestions", str(path), "--grader", "ftp://nowhere"]
        + ["--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
