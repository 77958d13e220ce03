"""Autosave: writes only when dirty, the newest text wins, nothing after discard, and
concurrent marks and flushes from threads never lose or reorder text.

Thread tests synchronise with events rather than sleeps; a timeout only stops a broken
build from hanging the suite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from trainer.core.autosave import Autosaver, draft_key
from trainer.core.storage.drafts import DraftStore

WAIT = 10.0  # seconds; only a safety net against hanging, never reached when all is well


class Sink:
    """Records every call; can fail or block a save on request."""

    def __init__(self) -> None:
        self.saves: list[tuple[str, str, Mapping[str, Any]]] = []  # meta kept as given
        self.discards: list[str] = []
        self.log: list[str] = []
        self.fail_next = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self.block: threading.Event | None = None  # set: saves wait for it
        self.entered = threading.Event()
        self.during_save: list[Callable[[], object]] = []  # callables run inside the next save

    def save(self, key: str, text: str, meta: Mapping[str, Any]) -> None:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.log.append(f"save-start:{text}")
        try:
            self.entered.set()
            time.sleep(0)  # let another thread run here, where a second write would start
            if self.block is not None:
                assert self.block.wait(WAIT)
            while self.during_save:
                self.during_save.pop(0)()
            if self.fail_next:
                self.fail_next -= 1
                raise OSError(28, "No space left on device")
            with self._lock:
                self.saves.append((key, text, meta))
        finally:
            with self._lock:
                self.in_flight -= 1
                self.log.append(f"save-end:{text}")

    def discard(self, key: str) -> None:
        with self._lock:
            self.discards.append(key)
            self.log.append("discard")

    @property
    def texts(self) -> list[str]:
        return [text for _, text, _ in self.saves]


@pytest.fixture
def sink() -> Sink:
    return Sink()


def saver(sink: Sink) -> Autosaver:
    return Autosaver(sink, "candidate:example:pair-sum", {"role": "candidate"})


def _start(fn: Callable[[], object], errors: list[BaseException]) -> threading.Thread:
    """Run `fn` in a thread; an exception there is collected instead of lost."""

    def target() -> None:
        try:
            fn()
        except BaseException as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("ops", "saved", "results", "discards"),
    [
        ([("flush",)], [], [False], 0),
        ([("mark", "a"), ("flush",)], ["a"], [True], 0),
        ([("mark", "a"), ("flush",), ("flush",)], ["a"], [True, False], 0),
        ([("mark", "a"), ("mark", "b"), ("mark", "c"), ("flush",)], ["c"], [True], 0),
        ([("mark", "a"), ("flush",), ("mark", "b"), ("flush",)], ["a", "b"], [True, True], 0),
        # clearing the editor (or leaving only the starter code) removes the draft
        ([("mark", ""), ("flush",)], [], [False], 1),
        ([("mark", "a"), ("flush",), ("mark", "  "), ("flush",)], ["a"], [True, False], 1),
        ([("mark", "a"), ("discard",), ("flush",)], [], [False], 1),
        ([("mark", "a"), ("discard",), ("mark", "b"), ("flush",)], [], [False], 1),
        (
            [("mark", "a"), ("flush",), ("discard",), ("mark", "b"), ("flush",)],
            ["a"],
            [True, False],
            1,
        ),
        ([("discard",), ("discard",)], [], [], 2),
    ],
)
def test_flush_writes_only_when_dirty(
    sink: Sink,
    ops: list[tuple[str, ...]],
    saved: list[str],
    results: list[bool],
    discards: int,
) -> None:
    auto = saver(sink)
    got = []
    for op, *args in ops:
        if op == "mark":
            auto.mark(args[0])
            assert auto.dirty is not auto.closed
        elif op == "flush":
            got.append(auto.flush())
            assert not auto.dirty
        else:
            auto.discard()
            assert auto.closed and not auto.dirty
    assert sink.texts == saved
    assert got == results
    assert auto.saves == len(saved)
    assert sink.discards == [auto.key] * discards


def test_meta_is_merged_and_copied(sink: Sink) -> None:
    auto = saver(sink)
    auto.mark("x", hints=1)
    auto.mark("y", elapsed=5.0, hints=2)
    assert auto.flush()
    auto.mark("z", hints=3)  # typing on while a save is in flight must not change it
    auto.meta["role"] = "changed later"
    assert sink.saves == [
        ("candidate:example:pair-sum", "y", {"role": "candidate", "hints": 2, "elapsed": 5.0})
    ]


@pytest.mark.parametrize("failures", [1, 3])
def test_os_error_keeps_the_text_pending(sink: Sink, failures: int) -> None:
    auto = saver(sink)
    auto.mark("precious", hints=1)
    sink.fail_next = failures
    for _ in range(failures):
        with pytest.raises(OSError):
            auto.flush()
        assert auto.dirty and auto.saves == 0
    assert auto.flush()
    assert sink.saves == [(auto.key, "precious", {"role": "candidate", "hints": 1})]
    assert not auto.dirty and not auto.flush()


def test_newer_text_typed_during_a_failed_save_wins(sink: Sink) -> None:
    auto = saver(sink)
    auto.mark("old")
    sink.fail_next = 1
    sink.during_save.append(lambda: auto.mark("new"))
    with pytest.raises(OSError):
        auto.flush()
    assert auto.flush()
    assert sink.texts == ["new"]


def test_text_typed_during_a_save_is_saved_next(sink: Sink) -> None:
    auto = saver(sink)
    auto.mark("a")
    sink.during_save.append(lambda: auto.mark("ab"))
    assert auto.flush()
    assert auto.dirty  # "ab" arrived after "a" was taken
    assert auto.flush()
    assert sink.texts == ["a", "ab"]


def test_discard_waits_for_a_save_in_flight(sink: Sink) -> None:
    """Removing the draft must come after the last write, or the write would resurrect it."""
    auto = saver(sink)
    auto.mark("typed")
    sink.block = threading.Event()
    errors: list[BaseException] = []
    flusher = _start(auto.flush, errors)
    assert sink.entered.wait(WAIT)
    discarder = _start(auto.discard, errors)
    discarder.join(0.2)  # a broken discard would finish here, before the save does
    sink.block.set()
    flusher.join(WAIT)
    discarder.join(WAIT)
    assert not errors
    assert sink.log == ["save-start:typed", "save-end:typed", "discard"]
    auto.mark("after")
    assert not auto.flush()
    assert sink.texts == ["typed"]


def test_second_flush_waits_for_the_first(sink: Sink) -> None:
    """At most one write in flight, so an older text can never land after a newer one."""
    auto = saver(sink)
    auto.mark("a")
    sink.block = threading.Event()
    errors: list[BaseException] = []
    first = _start(auto.flush, errors)
    assert sink.entered.wait(WAIT)
    auto.mark("ab")
    second = _start(auto.flush, errors)
    second.join(0.2)  # a second write let through would start here
    sink.block.set()
    first.join(WAIT)
    second.join(WAIT)
    assert not errors
    assert sink.most_in_flight == 1
    assert sink.log == ["save-start:a", "save-end:a", "save-start:ab", "save-end:ab"]
    assert sink.texts == ["a", "ab"] and not auto.dirty


def test_one_writer_many_flushers_never_go_back(sink: Sink) -> None:
    auto = saver(sink)
    total = 3_000
    done = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        for i in range(total):
            auto.mark(str(i))
        done.set()

    def flusher() -> None:
        try:
            while not done.is_set():
                auto.flush()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=flusher) for _ in range(3)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    auto.flush()
    assert not errors
    numbers = [int(t) for t in sink.texts]
    assert numbers == sorted(set(numbers))  # strictly increasing: never an older text
    assert numbers[-1] == total - 1
    assert sink.most_in_flight == 1  # at most one write at a time
    assert auto.saves == len(numbers)


def test_many_writers_and_flushers(sink: Sink) -> None:
    auto = saver(sink)
    writers, per_writer = 4, 500
    order_lock = threading.Lock()
    marked: list[str] = []
    remaining = threading.Semaphore(0)
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        for j in range(per_writer):
            with order_lock:  # so the test knows which mark came last
                text = f"{w}-{j}"
                auto.mark(text, writer=w)
                marked.append(text)
        remaining.release()

    def flusher(stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                auto.flush()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    stop = threading.Event()
    threads = [threading.Thread(target=flusher, args=(stop,)) for _ in range(2)]
    threads += [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for _ in range(writers):
        assert remaining.acquire(timeout=WAIT)
    stop.set()
    for t in threads:
        t.join(WAIT)
    auto.flush()
    assert not errors
    assert sink.texts[-1] == marked[-1]
    assert set(sink.texts) <= set(marked)
    positions = [marked.index(t) for t in sink.texts]
    assert positions == sorted(set(positions))
    assert sink.saves[-1][2]["writer"] == int(marked[-1].split("-")[0])
    assert sink.most_in_flight == 1


def test_with_the_draft_store(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts", clock=lambda: 1_700_000_000.0)
    key = draft_key("candidate", "example", "pair-sum")
    auto = Autosaver(store, key, {"role": "candidate", "question_id": "pair-sum"})
    assert not auto.flush()
    assert store.load(key) is None
    auto.mark("def pair_sum(nums, target):\n", hints=1)
    assert auto.flush()
    draft = store.load(key)
    assert draft is not None
    assert draft.text == "def pair_sum(nums, target):\n"
    assert dict(draft.meta) == {"role": "candidate", "question_id": "pair-sum", "hints": 1}
    assert [d.key for d in store.pending()] == [key]
    auto.discard()
    assert store.load(key) is None and store.pending() == []
    auto.mark("typed after submit")
    assert not auto.flush()
    assert store.pending() == []


@pytest.mark.parametrize(
    ("role", "pack_id", "question_id", "key"),
    [
        ("candidate", "example", "pair-sum", "candidate:example:pair-sum"),
        (
            "interviewer",
            "system-design",
            "url-shortener",
            "interviewer:system-design:url-shortener",
        ),
    ],
)
def test_draft_key(role: str, pack_id: str, question_id: str, key: str) -> None:
    assert draft_key(role, pack_id, question_id) == key
