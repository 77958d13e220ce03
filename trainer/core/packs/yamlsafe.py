"""Safe YAML loading with source positions.

bytes -> size cap -> strict UTF-8 -> libyaml compose (C when available) ->
our own construction: YAML-1.2 scalars, no anchors/aliases/custom tags,
duplicate keys and depth checked. Nothing from the file is ever executed,
and the only exception that escapes is `PackError`.

Positions are not copied into a side table: the composed node tree is kept
and walked on demand (`SourceDocument.locate`), which costs nothing when the
pack is clean.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trainer.core.diagnostics import Diagnostic, PackError, PathPart, Severity
from trainer.core.packs.limits import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES
from trainer.core.packs.limits import MAX_DEPTH

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
HAVE_C_LOADER = _Loader is not yaml.SafeLoader

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MAP, SEQ = (
    _T + "str",
    _T + "int",
    _T + "float",
    _T + "bool",
    _T + "null",
    _T + "map",
    _T + "seq",
)
AMBIGUOUS = "!trainer/ambiguous"
_ALLOWED_TAGS = {STR, INT, FLOAT, BOOL, NULL, MAP, SEQ}

_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_BOOL_11 = {"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"}
_INT_12 = re.compile(r"[-+]?[0-9]+\Z")
_INT_12_BASE = re.compile(r"0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT_12 = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z"
    r"|[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z"
)
# YAML 1.1 readings that 1.2 tools would take as text: base-60, dates, 0777 octal,
# 0b binary, underscores in numbers. Refused so that no two tools disagree.
_AMBIGUOUS_11 = re.compile(
    r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9].*)?\Z"
    r"|[-+]?0[0-7_]+\Z|[-+]?0b[01_]+\Z"
    r"|[-+]?(?:[0-9][0-9_]*_[0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?\Z"
)
_NUMBER_START = frozenset("0123456789-+.")


class _Resolver(_Loader):  # type: ignore[misc]
    """libyaml composer with YAML-1.2 core-schema resolution of plain scalars."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Path-based resolvers are never used; skipping them saves a call per node."""

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is not ScalarNode:
            return SEQ if kind is SequenceNode else MAP
        if not implicit[0]:  # quoted: always text
            return STR
        if value in _SPECIAL:
            return _SPECIAL[value]
        if value[0] in _NUMBER_START:
            return _resolve_number(value)
        return STR


_SPECIAL: dict[str, str] = {
    **dict.fromkeys(_NULLS, NULL),
    **dict.fromkeys(_BOOLS, BOOL),
    **dict.fromkeys(_BOOL_11, AMBIGUOUS),
}


def _resolve_number(value: str) -> str:
    if _INT_12.match(value):
        digits = value.lstrip("+-")
        return AMBIGUOUS if len(digits) > 1 and digits[0] == "0" else INT  # 0777: 1.1 octal
    if _INT_12_BASE.match(value):
        return INT
    if _FLOAT_12.match(value):
        return FLOAT
    if _AMBIGUOUS_11.match(value):
        return AMBIGUOUS
    return STR


@dataclass
class SourceDocument:
    """A loaded YAML document: plain data plus the node tree for positions."""

    file: str
    text: str
    data: Any
    root: Node | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def locate(self, path: tuple[PathPart, ...], *, key: bool = False) -> tuple[int, int, bool]:
        """1-based (line, column) of the node at `path`, and whether it was found exactly.

        A path that goes missing (e.g. a required key) falls back to the nearest
        parent. With `key=True`, the position of the mapping key itself.
        """
        node = self.root
        if node is None:
            return (1, 1, False)
        key_node: Node | None = None
        for part in path:
            nxt: Node | None = None
            if isinstance(node, MappingNode) and isinstance(part, str):
                for k, v in node.value:
                    if isinstance(k, ScalarNode) and k.value == part:
                        key_node, nxt = k, v
                        break
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    key_node, nxt = None, node.value[part]
            if nxt is None:
                return (node.start_mark.line + 1, node.start_mark.column + 1, False)
            node = nxt
        target = key_node if key and key_node is not None else node
        return (target.start_mark.line + 1, target.start_mark.column + 1, True)

    def diag(
        self,
        rule: str,
        message: str,
        path: tuple[PathPart, ...],
        *,
        severity: Severity = Severity.ERROR,
        hint: str | None = None,
        key: bool = False,
    ) -> Diagnostic:
        line, column, _ = self.locate(path, key=key)
        return Diagnostic(rule, severity, message, self.file, line, column, path, hint)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector: it dominates building large trees of small objects.

    On the way out, what was built is frozen (moved out of the collector's view)
    rather than left in the young generation, where the first collection after
    re-enabling would walk every object just made. Packs hold no reference
    cycles, so reference counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def load_yaml(data: bytes, file: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDocument:
    """Parse one YAML document safely. Problems become diagnostics; fatal ones raise PackError."""
    if len(data) > max_bytes:
        raise PackError(
            [
                Diagnostic(
                    "file-too-large",
                    Severity.ERROR,
                    f"file is larger than the {max_bytes:,}-byte limit",
                    file,
                    0,
                    0,
                    hint="split the pack, or raise the limit with --max-bytes",
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start]
        line = prefix.count(b"\n") + 1
        column = exc.start - (prefix.rfind(b"\n") + 1) + 1
        raise PackError(
            [
                Diagnostic(
                    "file-not-utf8",
                    Severity.ERROR,
                    f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
                    file,
                    line,
                    column,
                    hint="save the file as UTF-8",
                )
            ]
        ) from None
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise PackError([Diagnostic("pack-empty", Severity.ERROR, "the file is empty", file, 1, 1)])
    diagnostics: list[Diagnostic] = []
    if "&" in text or "*" in text:
        _check_anchors(text, file, diagnostics)
        if diagnostics:
            raise PackError(diagnostics)
    try:
        loader = _Resolver(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise PackError([_syntax_diagnostic(exc, file, text)]) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        raise PackError(
            [
                Diagnostic(
                    "file-binary",
                    Severity.ERROR,
                    f"character {_char_name(exc.character)} is not allowed in YAML",
                    file,
                    line,
                    column,
                    hint="the file holds bytes that are not text",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise PackError([Diagnostic("yaml-syntax", Severity.ERROR, str(exc), file, 1, 1)]) from None
    except RecursionError:
        raise PackError(
            [
                Diagnostic(
                    "yaml-too-deep", Severity.ERROR, "the document is nested too deeply", file, 1, 1
                )
            ]
        ) from None
    if root is None:
        raise PackError([Diagnostic("pack-empty", Severity.ERROR, "the file is empty", file, 1, 1)])
    builder = _Builder(file, diagnostics, text)
    value = builder.build(root, (), 0)
    return SourceDocument(file, text, value, root, diagnostics)


def _check_anchors(text: str, file: str, out: list[Diagnostic]) -> None:
    """Find anchors and aliases by event scan (only run when `&` or `*` appears)."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            anchor = getattr(event, "anchor", None)
            if anchor is None:
                continue
            mark = event.start_mark
            if isinstance(event, yaml.AliasEvent):
                rule, what = "yaml-alias", f"alias *{anchor}"
            else:
                rule, what = "yaml-anchor", f"anchor &{anchor}"
            out.append(
                Diagnostic(
                    rule,
                    Severity.ERROR,
                    f"{what}: anchors and aliases are not allowed in packs",
                    file,
                    (mark.line + 1) if mark else 1,
                    (mark.column + 1) if mark else 1,
                    hint="write the value out in full; packs are read by people as well as tools",
                )
            )
            if len(out) >= 20:
                return
    except yaml.YAMLError:
        return  # syntax errors are reported by the compose step


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, file: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    at_tab = mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t"
    problem = exc.problem or "invalid YAML"
    message = f"{exc.context}: {problem}" if exc.context else problem
    rule, hint = "yaml-syntax", None
    if at_tab or "'\\t'" in problem:
        rule, hint = "yaml-tab", "indent with spaces; YAML does not allow tabs for indentation"
    elif "expected a single document" in message:
        rule, hint = "yaml-multiple-documents", "a pack file holds one document; remove the '---'"
    elif "control characters" in problem or "unacceptable character" in problem:
        rule, hint = "file-binary", "the file holds bytes that are not text"
    elif "mapping values are not allowed" in problem and mark is not None:
        slip = _mapping_value_slip(text, mark.line, mark.column)
        if slip is not None:
            message, hint, line, column = slip
    elif "did not find expected key" in problem and mark is not None and exc.context_mark:
        misaligned = _misaligned_key(text, mark.line, mark.column, exc.context_mark.column)
        if misaligned is not None:
            message, hint = misaligned
    return Diagnostic(rule, Severity.ERROR, message.strip(), file, line, column, hint=hint)


_KEY_LINE = re.compile(r"(?P<lead>[ ]*(?:-[ ]+)*)(?P<key>[^\s#'\"\[\]{},-][^:#]*?):(?:[ ]+|\Z)")
_QUOTED_SHOWN_MAX = 100
#: YAML's line breaks, so that rows match the parser's marks (str.splitlines knows more).
_YAML_LINES = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _mapping_value_slip(text: str, row: int, col: int) -> tuple[str, str, int, int] | None:
    """Explain "mapping values are not allowed here" for the two classic slips.

    Either the ': ' is the second on its line (an unquoted colon inside a value), or
    the key starts a line indented deeper than the key above it, whose plain value
    YAML then reads as continuing onto this line. Returns (message, hint, line, column).
    """
    lines = _YAML_LINES.split(text)
    if not 0 <= row < len(lines):
        return None
    current = lines[row]
    first = _KEY_LINE.match(current)
    if first is not None and first.end() <= col:
        key = first.group("key").rstrip()
        value = _strip_comment(current[first.end() :]).rstrip()
        quoted = yaml_quoted(value)
        shown = f"{first.group('lead')}{key}: {quoted}".strip()
        hint = (
            f"quote the value: {shown}"
            if len(shown) <= _QUOTED_SHOWN_MAX
            else "quote the value, or write it as a block with '|'"
        )
        message = f"the value of '{key}' contains ': ', which YAML reads as another key"
        return message, hint, row + 1, col + 1
    indent = len(current) - len(current.lstrip(" "))
    key = current[indent:col].strip()
    if not key or ": " in current[indent:col]:
        return None
    for above in range(row - 1, -1, -1):
        prev = lines[above]
        body = prev.strip()
        if not body or body.startswith("#"):
            continue
        prev_indent = len(prev) - len(prev.lstrip(" "))
        if prev_indent >= indent:
            continue  # a continuation line of the same plain value
        match = _KEY_LINE.match(prev)
        if match is None or not _strip_comment(prev[match.end() :]).strip():
            return None
        sibling = match.group("key").strip()
        sibling_col = len(match.group("lead"))
        if sibling_col >= indent:
            return None
        message = (
            f"'{key}' is indented deeper than its sibling '{sibling}' (line {above + 1}), "
            f"so YAML reads it as part of the value of '{sibling}'"
        )
        hint = f"indent '{key}' to column {sibling_col + 1}, like '{sibling}'"
        return message, hint, row + 1, indent + 1
    return None


def _misaligned_key(text: str, row: int, col: int, sibling_col: int) -> tuple[str, str] | None:
    """A key at the start of a line that lines up with none of the block mapping's keys."""
    lines = _YAML_LINES.split(text)
    if not 0 <= row < len(lines):
        return None
    current = lines[row]
    match = _KEY_LINE.match(current)
    if match is None or len(match.group("lead")) != col or col == sibling_col:
        return None
    key = match.group("key").strip()
    inner: tuple[str, int, int] | None = None  # the nearest key above indented deeper
    for above in range(row - 1, -1, -1):
        prev = _KEY_LINE.match(lines[above])
        if prev is None:
            continue
        lead = len(prev.group("lead"))
        if inner is None and lead > col and lead != sibling_col:
            inner = (prev.group("key").strip(), above, lead)
        if lead == sibling_col:
            sibling = prev.group("key").strip()
            break
    else:
        return None
    if inner is not None and col > sibling_col:
        name, at, lead = inner
        message = (
            f"'{key}' lines up with no key above: '{name}' (line {at + 1}) is at column "
            f"{lead + 1}, '{sibling}' (line {above + 1}) at column {sibling_col + 1}"
        )
        hint = (
            f"indent '{key}' to column {lead + 1} to put it beside '{name}', "
            f"or to column {sibling_col + 1} beside '{sibling}'"
        )
        return message, hint
    where = "deeper than" if col > sibling_col else "less than"
    message = f"'{key}' is indented {where} its sibling '{sibling}' (line {above + 1})"
    return message, f"indent '{key}' to column {sibling_col + 1}, like '{sibling}'"


def yaml_quoted(value: str) -> str:
    """`value` as a YAML quoted scalar: single quotes when it holds double ones."""
    if '"' in value and "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _strip_comment(value: str) -> str:
    """A plain value without its trailing ' # comment'."""
    cut = value.find(" #")
    if value.startswith("#"):
        return ""
    return value if cut < 0 else value[:cut]


class _Builder:
    """Turns nodes into plain data, reporting what YAML 1.1 vs 1.2 would disagree on."""

    def __init__(self, file: str, out: list[Diagnostic], text: str = "") -> None:
        self.file = file
        self.out = out
        self.text = text

    def _error(
        self, rule: str, node: Node, path: tuple[PathPart, ...], msg: str, hint: str
    ) -> None:
        self.out.append(
            Diagnostic(
                rule,
                Severity.ERROR,
                msg,
                self.file,
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                path,
                hint,
            )
        )

    def build(self, node: Node, path: tuple[PathPart, ...], depth: int) -> Any:
        tag = node.tag
        if isinstance(node, ScalarNode):
            return self._scalar(node, tag, path)
        if depth >= MAX_DEPTH:
            self._error(
                "yaml-too-deep",
                node,
                path,
                f"nested deeper than {MAX_DEPTH} levels",
                "packs never need this much nesting",
            )
            return None
        if tag not in _ALLOWED_TAGS:
            self._tag_error(node, path)
        if getattr(node, "flow_style", False) and self.text:
            self._join_split_values(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self._error(
                    "yaml-complex-key",
                    key_node,
                    path,
                    "a key must be plain text",
                    "use a simple word as the key",
                )
                continue
            key = key_node.value
            if key in result:
                first = next(
                    k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == key
                )
                self._error(
                    "yaml-duplicate-key",
                    key_node,
                    (*path, key),
                    f"duplicate key '{key}' (first at line {first.start_mark.line + 1})",
                    "remove one of them; YAML keeps only the last, silently",
                )
                continue
            if key_node.tag not in (STR, NULL, INT, FLOAT, BOOL, AMBIGUOUS):
                self._tag_error(key_node, path)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def _join_split_values(self, node: Node, path: tuple[PathPart, ...]) -> None:
        """Find values that an unquoted comma split inside `{...}` or `[...]`, and rejoin them.

        `{time: O(n), space: O(min(n, k))}` reads as `space: 'O(min(n'` plus a key
        `'k))'` with no value. A value whose '(' is closed only by later entries, or a
        flow-mapping key with a space and no value, is taken as such a split: one
        finding says to quote it, and the joined text is kept so that the schema
        does not report the fragments as well.
        """
        items: list[Any] = list(node.value)
        joined: list[Any] = []
        i = 0
        mapping = isinstance(node, MappingNode)
        while i < len(items):
            item = items[i]
            head = item[1] if mapping else item
            end = i
            if _is_plain(head):
                depth = _paren_depth(head.value)
                j = i + 1
                while j < len(items) and (depth > 0 or mapping):
                    tail = items[j]
                    piece = tail[0] if mapping else tail
                    if not _is_plain(piece) or (mapping and not _is_empty(tail[1])):
                        break
                    if depth <= 0 and " " not in piece.value.strip():
                        break
                    depth += _paren_depth(piece.value)
                    end = j
                    j += 1
                if depth > 0 and not mapping:
                    end = i  # a '(' never closed in this list: not a split we can tell
            if end == i:
                joined.append(item)
                i += 1
                continue
            last = items[end][0] if mapping else items[end]
            value = self.text[head.start_mark.index : last.end_mark.index]
            merged = ScalarNode(STR, value, head.start_mark, last.end_mark, style='"')
            where = "{...} mapping" if mapping else "[...] list"
            key_path: tuple[PathPart, ...] = (*path, item[0].value) if mapping else path
            shown = f"{item[0].value}: {yaml_quoted(value)}" if mapping else yaml_quoted(value)
            self._error(
                "yaml-flow-comma",
                head,
                key_path,
                f"inside a {where} a comma ends the value, so {value!r} was read in pieces",
                f"quote the value: {shown}",
            )
            joined.append((item[0], merged) if mapping else merged)
            i = end + 1
        node.value = joined

    def _tag_error(self, node: Node, path: tuple[PathPart, ...]) -> None:
        self._error(
            "yaml-tag",
            node,
            path,
            f"tag {node.tag!r} is not allowed",
            "packs are plain data: remove the tag (values are never constructed from tags)",
        )

    def _scalar(self, node: ScalarNode, tag: str, path: tuple[PathPart, ...]) -> Any:
        value: str = node.value
        if tag == STR:
            return value
        if tag == INT:
            try:
                return int(value, 0) if value[:2] in ("0o", "0x") else int(value)
            except ValueError:
                pass
        elif tag == FLOAT:
            try:
                return float(
                    value.replace(".inf", "inf")
                    .replace(".Inf", "inf")
                    .replace(".INF", "inf")
                    .replace(".nan", "nan")
                    .replace(".NaN", "nan")
                    .replace(".NAN", "nan")
                )
            except ValueError:
                pass
        elif tag == BOOL:
            if value in _BOOLS:
                return _BOOLS[value]
        elif tag == NULL:
            if value in _NULLS:
                return None
        elif tag == AMBIGUOUS:
            self._error(
                "yaml-ambiguous-scalar",
                node,
                path,
                f"'{value}' means different things in YAML 1.1 and 1.2",
                f'quote it ("{value}") if you mean text; write true/false for a yes/no value',
            )
            return value
        else:
            self._tag_error(node, path)
            return value
        self._error(
            "yaml-bad-scalar",
            node,
            path,
            f"'{value}' is not a valid {tag.rsplit(':', 1)[-1]}",
            "remove the tag or fix the value",
        )
        return value


def _is_plain(node: Any) -> bool:
    return isinstance(node, ScalarNode) and not node.style and node.tag == STR


def _is_empty(node: Any) -> bool:
    return isinstance(node, ScalarNode) and not node.style and node.value == ""


def _paren_depth(value: str) -> int:
    return value.count("(") - value.count(")")


def _char_name(character: object) -> str:
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return f"U+{code:04X}"
