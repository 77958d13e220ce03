"""What the history, report and stats commands share: opening the store, filters, errors.

Kept free of Rich so that `trainer stats --format json` loads no UI library at all.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from trainer.cli.options import QuestionKind, RoundRole
from trainer.core.text import make_visible

if TYPE_CHECKING:
    from trainer.core.storage.history import HistoryStore
    from trainer.core.storage.progress import ProgressFilters

# The storage modules are imported by the commands that open the history, so that
# `trainer --help` does not load SQLite and the scheduler.


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, controls made visible, then exit (2: usage or I/O, 1: not found)."""
    sys.stderr.write(make_visible(f"trainer: {message}", keep_newlines=False) + "\n")
    raise typer.Exit(code)


def warn(message: str) -> None:
    sys.stderr.write(make_visible(message) + "\n")


@contextmanager
def history_store(data_dir: Path | None, *, create: bool = False) -> Iterator[HistoryStore]:
    """The user's history. Without `create`, a missing file reads as an empty history
    (an in-memory store), so looking at the history never leaves a file behind."""
    from trainer.core.storage.db import StorageError
    from trainer.core.storage.history import HistoryStore, open_history
    from trainer.paths import ensure_dir, history_db_path

    path = history_db_path(data_dir)
    try:
        if not create and not path.exists():
            store = HistoryStore(":memory:")
        else:
            if create:
                ensure_dir(path.parent)
            opened = open_history(path, now=time.time())
            if opened.notice:
                warn(f"trainer: {opened.notice}")
            store = opened.store
    except (StorageError, OSError) as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()


def parse_day(value: str | None, option: str) -> date | None:
    """`YYYY-MM-DD` only (Python would also take `20260302` or week dates)."""
    if value is None:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, flags=re.ASCII):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise typer.BadParameter(f"{value!r} is not a date like 2026-03-02", param_hint=option)


def local_midnight(day: date) -> float:
    """The start of `day` in the local zone, as epoch seconds."""
    return datetime(day.year, day.month, day.day).timestamp()


def filters(
    pack: str | None,
    kind: QuestionKind | None,
    role: RoundRole | None,
    since: str | None,
    until: str | None,
) -> ProgressFilters:
    """The filters of `history` and `stats`; `--until` includes the whole day named."""
    from trainer.core.storage.progress import ProgressFilters

    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    if first is not None and last is not None and first > last:
        raise typer.BadParameter(f"--since {first} is after --until {last}")
    return ProgressFilters(
        pack_id=pack,
        kind=kind.value if kind else None,
        role=role.value if role else None,
        since=local_midnight(first) if first else None,
        until=local_midnight(last + timedelta(days=1)) if last else None,
    )


def local_time(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def local_day(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d")
