"""The observer seat of the pair link, over loopback and Unix sockets with bounded waits.

The observer has its own code; the host's welcome says (under a MAC) which seat a code
opened; the observer's connection can never carry an event into the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.test_pair_link import (
    FAST,
    AnswerChanged,
    Proxy,
    Recorder,
    closing_reason,
    joined,
    make_guest,
    raw_tls,
    until,
    validate_event,
)
from trainer.core.pair import JoinCode, LinkStatus, PairError, PairHost, certs
from trainer.core.pair.link import MAX_FAILURES, _mac
from trainer.core.pair.messages import (
    PROTOCOL,
    Auth,
    Challenge,
    Event,
    Hello,
    Welcome,
    encode,
    read_message,
)


def observer_host(rec: Recorder, obs: list[tuple[LinkStatus, str]], **kw: Any) -> Any:
    return PairHost(
        on_event=rec.events.append,
        validate_event=validate_event,
        on_status=lambda s, r: rec.statuses.append((s, r)),
        on_refused=rec.refused.append,
        on_observer_status=lambda s, r: obs.append((s, r)),
        timings=kw.pop("timings", FAST),
        observer=True,
        **kw,
    )


@pytest.fixture
async def host() -> AsyncIterator[tuple[PairHost[AnswerChanged], Recorder, list[Any]]]:
    rec, obs = Recorder(), list[tuple[LinkStatus, str]]()
    h = observer_host(rec, obs)
    await h.start()
    yield h, rec, obs
    await h.stop()


async def raw_observer(h: PairHost[Any]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A hand-driven observer past authentication, to send what a real one never would."""
    assert h.observer_code is not None
    code = JoinCode.decode(h.observer_code)
    reader, writer = await raw_tls(h)
    nonce = secrets.token_hex(16)
    writer.write(encode(Hello(protocol=PROTOCOL, client_nonce=nonce)))
    ch = await read_message(reader)
    assert isinstance(ch, Challenge)
    writer.write(
        encode(Auth(mac=_mac(code.secret, b"guest", code.fingerprint, ch.server_nonce, nonce)))
    )
    welcome = await read_message(reader)
    assert isinstance(welcome, Welcome) and welcome.role == "observer"
    return reader, writer


def test_the_observer_code_is_its_own_and_only_with_the_option() -> None:
    rec = Recorder()
    h = observer_host(rec, [])
    assert h.observer_code is not None and h.observer_code != h.join_code
    guest, observer = JoinCode.decode(h.join_code), JoinCode.decode(h.observer_code)
    assert guest.fingerprint == observer.fingerprint and guest.address == observer.address
    assert guest.secret != observer.secret and len(observer.secret) == 16
    plain = PairHost(on_event=rec.events.append, validate_event=validate_event)
    assert plain.observer_code is None


async def test_each_code_opens_its_own_seat_and_views_stay_apart(
    host: tuple[PairHost[AnswerChanged], Recorder, list[Any]],
) -> None:
    h, rec, obs = host
    assert h.observer_code is not None
    orec, grec = Recorder(), Recorder()
    async with joined(h.observer_code, orec) as o:  # early: before the guest
        assert o.role == "observer" and o.status is LinkStatus.PAIRED
        await until(lambda: h.observer_status is LinkStatus.PAIRED)
        assert h.status is LinkStatus.WAITING  # the guest's seat is still free
        async with joined(h.join_code, grec) as g:
            assert g.role == "guest"
            await until(lambda: h.status is LinkStatus.PAIRED)
            h.send_view({"for": "guest"})
            h.send_observer_view({"for": "observer"})
            await until(lambda: bool(grec.views) and bool(orec.views))
            await asyncio.sleep(0.05)
            assert grec.views == [({"for": "guest"}, 1)]
            assert orec.views == [({"for": "observer"}, 1)]
            with pytest.raises(PairError, match="observer sends nothing"):
                o.send_event("answer_changed", {"text": "hi"})
            g.send_event("answer_changed", {"text": "mine"})
            await until(lambda: len(rec.events) == 1)
    assert [s for s, _ in obs][:1] == [LinkStatus.PAIRED]


async def test_the_observer_may_join_late(
    host: tuple[PairHost[AnswerChanged], Recorder, list[Any]],
) -> None:
    h, rec, _ = host
    assert h.observer_code is not None
    async with joined(h.join_code) as g:
        g.send_event("answer_changed", {"text": "a"})
        await until(lambda: len(rec.events) == 1)
        for n in range(3):
            h.send_observer_view({"n": n})  # before the observer is there
        orec = Recorder()
        async with joined(h.observer_code, orec) as o:
            assert o.role == "observer"
            await until(lambda: bool(orec.views))
            assert orec.views[-1] == ({"n": 2}, 3)
        assert g.status is LinkStatus.PAIRED and h.status is LinkStatus.PAIRED


async def test_a_second_observer_is_refused_and_the_first_stays(
    host: tuple[PairHost[AnswerChanged], Recorder, list[Any]],
) -> None:
    h, rec, _ = host
    assert h.observer_code is not None
    async with joined(h.join_code), joined(h.observer_code) as first:
        with pytest.raises(PairError, match="already has its observer"):
            await make_guest(Recorder()).connect(h.observer_code)
        with pytest.raises(PairError, match="already paired: this session has its guest"):
            await make_guest(Recorder()).connect(h.join_code)
        assert first.status is LinkStatus.PAIRED and h.observer_connected
        assert h.failures == 0  # the right code, a taken seat: not a guess


async def test_a_wrong_code_is_counted_and_locks_both_seats() -> None:
    rec, obs = Recorder(), list[tuple[LinkStatus, str]]()
    h = observer_host(rec, obs)
    await h.start()
    try:
        assert h.observer_code is not None
        code = JoinCode.decode(h.join_code)
        for _ in range(MAX_FAILURES):
            bad = JoinCode(code.address, code.fingerprint, secrets.token_bytes(16)).encode()
            with pytest.raises(PairError, match="wrong join code"):
                await make_guest(Recorder()).connect(bad)
        assert h.status is LinkStatus.LOCKED and h.failures == MAX_FAILURES
        with pytest.raises(PairError, match="not accepting"):
            await make_guest(Recorder()).connect(h.observer_code)
        h.resume_accepting()
        async with joined(h.observer_code) as o:
            assert o.role == "observer"
    finally:
        await h.stop()


async def test_a_host_without_the_seat_refuses_any_other_code() -> None:
    rec = Recorder()
    h = PairHost(
        on_event=rec.events.append,
        validate_event=validate_event,
        on_refused=rec.refused.append,
        timings=FAST,
    )
    await h.start()
    try:
        other = observer_host(Recorder(), [])  # an observer code from elsewhere, our address
        code = JoinCode.decode(h.join_code)
        assert other.observer_code is not None
        foreign = JoinCode(
            code.address, code.fingerprint, JoinCode.decode(other.observer_code).secret
        )
        with pytest.raises(PairError, match="wrong join code"):
            await make_guest(Recorder()).connect(foreign.encode())
        assert h.failures == 1
    finally:
        await h.stop()


async def test_an_observer_event_is_refused_and_closes_its_connection(
    host: tuple[PairHost[AnswerChanged], Recorder, list[Any]],
) -> None:
    h, rec, obs = host
    async with joined(h.join_code) as g:
        g.send_event("answer_changed", {"text": "first"})
        await until(lambda: len(rec.events) == 1)
        reader, writer = await raw_observer(h)
        await until(lambda: h.observer_connected)
        # A well-formed event, with the right session and the next seq: still refused.
        writer.write(
            encode(
                Event(
                    session_id=h.session_id,
                    seq=2,
                    kind="answer_changed",
                    payload={"text": "from the observer"},
                )
            )
        )
        reason = await closing_reason(reader)
        assert "an observer cannot send events" in reason
        assert [e.text for e in rec.events] == ["first"] and h.last_event_seq == 1
        assert "an observer cannot send events" in rec.refused[-1]
        await until(lambda: h.observer_status is LinkStatus.RECONNECTING)
        assert g.status is LinkStatus.PAIRED and h.status is LinkStatus.PAIRED
        writer.close()
        g.send_event("answer_changed", {"text": "second"})  # the guest's seq goes on
        await until(lambda: len(rec.events) == 2)


async def test_an_observer_hint_frame_never_reaches_the_handler(
    host: tuple[PairHost[AnswerChanged], Recorder, list[Any]],
) -> None:
    h, rec, _ = host
    reader, writer = await raw_observer(h)
    writer.write(encode(Event(session_id=h.session_id, seq=1, kind="hint_given", payload={})))
    assert "cannot send events" in await closing_reason(reader)
    assert rec.events == [] and h.last_event_seq == 0
    writer.close()


async def test_a_dropped_observer_resumes_and_gets_the_views_it_missed(
    host: tuple[PairHost[AnswerChanged], Recorder, list[Any]],
) -> None:
    h, _, obs = host
    assert h.observer_code is not None
    real = JoinCode.decode(h.observer_code)
    proxy = Proxy(real.host_port)
    await proxy.start()
    code = JoinCode(f"127.0.0.1:{proxy.port}", real.fingerprint, real.secret).encode()
    orec = Recorder()
    try:
        async with joined(code, orec) as o:
            h.send_observer_view({"n": 1})
            await until(lambda: len(orec.views) == 1)
            proxy.blocked = True
            proxy.drop()
            await until(lambda: o.status is LinkStatus.RECONNECTING)
            await until(lambda: h.observer_status is LinkStatus.RECONNECTING)
            h.send_observer_view({"n": 2})  # while the link is down
            h.send_observer_view({"n": 3})
            proxy.blocked = False
            await until(lambda: o.status is LinkStatus.PAIRED and h.observer_connected)
            await until(lambda: len(orec.views) == 3)
            assert orec.views == [({"n": 1}, 1), ({"n": 2}, 2), ({"n": 3}, 3)]
            assert o.role == "observer"
            assert [s for s, _ in obs].count(LinkStatus.PAIRED) == 2
    finally:
        await proxy.stop()


async def test_the_observer_on_a_unix_socket(tmp_path: Any) -> None:
    rec, obs = Recorder(), list[tuple[LinkStatus, str]]()
    h = observer_host(rec, obs, socket_path=str(tmp_path / "pair.sock"))
    await h.start()
    try:
        assert h.observer_code is not None
        orec = Recorder()
        async with joined(h.observer_code, orec) as o:
            assert o.role == "observer"
            h.send_observer_view({"n": 1})
            await until(lambda: len(orec.views) == 1)
    finally:
        await h.stop()
    assert obs[-1][0] is LinkStatus.ENDED


async def test_an_observer_leaving_does_not_end_the_session(
    host: tuple[PairHost[AnswerChanged], Recorder, list[Any]],
) -> None:
    h, rec, obs = host
    assert h.observer_code is not None
    async with joined(h.join_code) as g:
        async with joined(h.observer_code):
            await until(lambda: h.observer_connected)
        await until(lambda: h.observer_status is LinkStatus.ENDED)
        assert h.status is LinkStatus.PAIRED and g.status is LinkStatus.PAIRED
        async with joined(h.observer_code) as again:  # a deliberate leave frees the seat
            assert again.role == "observer"


# -- the role in the welcome is proven by the host's MAC -------------------------------------


async def fake_host(role_label: bytes, said_role: str) -> tuple[asyncio.Server, str]:
    """A host with the right certificate and secret whose welcome claims `said_role` but is
    MAC'd with `role_label`: a real host never sends that mismatch."""
    cert = certs.make_certificate()
    ctx = certs.server_context(cert)
    secret = secrets.token_bytes(16)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            hello = await read_message(reader)
            assert isinstance(hello, Hello)
            nonce = secrets.token_hex(16)
            writer.write(encode(Challenge(server_nonce=nonce, session_id="ab" * 8)))
            await read_message(reader)
            mac = _mac(secret, role_label, cert.fingerprint, nonce, hello.client_nonce)
            writer.write(
                encode(
                    Welcome(session_id="ab" * 8, last_event_seq=0, mac=mac, role=said_role)  # type: ignore[arg-type]
                )
            )
            await reader.read()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=ctx)
    port = server.sockets[0].getsockname()[1]
    return server, JoinCode(f"127.0.0.1:{port}", cert.fingerprint, secret).encode()


@pytest.mark.parametrize(("label", "said"), [(b"host", "observer"), (b"host-observer", "guest")])
async def test_a_welcome_whose_role_does_not_match_its_mac_is_refused(
    label: bytes, said: str
) -> None:
    server, code = await fake_host(label, said)
    try:
        with pytest.raises(PairError, match="could not prove"):
            await make_guest(Recorder()).connect(code)
    finally:
        server.close()


@pytest.mark.parametrize(("label", "said"), [(b"host", "guest"), (b"host-observer", "observer")])
async def test_a_welcome_proven_for_its_role_is_taken(label: bytes, said: str) -> None:
    server, code = await fake_host(label, said)
    g = make_guest(Recorder())
    try:
        await g.connect(code)
        assert g.role == said
    finally:
        await g.close()
        server.close()
