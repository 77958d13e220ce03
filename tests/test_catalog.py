"""One definition of loadable: the bank, `pack list` and validate agree on which packs load."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trainer.cli.main import app
from trainer.core.packs.catalog import load_catalog
from trainer.core.packs.discovery import PackSource
from trainer.core.selection import Filters
from trainer.tui.services import Services

EXAMPLE = Path(__file__).resolve().parents[1] / "question_packs" / "example.yaml"
runner = CliRunner()


def _typo_pack(folder: Path) -> Path:
    text = EXAMPLE.read_text().replace("id: example", "id: typo-pack", 1)
    text = text.replace("{ref: communication", "{ref: comunication", 1)
    assert "comunication" in text
    path = folder / "typo.yaml"
    path.write_text(text)
    return path


def test_a_pack_with_a_content_error_is_not_in_the_bank(tmp_path: Path) -> None:
    extra = tmp_path / "packs"
    extra.mkdir()
    _typo_pack(extra)
    services = Services(data_dir=tmp_path / "data", extra_packs=[extra])
    bank = services.load_bank()
    assert "typo-pack" not in {p.pack.id for p in bank.packs}
    assert "coding" in {p.pack.id for p in bank.packs}
    [problem] = [p for p in services.pack_problems if "typo.yaml" in p]
    assert "ref-unresolved" in problem and "comunication" in problem
    line = [
        n for n, t in enumerate(EXAMPLE.read_text().splitlines(), 1) if "{ref: communication" in t
    ][0]
    assert f"typo.yaml:{line}:" in problem


def test_pack_list_says_why_a_pack_is_skipped_and_which_is_shadowed(tmp_path: Path) -> None:
    extra = tmp_path / "packs"
    extra.mkdir()
    _typo_pack(extra)
    (extra / "dup.yaml").write_text(EXAMPLE.read_text())
    (extra / "schema.yaml").write_text(
        "schema_version: 1\npack: {id: s, title: S, version: '1', authors: [a], license: x}\n"
        "questions:\n  - {id: a, kind: concept}\n  - {id: b, kind: coding}\n  - {id: c}\n"
    )
    args = ["pack", "list", "--data-dir", str(tmp_path / "d"), "--packs", str(extra)]
    table = runner.invoke(app, [*args])
    assert table.exit_code == 0, table.output
    flat = " ".join(table.output.split())
    assert "ref-unresolved" in flat and "(pack not loaded)" in flat
    assert "ignored; pack id 'example' is already loaded from" in flat
    result = runner.invoke(app, [*args, "--format", "json"])
    rows = {Path(str(r["file"])).name: r for r in json.loads(result.output)["packs"]}
    assert rows["typo.yaml"]["status"] == "invalid" and not rows["typo.yaml"]["ok"]
    assert "ref-unresolved" in str(rows["typo.yaml"]["error"])
    assert rows["dup.yaml"]["status"] == "shadowed"
    assert str(rows["dup.yaml"]["shadowed_by"]).endswith("example.yaml")
    assert rows["example.yaml"]["status"] == "ok" and rows["example.yaml"]["on_request"]
    assert rows["schema.yaml"]["status"] == "invalid" and rows["schema.yaml"]["questions"] == 3
    assert rows["coding.yaml"]["ok"] and not rows["coding.yaml"]["on_request"]


def test_validate_reports_the_raw_question_count_of_a_schema_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "schema_version: 1\npack: {id: s, title: S, version: '1', authors: [a], license: x}\n"
        "questions:\n  - {id: a, kind: concept}\n  - {id: b}\n"
    )
    result = runner.invoke(app, ["pack", "validate", "--format", "json", str(path)])
    assert result.exit_code == 1
    [report] = json.loads(result.output)["files"]
    assert report["questions"] == 2


def test_the_example_pack_is_out_of_the_pool_unless_asked_for(tmp_path: Path) -> None:
    bank = Services(data_dir=tmp_path).load_bank()
    assert "example" in bank.on_request
    assert not any(e.pack.pack.id == "example" for e in bank.filter(Filters()))
    asked = bank.filter(Filters(pack_ids=frozenset({"example"})))
    assert asked and all(e.pack.pack.id == "example" for e in asked)
    entry = bank.find("example/pair-sum")
    assert entry is not None and entry.pack.pack.id == "example"


def test_a_user_pack_called_example_is_practice_material(tmp_path: Path) -> None:
    catalog = load_catalog([PackSource(EXAMPLE, "user")])
    assert catalog.on_request == frozenset()
