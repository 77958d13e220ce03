"""Connection set-up and user_version migrations: all-or-nothing, never on a newer database."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from trainer.core.storage import db
from trainer.core.storage.db import MigrationStep, SchemaTooNewError, StorageError


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def test_connect_sets_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "nested" / "x.sqlite3", busy_timeout_s=2.5)
    try:
        assert db.journal_mode(conn) == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 2500
        assert conn.isolation_level is None  # explicit transactions only
    finally:
        conn.close()


@pytest.mark.parametrize(
    "content", [b"this is not a database, just some text" * 10, b"\x00" * 4096]
)
def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StorageError, match="history.sqlite3"):
        db.open_db(path, ["CREATE TABLE t (x)"])
    assert path.read_bytes() == content


def test_a_file_in_place_of_the_directory_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file, not a directory")
    with pytest.raises(StorageError, match="cannot create"):
        db.connect(tmp_path / "data" / "history.sqlite3")


def test_fresh_database_gets_every_step(tmp_path: Path) -> None:
    steps: list[MigrationStep] = ["CREATE TABLE a (x); CREATE TABLE b (y);", "CREATE TABLE c (z)"]
    conn = db.open_db(tmp_path / "x.db", steps)
    try:
        assert db.user_version(conn) == 2
        assert _tables(conn) == {"a", "b", "c"}
    finally:
        conn.close()


def test_reopening_applies_only_the_new_steps_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    v1: list[MigrationStep] = ["CREATE TABLE a (x TEXT)"]
    conn = db.open_db(path, v1)
    conn.execute("INSERT INTO a VALUES ('kept')")
    conn.close()

    def backfill(c: sqlite3.Connection) -> None:
        c.execute("UPDATE a SET y = upper(x)")

    # Step 1 would fail if re-run (the table exists), so success proves it was skipped.
    v3: list[MigrationStep] = [*v1, "ALTER TABLE a ADD COLUMN y TEXT", backfill]
    conn = db.open_db(path, v3)
    try:
        assert db.user_version(conn) == 3
        assert conn.execute("SELECT x, y FROM a").fetchall() == [("kept", "KEPT")]
    finally:
        conn.close()
    conn = db.open_db(path, v3)  # up to date: nothing runs
    conn.close()


@pytest.mark.parametrize(
    "bad_step",
    [
        "CREATE TABLE b (y); INSERT INTO no_such_table VALUES (1);",
        "CREATE TABLE b (y); this is not sql;",
        "callable",
    ],
)
def test_a_failing_step_rolls_back_every_pending_step(tmp_path: Path, bad_step: str) -> None:
    path = tmp_path / "x.db"
    conn = db.open_db(path, ["CREATE TABLE base (x)"])
    conn.execute("INSERT INTO base VALUES (1)")
    conn.close()

    def explode(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE b (y)")
        raise RuntimeError("data fix failed")

    steps: list[MigrationStep] = [
        "CREATE TABLE base (x)",
        "CREATE TABLE a (x); INSERT INTO base VALUES (2);",
        explode if bad_step == "callable" else bad_step,
    ]
    with pytest.raises((StorageError, RuntimeError)):
        db.open_db(path, steps)
    conn = db.connect(path)
    try:
        assert db.user_version(conn) == 1
        assert _tables(conn) == {"base"}
        assert conn.execute("SELECT x FROM base").fetchall() == [(1,)]
    finally:
        conn.close()


def test_a_step_that_commits_is_refused(tmp_path: Path) -> None:
    def commits(c: sqlite3.Connection) -> None:
        c.execute("COMMIT")

    with pytest.raises(StorageError, match="ended the transaction"):
        db.open_db(tmp_path / "x.db", [commits])


@pytest.mark.parametrize(("found", "known"), [(2, 1), (7, 3), (1, 0)])
def test_newer_database_is_refused_and_left_untouched(
    tmp_path: Path, found: int, known: int
) -> None:
    path = tmp_path / "x.db"
    conn = db.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute("INSERT INTO future VALUES ('from a newer trainer')")
    conn.execute(f"PRAGMA user_version = {found}")
    conn.close()
    steps: list[MigrationStep] = [f"CREATE TABLE t{i} (x)" for i in range(known)]
    with pytest.raises(SchemaTooNewError) as info:
        db.open_db(path, steps)
    assert (info.value.found, info.value.known) == (found, known)
    assert "newer" in str(info.value) and str(path) in str(info.value)
    conn = db.connect(path)
    try:
        assert db.user_version(conn) == found
        assert _tables(conn) == {"future"}
    finally:
        conn.close()


def test_two_connections_migrating_at_once_run_each_step_once(tmp_path: Path) -> None:
    """The loser re-reads the version under the write lock instead of re-running steps."""
    path = tmp_path / "x.db"
    db.connect(path).close()
    other_waiting = threading.Event()
    errors: list[BaseException] = []

    def first_step(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE t (x)")
        # Hold the write lock until the other connection has read version 0 and
        # is queued behind us on BEGIN IMMEDIATE.
        assert other_waiting.wait(30)

    def trace(statement: str) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            other_waiting.set()

    def other() -> None:
        conn = db.connect(path, check_same_thread=False, busy_timeout_s=30)
        conn.set_trace_callback(trace)
        try:
            # Running this step a second time would fail: the table exists.
            db.migrate(conn, ["CREATE TABLE t (x)"])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=other)

    def start_other_then_first_step(c: sqlite3.Connection) -> None:
        thread.start()  # we hold the write lock here, inside our migration
        first_step(c)

    conn = db.connect(path)
    db.migrate(conn, [start_other_then_first_step])
    thread.join(30)
    assert not thread.is_alive()
    assert errors == []
    assert db.user_version(conn) == 1
    conn.close()


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("CREATE TABLE a (x)", ["CREATE TABLE a (x)"]),
        ("CREATE TABLE a (x);CREATE TABLE b (y);", ["CREATE TABLE a (x);", "CREATE TABLE b (y);"]),
        ("INSERT INTO a VALUES (';');", ["INSERT INTO a VALUES (';');"]),
        ("-- a; comment\nSELECT 1;", ["-- a; comment\nSELECT 1;"]),
        (
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; INSERT INTO b VALUES (1); END;"
            " SELECT 2;",
            [
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; "
                "INSERT INTO b VALUES (1); END;",
                "SELECT 2;",
            ],
        ),
        (";; \n", []),
        ("", []),
    ],
)
def test_split_sql(script: str, expected: list[str]) -> None:
    assert db.split_sql(script) == expected


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ValueError), db.transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        raise ValueError("boom")
    assert not conn.in_transaction
    with db.transaction(conn):
        conn.execute("INSERT INTO t VALUES (2)")
    assert conn.execute("SELECT x FROM t").fetchall() == [(2,)]
    conn.close()
