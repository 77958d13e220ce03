"""A loopback stand-in for an OpenAI-compatible chat-completions server.

`GraderStub` listens on 127.0.0.1 (a free port) in a daemon thread and answers
POST `/v1/chat/completions` (and `/chat/completions`) with a canned reply picked
by `mode`; it records every request body (and its headers) so tests can assert what was sent.

    with GraderStub("good") as stub:
        outcome = grade(GraderConfig(stub.url, timeout_s=1.0), ...)
        assert stub.requests[0]["temperature"] == 0

Modes (`MODES`):
- ``good``: a valid reply scoring the `SAMPLE_CRITERIA` with quotes from `SAMPLE_ANSWER`.
- ``malformed``: a body that is not JSON at all.
- ``malformed-shape``: JSON, but not a chat completion (no ``choices``).
- ``malformed-content``: a chat completion whose content is prose, not the JSON asked for.
- ``slow``: waits `delay_s` before answering (longer than a test client's timeout);
  closing the stub wakes the waiting handler, so shutdown stays quick.
- ``drip``: sends the headers, then a few bytes every `drip_interval_s` for `delay_s`
  (each read is quick, the whole reply is not: tests the total deadline).
- ``hostile``: a well-formed reply whose items are hostile: Rich markup and terminal
  escapes in rationales and ids, a quote not in the answer, a level out of range,
  an unknown criterion id, a bool level, an oversized quote.
- ``hostile-huge``: a 5 MB reply body.
- ``http-error``: HTTP 500 with a JSON error body.
- ``reject-response-format``: HTTP 400 when the request has ``response_format``
  (as some servers do), otherwise like ``good``.

`content=` replaces the good reply's message content; `body=` (bytes) replaces the
whole reply body for any mode that answers with 200.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from trainer.core.packs.resolve import ResolvedCriterion

PATHS = ("/v1/chat/completions", "/chat/completions")
MODES = (
    "good",
    "malformed",
    "malformed-shape",
    "malformed-content",
    "slow",
    "drip",
    "hostile",
    "hostile-huge",
    "http-error",
    "reject-response-format",
)
HUGE_BYTES = 5 * 1024 * 1024
ESC = "\x1b"

SAMPLE_QUESTION_TITLE = "Design a URL shortener"
SAMPLE_PROMPT = "Design a service that turns long URLs into short ones. Discuss scale."
SAMPLE_ANSWER = (
    "I would start with the API: POST /shorten returns a 7-character code.\n"
    "Reads dominate, so a cache sits in front of the key-value store.\n\n"
    "For capacity:   100M new URLs a month,  about 40 writes per second.\n"
    "If a cache node dies we fall back to the store and accept higher latency."
)
_LEVELS = ("weak", "mixed", "solid", "strong")


def _criterion(cid: str, title: str, description: str) -> ResolvedCriterion:
    return ResolvedCriterion(
        id=cid,
        title=title,
        weight=1.0,
        levels=_LEVELS,
        descriptors=(
            f"{title}: missing or wrong",
            f"{title}: partly covered",
            f"{title}: covered with reasons",
            f"{title}: covered, trade-offs weighed",
        ),
        description=description,
        scale_id="four-point",
    )


SAMPLE_CRITERIA = (
    _criterion("system-shape", "System shape", "Names the main components and the data flow."),
    _criterion("capacity", "Capacity", "Estimates load and storage with numbers."),
    _criterion("failure-modes", "Failure modes", "Says what breaks and what happens then."),
)


def good_items() -> list[dict[str, Any]]:
    """The items of the `good` reply (quotes are in `SAMPLE_ANSWER`, whitespace aside)."""
    return [
        {
            "id": "system-shape",
            "level": 3,
            "quote": "a cache sits in front of the key-value store",
            "rationale": "Names the API, a cache and the store.",
        },
        {
            "id": "capacity",
            "level": 2,
            # The answer has runs of spaces here; the model quotes them collapsed.
            "quote": "For capacity: 100M new URLs a month, about 40 writes per second.",
            "rationale": "Write rate estimated; storage not.",
        },
        {
            "id": "failure-modes",
            "level": 2,
            "quote": "If a cache node dies we fall back to the store",
            "rationale": "One failure covered.",
        },
    ]


def good_content() -> str:
    return json.dumps({"criteria": good_items()})


def hostile_items() -> list[dict[str, Any]]:
    return [
        {
            "id": "system-shape",
            "level": 3,
            "quote": "a cache sits in front of the key-value store",
            "rationale": (
                f"[bold red]Great[/bold red] {ESC}[2J{ESC}]0;pwned\x07answer\x9b31m!\u202e"
                "\nsecond line must go"
            ),
        },
        {"id": "capacity", "level": 9, "quote": "For capacity:", "rationale": "level too high"},
        {
            "id": "failure-modes",
            "level": 2,
            "quote": "the interviewer said this was perfect",
            "rationale": "quote not in the answer",
        },
        {
            "id": f"[link=file:///etc/passwd]x{ESC}[31m",
            "level": 1,
            "quote": "POST /shorten",
            "rationale": "unknown id",
        },
        {"id": "capacity", "level": True, "quote": "For capacity:", "rationale": "bool level"},
        {"id": "capacity", "level": 2, "quote": "x" * 500, "rationale": "huge quote"},
    ]


def hostile_content() -> str:
    return json.dumps({"criteria": hostile_items()})


def completion_body(content: str, *, model: str = "stub") -> bytes:
    """An OpenAI chat-completion reply carrying `content` as the assistant message."""
    return json.dumps(
        {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    stub: GraderStub

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-reply (size cap, deadline) is expected here.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        stub = self.server.stub
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw
        with stub._lock:
            stub.requests.append(parsed)
            stub.paths.append(self.path)
            stub.headers.append({k.lower(): v for k, v in self.headers.items()})
        if self.path not in PATHS:
            self._send(404, b'{"error": {"message": "not found"}}')
            return
        try:
            self._reply(stub, parsed)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _reply(self, stub: GraderStub, request: Any) -> None:
        mode = stub.mode
        if mode == "http-error":
            self._send(500, b'{"error": {"message": "model crashed"}}')
        elif mode == "reject-response-format" and isinstance(request, dict):
            if "response_format" in request:
                self._send(400, b'{"error": {"message": "response_format not supported"}}')
            else:
                self._send(200, stub.reply_body())
        elif mode == "slow":
            if stub._closing.wait(stub.delay_s):
                self.close_connection = True
                return
            self._send(200, stub.reply_body())
        elif mode == "drip":
            self._drip(stub)
        elif mode == "hostile-huge":
            self._send_huge()
        else:
            self._send(200, stub.reply_body())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_huge(self) -> None:
        # A valid-looking envelope whose content is 5 MB of filler.
        head = b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "'
        tail = b'"}, "finish_reason": "stop"}]}'
        filler = HUGE_BYTES - len(head) - len(tail)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        self.wfile.write(head)
        chunk = (f"[bold]{ESC}[2J" * 1024).encode()
        sent = 0
        while sent < filler:
            if self.server.stub._closing.is_set():
                self.close_connection = True
                return
            piece = chunk[: filler - sent]
            self.wfile.write(piece)
            sent += len(piece)
        self.wfile.write(tail)
        self.wfile.flush()

    def _drip(self, stub: GraderStub) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        waited = 0.0
        while waited < stub.delay_s:
            if stub._closing.wait(stub.drip_interval_s):
                self.close_connection = True
                return
            waited += stub.drip_interval_s
            self.wfile.write(b"1\r\n \r\n")
            self.wfile.flush()
        body = stub.reply_body()
        self.wfile.write(f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
        self.wfile.flush()


class GraderStub:
    """A context manager running the stub server; see the module docstring for modes."""

    def __init__(
        self,
        mode: str = "good",
        *,
        content: str | None = None,
        body: bytes | None = None,
        delay_s: float = 10.0,
        drip_interval_s: float = 0.1,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown stub mode {mode!r}; expected one of {MODES}")
        self.mode = mode
        self.content = content
        self.body = body
        self.delay_s = delay_s
        self.drip_interval_s = drip_interval_s
        self.requests: list[Any] = []  # parsed JSON bodies (raw bytes if not JSON)
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []  # request headers, names lower-cased
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def reply_body(self) -> bytes:
        if self.body is not None:
            return self.body
        if self.mode == "malformed":
            return b"<html>this is not json"
        if self.mode == "malformed-shape":
            return b'{"object": "list", "data": []}'
        if self.mode == "malformed-content":
            return completion_body("Sure! The candidate did well overall, I would say 3/4.")
        if self.content is not None:
            return completion_body(self.content)
        if self.mode == "hostile":
            return completion_body(hostile_content())
        return completion_body(good_content())

    @property
    def port(self) -> int:
        assert self._server is not None, "stub not started"
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The base URL to configure (the client appends /chat/completions)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> GraderStub:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.stub = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> GraderStub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextmanager
def grader_stub(mode: str = "good", **kwargs: Any) -> Iterator[GraderStub]:
    """Function form of `GraderStub(...)` for `with grader_stub("slow") as stub:`."""
    with GraderStub(mode, **kwargs) as stub:
        yield stub
