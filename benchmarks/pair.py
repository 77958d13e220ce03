"""Benchmark the pair link: keystroke-to-mirror latency over loopback, p50 and p99.

Per simulated keystroke the guest sends an "answer changed" event (the whole answer so far,
with the cursor); the host validates it, applies it to a stand-in state and sends back a view
frame; the time from send to the view arriving at the guest is one sample. The floor is a
bare asyncio TLS 1.3 echo of the same frames (same bytes out, same view bytes back, no
validation, no sequence bookkeeping), measured in the same run; the two alternate in blocks
so that machine noise hits both alike.
Targets: p99 within 2x of the floor's p99, and under 50 ms.
Run: python benchmarks/pair.py [--keys 500] [--rounds 6]
"""

from __future__ import annotations

import os
import sys

# benchmarks/typing.py shadows the standard library's `typing` when this folder is
# sys.path[0] (run as a script); put the repository root there instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    sys.path[0] = os.path.dirname(_HERE)

import argparse
import asyncio
import statistics
import struct
import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from trainer.core.pair import PairGuest, PairHost, certs
from trainer.core.pair.messages import Event, View, encode

TEXT = "def pair_sum(nums, target):\n    seen = {}\n    for i, n in enumerate(nums):\n"


class AnswerChanged(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    text: str
    cursor: int


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def answer(i: int) -> str:
    return (TEXT * (1 + i // len(TEXT)))[: i + 1]


async def trainer_block(keys: int) -> list[float]:
    """Real PairHost and PairGuest over loopback TLS."""
    state: dict[str, Any] = {}
    host: PairHost[AnswerChanged]

    def apply(event: AnswerChanged) -> None:
        state.update(answer=event.text, cursor=event.cursor)
        host.send_view({"answer": event.text, "cursor": event.cursor, "hints": []})

    host = PairHost(on_event=apply, validate_event=lambda k, p: AnswerChanged.model_validate(p))
    await host.start()
    got: asyncio.Queue[int] = asyncio.Queue()
    guest: PairGuest[dict[str, Any]] = PairGuest(
        on_view=lambda v, seq: got.put_nowait(seq), validate_view=dict
    )
    await guest.connect(host.join_code)
    samples: list[float] = []
    try:
        for i in range(keys):
            text = answer(i)
            start = time.perf_counter()
            guest.send_event("answer_changed", {"text": text, "cursor": len(text)})
            async with asyncio.timeout(5):
                await got.get()
            samples.append(time.perf_counter() - start)
        assert state["answer"] == answer(keys - 1)
    finally:
        await guest.close()
        await host.stop()
    return samples


async def floor_block(keys: int) -> list[float]:
    """A bare TLS echo: the host reads a frame and writes the same view bytes back."""
    cert = certs.make_certificate()
    frames = []
    for i in range(keys):
        text = answer(i)
        payload = {"text": text, "cursor": len(text)}
        event = Event(session_id="0" * 16, seq=i + 1, kind="answer_changed", payload=payload)
        view_payload = {"answer": text, "cursor": len(text), "hints": []}
        frames.append(
            (encode(event), encode(View(session_id="0" * 16, seq=i + 1, payload=view_payload)))
        )
    replies = iter([v for _, v in frames])

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (n,) = struct.unpack(">I", await reader.readexactly(4))
                await reader.readexactly(n)
                writer.write(next(replies))
        except (asyncio.IncompleteReadError, ConnectionError, StopIteration):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=certs.server_context(cert))
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=certs.client_context(), server_hostname="x"
    )
    assert certs.check_pin(writer.get_extra_info("ssl_object"), cert.fingerprint)
    samples: list[float] = []
    try:
        for out, _ in frames:
            start = time.perf_counter()
            writer.write(out)
            (n,) = struct.unpack(">I", await reader.readexactly(4))
            await reader.readexactly(n)
            samples.append(time.perf_counter() - start)
    finally:
        writer.close()
        server.close()
        await server.wait_closed()
    return samples


async def main(keys: int, rounds: int) -> int:
    ours: list[float] = []
    floor: list[float] = []
    for r in range(rounds):  # alternate, starting with either side in turn
        order = (trainer_block, floor_block) if r % 2 == 0 else (floor_block, trainer_block)
        for block in order:
            (ours if block is trainer_block else floor).extend(await block(keys))
    print(f"{keys} keystrokes x {rounds} rounds over loopback TLS 1.3")
    print(f"{'what':28} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for name, s in (("bare TLS echo (floor)", floor), ("trainer pair link", ours)):
        print(
            f"{name:28} {pct(s, 0.5) * 1e3:8.3f} {pct(s, 0.99) * 1e3:8.3f} "
            f"{statistics.fmean(s) * 1e3:8.3f}"
        )
    p50_ratio = pct(ours, 0.5) / pct(floor, 0.5)
    p99_ratio = pct(ours, 0.99) / pct(floor, 0.99)
    print(f"ratio to floor: p50 {p50_ratio:.2f}x, p99 {p99_ratio:.2f}x (target p99 <= 2x)")
    ok = p99_ratio <= 2.0 and pct(ours, 0.99) < 0.050
    print("target met" if ok else "target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.keys, args.rounds)))
