"""JSON Schema (draft-07) exported from the same pydantic model the loader uses.

It is written for editors (completion, hover text, squiggles as you type), so three
things differ from pydantic's raw output: draft-07 `definitions`, `$ref` siblings moved
into an `allOf` (draft-07 ignores keywords beside `$ref`), and optional fields offered
as "leave it out" rather than `null` (a pack author should omit them, not write `~`).
"""

from __future__ import annotations

import json
from typing import Any

from trainer.core.packs.model import SCHEMA_VERSION, Pack

#: A URN, not a web address: the schema is not served from anywhere; editors load the file
#: named in the pack's modeline (see `SCHEMA_FILE_NAME`).
SCHEMA_ID = f"urn:trainer:question-pack:v{SCHEMA_VERSION}"
#: The file `trainer pack new` writes beside a pack, so a committed pack's modeline works
#: on every clone.
SCHEMA_FILE_NAME = f"trainer-pack-v{SCHEMA_VERSION}.schema.json"


def _to_draft07(node: Any) -> Any:
    """pydantic emits 2020-12 style `$defs`; draft-07 tools expect `definitions`."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$defs":
                key = "definitions"
            if isinstance(value, str) and value.startswith("#/$defs/"):
                value = value.replace("#/$defs/", "#/definitions/")
            out[key] = _to_draft07(value)
        return out
    if isinstance(node, list):
        return [_to_draft07(v) for v in node]
    return node


def _editor_friendly(node: Any) -> Any:
    """Drop `null` from optional fields and keep `$ref` alone in its object (draft-07)."""
    if isinstance(node, list):
        return [_editor_friendly(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {key: _editor_friendly(value) for key, value in node.items()}
    branches = out.get("anyOf")
    if isinstance(branches, list) and "default" in out and out["default"] is None:
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) < len(branches):
            del out["anyOf"], out["default"]
            if len(kept) == 1:
                inner = dict(kept[0])
                inner.pop("description", None)  # the field's own description wins
                out = {**inner, **out}
            else:
                out["anyOf"] = kept
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}], **out}
    return out


def pack_json_schema() -> dict[str, Any]:
    schema = _editor_friendly(_to_draft07(Pack.model_json_schema(mode="validation")))
    defs = schema.get("definitions", {})
    if "Signal" in defs:  # the model also accepts a plain string (see Signal._from_string)
        signal = defs["Signal"]
        defs["Signal"] = {
            "anyOf": [{"type": "string", "minLength": 1}, signal],
            "description": signal.get("description", ""),
        }
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": f"trainer question pack (schema_version {SCHEMA_VERSION})",
        **{k: v for k, v in schema.items() if k != "title"},
    }
    return schema


def pack_json_schema_text() -> str:
    return json.dumps(pack_json_schema(), indent=2, sort_keys=False) + "\n"
