"""Load a pack file into the model, turning every problem into a positioned Diagnostic."""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from trainer.core.diagnostics import Diagnostic, PackError, PathPart, Severity
from trainer.core.packs.model import KINDS, QUESTION_CLASSES, SCHEMA_VERSION, Pack
from trainer.core.packs.yamlsafe import (
    DEFAULT_MAX_BYTES,
    SourceDocument,
    gc_paused,
    load_yaml,
    yaml_quoted,
)


@dataclass
class LoadedPack:
    """The result of loading one file: the model when it is valid, and every finding."""

    file: str
    pack: Pack | None
    source: SourceDocument | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.pack is not None and not any(
            d.severity is Severity.ERROR for d in self.diagnostics
        )


def load_pack_file(
    path: Path, *, display: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> LoadedPack:
    """Read and check a pack file. Raises only OSError (unreadable) - never a parse error."""
    name = display or str(path)
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    return load_pack_bytes(data, name, max_bytes=max_bytes)


def load_pack_bytes(data: bytes, file: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedPack:
    with gc_paused():
        try:
            doc = load_yaml(data, file, max_bytes=max_bytes)
        except PackError as exc:
            return LoadedPack(file, None, None, list(exc.diagnostics))
        diagnostics = list(doc.diagnostics)
        pack = _to_model(doc, diagnostics)
        return LoadedPack(file, pack, doc, diagnostics)


def _to_model(doc: SourceDocument, out: list[Diagnostic]) -> Pack | None:
    data = doc.data
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else "a single value"
        out.append(
            doc.diag(
                "pack-not-mapping",
                f"a pack is a mapping of keys (schema_version, pack, ...), not {what}",
                (),
                hint="start the file with 'schema_version: 1'",
            )
        )
        return None
    version = data.get("schema_version")
    if version is None:
        out.append(
            doc.diag(
                "schema-version-missing",
                "missing 'schema_version'",
                (),
                hint=f"add 'schema_version: {SCHEMA_VERSION}' as the first line",
            )
        )
        return None
    if version != SCHEMA_VERSION or isinstance(version, bool):
        out.append(
            doc.diag(
                "schema-version-unsupported",
                f"schema_version {version!r} is not supported (this trainer reads "
                f"{SCHEMA_VERSION})",
                ("schema_version",),
                hint="upgrade trainer, or write the pack for schema_version 1",
            )
        )
        return None
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        out.extend(_model_diagnostics(doc, exc))
        return None
    doc.data = None  # the model holds it now; halves peak memory on large packs
    return pack


_RULES = {
    "missing": "field-missing",
    "extra_forbidden": "field-unknown",
    "union_tag_invalid": "kind-unknown",
    "union_tag_not_found": "kind-missing",
    "literal_error": "value-not-allowed",
    "enum": "value-not-allowed",
    "too_short": "too-few-items",
    "too_long": "too-many-items",
    "greater_than": "value-out-of-range",
    "greater_than_equal": "value-out-of-range",
    "less_than": "value-out-of-range",
    "less_than_equal": "value-out-of-range",
}


def _model_diagnostics(doc: SourceDocument, exc: ValidationError) -> list[Diagnostic]:
    result: list[Diagnostic] = []
    seen: set[tuple[str, tuple[PathPart, ...]]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _data_path(doc.data, loc)
        etype = err["type"]
        if etype == "union_tag_invalid":
            path = (*path, "kind")
        rule = _RULES.get(etype, "type-mismatch" if etype.endswith("_type") else "schema")
        message, hint = _describe(err, path, loc)
        if (rule, path) in seen:
            continue
        seen.add((rule, path))
        result.append(doc.diag(rule, message, path, hint=hint, key=etype == "extra_forbidden"))
    return result


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[PathPart, ...]:
    """Map a pydantic loc onto the document, dropping union tags and validator names."""
    path: list[PathPart] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and part not in KINDS:
            path.append(part)  # a missing or unknown key: keep it for the message
            node = None
        # else: a union tag or a validator name; not part of the document
    return tuple(path)


def _describe(err: Any, path: tuple[PathPart, ...], loc: tuple[Any, ...]) -> tuple[str, str | None]:
    etype = err["type"]
    field_name = _field_label(path)
    inp = err.get("input")
    ctx = err.get("ctx") or {}
    if etype == "missing":
        return f"missing required field '{field_name}'", None
    if etype == "extra_forbidden":
        allowed = _allowed_fields(loc[:-1])
        close = difflib.get_close_matches(str(field_name), allowed, n=1, cutoff=0.6)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else (f"allowed here: {', '.join(sorted(allowed))}" if allowed else None)
        )
        return f"unknown field '{field_name}'", hint
    if etype == "union_tag_invalid":
        close = difflib.get_close_matches(str(err.get("ctx", {}).get("tag", "")), KINDS, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"one of: {', '.join(KINDS)}"
        return f"unknown question kind {err.get('ctx', {}).get('tag')!r}", hint
    if etype == "union_tag_not_found":
        return "question has no 'kind'", f"add 'kind:' with one of: {', '.join(KINDS)}"
    if etype == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        got = inp if isinstance(inp, str | int | float | bool) else type(inp).__name__
        return f"'{field_name}' is {got!r}; expected {expected}", None
    if etype in ("too_short", "too_long"):
        return _count_message(field_name, etype, ctx)
    if etype in _BOUNDS:
        word, key = _BOUNDS[etype]
        got = inp if isinstance(inp, int | float) and not isinstance(inp, bool) else _kind_of(inp)
        return f"'{field_name}' is {got}; it must be {word} {_number(ctx.get(key, '?'))}", None
    if etype.endswith("_type"):
        want = etype.removesuffix("_type").replace("_", " ")
        want = {
            "string": "text",
            "list": "a list",
            "dict": "a mapping",
            "model": "a mapping",
            "model attributes": "a mapping",
            "bool": "true or false",
            "int": "a whole number",
            "float": "a number",
        }.get(want, want)
        got = _kind_of(inp)
        hint = None
        if want == "text" and not isinstance(inp, list | dict):
            hint = "quote the value to make it text"
        elif want == "text" and isinstance(inp, list):
            hint = "write one piece of text; use '|' for several lines"
        elif want == "text" and isinstance(inp, dict) and len(inp) == 1:
            key, value = next(iter(inp.items()))
            if isinstance(value, str):
                hint = (
                    "the ': ' in the text made it a key and a value; "
                    f"quote the text: {yaml_quoted(f'{key}: {value}')}"
                )
        return f"'{field_name}' should be {want}, not {got}", hint
    return f"'{field_name}': {_plain_wording(str(err['msg']))}", None


_BOUNDS = {
    "greater_than": ("more than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
}

#: What the items of a length-checked list are called, by field name.
_ITEM_NOUNS = {"levels": "levels", "choices": "choices", "tests": "tests"}


def _count_message(field_name: str, etype: str, ctx: dict[str, Any]) -> tuple[str, str | None]:
    """'levels' has 10 levels; at most 9 (not pydantic's "List should have ...")."""
    name = field_name.rsplit(".", 1)[-1]
    noun = _ITEM_NOUNS.get(name, "items")
    actual = ctx.get("actual_length", "?")
    if etype == "too_long":
        limit, word = ctx.get("max_length", "?"), "at most"
    else:
        limit, word = ctx.get("min_length", "?"), "at least"
    actual_noun = noun.removesuffix("s") if actual == 1 else noun
    limit_noun = noun.removesuffix("s") if limit == 1 else noun
    hint = None
    if name == "levels":
        hint = "a scale has 2 to 9 levels (the number keys pick levels 1 to 9)"
    elif name == "choices":
        hint = "a multiple-choice question offers at least two choices"
    elif name == "tests":
        hint = "add a sample test and a hidden test"
    return f"'{field_name}' has {actual} {actual_noun}; {word} {limit} {limit_noun}", hint


def _number(value: Any) -> Any:
    """60.0 -> 60: bounds as an author would write them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _plain_wording(message: str) -> str:
    """Pydantic's phrasing in pack terms, for the problems not described above."""
    message = message.replace(" after validation", "")
    if message.startswith("Input should be "):
        message = "should be " + message.removeprefix("Input should be ")
    return message.replace("Input ", "the value ").replace("List ", "the list ")


def _field_label(path: tuple[PathPart, ...]) -> str:
    """The field an error is about: `levels`, `hints[0]`, `scores.x`."""
    if not path:
        return ""
    parts: list[str] = []
    for part in reversed(path):
        if isinstance(part, int):
            parts.append(f"[{part}]")
            continue
        parts.append(part)
        break
    return "".join(reversed(parts))


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at a model location, for 'did you mean' hints."""
    current: Any = Pack
    for part in loc:
        if isinstance(part, str) and part in QUESTION_CLASSES:
            current = QUESTION_CLASSES[part]
            continue
        if isinstance(part, int):
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            if info is None:
                return []
            current = _model_in(info.annotation)
            if current is None:
                return []
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """Find the model class inside list[...] / X | None / Annotated[...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _model_in(typing.get_args(annotation)[0])
    if origin in (list, typing.Union, types.UnionType, dict):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
