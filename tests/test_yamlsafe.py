"""The safe YAML layer: YAML-1.2 scalars, refusals, positions."""

from __future__ import annotations

import pytest

from trainer.core.diagnostics import PackError
from trainer.core.packs.yamlsafe import load_yaml


def rules_of(data: bytes) -> list[str]:
    try:
        doc = load_yaml(data, "t.yaml")
    except PackError as exc:
        return [d.rule for d in exc.diagnostics]
    return [d.rule for d in doc.diagnostics]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1", 1),
        ("a: -3", -3),
        ("a: 0x1f", 31),
        ("a: 0o17", 15),
        ("a: 1.5", 1.5),
        ("a: true", True),
        ("a: False", False),
        ("a: ~", None),
        ("a: null", None),
        ("a:", None),
        ("a: '1'", "1"),
        ("a: hello", "hello"),
        ("a: 1.0.0", "1.0.0"),
        ("a: 'no'", "no"),
        ('a: "12:30"', "12:30"),
        ("a: 0", 0),
    ],
)
def test_yaml12_scalars(text: str, expected: object) -> None:
    doc = load_yaml(text.encode(), "t.yaml")
    assert doc.diagnostics == []
    assert doc.data["a"] == expected
    assert type(doc.data["a"]) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        "no",
        "Yes",
        "on",
        "OFF",
        "12:30",
        "2020-01-01",
        "0777",
        "1_000",
        "0b101",
        "2001-12-14t21:59:43.10-05:00",
    ],
)
def test_yaml11_surprises_are_refused(value: str) -> None:
    doc = load_yaml(f"a: {value}\n".encode(), "t.yaml")
    assert [d.rule for d in doc.diagnostics] == ["yaml-ambiguous-scalar"]
    assert doc.diagnostics[0].line == 1 and doc.diagnostics[0].column == 4
    assert doc.data["a"] == value  # kept as text, never a bool/date/int


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"a: 1\na: 2\n", "yaml-duplicate-key"),
        (b"a:\n\t- b\n", "yaml-tab"),
        (b"a: !!python/object/apply:os.system ['true']\n", "yaml-tag"),
        (b"a: !custom x\n", "yaml-tag"),
        (b"a: &x [1]\nb: *x\n", "yaml-anchor"),
        (b"a: &a [*a]\n", "yaml-anchor"),
        (b"a: 1\n---\nb: 2\n", "yaml-multiple-documents"),
        (b"", "pack-empty"),
        (b"# nothing\n\n", "pack-empty"),
        (b"a: \x00\n", "file-binary"),
        (b"a: \xff\xfe\n", "file-not-utf8"),
        (b"a: [1, 2\n", "yaml-syntax"),
        (b"? [a]\n: 1\n", "yaml-complex-key"),
        (b"a: " + b"[" * 5000 + b"]" * 5000, "yaml-syntax"),
    ],
)
def test_bad_yaml_is_a_diagnostic(data: bytes, rule: str) -> None:
    assert rule in rules_of(data)


def test_alias_bomb_is_refused_without_expanding() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    rules = rules_of("\n".join(lines).encode())
    assert "yaml-alias" in rules and "yaml-anchor" in rules


def test_deep_block_nesting_is_capped() -> None:
    text = "".join("  " * i + "k:\n" for i in range(200))
    assert "yaml-too-deep" in rules_of(text.encode())


def test_size_cap() -> None:
    with pytest.raises(PackError) as info:
        load_yaml(b"a: " + b"x" * 200, "t.yaml", max_bytes=100)
    assert info.value.diagnostics[0].rule == "file-too-large"


def test_locate_falls_back_to_parent_for_missing_key() -> None:
    doc = load_yaml(b"top:\n  inner:\n    x: 1\n", "t.yaml")
    assert doc.locate(("top", "inner", "x"))[:2] == (3, 8)
    assert doc.locate(("top", "inner", "x"), key=True)[:2] == (3, 5)
    line, _col, exact = doc.locate(("top", "inner", "missing"))
    assert (line, exact) == (3, False)


def test_custom_tag_value_is_never_constructed() -> None:
    doc = load_yaml(b"a: !!python/object/new:os.system ['echo pwned']\n", "t.yaml")
    assert doc.data == {"a": ["echo pwned"]}
