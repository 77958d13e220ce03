"""Wire messages: typed pydantic models in a discriminated union, sent in length-prefixed frames.

A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON, at most `MAX_FRAME`.
Anything else (too long, not JSON, an unknown `type`, a wrong field) is a `ProtocolError`
whose reason is sent to the peer before the connection closes.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

PROTOCOL = 1
MAX_FRAME = 1024 * 1024
_LEN = struct.Struct(">I")

Nonce = Annotated[str, Field(min_length=16, max_length=128, pattern=r"^[0-9a-f]+$")]
SessionId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[0-9a-f]+$")]
Seq = Annotated[int, Field(ge=0, le=2**53)]
Reason = Annotated[str, Field(max_length=500)]
JoinRole = Literal["guest", "observer"]


class _Msg(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Hello(_Msg):
    """Guest, first: which protocol, which session it resumes (None on a first join)."""

    type: Literal["hello"] = "hello"
    protocol: int
    session_id: SessionId | None = None
    client_nonce: Nonce


class Challenge(_Msg):
    type: Literal["challenge"] = "challenge"
    server_nonce: Nonce
    session_id: SessionId


class Auth(_Msg):
    """Guest: HMAC of the transcript under the secret, and the last view it applied."""

    type: Literal["auth"] = "auth"
    mac: Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]+$")]
    last_view_seq: Seq = 0


class Welcome(_Msg):
    """Host: accepted; the last event seq it applied (the guest drops those from its outbox).

    `role` says which seat the code admitted: the guest's, or the read-only observer's. The
    host's MAC covers it (a different label per role), so it cannot be changed in transit.
    """

    type: Literal["welcome"] = "welcome"
    session_id: SessionId
    last_event_seq: Seq
    mac: Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]+$")]
    role: JoinRole = "guest"


class Event(_Msg):
    type: Literal["event"] = "event"
    session_id: SessionId
    seq: Seq
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    payload: dict[str, Any]


class View(_Msg):
    type: Literal["view"] = "view"
    session_id: SessionId
    seq: Seq
    payload: dict[str, Any]


class Ack(_Msg):
    type: Literal["ack"] = "ack"
    seq: Seq


class Heartbeat(_Msg):
    type: Literal["heartbeat"] = "heartbeat"


class Bye(_Msg):
    """A deliberate end: the peer leaves the session."""

    type: Literal["bye"] = "bye"
    reason: Reason = ""


class Error(_Msg):
    """A protocol violation: the sender closes the connection after it."""

    type: Literal["error"] = "error"
    reason: Reason


class Refused(_Msg):
    """Before or at authentication: wrong code, already paired, not accepting, expired."""

    type: Literal["refused"] = "refused"
    reason: Reason


Message = Annotated[
    Hello | Challenge | Auth | Welcome | Event | View | Ack | Heartbeat | Bye | Error | Refused,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[Message] = TypeAdapter(Message)


class ProtocolError(Exception):
    """The peer broke the protocol; `reason` is safe to show and to send back."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def encode(msg: _Msg) -> bytes:
    body = msg.model_dump_json().encode()
    if len(body) > MAX_FRAME:
        raise ValueError(f"message of {len(body)} bytes exceeds the {MAX_FRAME}-byte frame limit")
    return _LEN.pack(len(body)) + body


def decode(body: bytes) -> Message:
    try:
        return _ADAPTER.validate_json(body)
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        if "json_invalid" in kinds:
            raise ProtocolError("malformed message: not valid JSON") from None
        if "union_tag_invalid" in kinds:
            raise ProtocolError("unknown message type") from None
        if "union_tag_not_found" in kinds:
            raise ProtocolError("malformed message: no type") from None
        raise ProtocolError(f"malformed message: {exc.errors()[0]['msg']}") from None


async def read_message(reader: asyncio.StreamReader, max_frame: int = MAX_FRAME) -> Message:
    """One frame; the body of an oversize frame is never read. EOF raises IncompleteReadError."""
    (length,) = _LEN.unpack(await reader.readexactly(_LEN.size))
    if length > max_frame:
        raise ProtocolError(f"frame of {length} bytes exceeds the {max_frame}-byte limit")
    return decode(await reader.readexactly(length))
