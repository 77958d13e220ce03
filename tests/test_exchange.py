"""History export and import as JSON Lines: round trip, idempotence, strict line checks."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.seed_history import HOSTILE, T0, played, seed
from trainer.core.storage import exchange
from trainer.core.storage.exchange import ExchangeError, export_lines, import_history
from trainer.core.storage.history import AttemptRecord, HistoryStore, SessionBundle
from trainer.core.storage.progress import card_json, due_count, session_rows, stats


@pytest.fixture
def source(tmp_path: Path) -> HistoryStore:
    store = HistoryStore(tmp_path / "source.db")
    seed(store)
    return store


@pytest.fixture
def empty(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "target.db")


def exported(store: HistoryStore) -> list[str]:
    return list(export_lines(store))


def as_file(lines: list[str]) -> io.BytesIO:
    return io.BytesIO("".join(line + "\n" for line in lines).encode("utf-8"))


def test_round_trip_is_identical_line_for_line(source: HistoryStore, empty: HistoryStore) -> None:
    first = exported(source)
    report = import_history(empty, as_file(first))
    assert report.problems == ()
    assert (report.sessions_added, report.attempts_added, report.already_present) == (3, 7, 0)
    assert exported(empty) == first


def test_round_trip_keeps_every_field_and_derives_the_same_figures(
    source: HistoryStore, empty: HistoryStore
) -> None:
    import_history(empty, as_file(exported(source)))
    strip = {"id", "session_id"}

    def attempts(store: HistoryStore) -> list[dict[str, object]]:
        return sorted(
            (
                {k: v for k, v in vars_of(a).items() if k not in strip}
                for a in store.attempts(limit=1000)
            ),
            key=lambda a: str(a["uid"]),
        )

    assert attempts(empty) == attempts(source)
    assert stats(empty, now=T0 + 90 * 86400) == stats(source, now=T0 + 90 * 86400)
    assert [replace_id(r) for r in session_rows(empty)] == [
        replace_id(r) for r in session_rows(source)
    ]
    for pack, question in (("example", "pair-sum"), ("example", "cache-invalidation")):
        assert card_json(empty, pack, question) == card_json(source, pack, question)
        assert card_json(empty, pack, question) is not None
    assert due_count(empty, T0 + 90 * 86400) == due_count(source, T0 + 90 * 86400) > 0


def vars_of(record: AttemptRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def replace_id(row: object) -> object:
    return replace(row, id=0)  # type: ignore[type-var]


def test_untrusted_text_is_kept_exactly_as_written(
    source: HistoryStore, empty: HistoryStore
) -> None:
    import_history(empty, as_file(exported(source)))
    feedback = {a.feedback for a in empty.attempts(limit=1000)}
    assert HOSTILE in feedback
    answers = {a.answer for a in empty.attempts(limit=1000)}
    assert any(HOSTILE in answer and "````" in answer for answer in answers)
    pair = next(s for s in empty.sessions() if s.mode == "pair")
    assert empty.participants(pair.id) == ["Ana", "Ben *the* [interviewer]"]
    assert [r["feedback"] for r in empty.pair_rounds(pair.id)] == ["feedback 0", "feedback 1"]


def test_the_export_is_ascii_json_lines_with_a_header_first(source: HistoryStore) -> None:
    lines = exported(source)
    assert json.loads(lines[0]) == {
        "type": "trainer-history",
        "format_version": 1,
        "schema_version": 3,
    }
    assert all(line.isascii() and "\n" not in line for line in lines)
    types = [json.loads(line)["type"] for line in lines]
    # each session, then its attempts; the attempt outside a session comes last
    assert types == [
        "trainer-history",
        "session",
        *["attempt"] * 4,
        "session",
        *["attempt"] * 2,
        "session",
        "attempt",
    ]
    attempt = json.loads(lines[2])
    assert set(attempt) == {"type", "uid", "session_uid", *exchange.ATTEMPT_FIELDS}
    assert "id" not in attempt and "session_id" not in attempt
    assert json.loads(lines[-1])["session_uid"] is None
    pair = json.loads(lines[-2])
    assert pair["participants"] == ["Ana", "Ben *the* [interviewer]"]
    assert [r["index"] for r in pair["pair_rounds"]] == [0, 1]
    assert set(pair["pair_rounds"][0]) == {
        "index",
        "candidate",
        "interviewer",
        "submitted_at",
        "sides",
    }


def test_the_attempt_line_model_names_every_record_field() -> None:
    assert set(exchange._Attempt.model_fields) == {"type", "uid", "session_uid"} | set(
        exchange.ATTEMPT_FIELDS
    )


def test_order_is_by_time_then_uid(empty: HistoryStore) -> None:
    bundles = [
        SessionBundle(
            uid=uid, mode="solo", role_plan="x", started_at=T0, finished_at=None, settings={}
        )
        for uid in ("bbbb", "aaaa")
    ]
    record = played("choice")
    attempts = [
        (None, replace(record, uid=uid, submitted_at=T0 + 5)) for uid in ("zz", "yy", "xx")
    ] + [(None, replace(record, uid="ww", submitted_at=T0 + 9))]
    empty.import_records(bundles, attempts)
    uids = [json.loads(line)["uid"] for line in exported(empty)[1:]]
    assert uids == ["aaaa", "bbbb", "xx", "yy", "zz", "ww"]


def test_importing_twice_adds_nothing(source: HistoryStore, empty: HistoryStore) -> None:
    lines = exported(source)
    import_history(empty, as_file(lines))
    again = import_history(empty, as_file(lines))
    assert (again.sessions_added, again.attempts_added, again.already_present) == (0, 0, 10)
    assert again.summary().startswith("0 added, 10 already present, 0 bad lines")
    assert exported(empty) == lines


def test_importing_into_the_same_store_adds_nothing(source: HistoryStore) -> None:
    lines = exported(source)
    report = import_history(source, as_file(lines))
    assert (report.added, report.already_present) == (0, 10)
    assert exported(source) == lines


def test_two_exports_appended_import_as_one(source: HistoryStore, empty: HistoryStore) -> None:
    other = HistoryStore(source.path.with_name("other.db"))
    other.record_attempt(replace(played("choice"), submitted_at=T0 + 99 * 86400))
    joined = exported(source) + exported(other)
    report = import_history(empty, as_file(joined))
    assert report.problems == ()
    assert (report.sessions_added, report.attempts_added) == (3, 8)


def test_an_attempt_may_name_a_session_already_stored(
    source: HistoryStore, empty: HistoryStore
) -> None:
    lines = exported(source)
    import_history(empty, as_file(lines[:2]))  # the header and the first session only
    report = import_history(empty, as_file([lines[0], *lines[2:6]]))
    assert report.problems == ()
    assert (report.sessions_added, report.attempts_added) == (0, 4)


# -- bad lines -------------------------------------------------------------------------------


def _attempt(lines: list[str], **changes: object) -> str:
    data = json.loads(lines[2])
    data.update(changes)
    data["uid"] = changes.get("uid", "f" * 32)
    return json.dumps(data)


def _without(lines: list[str], key: str) -> str:
    data = json.loads(lines[2])
    data.pop(key)
    return json.dumps(data)


BAD: dict[str, tuple[object, str]] = {
    "not-json": ("{not json", "not valid JSON"),
    "not-an-object": ("[1, 2]", "expected a JSON object"),
    "wrong-type": (lambda ls: _attempt(ls, hints_used="2"), "hints_used"),
    "bool-for-number": (lambda ls: _attempt(ls, overall_score=True), "overall_score"),
    "float-for-int": (lambda ls: _attempt(ls, hints_used=1.0), "hints_used"),
    "unknown-field": (lambda ls: _attempt(ls, colour="red"), "unknown field 'colour'"),
    "nan": (
        lambda ls: _attempt(ls).replace('"overall_score":', '"overall_score": NaN, "x":'),
        "finite",
    ),
    "infinity": (
        lambda ls: _attempt(ls).replace('"time_taken_s": 300.0', '"time_taken_s": 1e999'),
        "finite",
    ),
    "nan-in-details": (
        lambda ls: _attempt(ls).replace('"details": {', '"details": {"bad": NaN, '),
        "finite",
    ),
    "missing-uid": (lambda ls: _without(ls, "uid"), "missing field 'uid'"),
    "missing-field": (lambda ls: _without(ls, "feedback"), "missing field 'feedback'"),
    "bad-uid": (lambda ls: _attempt(ls, uid="../../etc"), "uid"),
    "unknown-session": (lambda ls: _attempt(ls, session_uid="0" * 32), "unknown session"),
    "unknown-role": (lambda ls: _attempt(ls, role="judge"), "role"),
    "unknown-source": (lambda ls: _attempt(ls, scores={"crowd": {"c": 1}}), "score source"),
    "huge-int": (lambda ls: _attempt(ls, hints_used=2**64), "hints_used"),
    "huge-score": (lambda ls: _attempt(ls, scores={"self": {"c": -(2**70)}}), "scores"),
    "endless-digits": (
        lambda ls: _attempt(ls).replace('"hints_used": 2', '"hints_used": ' + "9" * 5000),
        "not valid JSON",
    ),
    "deep-nesting": (
        '{"type": "attempt", "details": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "nested too deeply",
    ),
    "unknown-type": ('{"type": "note"}', "unknown line type 'note'"),
    "future-header": (
        '{"type": "trainer-history", "format_version": 2, "schema_version": 9}',
        "format_version 2 is newer",
    ),
    "lone-surrogate": (lambda ls: _attempt(ls, answer="\ud800"), "surrogate"),
    "not-utf8": (b'{"type": "attempt", "answer": "caf\xe9"}', "not UTF-8"),
    "bad-pair-round": (
        lambda ls: json.dumps(
            {
                **json.loads(ls[-2]),
                "uid": "e" * 32,
                "pair_rounds": [{**json.loads(ls[-2])["pair_rounds"][0], "index": 5}],
            }
        ),
        "sides.index must be 5",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_line_is_reported_with_its_number_and_the_rest_is_imported(
    source: HistoryStore, empty: HistoryStore, case: str
) -> None:
    lines = exported(source)
    make, expected = BAD[case]
    bad = make(lines) if callable(make) else make
    data = as_file(lines).getvalue().split(b"\n")
    data.insert(4, bad if isinstance(bad, bytes) else str(bad).encode("utf-8"))
    report = import_history(empty, io.BytesIO(b"\n".join(data)))
    assert [p.line for p in report.problems] == [5], report.problems
    assert expected in report.problems[0].message
    assert (report.sessions_added, report.attempts_added) == (3, 7)


def test_several_bad_lines_are_all_reported(source: HistoryStore, empty: HistoryStore) -> None:
    lines = exported(source)
    lines[2] = "{oops"
    lines[5] = lines[5].replace('"kind":', '"kind":1,"x":')
    report = import_history(empty, as_file(lines))
    assert [p.line for p in report.problems] == [3, 6]
    assert (report.sessions_added, report.attempts_added) == (3, 5)


def test_attempts_of_a_bad_session_line_are_bad_too(
    source: HistoryStore, empty: HistoryStore
) -> None:
    lines = exported(source)
    lines[1] = lines[1].replace('"mode":"solo"', '"mode":1')
    report = import_history(empty, as_file(lines))
    assert [p.line for p in report.problems] == [2, 3, 4, 5, 6]
    assert "mode" in report.problems[0].message
    assert all("unknown session" in p.message for p in report.problems[1:])


def test_a_header_from_a_newer_format_refuses_the_whole_file(
    source: HistoryStore, empty: HistoryStore
) -> None:
    lines = exported(source)
    lines[0] = '{"type": "trainer-history", "format_version": 2, "schema_version": 4, "x": 1}'
    with pytest.raises(ExchangeError, match="line 1: format_version 2 is newer"):
        import_history(empty, as_file(lines))
    assert empty.sessions() == [] and empty.attempts() == []


@pytest.mark.parametrize(
    "first",
    [
        "",
        '{"type": "session"}',
        '{"type": "trainer-history", "format_version": "1", "schema_version": 3}',
        "not json",
    ],
)
def test_a_file_without_a_good_header_is_refused(empty: HistoryStore, first: str) -> None:
    with pytest.raises(ExchangeError):
        import_history(empty, io.BytesIO(first.encode()))


def test_blank_lines_and_crlf_line_ends_are_accepted(
    source: HistoryStore, empty: HistoryStore
) -> None:
    lines = exported(source)
    data = ("\r\n".join(lines) + "\r\n\r\n").encode()
    report = import_history(empty, io.BytesIO(data))
    assert report.problems == () and report.added == 10


def test_an_overlong_line_is_bad_and_skipped(
    source: HistoryStore, empty: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange, "MAX_LINE_BYTES", 32_768)
    lines = exported(source)
    lines.insert(2, _attempt(lines, answer="x" * 100_000))
    report = import_history(empty, as_file(lines))
    assert [(p.line, "longer than" in p.message) for p in report.problems] == [(3, True)]
    assert report.attempts_added == 7


# -- the store's bulk methods ------------------------------------------------------------


def test_import_records_is_all_or_nothing(empty: HistoryStore) -> None:
    good = replace(played("choice"), uid="a" * 32, submitted_at=T0)
    orphan = replace(played("choice"), uid="b" * 32, submitted_at=T0)
    with pytest.raises(ValueError, match="no session with uid"):
        empty.import_records([], [(None, good), ("missing", orphan)])
    assert empty.attempts() == []
    with pytest.raises(ValueError, match="needs a uid"):
        empty.import_records([], [(None, replace(good, uid=None))])


def test_rebuild_schedule_restores_the_cards(source: HistoryStore) -> None:
    before = card_json(source, "example", "pair-sum")
    with source.reading() as conn:
        conn.execute("DELETE FROM cards")
    assert card_json(source, "example", "pair-sum") is None
    source.rebuild_schedule()
    assert card_json(source, "example", "pair-sum") == before


# -- writing a file --------------------------------------------------------------------------


def test_export_to_file_replaces_the_file_only_when_complete(
    source: HistoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "history.jsonl"
    counts = exchange.export_to_file(source, target)
    assert (counts.sessions, counts.attempts) == (3, 7)
    good = target.read_text(encoding="utf-8")
    assert good.splitlines() == exported(source)

    def broken(store: HistoryStore) -> object:
        yield '{"type":"trainer-history"}'
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exchange, "export_lines", broken)
    with pytest.raises(OSError):
        exchange.export_to_file(source, target)
    assert target.read_text(encoding="utf-8") == good
    assert sorted(p.name for p in tmp_path.iterdir() if "jsonl" in p.name) == ["history.jsonl"]


def test_import_file_reads_a_path(
    source: HistoryStore, empty: HistoryStore, tmp_path: Path
) -> None:
    target = tmp_path / "h.jsonl"
    exchange.export_to_file(source, target)
    assert exchange.import_file(empty, target).added == 10


def test_hostile_record_in_seed_is_present(source: HistoryStore) -> None:
    assert any(a.role == "shadow" and a.feedback == HOSTILE for a in source.attempts())
