"""Files written whole or not at all: a temp file beside the target, fsynced, then renamed.

Why: an export or report that is cut short (a full disk, a kill) must not leave a
half-written file where a good one was, or one that looks complete but is not.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO, cast

TEMP_SUFFIX = ".tmp"


@contextmanager
def _atomic(path: Path | str, *, binary: bool, make_parents: bool) -> Iterator[IO[Any]]:
    """A handle on a temp file beside `path` that replaces it only when the block succeeds."""
    target = Path(path)
    if make_parents:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
    )
    try:
        opened = (
            os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        )
        with opened as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except OSError:
            pass
        raise
    _fsync_directory(target.parent)


@contextmanager
def atomic_writer(path: Path | str, *, make_parents: bool = False) -> Iterator[TextIO]:
    """A UTF-8 text handle whose content replaces `path` only when the block succeeds."""
    with _atomic(path, binary=False, make_parents=make_parents) as handle:
        yield cast(TextIO, handle)


def atomic_write_text(path: Path | str, text: str, *, make_parents: bool = False) -> None:
    with atomic_writer(path, make_parents=make_parents) as handle:
        handle.write(text)


def atomic_write_bytes(path: Path | str, data: bytes, *, make_parents: bool = False) -> None:
    """Readers see the old file or the new one, never a mix (drafts, reports, exports)."""
    with _atomic(path, binary=True, make_parents=make_parents) as handle:
        handle.write(data)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; not possible (nor needed) on every platform."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
