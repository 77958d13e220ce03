"""`trainer pack rules` lists every rule id a finding can carry, and the docs agree with it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

import trainer.core.evaluation.pack_run as pack_run
import trainer.core.packs.catalog as catalog
import trainer.core.packs.loader as loader
import trainer.core.packs.rules as rules
import trainer.core.packs.validate as validate
import trainer.core.packs.yamlsafe as yamlsafe
from trainer.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "pack-format.md"

# Kebab-case strings in these modules that are not rule ids.
NOT_RULES = {"utf-8-sig", "built-in", "pack-run", "an-id"}
_KEBAB_LITERAL = re.compile(r"""["']([a-z][a-z0-9]*(?:-[a-z0-9]+)+)["']""")


def listed_rules() -> dict[str, str]:
    result = CliRunner().invoke(app, ["pack", "rules"])
    assert result.exit_code == 0, result.output
    listed: dict[str, str] = {}
    for line in result.output.splitlines():
        rule, severity = line.split()[:2]
        listed[rule] = severity
    return listed


def emitted_rules() -> set[str]:
    """Rule ids written as literals in the modules that make findings."""
    found: set[str] = set()
    for module in (yamlsafe, loader, rules, validate, catalog, pack_run):
        assert module.__file__ is not None
        source = Path(module.__file__).read_text(encoding="utf-8")
        found |= set(_KEBAB_LITERAL.findall(source)) - NOT_RULES
    return found


def test_every_rule_the_loader_can_emit_is_listed() -> None:
    listed = listed_rules()
    emitted = emitted_rules() | set(loader._RULES.values()) | {"type-mismatch", "schema"}
    assert {"yaml-syntax", "yaml-flow-comma", "field-unknown", "file-unreadable"} <= emitted
    missing = emitted - set(listed)
    assert not missing, f"not in `trainer pack rules`: {sorted(missing)}"


def test_listed_severities_match_the_rule_tables() -> None:
    listed = listed_rules()
    for rule, (severity, _text) in rules.ALL_RULES.items():
        assert listed[rule] == severity.value
    assert listed["yaml-tab"] == "error" and listed["score-missing"] == "warning"


def test_docs_name_every_listed_rule() -> None:
    text = DOCS.read_text(encoding="utf-8")
    undocumented = [rule for rule in listed_rules() if f"`{rule}`" not in text]
    assert not undocumented, undocumented


def test_docs_say_2_to_9_scale_levels_as_the_tool_enforces() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert "2 to 10" not in text
    assert "scale levels 2 to 9" in text
    levels = rules.Pack.model_json_schema()["$defs"]["Scale"]["properties"]["levels"]
    assert (levels["minItems"], levels["maxItems"]) == (2, 9)


def test_schema_says_hints_are_shown_as_written() -> None:
    from trainer.core.packs.schema import pack_json_schema_text

    schema = pack_json_schema_text()
    assert "Plain text or Markdown" not in schema
    defs = rules.Pack.model_json_schema()["$defs"]
    hints = defs["ConceptQuestion"]["properties"]["hints"]
    assert "shown as written" in hints["description"]
    assert "as written" in hints["items"]["description"]
    assert "Markdown" in defs["ConceptQuestion"]["properties"]["prompt"]["description"]
