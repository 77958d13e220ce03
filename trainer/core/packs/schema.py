"""JSON Schema (draft-07) exported from the same pydantic model the loader uses."""

from __future__ import annotations

import json
from typing import Any

from trainer.core.packs.model import SCHEMA_VERSION, Pack

SCHEMA_ID = f"https://trainer.invalid/schema/pack-v{SCHEMA_VERSION}.json"


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


def pack_json_schema() -> dict[str, Any]:
    schema = _to_draft07(Pack.model_json_schema(mode="validation"))
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
