"""`trainer pack new NAME --kind ...`: a starter question per kind, every mix validating clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from trainer.cli.main import app
from trainer.cli.pack import Kind
from trainer.core.packs.loader import load_pack_bytes
from trainer.core.packs.model import KINDS
from trainer.core.packs.starter import QUESTIONS, starter_pack

runner = CliRunner()


def test_cli_kinds_are_the_models_kinds() -> None:
    assert tuple(k.value for k in Kind) == KINDS
    assert set(QUESTIONS) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_alone_loads_with_one_question_of_that_kind(kind: str) -> None:
    text = starter_pack("one", schema_path="s.json", filename="one.yaml", kinds=[kind])
    loaded = load_pack_bytes(text.encode(), "one.yaml")
    assert loaded.diagnostics == []
    assert loaded.pack is not None
    assert [q.kind for q in loaded.pack.questions] == [kind]


def test_default_is_one_concept_question() -> None:
    loaded = load_pack_bytes(
        starter_pack("d", schema_path="s.json", filename="d.yaml").encode(), "d.yaml"
    )
    assert loaded.pack is not None
    assert [q.kind for q in loaded.pack.questions] == ["concept"]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind 'trivia'"):
        starter_pack("x", schema_path="s.json", filename="x.yaml", kinds=["trivia"])


def validate(path: str, *extra: str) -> str:
    check = runner.invoke(app, ["pack", "validate", "--fail-on", "info", *extra, path])
    assert check.exit_code == 0, check.output
    assert "0 errors, 0 warnings" in check.output, check.output
    return check.output


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", KINDS)
def test_pack_new_with_each_kind_validates_clean_with_run(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pack", "new", "one-kind", "--kind", kind])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "one-kind.yaml").read_text(encoding="utf-8")
    assert f"    kind: {kind}" in text
    validate("one-kind.yaml", "--run")


@pytest.mark.timeout(60)
def test_pack_new_with_every_kind_and_a_repeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["pack", "new", "all-kinds", "--kind", "multiple_choice", "--kind", "coding"]
    for kind in ("system_design", "coding", "behavioral", "concept"):
        args += ["--kind", kind]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    loaded = load_pack_bytes((tmp_path / "all-kinds.yaml").read_bytes(), "all-kinds.yaml")
    assert loaded.pack is not None
    # in the order given, each kind once
    assert [q.kind for q in loaded.pack.questions] == [
        "multiple_choice",
        "coding",
        "system_design",
        "behavioral",
        "concept",
    ]
    validate("all-kinds.yaml", "--run")


def test_run_checks_the_coding_starters_declared_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The brute force's `expect: time_limit` is what makes --run pass: it really runs."""
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["pack", "new", "c", "--kind", "coding"]).exit_code == 0
    path = tmp_path / "c.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("expect: time_limit") == 1
    path.write_text(text.replace("expect: time_limit", "expect: accepted"), encoding="utf-8")
    check = runner.invoke(app, ["pack", "validate", "--run", "-f", "parsable", "c.yaml"])
    assert check.exit_code == 1
    assert "solution-verdict-mismatch" in check.output and "got time_limit" in check.output


def test_unknown_kind_on_the_command_line_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pack", "new", "x", "--kind", "trivia"])
    assert result.exit_code == 2
    assert not (tmp_path / "x.yaml").exists()
