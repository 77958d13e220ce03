"""Autosave for text being typed: at most one write in flight, the newest text wins.

The UI marks text as it changes and calls `flush()` from a worker thread on a short
interval (and synchronously on SIGTERM/SIGHUP), so a crash or a closed terminal never
loses more than that interval of typing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol


class DraftSink(Protocol):
    def save(self, key: str, text: str, meta: Mapping[str, Any]) -> None: ...
    def discard(self, key: str) -> None: ...


class Autosaver:
    def __init__(
        self, sink: DraftSink, key: str, meta: Mapping[str, Any], *, blank: str = ""
    ) -> None:
        self.sink = sink
        self.key = key
        self.blank = blank.strip()  # text that means "nothing typed yet" (e.g. starter code)
        self.meta: dict[str, Any] = dict(meta)
        self._pending: str | None = None
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.closed = False
        self.saves = 0

    def mark(self, text: str, **meta: Any) -> None:
        """Record the newest text (cheap; call on every keystroke)."""
        with self._lock:
            if self.closed:
                return
            self._pending = text
            self.meta.update(meta)

    @property
    def dirty(self) -> bool:
        return self._pending is not None

    def flush(self) -> bool:
        """Write the newest text if it changed; True when something was written."""
        with self._write_lock:
            with self._lock:
                text, self._pending = self._pending, None
                meta = dict(self.meta)
            if text is None or self.closed:
                return False
            try:
                if text.strip() == self.blank:
                    self.sink.discard(self.key)  # nothing worth offering back
                    return False
                self.sink.save(self.key, text, meta)
            except Exception:
                with self._lock:  # keep it for the next try
                    if self._pending is None:
                        self._pending = text
                raise
            self.saves += 1
            return True

    def discard(self) -> None:
        """The answer was submitted: stop saving and remove the draft."""
        with self._write_lock, self._lock:
            self.closed = True
            self._pending = None
            self.sink.discard(self.key)


def draft_key(role: str, pack_id: str, question_id: str) -> str:
    return f"{role}:{pack_id}:{question_id}"
