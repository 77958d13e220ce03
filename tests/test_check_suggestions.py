"""`trainer pack check-suggestions`: each suggester against the experts' graded answers."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from typer.testing import CliRunner

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
