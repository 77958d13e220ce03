"""The pair link over loopback and Unix sockets: the happy path, hostile peers, resume.

Timings are shrunk so each test ends by itself in well under a second or two; every wait is
bounded (`until`). Hostile cases check that the session-side handler never ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import ssl
import stat
import struct
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from trainer.core.pair import (
    JoinCode,
    JoinCodeError,
    LinkStatus,
    PairError,
    PairGuest,
    PairHost,
    certs,
)
from trainer.core.pair.link import MAX_FAILURES, Timings, _mac
from trainer.core.pair.messages import (
    PROTOCOL,
    Auth,
    Challenge,
    Error,
    Event,
    Hello,
    Message,
    Refused,
    Welcome,
    encode,
    read_message,
)

FAST = Timings(
    handshake=0.5, heartbeat=0.05, silence=0.3, resume_window=5.0, retry_min=0.02, retry_max=0.1
)


class AnswerChanged(BaseModel):
    """A stand-in for the pair engine's typed events."""

    model_config = ConfigDict(extra="forbid", strict=True)
    text: str


def validate_event(kind: str, payload: dict[str, Any]) -> AnswerChanged:
    if kind != "answer_changed":
        raise ValueError(f"unknown event kind {kind}")
    return AnswerChanged.model_validate(payload)


class Recorder:
    def __init__(self) -> None:
        self.events: list[AnswerChanged] = []
        self.views: list[tuple[dict[str, Any], int]] = []
        self.statuses: list[tuple[LinkStatus, str]] = []
        self.refused: list[str] = []


async def until(cond: Callable[[], bool], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.01)


def make_host(rec: Recorder, **kw: Any) -> PairHost[AnswerChanged]:
    return PairHost(
        on_event=rec.events.append,
        validate_event=validate_event,
        on_status=lambda s, r: rec.statuses.append((s, r)),
        on_refused=rec.refused.append,
        timings=kw.pop("timings", FAST),
        **kw,
    )


def make_guest(rec: Recorder, timings: Timings = FAST) -> PairGuest[dict[str, Any]]:
    return PairGuest(
        on_view=lambda v, s: rec.views.append((v, s)),
        validate_view=dict,
        on_status=lambda s, r: rec.statuses.append((s, r)),
        timings=timings,
    )


@pytest.fixture
async def host() -> AsyncIterator[tuple[PairHost[AnswerChanged], Recorder]]:
    rec = Recorder()
    h = make_host(rec)
    await h.start()
    yield h, rec
    await h.stop()


@contextlib.asynccontextmanager
async def joined(
    code: str, rec: Recorder | None = None
) -> AsyncIterator[PairGuest[dict[str, Any]]]:
    g = make_guest(rec or Recorder())
    await g.connect(code)
    try:
        yield g
    finally:
        await g.close()


async def raw_tls(h: PairHost[Any]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = JoinCode.decode(h.join_code).host_port
    return await asyncio.open_connection(
        host, port, ssl=certs.client_context(), server_hostname="x"
    )


async def raw_join(h: PairHost[Any]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A hand-driven guest past authentication, to send what a real guest never would."""
    code = JoinCode.decode(h.join_code)
    reader, writer = await raw_tls(h)
    nonce = secrets.token_hex(16)
    writer.write(encode(Hello(protocol=PROTOCOL, client_nonce=nonce)))
    ch = await read_message(reader)
    assert isinstance(ch, Challenge)
    mac = _mac(code.secret, b"guest", code.fingerprint, ch.server_nonce, nonce)
    writer.write(encode(Auth(mac=mac)))
    assert isinstance(await read_message(reader), Welcome)
    return reader, writer


async def closing_reason(reader: asyncio.StreamReader) -> str:
    """Read until the host's Error/Refused, then check the connection really closes."""
    async with asyncio.timeout(3):
        while True:
            msg: Message = await read_message(reader)
            if isinstance(msg, Error | Refused):
                assert await reader.read() == b""
                return msg.reason


def event(h: PairHost[Any], seq: int, text: str = "x", kind: str = "answer_changed") -> bytes:
    return encode(Event(session_id=h.session_id, seq=seq, kind=kind, payload={"text": text}))


# -- join codes ------------------------------------------------------------------------------


def test_join_code_round_trips_and_is_copy_safe() -> None:
    code = JoinCode("127.0.0.1:4000", b"\x01" * 32, b"\x02" * 16)
    text = code.encode()
    assert text.startswith("trp1-") and text[5:].isalnum() and text.islower()
    assert JoinCode.decode(text) == code
    assert JoinCode.decode(f"  {text[:40]}\n{text[40:]} ") == code  # wrapped when pasted
    assert JoinCode.decode(JoinCode("unix:/tmp/s", b"1" * 32, b"2" * 16).encode()).unix_path == (
        "/tmp/s"
    )


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t[:-3], "not a trainer join code"),
        (lambda t: t[:20] + ("b" if t[20] == "a" else "a") + t[21:], "checksum"),
        (lambda t: "hello", "should start with trp1-"),
        (lambda t: t + "!", "not a trainer join code"),
    ],
)
def test_a_damaged_code_says_so(mangle: Callable[[str], str], message: str) -> None:
    text = JoinCode("127.0.0.1:4000", b"\x01" * 32, b"\x02" * 16).encode()
    with pytest.raises(JoinCodeError, match=message):
        JoinCode.decode(mangle(text))


def test_wider_listening_is_flagged() -> None:
    rec = Recorder()
    assert not make_host(rec).exposed
    assert not make_host(rec, listen=("::1", 0)).exposed
    assert make_host(rec, listen=("0.0.0.0", 0)).exposed


# -- happy path ------------------------------------------------------------------------------


async def test_events_and_views_flow_both_ways(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, hrec = host
    grec = Recorder()
    async with joined(h.join_code, grec) as g:
        assert g.status is LinkStatus.PAIRED and g.session_id == h.session_id
        await until(lambda: h.status is LinkStatus.PAIRED)
        for text in ("a", "ab", "abc"):
            g.send_event("answer_changed", {"text": text})
        await until(lambda: len(hrec.events) == 3)
        assert [e.text for e in hrec.events] == ["a", "ab", "abc"]
        await until(lambda: not g.outbox)  # all acknowledged
        h.send_view({"hints": ["first"]})
        await until(lambda: len(grec.views) == 1)
        assert grec.views == [({"hints": ["first"]}, 1)]
    await until(lambda: h.status is LinkStatus.ENDED)
    assert "the guest left" in hrec.statuses[-1][1]


async def test_unix_socket_is_private_and_works(tmp_path: Any) -> None:
    path = str(tmp_path / "pair.sock")
    rec = Recorder()
    h = make_host(rec, socket_path=path)
    await h.start()
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert JoinCode.decode(h.join_code).unix_path == path
        async with joined(h.join_code) as g:
            g.send_event("answer_changed", {"text": "hi"})
            await until(lambda: len(rec.events) == 1)
    finally:
        await h.stop()
    assert not os.path.exists(path)


async def test_unix_socket_never_replaces_a_file(tmp_path: Any) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("keep me")
    h = make_host(Recorder(), socket_path=str(path))
    with pytest.raises(FileExistsError, match="not a socket"):
        await h.start()
    assert path.read_text() == "keep me"


# -- hostile peers before authentication -----------------------------------------------------


async def test_tls_12_client_is_refused(host: tuple[PairHost[AnswerChanged], Recorder]) -> None:
    h, rec = host
    ctx = certs.client_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    hp = JoinCode.decode(h.join_code).host_port
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await asyncio.open_connection(*hp, ssl=ctx, server_hostname="x")
    await until(lambda: bool(rec.refused))
    assert "handshake" in rec.refused[0]
    assert rec.events == [] and h.status is LinkStatus.WAITING


async def test_wrong_secret_is_refused_and_reported(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, rec = host
    code = JoinCode.decode(h.join_code)
    bad = JoinCode(code.address, code.fingerprint, secrets.token_bytes(16)).encode()
    with pytest.raises(PairError, match="wrong join code"):
        await make_guest(Recorder()).connect(bad)
    await until(lambda: bool(rec.refused))
    assert rec.refused == ["wrong join code"] and h.failures == 1
    assert rec.events == [] and h.status is LinkStatus.WAITING


async def test_wrong_fingerprint_is_refused_before_any_secret(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, rec = host
    other = make_host(Recorder())  # a second host: its certificate, not ours
    code = JoinCode.decode(h.join_code)
    swapped = JoinCode(code.address, other._cert.fingerprint, code.secret)
    with pytest.raises(PairError, match="certificate does not match"):
        await make_guest(Recorder()).connect(swapped.encode())
    await until(lambda: bool(rec.refused))  # the host saw a connection close without a hello
    assert h.failures == 0 and rec.events == [] and h.status is LinkStatus.WAITING


async def test_a_silent_client_is_closed_after_the_handshake_timeout(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, rec = host
    hp = JoinCode.decode(h.join_code).host_port
    plain_reader, plain_writer = await asyncio.open_connection(*hp)  # no TLS, no word
    tls_reader, tls_writer = await raw_tls(h)  # TLS, then no hello
    async with asyncio.timeout(FAST.handshake * 4):
        assert await plain_reader.read() == b""
        assert await closing_reason(tls_reader) == "handshake timed out"
    assert rec.refused.count("handshake timed out") == 2
    assert rec.events == [] and h.status is LinkStatus.WAITING
    plain_writer.close()
    tls_writer.close()


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (struct.pack(">I", 2 * 1024 * 1024), "exceeds the 1048576-byte limit"),
        (struct.pack(">I", 5) + b"{nope", "not valid JSON"),
        (struct.pack(">I", 16) + b'{"type":"shout"}', "unknown message type"),
    ],
)
async def test_a_bad_frame_before_auth_closes_with_a_reason(
    host: tuple[PairHost[AnswerChanged], Recorder], frame: bytes, reason: str
) -> None:
    h, rec = host
    reader, writer = await raw_tls(h)
    writer.write(frame)
    assert reason in await closing_reason(reader)
    assert rec.refused and reason in rec.refused[0]
    assert rec.events == [] and h.status is LinkStatus.WAITING
    writer.close()


async def test_a_third_client_is_told_already_paired(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, rec = host
    async with joined(h.join_code) as g:
        g.send_event("answer_changed", {"text": "mine"})
        await until(lambda: len(rec.events) == 1)
        with pytest.raises(PairError, match="already paired"):
            await make_guest(Recorder()).connect(h.join_code)
        assert g.status is LinkStatus.PAIRED and h.status is LinkStatus.PAIRED
        assert [e.text for e in rec.events] == ["mine"]


async def test_five_wrong_codes_lock_until_resumed(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, rec = host
    code = JoinCode.decode(h.join_code)
    for _ in range(MAX_FAILURES):
        bad = JoinCode(code.address, code.fingerprint, secrets.token_bytes(16)).encode()
        with pytest.raises(PairError, match="wrong join code"):
            await make_guest(Recorder()).connect(bad)
    assert h.status is LinkStatus.LOCKED
    with pytest.raises(PairError, match="not accepting"):
        await make_guest(Recorder()).connect(h.join_code)  # even the right code, for now
    h.resume_accepting()
    assert h.status is LinkStatus.WAITING and h.failures == 0
    async with joined(h.join_code) as g:
        assert g.status is LinkStatus.PAIRED
    assert rec.events == []


# -- hostile peers after authentication ------------------------------------------------------


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        (lambda h: [struct.pack(">I", 1024 * 1024 + 1)], "exceeds"),
        (lambda h: [struct.pack(">I", 3) + b"{{{"], "not valid JSON"),
        (lambda h: [struct.pack(">I", 15) + b'{"type":"boom"}'], "unknown message type"),
        (lambda h: [event(h, 1)], "replayed sequence number 1"),
        (lambda h: [event(h, 3)], "out-of-order sequence number 3"),
        (lambda h: [event(h, 2, kind="delete_everything")], "invalid 'delete_everything' event"),
        (
            lambda h: [
                encode(
                    Event(
                        session_id=h.session_id, seq=2, kind="answer_changed", payload={"text": 5}
                    )
                )
            ],
            "invalid 'answer_changed' event",
        ),
    ],
)
async def test_a_bad_message_from_the_guest_closes_the_link_and_changes_nothing(
    host: tuple[PairHost[AnswerChanged], Recorder],
    frames: Callable[[PairHost[Any]], list[bytes]],
    reason: str,
) -> None:
    h, rec = host
    reader, writer = await raw_join(h)
    writer.write(event(h, 1, "first"))  # one good event, so "unchanged" means something
    await until(lambda: len(rec.events) == 1)
    for frame in frames(h):
        writer.write(frame)
    assert reason in await closing_reason(reader)
    assert [e.text for e in rec.events] == ["first"] and h.last_event_seq == 1
    assert reason in rec.refused[-1]
    writer.close()


# -- resume ----------------------------------------------------------------------------------


class Proxy:
    """A loopback TCP relay between guest and host that can drop, block and freeze the link."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.blocked = False  # new connections are cut at once
        self.frozen = False  # bytes stop flowing, connections stay open
        self.frozen_down = False  # only host-to-guest bytes (acks, views) stop
        self.pipes: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.blocked:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.pipes += [writer, up_writer]
        await asyncio.gather(
            self._pump(reader, up_writer, False), self._pump(up_reader, writer, True)
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, down: bool
    ) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while data := await reader.read(4096):
                while self.frozen or (down and self.frozen_down):
                    await asyncio.sleep(0.01)
                writer.write(data)
                await writer.drain()
        writer.transport.abort()

    def drop(self) -> None:
        for w in self.pipes:
            w.transport.abort()
        self.pipes.clear()

    async def stop(self) -> None:
        self.drop()
        assert self.server is not None
        self.server.close()


async def proxied(h: PairHost[Any]) -> tuple[Proxy, str]:
    code = JoinCode.decode(h.join_code)
    proxy = Proxy(code.host_port)
    await proxy.start()
    return proxy, JoinCode(f"127.0.0.1:{proxy.port}", code.fingerprint, code.secret).encode()


async def test_a_dropped_link_resumes_with_nothing_lost_or_doubled(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, hrec = host
    proxy, code = await proxied(h)
    grec = Recorder()
    try:
        async with joined(code, grec) as g:
            texts = [f"answer {i}" for i in range(60)]
            for i, text in enumerate(texts):
                g.send_event("answer_changed", {"text": text})
                if i % 10 == 0:
                    h.send_view({"n": i})
                if i == 10:
                    proxy.frozen_down = True  # the host applies events 11-20, no ack gets back
                if i == 20:
                    await until(lambda: len(hrec.events) == 21)
                    assert len(g.outbox) >= 10  # applied by the host, unknown to the guest
                    proxy.blocked = True
                    proxy.drop()  # mid-stream: applied-but-unacked and unsent events
                    proxy.frozen_down = False
                if i == 40:
                    proxy.blocked = False  # the link comes back
                await asyncio.sleep(0.005)
            await until(lambda: len(hrec.events) == len(texts), timeout=5)
            await until(lambda: not g.outbox)
            assert [e.text for e in hrec.events] == texts
            assert LinkStatus.RECONNECTING in [s for s, _ in grec.statuses]
            assert LinkStatus.RECONNECTING in [s for s, _ in hrec.statuses]
            await until(lambda: bool(grec.views) and grec.views[-1][0] == {"n": 50})
            seqs = [s for _, s in grec.views]
            assert seqs == sorted(set(seqs))  # no view applied twice or out of order
    finally:
        await proxy.stop()


async def test_silence_means_reconnecting_and_heartbeats_keep_it_paired(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, hrec = host
    proxy, code = await proxied(h)
    grec = Recorder()
    try:
        async with joined(code, grec) as g:
            await asyncio.sleep(FAST.silence * 3)  # idle, but heartbeats flow
            assert g.status is LinkStatus.PAIRED and h.status is LinkStatus.PAIRED
            proxy.frozen = True
            await until(lambda: h.status is LinkStatus.RECONNECTING)
            await until(lambda: g.status is LinkStatus.RECONNECTING)
            assert "no word" in hrec.statuses[-1][1]
            proxy.frozen = False
            await until(lambda: g.status is LinkStatus.PAIRED and h.status is LinkStatus.PAIRED)
            g.send_event("answer_changed", {"text": "back"})
            await until(lambda: len(hrec.events) == 1)
    finally:
        await proxy.stop()


async def test_the_resume_window_ends_the_session(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    rec = Recorder()
    h = make_host(
        rec, timings=Timings(handshake=0.5, heartbeat=0.05, silence=0.3, resume_window=0.3)
    )
    await h.start()
    try:
        reader, writer = await raw_join(h)
        writer.transport.abort()
        await until(lambda: h.status is LinkStatus.RECONNECTING)
        await until(lambda: h.status is LinkStatus.ENDED)
        with pytest.raises(PairError, match="ended"):
            await make_guest(Recorder()).connect(h.join_code)
    finally:
        await h.stop()


async def test_a_stale_socket_is_replaced_but_a_live_one_is_not(tmp_path: Any) -> None:
    import socket

    path = str(tmp_path / "pair.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens: a crashed host's leftover
    first = make_host(Recorder(), socket_path=path)
    await first.start()
    try:
        second = make_host(Recorder(), socket_path=path)
        with pytest.raises(FileExistsError, match="in use"):
            await second.start()
        async with joined(first.join_code) as g:
            assert g.status is LinkStatus.PAIRED
    finally:
        await first.stop()


async def test_stopping_the_host_ends_the_guest(
    host: tuple[PairHost[AnswerChanged], Recorder],
) -> None:
    h, _ = host
    grec = Recorder()
    async with joined(h.join_code, grec) as g:
        await h.stop("time is up")
        await until(lambda: g.status is LinkStatus.ENDED)
        assert "time is up" in grec.statuses[-1][1]
        with pytest.raises(PairError, match="not joined"):
            g.send_event("answer_changed", {"text": "late"})
