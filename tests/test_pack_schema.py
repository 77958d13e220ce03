"""The exported pack schema is for editors: every property explained, ids and tags kebab-case,
optional fields left out rather than null, and the modeline `pack new` writes is relative, so a
pack keeps its completion once it is committed and cloned elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from trainer.cli.main import app
from trainer.core.packs.discovery import builtin_packs_dir
from trainer.core.packs.model import KINDS
from trainer.core.packs.schema import SCHEMA_FILE_NAME, pack_json_schema
from trainer.core.packs.starter import starter_pack

runner = CliRunner()
SCHEMA = pack_json_schema()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def _properties() -> Iterator[tuple[str, dict[str, Any]]]:
    yield from ((f"Pack.{k}", v) for k, v in SCHEMA["properties"].items())
    for name, definition in SCHEMA["definitions"].items():
        for branch in [definition, *definition.get("anyOf", [])]:
            for key, value in branch.get("properties", {}).items():
                yield f"{name}.{key}", value


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _errors(data: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def test_schema_is_valid_draft07_with_a_non_placeholder_id() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"].startswith("urn:trainer:")


def test_every_property_has_a_description() -> None:
    props = list(_properties())
    assert len(props) > 150
    missing = [name for name, value in props if not value.get("description")]
    assert missing == []


def test_no_null_anywhere() -> None:
    nulls = [n for n in _nodes(SCHEMA) if isinstance(n, dict) and n.get("type") == "null"]
    assert nulls == []
    assert '"default": null' not in json.dumps(SCHEMA)


def test_ref_stands_alone_as_draft07_requires() -> None:
    with_siblings = [
        n for n in _nodes(SCHEMA) if isinstance(n, dict) and "$ref" in n and len(n) > 1
    ]
    assert with_siblings == []


@pytest.mark.parametrize(
    "path",
    [
        ("pack", "id"),
        ("questions", 0, "id"),
        ("questions", 0, "tags", 0),
        ("criteria", 0, "id"),
        ("questions", 0, "rubric", 0, "ref"),
    ],
)
def test_ids_and_tags_must_be_kebab_case(path: tuple[str | int, ...]) -> None:
    pack: dict[str, Any] = yaml.safe_load(starter_pack("p", schema_path="s", filename="p.yaml"))
    assert _errors(pack) == []
    node: Any = pack
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = "Not_Kebab"
    assert _errors(pack) != []  # questions are a oneOf, so the message names no pattern


def test_an_optional_field_set_to_null_is_flagged() -> None:
    pack: dict[str, Any] = yaml.safe_load(starter_pack("p", schema_path="s", filename="p.yaml"))
    pack["pack"]["license"] = None
    assert any("None is not of type 'string'" in e for e in _errors(pack))


@pytest.mark.parametrize("path", sorted(builtin_packs_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_builtin_packs_satisfy_the_schema(path: Path) -> None:
    assert _errors(yaml.safe_load(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("kind", KINDS)
def test_starters_satisfy_the_schema(kind: str) -> None:
    text = starter_pack("p", schema_path="s", filename="p.yaml", kinds=[kind])
    assert _errors(yaml.safe_load(text)) == []


def test_pack_new_writes_the_schema_beside_the_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pack", "new", "team-pack", "--out", "packs/team-pack.yaml"])
    assert result.exit_code == 0, result.output
    pack_file = tmp_path / "packs" / "team-pack.yaml"
    first = pack_file.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema=./{SCHEMA_FILE_NAME}"
    schema_file = pack_file.parent / SCHEMA_FILE_NAME
    assert json.loads(schema_file.read_text(encoding="utf-8")) == SCHEMA
    assert "trainer pack validate team-pack.yaml" in pack_file.read_text(encoding="utf-8")

    # a second pack in the same folder reuses the file; a stale one is refreshed
    schema_file.write_text(json.dumps({**SCHEMA, "description": "old"}), encoding="utf-8")
    again = runner.invoke(app, ["pack", "new", "other", "--out", "packs/other.yaml"])
    assert again.exit_code == 0, again.output
    assert json.loads(schema_file.read_text(encoding="utf-8")) == SCHEMA


def test_pack_new_leaves_a_foreign_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / SCHEMA_FILE_NAME).write_text('{"title": "mine"}', encoding="utf-8")
    result = runner.invoke(app, ["pack", "new", "solo"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / SCHEMA_FILE_NAME).read_text(encoding="utf-8") == '{"title": "mine"}'
    assert "left" in result.output and "alone" in result.output
