"""SQLite connections set up the same way everywhere, and schema migrations.

Why a helper: every store needs the same guarantees. WAL lets the UI read history
while a worker thread writes; foreign keys are off by default in SQLite and must be
switched on per connection; a busy timeout turns a brief lock held by another
process into a short wait instead of an immediate "database is locked" error.

Migrations are keyed by `PRAGMA user_version`: step *n* (1-based) of the list turns
a version *n-1* database into version *n*. All pending steps run in one
`BEGIN IMMEDIATE` transaction, with `user_version` bumped after each step inside it,
so a failure (or a kill) leaves the database exactly as it was, and two processes
opening an old database at once cannot both migrate it. Steps are append-only:
never edit a released step, add a new one. A database newer than the code raises
`SchemaTooNewError` and is left untouched.

Connections are opened in autocommit mode (`isolation_level=None`) so that
transactions are explicit (`transaction()`), never the sqlite3 module's implicit ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

#: A migration step: an SQL script (any number of `;`-separated statements) or a
#: function for data fixes SQL cannot express. A function step must not commit.
MigrationStep = str | Callable[[sqlite3.Connection], None]

DEFAULT_BUSY_TIMEOUT_S = 5.0


class StorageError(Exception):
    """A store cannot be used: unreadable file, not a database, closed store."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer trainer; opening it would risk corrupting it."""

    def __init__(self, path: str, found: int, known: int) -> None:
        super().__init__(
            f"{path}: database schema version {found} is newer than this trainer "
            f"understands (version {known}); upgrade the trainer, or point it at "
            "another data directory"
        )
        self.path = path
        self.found = found
        self.known = known


def connect(
    path: Path | str,
    *,
    check_same_thread: bool = True,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
) -> sqlite3.Connection:
    """Open (creating if needed) a database with WAL, foreign keys and a busy timeout.

    `synchronous=NORMAL` in WAL mode cannot corrupt the database; at worst a power cut
    loses the last commits, which is the usual trade for not fsyncing every write.
    Raises `StorageError` when the file is not an SQLite database.
    """
    target = str(path)
    if target != ":memory:":
        try:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"{target}: cannot create its directory ({exc})") from exc
    try:
        conn = sqlite3.connect(
            target,
            timeout=busy_timeout_s,
            isolation_level=None,
            check_same_thread=check_same_thread,
        )
    except sqlite3.Error as exc:
        raise StorageError(f"{target}: cannot open database ({exc})") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {max(0, int(busy_timeout_s * 1000))}")
        conn.execute("PRAGMA foreign_keys = ON")
        # Returns the mode actually in force; SQLite keeps the old one where WAL is
        # impossible (e.g. some network filesystems), which still works, just less
        # concurrently.
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        conn.close()
        raise StorageError(f"{target}: not a usable SQLite database ({exc})") from exc
    return conn


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database header (0 for a new database)."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def journal_mode(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA journal_mode").fetchone()
    return str(row[0]).lower()


@contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = True) -> Iterator[None]:
    """Run the block in one transaction: commit on success, roll back on any exception.

    `immediate` takes the write lock up front, so a read-then-write block cannot fail
    half-way with SQLITE_BUSY when another process writes at the same moment.
    """
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def split_sql(script: str) -> list[str]:
    """Split a script into single statements (`Connection.execute` runs only one).

    Uses SQLite's own `complete_statement`, so semicolons inside strings, comments and
    trigger bodies do not split. `executescript` is not used because it commits any
    open transaction first, which would break the all-or-nothing migration.
    """
    statements: list[str] = []
    start = 0
    for index, char in enumerate(script):
        if char == ";" and sqlite3.complete_statement(script[start : index + 1]):
            statement = script[start : index + 1].strip()
            if statement != ";":
                statements.append(statement)
            start = index + 1
    tail = script[start:].strip()
    if tail:
        statements.append(tail)  # a last statement without its semicolon, or a comment
    return statements


def migrate(
    conn: sqlite3.Connection, steps: Sequence[MigrationStep], *, name: str = "database"
) -> int:
    """Bring the database up to `len(steps)`; return the version it is at afterwards.

    `name` (usually the file path) is used in error messages only.
    """
    known = len(steps)
    current = user_version(conn)
    if current > known:
        raise SchemaTooNewError(name, current, known)
    if current == known:
        return current
    with transaction(conn):
        # Re-read under the write lock: another process may have migrated meanwhile.
        current = user_version(conn)
        if current > known:
            raise SchemaTooNewError(name, current, known)
        for version in range(current + 1, known + 1):
            step = steps[version - 1]
            if isinstance(step, str):
                for statement in split_sql(step):
                    conn.execute(statement)
            else:
                step(conn)
            if not conn.in_transaction:
                raise StorageError(f"{name}: migration step {version} ended the transaction")
            conn.execute(f"PRAGMA user_version = {version}")
    return known


def open_db(
    path: Path | str,
    steps: Sequence[MigrationStep],
    *,
    check_same_thread: bool = True,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
) -> sqlite3.Connection:
    """`connect` then `migrate`; the connection is closed again if migrating fails."""
    conn = connect(path, check_same_thread=check_same_thread, busy_timeout_s=busy_timeout_s)
    try:
        migrate(conn, steps, name=str(path))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StorageError(f"{path}: migration failed ({exc})") from exc
    except BaseException:
        conn.close()
        raise
    return conn
