"""The pair link: `PairHost` (holds the session, serves one guest) and `PairGuest` (joins it).

Both are asyncio objects; every loop is bounded by a timeout or by `stop()`/`close()`, which
cancel it. The payloads of events and views are plain JSON objects checked by validators the
caller passes in, so the pair engine's typed events and seat views plug in without this module
knowing them. See docs/pairing.md for the protocol and the security design.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import hmac
import ipaddress
import os
import secrets
import socket
import stat
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from trainer.core.pair import certs
from trainer.core.pair.codes import JoinCode, JoinCodeError, new_secret
from trainer.core.pair.messages import (
    MAX_FRAME,
    PROTOCOL,
    Ack,
    Auth,
    Bye,
    Challenge,
    Error,
    Event,
    Heartbeat,
    Hello,
    JoinRole,
    Message,
    ProtocolError,
    Refused,
    View,
    Welcome,
    encode,
    read_message,
)

E = TypeVar("E")
V = TypeVar("V")

MAX_FAILURES = 5
MAX_BACKLOG = 8 * 1024 * 1024  # bytes queued for a guest that does not read: then close
VIEW_HISTORY = 256  # views kept for replay after a resume; older gaps get the latest view


class LinkStatus(enum.StrEnum):
    WAITING = "waiting"  # host: listening, no guest yet
    CONNECTING = "connecting"  # guest: first connection under way
    PAIRED = "paired"
    RECONNECTING = "reconnecting"  # the link went silent or dropped; resume is possible
    LOCKED = "locked"  # host: too many wrong codes, refusing until resume_accepting()
    ENDED = "ended"  # a deliberate bye, an expired resume window, or stop()/close()


@dataclass(frozen=True)
class Timings:
    """All times in seconds; tests shrink them, the defaults are the protocol's."""

    handshake: float = 10.0
    heartbeat: float = 5.0
    silence: float = 15.0
    resume_window: float = 600.0
    retry_min: float = 0.2  # guest reconnect back-off
    retry_max: float = 3.0


class PairError(Exception):
    """Joining failed: refused by the host, pin mismatch, timeout, or unreachable."""


class PairRefused(PairError):
    """Final: the host said no, or is not the host the code names. Retrying will not help."""


#: The label of the host's `welcome` MAC per admitted role: the role is proven, not just said.
_WELCOME_LABEL: dict[str, bytes] = {"guest": b"host", "observer": b"host-observer"}


def _mac(secret: bytes, role: bytes, fp: bytes, server_nonce: str, client_nonce: str) -> str:
    """HMAC-SHA256 over the role, the pinned certificate and both nonces: never replayable
    on another connection, never usable against another host, never the secret itself."""
    msg = b"trainer-pair-v1\0" + role + b"\0" + fp + server_nonce.encode() + client_nonce.encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def _send(writer: asyncio.StreamWriter, msg: Message) -> None:
    writer.write(encode(msg))
    await writer.drain()


async def _close(writer: asyncio.StreamWriter, last: Message | None = None) -> None:
    """Best effort, bounded: say why, then close."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(1.0):
            if last is not None:
                await _send(writer, last)
            writer.close()
            await writer.wait_closed()
    if not writer.is_closing():
        writer.transport.abort()


def _bind_unix(path: str) -> socket.socket:
    """A listening Unix socket readable by its owner only; never replaces a regular file."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISSOCK(st.st_mode):
            raise FileExistsError(f"{path} exists and is not a socket; refusing to replace it")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # a stale socket left by a crashed host
        else:
            raise FileExistsError(f"{path} is in use by a running host")
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(path)
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(4)
    sock.setblocking(False)
    return sock


async def _take_over(old: _Link | None, new: _Link) -> None:
    """A seat's new connection replaces the old one (it came back before the drop showed)."""
    new.task = asyncio.current_task()
    if old is not None:
        if old.task is not None:
            old.task.cancel()
        await _close(old.writer, Error(reason="replaced by a resumed connection"))


class _Link:
    """One authenticated connection on the host side. Frames written in one turn of the event
    loop (a view and its event's ack) leave as one TLS record and one system call."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.task: asyncio.Task[None] | None = None
        self._out: list[bytes] = []

    def queue(self, frame: bytes) -> None:
        if not self._out:
            asyncio.get_running_loop().call_soon(self._flush)
        self._out.append(frame)

    def _flush(self) -> None:
        data, self._out = b"".join(self._out), []
        if not self.writer.is_closing():
            self.writer.write(data)

    def backlog(self) -> int:
        return self.writer.transport.get_write_buffer_size() + sum(map(len, self._out))


class PairHost(Generic[E]):
    """Serves one guest and, with `observer=True`, one read-only observer.

    Callbacks: `on_event(event)` with each validated, in-order, new event from the guest;
    `on_status(status, reason)` for the guest's link; `on_observer_status(status, reason)`
    for the observer's; `on_refused(reason)` for every refused or broken connection.
    The observer has its own code (its own secret, the same pin and address) and its own
    view stream; it can never send an event: any `event` frame closes its connection.
    """

    def __init__(
        self,
        *,
        on_event: Callable[[E], None],
        validate_event: Callable[[str, dict[str, Any]], E],
        on_status: Callable[[LinkStatus, str], None] | None = None,
        on_refused: Callable[[str], None] | None = None,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        socket_path: str | None = None,
        timings: Timings = Timings(),  # noqa: B008 (frozen dataclass)
        max_frame: int = MAX_FRAME,
        observer: bool = False,
        on_observer_status: Callable[[LinkStatus, str], None] | None = None,
    ) -> None:
        self._on_event = on_event
        self._validate = validate_event
        self._on_status = on_status
        self._on_refused = on_refused
        self._listen = listen
        self._socket_path = socket_path
        self.timings = timings
        self._max_frame = max_frame
        self._cert = certs.make_certificate()
        self._ctx = certs.server_context(self._cert)
        self._secret = new_secret()
        self.session_id = secrets.token_hex(8)
        self.status = LinkStatus.WAITING
        self.failures = 0
        self.last_event_seq = 0
        self._view_seq = 0
        self._views: deque[View] = deque(maxlen=VIEW_HISTORY)
        self._joined = False
        self._link: _Link | None = None
        self._server: asyncio.Server | None = None
        self._expiry: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self.address = ""
        # The observer's seat: its own secret, views and link; None secret = no observer seat.
        self._observer_secret = new_secret() if observer else None
        self._on_observer_status = on_observer_status
        self.observer_status = LinkStatus.WAITING
        self._observer_joined = False
        self._observer_link: _Link | None = None
        self._observer_view_seq = 0
        self._observer_views: deque[View] = deque(maxlen=VIEW_HISTORY)

    # -- life cycle -------------------------------------------------------------------------

    @property
    def exposed(self) -> bool:
        """Listening beyond this machine (a deliberate choice the UI should warn about)."""
        return self._socket_path is None and not is_loopback(self._listen[0])

    @property
    def join_code(self) -> str:
        return JoinCode(self.address, self._cert.fingerprint, self._secret).encode()

    @property
    def observer_code(self) -> str | None:
        """The observer's join code (same address and pin, its own secret); None without one."""
        if self._observer_secret is None:
            return None
        return JoinCode(self.address, self._cert.fingerprint, self._observer_secret).encode()

    @property
    def observer_connected(self) -> bool:
        return self._observer_link is not None

    async def start(self) -> None:
        if self._socket_path is not None:
            sock = _bind_unix(self._socket_path)
            self._server = await asyncio.start_unix_server(self._accept, sock=sock)
            self.address = "unix:" + self._socket_path
        else:
            host, port = self._listen
            self._server = await asyncio.start_server(self._accept, host, port)
            bound = self._server.sockets[0].getsockname()
            self.address = _format_address(host, int(bound[1]))

    async def stop(self, reason: str = "the host ended the session") -> None:
        if self._server is not None:
            self._server.close()
        for link in (self._link, self._observer_link):
            if link is not None:
                if link.task is not None and link.task is not asyncio.current_task():
                    link.task.cancel()
                await _close(link.writer, Bye(reason=reason))
        self._link = self._observer_link = None
        for task in list(self._handlers):
            task.cancel()
        if self._expiry is not None:
            self._expiry.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await self._server.wait_closed()
            self._server = None
        if self._socket_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._socket_path)
        self._set_status(LinkStatus.ENDED, reason)
        self._set_observer_status(LinkStatus.ENDED, reason)

    def resume_accepting(self) -> None:
        """After a lockout: accept connections again, with a fresh failure count."""
        self.failures = 0
        if self.status is LinkStatus.LOCKED:
            if self._link is not None:
                status = LinkStatus.PAIRED  # the guest stayed linked through the lockout
            elif self._joined:
                status = LinkStatus.RECONNECTING
            else:
                status = LinkStatus.WAITING
            self._set_status(status, "accepting again")

    def send_view(self, payload: dict[str, Any]) -> int:
        """Send the guest its seat view (a JSON object); kept for replay after a resume.
        Synchronous so an event handler can answer at once; the transport buffers it."""
        self._view_seq += 1
        view = View(session_id=self.session_id, seq=self._view_seq, payload=payload)
        self._views.append(view)
        if self._link is not None:
            self._link.queue(encode(view))
        return self._view_seq

    def send_observer_view(self, payload: dict[str, Any]) -> int:
        """Send the observer its view; kept for replay like the guest's. An observer that
        stops reading while more than `MAX_BACKLOG` bytes wait is disconnected."""
        self._observer_view_seq += 1
        view = View(session_id=self.session_id, seq=self._observer_view_seq, payload=payload)
        self._observer_views.append(view)
        link = self._observer_link
        if link is not None:
            link.queue(encode(view))
            if link.backlog() > MAX_BACKLOG:
                self._refuse_reported("the observer is not reading what the host sends")
                link.writer.transport.abort()
        return self._observer_view_seq

    # -- internals --------------------------------------------------------------------------

    def _set_status(self, status: LinkStatus, reason: str = "") -> None:
        if status is not self.status:
            self.status = status
            if self._on_status is not None:
                self._on_status(status, reason)

    def _set_observer_status(self, status: LinkStatus, reason: str = "") -> None:
        if self._observer_secret is not None and status is not self.observer_status:
            self.observer_status = status
            if self._on_observer_status is not None:
                self._on_observer_status(status, reason)

    def _locked(self) -> bool:
        return self.status is LinkStatus.LOCKED

    def _refuse_reported(self, reason: str) -> None:
        if self._on_refused is not None:
            self._on_refused(reason)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._handlers.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(self.timings.handshake):
                await writer.start_tls(self._ctx)
                refusal, role = await self._handshake(reader, writer)
        except TimeoutError:
            self._refuse_reported("handshake timed out")
            await _close(writer, Refused(reason="handshake timed out"))
            return
        except ProtocolError as exc:
            self._refuse_reported(exc.reason)
            await _close(writer, Error(reason=exc.reason))
            return
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
            self._refuse_reported(f"connection failed during the handshake: {exc or 'closed'}")
            await _close(writer)
            return
        if refusal is not None:
            self._refuse_reported(refusal)
            await _close(writer, Refused(reason=refusal))
            return
        if role == "observer":
            await self._run_observer(reader, writer)
        else:
            await self._run_link(reader, writer)

    async def _handshake(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[str | None, JoinRole]:
        """(None, role) when the guest or the observer is in; otherwise (the refusal's reason,
        the role asked for so far). Which seat a code opens is known only from its MAC."""
        hello = await read_message(reader, self._max_frame)
        if not isinstance(hello, Hello):
            raise ProtocolError(f"expected hello, got {hello.type}")
        if hello.protocol != PROTOCOL:
            return (
                f"protocol {hello.protocol} is not supported (this host speaks {PROTOCOL})",
                "guest",
            )
        if self.status is LinkStatus.ENDED:
            return "the session has ended", "guest"
        if self.status is LinkStatus.LOCKED:
            return "the host is not accepting: too many wrong codes", "guest"
        fresh = hello.session_id != self.session_id
        if self._joined and fresh and self._observer_secret is None:
            return "already paired: this session has its guest", "guest"
        if hello.session_id is not None and hello.session_id != self.session_id:
            return "unknown session", "guest"
        server_nonce = secrets.token_hex(16)
        await _send(writer, Challenge(server_nonce=server_nonce, session_id=self.session_id))
        auth = await read_message(reader, self._max_frame)
        if not isinstance(auth, Auth):
            raise ProtocolError(f"expected auth, got {auth.type}")
        role = self._role_of(auth.mac, server_nonce, hello.client_nonce)
        if role is None:
            self.failures += 1
            if self.failures >= MAX_FAILURES:
                self._set_status(LinkStatus.LOCKED, f"{self.failures} wrong codes")
            return "wrong join code", "guest"
        if self._locked():  # another connection may have locked the host meanwhile
            return "the host is not accepting: too many wrong codes", role
        if fresh and role == "guest" and self._joined:
            return "already paired: this session has its guest", role
        if fresh and role == "observer" and self._observer_joined:
            return "this session already has its observer", role
        if role == "observer":
            self._observer_joined = True  # claimed now: a second observer racing in is refused
        secret = self._secret if role == "guest" else self._observer_secret
        assert secret is not None
        proof = _mac(
            secret,
            _WELCOME_LABEL[role],
            self._cert.fingerprint,
            server_nonce,
            hello.client_nonce,
        )
        applied = self.last_event_seq if role == "guest" else 0
        views = self._views if role == "guest" else self._observer_views
        try:
            await _send(
                writer,
                Welcome(session_id=self.session_id, last_event_seq=applied, mac=proof, role=role),
            )
            missed = [v for v in views if v.seq > auth.last_view_seq]
            if missed and missed[0].seq != auth.last_view_seq + 1:
                missed = missed[-1:]  # the gap is older than the history: the latest full view
            for view in missed:
                await _send(writer, view)
        except BaseException:
            if role == "observer" and fresh:
                self._observer_joined = False  # never got in: the seat is free again
            raise
        return None, role

    def _role_of(self, mac: str, server_nonce: str, client_nonce: str) -> JoinRole | None:
        """Which code the MAC was made with: the guest's, the observer's, or neither.
        Both comparisons always run, in constant time."""
        fp = self._cert.fingerprint
        guest = hmac.compare_digest(
            _mac(self._secret, b"guest", fp, server_nonce, client_nonce), mac
        )
        observer = False
        if self._observer_secret is not None:
            observer = hmac.compare_digest(
                _mac(self._observer_secret, b"guest", fp, server_nonce, client_nonce), mac
            )
        if guest:
            return "guest"
        return "observer" if observer else None

    async def _run_link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = _Link(reader, writer)
        old, self._link = self._link, link
        await _take_over(old, link)
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        self._joined = True
        self._set_status(LinkStatus.PAIRED, "guest connected")

        def frame(msg: Message) -> bool:
            if isinstance(msg, Bye):
                self._link = None
                self._set_status(LinkStatus.ENDED, f"the guest left: {msg.reason}")
                return True
            if not isinstance(msg, Event):
                raise ProtocolError(f"unexpected {msg.type} message from the guest")
            self._apply(msg)
            link.queue(encode(Ack(seq=msg.seq)))
            if link.backlog() > MAX_BACKLOG:
                raise ProtocolError("the guest is not reading what the host sends")
            return False

        reason, last = await self._read_seat(link, "guest", frame)
        if self._link is link:
            self._link = None
            self._set_status(LinkStatus.RECONNECTING, reason)
            self._expiry = asyncio.create_task(self._expire())
        await _close(writer, last)

    async def _read_seat(
        self, link: _Link, who: str, frame: Callable[[Message], bool]
    ) -> tuple[str, Message | None]:
        """Read one seat's frames until `frame` says it left, silence, a refusal or a drop.

        Heartbeats are answered here; every other frame goes to `frame`, which raises
        ProtocolError to refuse it. Returns why the link ended and the last frame to send.
        """
        reason = "the connection closed"
        last: Message | None = None
        heart = asyncio.create_task(_heartbeat(link.writer, self.timings.heartbeat))
        silence = self.timings.silence
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(silence) as quiet:  # one timer, pushed back per frame
                while True:
                    msg = await read_message(link.reader, self._max_frame)
                    quiet.reschedule(loop.time() + silence)
                    if isinstance(msg, Heartbeat):
                        continue
                    if frame(msg):
                        break
        except TimeoutError:
            reason = f"no word from the {who} for {silence:g} s"
        except ProtocolError as exc:
            reason = exc.reason
            last = Error(reason=exc.reason)
            self._refuse_reported(exc.reason)
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            heart.cancel()
        return reason, last

    def _apply(self, msg: Event) -> None:
        """Checks first, handler last: a bad event never reaches the session."""
        if msg.session_id != self.session_id:
            raise ProtocolError("event for another session")
        if msg.seq <= self.last_event_seq:
            raise ProtocolError(f"replayed sequence number {msg.seq}")
        if msg.seq != self.last_event_seq + 1:
            raise ProtocolError(
                f"out-of-order sequence number {msg.seq} (expected {self.last_event_seq + 1})"
            )
        try:
            event = self._validate(msg.kind, msg.payload)
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            raise ProtocolError(f"invalid {msg.kind!r} event: {str(exc)[:200]}") from None
        self.last_event_seq = msg.seq
        self._on_event(event)

    async def _run_observer(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """The observer's connection: views go out; only heartbeats and bye may come in.
        Any event (or anything else) is refused before it touches the session."""
        link = _Link(reader, writer)
        old, self._observer_link = self._observer_link, link
        await _take_over(old, link)
        self._observer_joined = True
        self._set_observer_status(LinkStatus.PAIRED, "observer connected")

        def frame(msg: Message) -> bool:
            if isinstance(msg, Bye):
                self._observer_link = None
                self._observer_joined = False  # a deliberate leave frees the seat
                self._set_observer_status(LinkStatus.ENDED, f"the observer left: {msg.reason}")
                return True
            if isinstance(msg, Event):
                raise ProtocolError("an observer cannot send events into the session")
            raise ProtocolError(f"unexpected {msg.type} message from the observer")

        reason, last = await self._read_seat(link, "observer", frame)
        if self._observer_link is link:
            self._observer_link = None
            self._set_observer_status(LinkStatus.RECONNECTING, reason)
        await _close(writer, last)

    async def _expire(self) -> None:
        await asyncio.sleep(self.timings.resume_window)
        if self._link is None and self.status is not LinkStatus.ENDED:
            self._set_status(LinkStatus.ENDED, "the guest did not come back in time")


async def _heartbeat(writer: asyncio.StreamWriter, every: float) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while True:
            await asyncio.sleep(every)
            await _send(writer, Heartbeat())


class PairGuest(Generic[V]):
    """Joins a host with its code; resends unacknowledged events after a reconnect.
    Callbacks: `on_view(view, seq)` for each new view; `on_status(status, reason)`."""

    def __init__(
        self,
        *,
        on_view: Callable[[V, int], None],
        validate_view: Callable[[dict[str, Any]], V],
        on_status: Callable[[LinkStatus, str], None] | None = None,
        timings: Timings = Timings(),  # noqa: B008 (frozen dataclass)
        max_frame: int = MAX_FRAME,
    ) -> None:
        self._on_view = on_view
        self._validate = validate_view
        self._on_status = on_status
        self.timings = timings
        self._max_frame = max_frame
        self.status = LinkStatus.CONNECTING
        self.session_id: str | None = None
        self.last_view_seq = 0
        self._next_seq = 1
        self.outbox: deque[Event] = deque()  # sent or queued, not yet acknowledged
        self.role: JoinRole = "guest"  # the seat the code opened, as the host's welcome proved
        self._code: JoinCode | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    async def connect(self, code: str) -> None:
        """First join; raises `PairError` (or `JoinCodeError`) with a reason to show."""
        try:
            self._code = JoinCode.decode(code)
        except JoinCodeError as exc:
            raise PairError(str(exc)) from None
        reader, writer = await self._open()
        self._task = asyncio.create_task(self._run(reader, writer))

    def send_event(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an event in the outbox; sent now if linked, else after the reconnect."""
        if self.session_id is None or self.status is LinkStatus.ENDED:
            raise PairError("not joined")
        if self.role == "observer":
            raise PairError("an observer sends nothing into the session")
        event = Event(session_id=self.session_id, seq=self._next_seq, kind=kind, payload=payload)
        self._next_seq += 1
        self.outbox.append(event)
        writer = self._writer
        if writer is not None and not writer.is_closing():
            writer.write(encode(event))
        return event.seq

    async def close(self, reason: str = "the guest left") -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        writer, self._writer = self._writer, None
        if writer is not None:
            await _close(writer, Bye(reason=reason))
        self._set_status(LinkStatus.ENDED, reason)

    def _set_status(self, status: LinkStatus, reason: str = "") -> None:
        if status is not self.status:
            self.status = status
            if self._on_status is not None:
                self._on_status(status, reason)

    def _drop_acked(self, seq: int) -> None:
        while self.outbox and self.outbox[0].seq <= seq:
            self.outbox.popleft()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """One connection through the handshake; raises PairError with the reason."""
        code = self._code
        assert code is not None
        ctx = certs.client_context()
        try:
            async with asyncio.timeout(self.timings.handshake):
                if code.unix_path is not None:
                    reader, writer = await asyncio.open_unix_connection(
                        code.unix_path, ssl=ctx, server_hostname="trainer-pair"
                    )
                else:
                    host, port = code.host_port
                    reader, writer = await asyncio.open_connection(
                        host, port, ssl=ctx, server_hostname="trainer-pair"
                    )
                try:
                    await self._handshake(code, reader, writer)
                except BaseException:
                    writer.transport.abort()
                    raise
        except TimeoutError:
            raise PairError("the host did not answer in time") from None
        except ProtocolError as exc:
            raise PairError(f"protocol error: {exc.reason}") from None
        except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
            raise PairError(f"cannot reach the host: {exc or 'connection closed'}") from None
        return reader, writer

    async def _handshake(
        self, code: JoinCode, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if not certs.check_pin(writer.get_extra_info("ssl_object"), code.fingerprint):
            raise PairRefused("the host's certificate does not match the join code (wrong host?)")
        nonce = secrets.token_hex(16)
        await _send(
            writer, Hello(protocol=PROTOCOL, session_id=self.session_id, client_nonce=nonce)
        )
        msg = await read_message(reader, self._max_frame)
        if isinstance(msg, Refused | Error):
            raise PairRefused(f"refused by the host: {msg.reason}")
        if not isinstance(msg, Challenge):
            raise ProtocolError(f"expected challenge, got {msg.type}")
        if self.session_id is not None and msg.session_id != self.session_id:
            raise PairRefused("the host runs another session")
        mac = _mac(code.secret, b"guest", code.fingerprint, msg.server_nonce, nonce)
        await _send(writer, Auth(mac=mac, last_view_seq=self.last_view_seq))
        welcome = await read_message(reader, self._max_frame)
        if isinstance(welcome, Refused | Error):
            raise PairRefused(f"refused by the host: {welcome.reason}")
        if not isinstance(welcome, Welcome):
            raise ProtocolError(f"expected welcome, got {welcome.type}")
        label = _WELCOME_LABEL[welcome.role]
        proof = _mac(code.secret, label, code.fingerprint, msg.server_nonce, nonce)
        if not hmac.compare_digest(proof, welcome.mac):
            raise PairRefused("the host could not prove it knows the join code")
        if self.session_id is not None and welcome.role != self.role:
            raise PairRefused("the host changed this connection's role on a resume")
        self.role = welcome.role
        self.session_id = welcome.session_id
        self._drop_acked(welcome.last_event_seq)
        self._writer = writer
        self._set_status(LinkStatus.PAIRED, "joined")
        for event in self.outbox:  # sent before the drop but never acknowledged
            await _send(writer, event)

    async def _run(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve the link; on a drop, reconnect with back-off until the resume window ends."""
        while True:
            reason = await self._serve(reader, writer)
            self._writer = None
            await _close(writer)
            if reason is None:
                return
            self._set_status(LinkStatus.RECONNECTING, reason)
            deadline = time.monotonic() + self.timings.resume_window
            delay = self.timings.retry_min
            while True:
                if time.monotonic() >= deadline:
                    self._set_status(LinkStatus.ENDED, "could not reach the host in time")
                    return
                await asyncio.sleep(delay)
                try:
                    reader, writer = await self._open()
                    break
                except PairRefused as exc:
                    self._set_status(LinkStatus.ENDED, str(exc))
                    return
                except PairError:
                    delay = min(delay * 2, self.timings.retry_max)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> str | None:
        """None when the session ended for good; otherwise why the link dropped."""
        heart = asyncio.create_task(_heartbeat(writer, self.timings.heartbeat))
        silence = self.timings.silence
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(silence) as quiet:  # one timer, pushed back per frame
                while True:
                    msg = await read_message(reader, self._max_frame)
                    quiet.reschedule(loop.time() + silence)
                    if isinstance(msg, Heartbeat):
                        continue
                    if isinstance(msg, Ack):
                        self._drop_acked(msg.seq)
                    elif isinstance(msg, View):
                        if msg.seq > self.last_view_seq and msg.session_id == self.session_id:
                            try:
                                view = self._validate(msg.payload)
                            except (ValueError, TypeError) as exc:
                                raise ProtocolError(f"invalid view: {str(exc)[:200]}") from None
                            self.last_view_seq = msg.seq
                            self._on_view(view, msg.seq)
                    elif isinstance(msg, Bye):
                        self._set_status(
                            LinkStatus.ENDED, f"the host ended the session: {msg.reason}"
                        )
                        return None
                    elif isinstance(msg, Error):
                        return f"the host closed the link: {msg.reason}"
                    else:
                        raise ProtocolError(f"unexpected {msg.type} message from the host")
        except TimeoutError:
            return f"no word from the host for {silence:g} s"
        except ProtocolError as exc:
            await _close(writer, Error(reason=exc.reason))
            return exc.reason
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            return "the connection dropped"
        finally:
            heart.cancel()
