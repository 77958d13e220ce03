"""The classic YAML slips get a finding that says what to do, at the right line and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from trainer.cli.main import app
from trainer.core.diagnostics import Diagnostic, PackError
from trainer.core.packs.loader import load_pack_bytes
from trainer.core.packs.starter import starter_pack
from trainer.core.packs.yamlsafe import load_yaml

runner = CliRunner()
STARTER = starter_pack("slips", schema_path="pack-v1.json", filename="slips.yaml")


def broken(old: str, new: str) -> str:
    assert STARTER.count(old) == 1, old
    return STARTER.replace(old, new)


def findings(text: str) -> list[Diagnostic]:
    return load_pack_bytes(text.encode(), "slips.yaml").diagnostics


def line_of(text: str, fragment: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if fragment in ln)


def test_starter_is_clean_so_each_slip_is_the_only_finding() -> None:
    assert findings(STARTER) == []


def test_over_indented_key_says_which_column() -> None:
    text = broken("  title: Slips\n", "    title: Slips\n")
    [diag] = findings(text)
    assert diag.rule == "yaml-syntax"
    assert (diag.line, diag.column) == (line_of(text, "title: Slips"), 5)
    assert "'title' is indented deeper than its sibling 'id'" in diag.message
    assert "mapping values" not in diag.message
    assert diag.hint == "indent 'title' to column 3, like 'id'"


def test_over_indented_key_in_a_list_item_counts_from_the_key_not_the_dash() -> None:
    text = broken("    title: Explain a concept", "     title: Explain a concept")
    [diag] = findings(text)
    assert diag.rule == "yaml-syntax"
    assert (diag.line, diag.column) == (line_of(text, "title: Explain a concept"), 6)
    assert "sibling 'kind'" in diag.message  # the key just above, at column 5
    assert diag.hint == "indent 'title' to column 5, like 'kind'"


def test_over_indented_key_after_a_value_on_several_lines() -> None:
    text = broken(
        "  description: What this pack helps people practise.\n",
        "  description: What this pack helps\n    people practise.\n    authors: [Me]\n",
    ).replace("  authors: [Your Name]\n", "")
    [diag] = findings(text)
    assert diag.line == line_of(text, "    authors: [Me]")
    assert diag.hint == "indent 'authors' to column 3, like 'description'"


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "hint"),
    [
        # no comment after the value above: YAML reads 'x title' as one value, then ': '
        (
            "pack:\n  id: x\n    title: Foo\n",
            3,
            5,
            "'title' is indented deeper than its sibling 'id' (line 2)",
            "indent 'title' to column 3, like 'id'",
        ),
        (
            "pack:\r\n  id: x\r\n\r\n    title: Foo\r\n",  # Windows line ends, a blank line
            4,
            5,
            "'title' is indented deeper than its sibling 'id' (line 2)",
            "indent 'title' to column 3, like 'id'",
        ),
        (
            "pack:\n  id: x\n  sub:\n    a: 1\n   b: 2\n",
            5,
            4,
            "'b' lines up with no key above: 'a' (line 4) is at column 5, 'sub' (line 3) at"
            " column 3",
            "indent 'b' to column 5 to put it beside 'a', or to column 3 beside 'sub'",
        ),
        (
            "pack:\n    id: x\n  title: Foo\n",
            3,
            3,
            "'title' lines up with no key above",
            "indent 'title' to column 5 to put it beside 'id', or to column 1 beside 'pack'",
        ),
        (
            "hints:\n  - Note: use a heap: now\n",
            2,
            21,
            "the value of 'Note' contains ': ', which YAML reads as another key",
            'quote the value: - Note: "use a heap: now"',
        ),
    ],
)
def test_yaml_slip_positions(text: str, line: int, column: int, message: str, hint: str) -> None:
    with pytest.raises(PackError) as caught:
        load_yaml(text.encode(), "t.yaml")
    [diag] = caught.value.diagnostics
    assert (diag.rule, diag.line, diag.column) == ("yaml-syntax", line, column)
    assert diag.message.startswith(message)
    assert diag.hint == hint


def test_other_syntax_errors_keep_the_parser_text() -> None:
    with pytest.raises(PackError) as caught:
        load_yaml(b"a: [1, 2\n", "t.yaml")
    [diag] = caught.value.diagnostics
    assert diag.rule == "yaml-syntax" and diag.hint is None


def test_unquoted_colon_in_a_value_says_quote_it_and_shows_how() -> None:
    text = broken(
        "  title: Explain a concept you know well\n",
        "  title: Indexes: when they hurt  # a comment\n",
    )
    [diag] = findings(text)
    assert diag.rule == "yaml-syntax"
    line = line_of(text, "Indexes: when")
    # the column of the second ': ', which YAML took for a key
    assert (diag.line, diag.column) == (line, text.splitlines()[line - 1].index(": when") + 1)
    assert "the value of 'title' contains ': '" in diag.message
    assert diag.hint == 'quote the value: title: "Indexes: when they hurt"'


def test_unquoted_colon_quotes_with_single_quotes_around_double_ones() -> None:
    text = broken("  title: Slips\n", '  title: The "why": a pack\n')
    [diag] = findings(text)
    assert diag.hint == "quote the value: title: 'The \"why\": a pack'"


def test_long_value_with_a_colon_gets_the_advice_without_the_quoted_copy() -> None:
    long_title = "Slips: " + "x" * 120
    [diag] = findings(broken("  title: Slips\n", f"  title: {long_title}\n"))
    assert diag.hint == "quote the value, or write it as a block with '|'"


def test_comma_inside_a_flow_mapping_is_one_finding_with_the_quoted_form() -> None:
    text = broken(
        "        summary: A sorted structure beside the table that trades write cost for read"
        " speed.\n",
        "        summary: A sorted structure beside the table.\n"
        "        complexity: {time: O(log n), space: O(min(n, k))}\n",
    )
    diags = findings(text)
    assert [d.rule for d in diags] == ["yaml-flow-comma"]  # no field-unknown 'k))'
    [diag] = diags
    line = line_of(text, "complexity:")
    assert (diag.line, diag.column) == (line, text.splitlines()[line - 1].index("O(min") + 1)
    assert "'O(min(n, k))'" in diag.message
    assert diag.hint == 'quote the value: space: "O(min(n, k))"'
    assert diag.path_str == "questions[0].approaches[0].complexity.space"


def test_comma_splitting_plain_words_in_a_flow_mapping() -> None:
    assert "{accuracy: 2, communication: 2}" in STARTER  # ordinary ones stay clean (above)
    text = broken("{term: B-tree, synonyms: [btree, b+tree]}", "{term: B-tree, or B+tree}")
    [diag] = findings(text)
    assert diag.rule == "yaml-flow-comma"
    assert diag.hint == 'quote the value: term: "B-tree, or B+tree"'


def test_comma_inside_a_flow_list_item_with_brackets() -> None:
    text = broken(
        "    tags: [warm-up]\n", "    tags: [warm-up]\n    follow_ups: [What is f(a, b)?, Why?]\n"
    ).replace(
        "    follow_ups:\n      - How would you find out whether a query uses the index?\n", ""
    )
    [diag] = findings(text)
    assert diag.rule == "yaml-flow-comma"
    assert diag.hint == 'quote the value: "What is f(a, b)?"'
    assert diag.path_str == "questions[0].follow_ups"


def test_colon_in_a_list_item_made_a_mapping_says_quote_the_text() -> None:
    text = broken(
        "      - Think about what the database must do on every write.\n",
        "      - Note: think about every write.\n",
    )
    [diag] = findings(text)
    assert diag.rule == "type-mismatch"
    assert diag.line == line_of(text, "Note: think")
    assert diag.hint is not None and 'quote the text: "Note: think about every write."' in diag.hint


def test_schema_counts_and_ranges_use_the_packs_terms() -> None:
    levels = ", ".join(f"L{i}" for i in range(10))
    text = broken(
        "    levels: [Strong no hire, Leaning no hire, Leaning hire, Strong hire]",
        f"    levels: [{levels}]",
    ).replace("time_limit_min: 5", "time_limit_min: 0")
    by_rule = {d.rule: d for d in findings(text)}
    assert by_rule["too-many-items"].message == "'levels' has 10 levels; at most 9 levels"
    assert "2 to 9 levels" in (by_rule["too-many-items"].hint or "")
    assert by_rule["value-out-of-range"].message == "'time_limit_min' is 0; it must be more than 0"
    for diag in by_rule.values():
        assert "after validation" not in diag.message
        assert "Input should" not in diag.message and "List should" not in diag.message


def test_validate_prints_the_hint_and_position(tmp_path: Path) -> None:
    path = tmp_path / "slips.yaml"
    path.write_text(broken("  title: Slips\n", "    title: Slips\n"), encoding="utf-8")
    result = runner.invoke(app, ["pack", "validate", "-f", "parsable", str(path)])
    assert result.exit_code == 1
    assert ":9:5: error yaml-syntax 'title' is indented deeper" in result.output
    text = runner.invoke(app, ["pack", "validate", str(path)])
    assert "hint: indent 'title' to column 3, like 'id'" in text.output
