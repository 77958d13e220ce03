"""`trainer pack validate` on hostile and broken packs: a clear finding, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_PACK
from trainer.cli.main import app

runner = CliRunner()
HEADER = 'schema_version: 1\npack: {id: bad, title: Bad, version: "1"}\n'
QUESTION = (
    "questions:\n  - id: q\n    kind: concept\n    title: T\n    difficulty: easy\n    prompt: P\n"
)

# name -> (bytes, expected exit code, a rule that must be reported, expected line or None)
CASES: dict[str, tuple[bytes, int, str, int | None]] = {
    "syntax": (b"schema_version: 1\npack: {id: x\n", 1, "yaml-syntax", 3),
    "tabs": (b"schema_version: 1\npack:\n\tid: x\n", 1, "yaml-tab", 3),
    "empty": (b"", 1, "pack-empty", None),
    "top-list": (b"- a\n- b\n", 1, "pack-not-mapping", 1),
    "top-scalar": (b"just text\n", 1, "pack-not-mapping", 1),
    "duplicate-keys": (HEADER.encode() + b"pack: {}\n", 1, "yaml-duplicate-key", 3),
    "python-tag": (
        HEADER.encode() + b"x: !!python/object/apply:os.system ['touch PWNED']\n",
        1,
        "yaml-tag",
        3,
    ),
    "custom-tag": (HEADER.encode() + b"x: !include other.yaml\n", 1, "yaml-tag", 3),
    "alias-bomb": (
        (
            "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
            + "".join(
                f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
                for p, c in zip("abcdefgh", "bcdefghi", strict=True)
            )
        ).encode(),
        1,
        "yaml-alias",
        2,
    ),
    "recursive-alias": (b"a: &a [*a]\n", 1, "yaml-anchor", 1),
    "deep-nesting": (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", 1, "yaml-syntax", 1),
    "not-utf8": (HEADER.encode() + b"x: caf\xe9\n", 1, "file-not-utf8", 3),
    "binary-junk": (bytes(range(256)) * 8, 1, "file-not-utf8", None),
    "two-documents": (HEADER.encode() + b"---\nb: 1\n", 1, "yaml-multiple-documents", 3),
    "schema-version": (b"schema_version: 9\npack: {id: x}\n", 1, "schema-version-unsupported", 1),
    "missing-id": (
        (HEADER + QUESTION).replace("- id: q\n    kind", "- kind").encode(),
        1,
        "field-missing",
        4,
    ),
    "unknown-kind": (
        (HEADER + QUESTION).replace("kind: concept", "kind: trivia").encode(),
        1,
        "kind-unknown",
        5,
    ),
    "misspelt-field": (
        (HEADER + QUESTION).replace("prompt: P", "promt: P").encode(),
        1,
        "field-unknown",
        8,
    ),
    "list-for-text": (
        (HEADER + QUESTION).replace("title: T", "title: [a, b]").encode(),
        1,
        "type-mismatch",
        6,
    ),
    "title-no": (
        b'schema_version: 1\npack: {id: x, title: no, version: "1"}\n',
        1,
        "yaml-ambiguous-scalar",
        2,
    ),
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", list(CASES))
def test_bad_pack_gets_a_finding_not_a_traceback(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, code, rule, line = CASES[name]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(data)
    result = runner.invoke(app, ["pack", "validate", "--format", "parsable", str(path)])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    found = [ln for ln in result.output.splitlines() if f" {rule} " in ln]
    assert found, result.output
    assert found[0].startswith(f"{name}.yaml:")
    if line is not None:
        assert re.match(rf"{re.escape(name)}\.yaml:{line}:\d+: error ", found[0]), found[0]
    assert not (tmp_path / "PWNED").exists()


def test_twenty_megabyte_file_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.write(b"a: '" + b"x" * (20 * 1024 * 1024) + b"'\n")
    result = runner.invoke(app, ["pack", "validate", "-f", "parsable", str(path)])
    assert result.exit_code == 1
    assert "file-too-large" in result.output
    small = runner.invoke(app, ["pack", "validate", "--max-bytes", "10", str(EXAMPLE_PACK)])
    assert small.exit_code == 1 and "file-too-large" in small.output


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["pack", "validate", str(tmp_path / "nope.yaml")]).exit_code == 2
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    assert runner.invoke(app, ["pack", "validate", str(empty_dir)]).exit_code == 2


def test_usage_error_exits_2() -> None:
    assert runner.invoke(app, ["pack", "validate", "--format", "xml"]).exit_code == 2


def test_example_pack_is_clean_in_every_format() -> None:
    for fmt in ("text", "parsable", "json", "github"):
        result = runner.invoke(
            app, ["pack", "validate", "-f", fmt, "--fail-on", "warning", str(EXAMPLE_PACK)]
        )
        assert result.exit_code == 0, result.output


def test_builtin_packs_are_clean_with_no_warnings() -> None:
    result = runner.invoke(app, ["pack", "validate", "--fail-on", "warning", "-f", "parsable"])
    assert result.exit_code == 0, result.output


def _bad_pack(tmp_path: Path) -> Path:
    path = tmp_path / "two.yaml"
    path.write_text(HEADER + QUESTION.replace("title: T", "titel: T").replace("id: q", "id: Q"))
    return path


def test_json_envelope(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pack", "validate", "-f", "json", str(_bad_pack(tmp_path))])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["format_version"] == 1
    assert doc["summary"]["errors"] == len(doc["diagnostics"]) >= 2
    first = doc["diagnostics"][0]
    assert set(first) >= {"rule", "severity", "message", "file", "line", "column", "path"}
    unknown = next(d for d in doc["diagnostics"] if d["rule"] == "field-unknown")
    assert unknown["hint"] == "did you mean 'title'?"
    assert unknown["path"] == "questions[0].titel"


def test_text_format_shows_source_line_and_caret(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pack", "validate", str(_bad_pack(tmp_path))])
    lines = result.output.splitlines()
    idx = next(i for i, ln in enumerate(lines) if "[field-unknown]" in ln)
    assert lines[idx + 1].rstrip().endswith("|     titel: T")
    caret_line = lines[idx + 2]
    assert caret_line.index("^") == lines[idx + 1].index("titel")


def test_github_format_escapes(tmp_path: Path) -> None:
    result = runner.invoke(app, ["pack", "validate", "-f", "github", str(_bad_pack(tmp_path))])
    assert result.output.startswith("::error file=")
    assert ",line=" in result.output and "title=" in result.output


def test_fail_on_warning(tmp_path: Path) -> None:
    text = EXAMPLE_PACK.read_text().replace("tags: [arrays, hashing]", "tags: [Arrays]")
    path = tmp_path / "warn.yaml"
    path.write_text(text)
    assert runner.invoke(app, ["pack", "validate", str(path)]).exit_code == 0
    result = runner.invoke(app, ["pack", "validate", "--fail-on", "warning", str(path)])
    assert result.exit_code == 1 and "tag-format" in result.output


def test_terminal_escapes_in_a_pack_are_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "esc.yaml"
    path.write_text(
        'schema_version: 1\npack: {id: x, title: "\\e[2J\\e]52;c;AAAA\\a", version: 1}\n'
    )
    result = runner.invoke(app, ["pack", "validate", str(path)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_schema_export_is_draft07() -> None:
    result = runner.invoke(app, ["pack", "schema"])
    schema = json.loads(result.output)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in result.output
    assert "schema_version" in schema["properties"]


def test_schema_path_is_written() -> None:
    result = runner.invoke(app, ["pack", "schema", "--path"])
    path = Path(result.output.strip())
    assert path.is_file() and json.loads(path.read_text())["$schema"]


def test_new_pack_validates_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["pack", "new", "my-pack"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "my-pack.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=./trainer-pack-v1.schema.json\n")
    assert str(tmp_path) not in text  # nothing local: the pack works once committed
    check = runner.invoke(app, ["pack", "validate", "--fail-on", "warning", "my-pack.yaml"])
    assert check.exit_code == 0, check.output
    assert runner.invoke(app, ["pack", "new", "my-pack"]).exit_code == 2  # exists
    assert runner.invoke(app, ["pack", "new", "Not Kebab"]).exit_code == 2


def test_list_packs_json(tmp_path: Path) -> None:
    extra = tmp_path / "mine"
    extra.mkdir()
    (extra / "ex.yaml").write_text(EXAMPLE_PACK.read_text().replace("id: example", "id: mine", 1))
    result = runner.invoke(app, ["pack", "list", "--format", "json", "--packs", str(extra)])
    assert result.exit_code == 0, result.output
    packs = json.loads(result.output)["packs"]
    mine = next(p for p in packs if p["id"] == "mine")
    assert mine["origin"] == "path" and mine["kinds"]["coding"] == 1 and mine["questions"] == 5
    assert any(p["origin"] == "built-in" for p in packs)
    table = runner.invoke(app, ["pack", "list", "--packs", str(extra)])
    assert table.exit_code == 0 and "mine" in table.output
