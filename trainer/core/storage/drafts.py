"""Autosaved answer drafts: an answer being typed survives a crash, a closed terminal or kill -9.

Why files and not SQLite: a draft is rewritten every second while the user types,
and each write must be complete or absent, never torn. One small JSON file per
draft, written to a temp file in the same directory, fsynced, then `os.replace`d
over the old one (atomic on POSIX and Windows), gives exactly that with no lock
shared between processes. The directory is fsynced too (where the OS allows) so the
rename itself survives a power cut.

File names come from the key through `_file_name`: a readable slug of safe
characters plus a SHA-256 prefix of the whole key, so any key (`../..`, `/`, `:`,
unicode, case differences on case-insensitive disks) maps to one plain file inside
the drafts directory and two keys never share a file. The key is also stored in the
file and checked on load.

Text is written with JSON's ASCII escapes, so even a lone surrogate pasted into the
terminal round-trips instead of failing to encode and losing the draft.

Anything unreadable (a leftover `.tmp` from a killed write, a truncated or foreign
file, an unknown format) is skipped quietly on load: drafts are a safety net, and
a broken one must not stop the trainer from starting.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from trainer.core.atomic import TEMP_SUFFIX as ATOMIC_TEMP_SUFFIX
from trainer.core.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

DRAFT_FORMAT: Final = 1
DRAFT_SUFFIX: Final = ".draft.json"
TEMP_SUFFIX: Final = ATOMIC_TEMP_SUFFIX  # left by a write cut short; swept on read
#: Files larger than this are not drafts this code wrote; skip rather than read them.
MAX_DRAFT_BYTES: Final = 16 * 1024 * 1024

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_SLUG_CHARS: Final = 48
_HASH_CHARS: Final = 24  # 96 bits: collisions are not a practical concern


@dataclass(frozen=True, slots=True)
class Draft:
    """A saved draft: the key it was saved under, the text, the caller's meta, and when."""

    key: str
    text: str
    meta: Mapping[str, Any]
    saved_at: float


class DraftStore:
    """Crash-safe drafts in one directory, created on the first save.

    `clock` stamps `saved_at` (seconds since the epoch); inject a fake one in tests.
    Safe to use from several threads; several processes may share the directory
    (the last complete write wins).
    """

    def __init__(self, directory: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        self._clock = clock
        self._guard = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        # What this store last wrote per key, so saving unchanged text costs no I/O.
        self._last: dict[str, tuple[str, str]] = {}

    def path_for(self, key: str) -> Path:
        """The file a key is saved in; always directly inside the drafts directory."""
        return self.directory / _file_name(key)

    def save(self, key: str, text: str, meta: Mapping[str, Any]) -> None:
        """Write the draft atomically; a no-op when text and meta are what was last saved.

        Raises `TypeError`/`ValueError` if `meta` is not JSON-serialisable plain data,
        and `OSError` if the disk refuses the write (the previous draft is kept).
        """
        meta_json = json.dumps(dict(meta), sort_keys=True, allow_nan=False)
        path = self.path_for(key)
        with self._lock_for(key):
            if self._last.get(key) == (text, meta_json) and path.exists():
                return
            payload = {
                "format": DRAFT_FORMAT,
                "key": key,
                "saved_at": float(self._clock()),
                "meta": json.loads(meta_json),
                "text": text,
            }
            data = json.dumps(payload, ensure_ascii=True, allow_nan=False).encode("ascii")
            _atomic_write(path, data)
            self._last[key] = (text, meta_json)

    def load(self, key: str) -> Draft | None:
        """The draft saved under `key`, or None if there is none or it is unreadable."""
        draft = _read_draft(self.path_for(key))
        if draft is None or draft.key != key:
            return None
        return draft

    def pending(self) -> list[Draft]:
        """Every readable draft in the directory, newest first (to offer after a restart)."""
        try:
            entries = list(os.scandir(self.directory))
        except (FileNotFoundError, NotADirectoryError):
            return []
        drafts: list[Draft] = []
        for entry in entries:
            name = entry.name
            if name.startswith(".") or not name.endswith(DRAFT_SUFFIX):
                continue  # temp files of interrupted writes, and anything not ours
            draft = _read_draft(Path(entry.path))
            # A file whose name does not match its key could never be discarded.
            if draft is not None and _file_name(draft.key) == name:
                drafts.append(draft)
        drafts.sort(key=lambda d: (-d.saved_at, d.key))
        return drafts

    def discard(self, key: str) -> None:
        """Delete the draft (after the answer was submitted); missing drafts are fine."""
        with self._lock_for(key):
            self.path_for(key).unlink(missing_ok=True)
            self._last.pop(key, None)

    def sweep_temp_files(self, *, older_than_s: float = 3600.0) -> int:
        """Remove temp files left by writes that were killed; return how many went.

        Only old ones: a young temp file may belong to another trainer writing now.
        """
        removed = 0
        cutoff = self._clock() - older_than_s
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return 0
        for entry in entries:
            if not (entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                continue
        return removed

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            lock = self._key_locks.get(key)
            if lock is None:
                lock = self._key_locks[key] = threading.Lock()
            return lock


def _file_name(key: str) -> str:
    if not isinstance(key, str) or key == "":
        raise ValueError("a draft key must be a non-empty string")
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    slug = _UNSAFE.sub("_", key).strip("_-")[:_SLUG_CHARS]
    return f"{slug}-{digest}{DRAFT_SUFFIX}" if slug else f"{digest}{DRAFT_SUFFIX}"


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a mix."""
    atomic_write_bytes(path, data, make_parents=True)  # the folder is private: answers


def _read_draft(path: Path) -> Draft | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_DRAFT_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_DRAFT_BYTES:
        log.debug("skipping oversized draft file %s", path)
        return None
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        log.debug("skipping unreadable draft file %s", path)
        return None
    if not (
        isinstance(payload, dict)
        and payload.get("format") == DRAFT_FORMAT
        and isinstance(payload.get("key"), str)
        and payload["key"] != ""
        and isinstance(payload.get("text"), str)
        and isinstance(payload.get("meta"), dict)
        and isinstance(payload.get("saved_at"), int | float)
        and not isinstance(payload.get("saved_at"), bool)
        and math.isfinite(payload["saved_at"])
    ):
        log.debug("skipping draft file of unknown shape %s", path)
        return None
    return Draft(
        key=payload["key"],
        text=payload["text"],
        meta=payload["meta"],
        saved_at=float(payload["saved_at"]),
    )
