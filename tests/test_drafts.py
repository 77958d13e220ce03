"""Drafts: atomic saves, safe file names, junk skipped, and nothing torn after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from trainer.core.storage.drafts import Draft, DraftStore

REPO_ROOT = Path(__file__).resolve().parents[1]


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "drafts", clock=FakeClock())


def _text(store: DraftStore, key: str) -> str:
    draft = store.load(key)
    assert draft is not None, key
    return draft.text


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "def pair_sum(nums, target):\n    return None\n",
        "crlf\r\nand tabs\tkept\r\n",
        "ünïcødé — 日本語 — emoji 🧑‍💻 — RTL שלום \u202e bidi",
        "e\u0301 combining, zero\u200bwidth, NUL\x00 and ESC\x1b[31m",
        "lone surrogate \ud800 pasted from a terminal",
        "x" * 300_000,
    ],
    ids=["empty", "code", "crlf", "unicode", "controls", "surrogate", "large"],
)
def test_round_trip(store: DraftStore, text: str) -> None:
    meta = {"pack_id": "example", "question_id": "pair-sum", "role": "candidate", "n": 3}
    store.save("example/pair-sum", text, meta)
    loaded = store.load("example/pair-sum")
    assert loaded is not None
    assert loaded.text == text
    assert loaded.meta == meta
    assert loaded.key == "example/pair-sum"
    # A fresh store (the next run) reads the same thing.
    again = DraftStore(store.directory).load("example/pair-sum")
    assert again == loaded


def test_saved_at_comes_from_the_injected_clock(tmp_path: Path) -> None:
    store = DraftStore(tmp_path, clock=lambda: 1_700_000_000.5)
    store.save("k", "text", {})
    assert store.load("k") == Draft("k", "text", {}, 1_700_000_000.5)


def test_load_of_an_unknown_key_is_none(store: DraftStore) -> None:
    assert store.load("never-saved") is None
    assert store.pending() == []  # the directory does not even exist yet
    assert not store.directory.exists()


def test_saving_the_same_text_again_writes_nothing(
    store: DraftStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[str] = []
    real_replace = os.replace

    def counting_replace(src: Any, dst: Any) -> None:
        writes.append(str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", counting_replace)
    store.save("k", "hello", {"q": 1})
    store.save("k", "hello", {"q": 1})
    assert len(writes) == 1
    store.save("k", "hello, world", {"q": 1})
    assert len(writes) == 2
    store.save("k", "hello, world", {"q": 2})  # meta changed: written
    assert len(writes) == 3
    store.discard("k")
    store.save("k", "hello, world", {"q": 2})  # discarded since: written again
    assert len(writes) == 4
    (store.path_for("k")).unlink()  # removed behind our back: written again
    store.save("k", "hello, world", {"q": 2})
    assert len(writes) == 5
    assert store.load("k") is not None


def test_pending_is_newest_first_and_discard_removes(store: DraftStore) -> None:
    store.save("first", "1", {"question_id": "a"})
    store.save("second", "2", {"question_id": "b"})
    store.save("third", "3", {"question_id": "c"})
    store.save("first", "1 edited", {"question_id": "a"})  # now the newest
    assert [d.key for d in store.pending()] == ["first", "third", "second"]
    assert store.pending()[0].text == "1 edited"
    store.discard("third")
    store.discard("third")  # already gone: fine
    store.discard("never-existed")
    assert [d.key for d in store.pending()] == ["first", "second"]
    assert store.load("third") is None


@pytest.mark.parametrize(
    "key",
    [
        "../evil",
        "../../../../etc/passwd",
        "/absolute/path",
        "a/b\\c",
        "..",
        ".",
        ".hidden",
        "C:\\Windows\\system32",
        "nul",
        "ключ/вопрос",
        "\x00\n\t",
        "k" * 5000,
    ],
)
def test_keys_cannot_escape_the_drafts_directory(tmp_path: Path, key: str) -> None:
    directory = tmp_path / "drafts"
    store = DraftStore(directory)
    path = store.path_for(key)
    assert path.parent == directory
    assert not path.name.startswith(".")
    assert len(path.name) < 120
    store.save(key, "secret", {})
    assert _files(tmp_path) == [path]
    loaded = store.load(key)
    assert loaded is not None and loaded.key == key and loaded.text == "secret"
    assert [d.key for d in store.pending()] == [key]


@pytest.mark.parametrize(
    ("one", "two"),
    [("a/b", "a_b"), ("Key", "key"), ("x:y", "x?y"), ("a", "a ")],
)
def test_similar_keys_do_not_share_a_file(store: DraftStore, one: str, two: str) -> None:
    assert store.path_for(one) != store.path_for(two)
    assert store.path_for(one).name.lower() != store.path_for(two).name.lower()
    store.save(one, "one", {})
    store.save(two, "two", {})
    assert _text(store, one) == "one"
    assert _text(store, two) == "two"


@pytest.mark.parametrize("key", ["", None, 3])
def test_invalid_keys_are_refused(store: DraftStore, key: Any) -> None:
    with pytest.raises(ValueError):
        store.save(key, "text", {})


def test_meta_must_be_plain_data(store: DraftStore) -> None:
    with pytest.raises(TypeError):
        store.save("k", "text", {"when": object()})
    assert store.load("k") is None


def _valid_payload(**change: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "format": 1,
        "key": "k",
        "saved_at": 5.0,
        "meta": {},
        "text": "junk",
    }
    payload.update(change)
    return payload


JUNK: dict[str, bytes] = {
    "empty": b"",
    "truncated": json.dumps(_valid_payload()).encode()[:30],
    "not-utf8": b"\xff\xfe\x00garbage",
    "a-list": b"[1, 2, 3]",
    "future-format": json.dumps(_valid_payload(format=2)).encode(),
    "no-text": json.dumps({k: v for k, v in _valid_payload().items() if k != "text"}).encode(),
    "text-not-str": json.dumps(_valid_payload(text=["a"])).encode(),
    "meta-not-dict": json.dumps(_valid_payload(meta="m")).encode(),
    "saved-at-bool": json.dumps(_valid_payload(saved_at=True)).encode(),
    "saved-at-nan": json.dumps(_valid_payload(saved_at=float("nan"))).encode(),
    "deep-nesting": b"[" * 200_000,
}


@pytest.mark.parametrize("content", JUNK.values(), ids=JUNK.keys())
def test_corrupt_or_foreign_draft_files_are_skipped(store: DraftStore, content: bytes) -> None:
    store.save("good", "keep me", {})
    store.path_for("k").write_bytes(content)
    (store.directory / "notes.txt").write_text("not a draft")
    assert store.load("k") is None
    assert [d.key for d in store.pending()] == ["good"]


def test_a_draft_file_under_another_keys_name_is_skipped(store: DraftStore) -> None:
    store.save("real", "text", {})
    # A copy under a name its key does not map to could never be discarded: skip it.
    store.path_for("other").write_bytes(store.path_for("real").read_bytes())
    assert store.load("other") is None
    assert [d.key for d in store.pending()] == ["real"]


def test_a_directory_named_like_a_draft_is_skipped(store: DraftStore) -> None:
    store.save("real", "text", {})
    store.path_for("dir").mkdir()
    assert store.load("dir") is None
    assert [d.key for d in store.pending()] == ["real"]


@pytest.mark.parametrize(
    "torn",
    [
        b"",
        b'{"format": 1, "key": "k", "text": "half',
        # Complete but never renamed into place (killed between fsync and rename).
        json.dumps(_valid_payload(text="never renamed", saved_at=9e9)).encode(),
    ],
    ids=["empty", "half", "unrenamed"],
)
def test_a_torn_temp_file_is_ignored(store: DraftStore, torn: bytes) -> None:
    store.save("k", "complete text", {"v": 1})
    final = store.path_for("k")
    (store.directory / f".{final.name}.abc123.tmp").write_bytes(torn)
    loaded = store.load("k")
    assert loaded is not None and loaded.text == "complete text"
    assert [d.text for d in store.pending()] == ["complete text"]


def test_a_failed_write_keeps_the_previous_draft_and_leaves_no_temp(
    store: DraftStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save("k", "version 1", {})

    def failing_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        store.save("k", "version 2", {})
    monkeypatch.undo()
    assert _text(store, "k") == "version 1"
    assert [p.name for p in _files(store.directory)] == [store.path_for("k").name]
    store.save("k", "version 2", {})  # the failed save was not cached as done
    assert _text(store, "k") == "version 2"


@pytest.mark.parametrize("shared_store", [True, False], ids=["one-store", "two-stores"])
def test_concurrent_saves_from_two_threads(tmp_path: Path, shared_store: bool) -> None:
    directory = tmp_path / "drafts"
    first = DraftStore(directory)
    second = first if shared_store else DraftStore(directory)
    rounds = 60
    errors: list[BaseException] = []

    def text_for(name: str, i: int) -> str:
        return f"{name}:{i}:" + name * (2000 + i)

    def typing(store: DraftStore, name: str) -> None:
        try:
            for i in range(rounds):
                store.save("shared", text_for(name, i), {"writer": name, "i": i})
                store.save(f"own-{name}", text_for(name, i), {"i": i})
                loaded = store.load("shared")
                assert loaded is not None
                writer, index, _ = loaded.text.split(":", 2)
                assert loaded.text == text_for(writer, int(index))  # complete, never torn
                assert loaded.meta == {"writer": writer, "i": int(index)}
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=typing, args=(first, "alpha")),
        threading.Thread(target=typing, args=(second, "beta")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    final = first.load("shared")
    assert final is not None
    assert final.text in {text_for("alpha", rounds - 1), text_for("beta", rounds - 1)}
    assert _text(first, "own-alpha") == text_for("alpha", rounds - 1)
    assert _text(first, "own-beta") == text_for("beta", rounds - 1)
    assert [p.name for p in directory.iterdir() if p.name.endswith(".tmp")] == []


def test_sweep_removes_only_old_temp_files(tmp_path: Path) -> None:
    clock_now = [10_000.0]
    store = DraftStore(tmp_path, clock=lambda: clock_now[0])
    store.save("k", "text", {})
    old = tmp_path / f".{store.path_for('k').name}.old.tmp"
    young = tmp_path / f".{store.path_for('k').name}.young.tmp"
    for path, mtime in [(old, 1_000.0), (young, 9_990.0)]:
        path.write_bytes(b"{")
        os.utime(path, (mtime, mtime))
    assert store.sweep_temp_files(older_than_s=60) == 1
    assert not old.exists() and young.exists()
    assert store.load("k") is not None
    assert DraftStore(tmp_path / "missing").sweep_temp_files() == 0


_CHILD = """
import os
import sys
from trainer.core.storage.drafts import DraftStore

directory, size, pause_at, when = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
real_replace = os.replace
replaced = 0


def pause():
    print("paused", flush=True)
    sys.stdin.read()  # until killed


def replace(src, dst):
    # Lets the parent kill us at a chosen point inside a save.
    global replaced
    replaced += 1
    if replaced == pause_at and when == "before-rename":
        pause()
    real_replace(src, dst)
    if replaced == pause_at and when == "after-rename":
        pause()


os.replace = replace
store = DraftStore(directory)
i = 0
while True:
    text = f"{i}|" + (chr(0x41 + i % 26) + "\u00e9\u65e5") * size
    store.save("example/pair-sum", text, {"i": i, "role": "candidate"})
    print(i, flush=True)
    i += 1
"""


def _expected_text(i: int, size: int) -> str:
    return f"{i}|" + (chr(0x41 + i % 26) + "\u00e9\u65e5") * size


def _run_and_kill(directory: Path, size: int, *, acks: int, pause_at: int, when: str) -> int:
    """Start a child typing drafts, SIGKILL it; return the last save it acknowledged."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(directory), str(size), str(pause_at), when],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None and child.stdin is not None
    last_ack = -1
    try:
        while True:
            line = child.stdout.readline()
            assert line, "the child stopped before it was killed"
            if line.strip() == "paused":
                break
            last_ack = int(line)
            if pause_at == 0:
                if last_ack >= acks:
                    break
            else:
                assert last_ack < pause_at, "the save never renamed a file into place"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        child.stdout.close()
        child.stdin.close()
    assert child.returncode == -signal.SIGKILL
    return last_ack


def _the_draft(directory: Path, size: int) -> tuple[int, Draft]:
    """The single pending draft, checked to be complete; with the save index it holds."""
    (draft,) = DraftStore(directory).pending()
    index = int(draft.text.split("|", 1)[0])
    assert draft.text == _expected_text(index, size)  # complete, not torn or mixed
    assert draft.meta == {"i": index, "role": "candidate"}
    assert DraftStore(directory).load("example/pair-sum") == draft
    return index, draft


SIGKILL_ONLY = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


@SIGKILL_ONLY
@pytest.mark.parametrize(("when", "expected_index"), [("before-rename", 2), ("after-rename", 3)])
def test_kill_9_inside_a_save_leaves_the_last_complete_draft(
    tmp_path: Path, when: str, expected_index: int
) -> None:
    """Deterministic: the child is killed with save 3 fully written to its temp file."""
    directory = tmp_path / "drafts"
    size = 50_000
    last_ack = _run_and_kill(directory, size, acks=0, pause_at=4, when=when)
    assert last_ack == 2
    index, _ = _the_draft(directory, size)
    assert index == expected_index


@SIGKILL_ONLY
@pytest.mark.parametrize(("size", "acks"), [(10, 8), (200_000, 2)])
def test_kill_9_while_typing_in_a_loop_never_tears_a_draft(
    tmp_path: Path, size: int, acks: int
) -> None:
    """Stress: killed wherever it happens to be, several times over the same directory."""
    directory = tmp_path / "drafts"
    for _ in range(4):
        last_ack = _run_and_kill(directory, size, acks=acks, pause_at=0, when="never")
        index, _ = _the_draft(directory, size)
        assert index >= last_ack  # nothing acknowledged was lost
