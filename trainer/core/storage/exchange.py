"""The whole history as JSON Lines, to move it between machines or keep a copy.

Format (format_version 1): the first line is a header
``{"type": "trainer-history", "format_version": 1, "schema_version": N}``; then each
session (``"type": "session"``, with its participants and pair rounds) followed by its
attempts, then the attempts made outside a session (``"type": "attempt"``, with
``"session_uid": null``). Sessions are ordered by start time then uid, attempts by
submission time then uid, so exporting the same history twice gives the same bytes.

Why uids: an import matches sessions and attempts by uid, so importing a file twice,
or a file that overlaps what is stored, adds each record once. The derived figures and
the review schedule are not exported; the import derives them as a new attempt would.

An imported file is untrusted: every line is checked strictly (exact types, no unknown
fields, finite numbers only, text kept as written) and a bad line is reported with its
number while the good lines are still imported. A header from a newer format refuses
the whole file, since its lines may mean something this version cannot know.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Annotated, Any, Final, Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from trainer.core.atomic import atomic_writer
from trainer.core.storage.history import (
    SCHEMA_VERSION,
    AttemptRecord,
    HistoryStore,
    LinkedAttempt,
    PairRoundRecord,
    SessionBundle,
    check_attempt,
)

FORMAT_VERSION: Final = 1
HEADER_TYPE: Final = "trainer-history"
#: Longer lines are refused unread: no answer is anywhere near this long.
MAX_LINE_BYTES: Final = 16 * 1024 * 1024
_EXCLUDED: Final = frozenset({"id", "session_id", "uid"})
#: AttemptRecord's fields in declaration order, as an attempt line spells them.
ATTEMPT_FIELDS: Final = tuple(f.name for f in fields(AttemptRecord) if f.name not in _EXCLUDED)


class ExchangeError(Exception):
    """The file as a whole cannot be imported (not an export, or from a newer format)."""


# -- export -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportCounts:
    sessions: int
    attempts: int


def _dumps(value: dict[str, Any]) -> str:
    # ASCII only: no raw U+2028 or NEL that a line splitter other than "\n" would split on.
    return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def header() -> dict[str, Any]:
    return {"type": HEADER_TYPE, "format_version": FORMAT_VERSION, "schema_version": SCHEMA_VERSION}


def session_line(bundle: SessionBundle) -> dict[str, Any]:
    return {
        "type": "session",
        "uid": bundle.uid,
        "mode": bundle.mode,
        "role_plan": bundle.role_plan,
        "started_at": bundle.started_at,
        "finished_at": bundle.finished_at,
        "settings": dict(bundle.settings),
        "participants": list(bundle.participants),
        "pair_rounds": [
            {
                "index": r.index,
                "candidate": r.candidate,
                "interviewer": r.interviewer,
                "submitted_at": r.submitted_at,
                "sides": dict(r.sides),
            }
            for r in bundle.pair_rounds
        ],
    }


def attempt_line(session_uid: str | None, attempt: AttemptRecord) -> dict[str, Any]:
    line: dict[str, Any] = {"type": "attempt", "uid": attempt.uid, "session_uid": session_uid}
    for name in ATTEMPT_FIELDS:
        value = getattr(attempt, name)
        if name == "selected_choices":
            value = list(value)
        elif name == "scores":
            value = {source: dict(by_criterion) for source, by_criterion in value.items()}
        elif name == "details":
            value = dict(value)
        line[name] = value
    return line


def export_lines(store: HistoryStore) -> Iterator[str]:
    """Every line of the export, without line ends, header first."""
    sessions, attempts = store.export_records()
    by_session: dict[str | None, list[AttemptRecord]] = {}
    for session_uid, attempt in attempts:
        by_session.setdefault(session_uid, []).append(attempt)
    yield _dumps(header())
    for bundle in sessions:
        yield _dumps(session_line(bundle))
        for attempt in by_session.pop(bundle.uid, []):
            yield _dumps(attempt_line(bundle.uid, attempt))
    for attempt in by_session.pop(None, []):
        yield _dumps(attempt_line(None, attempt))


def write_export(store: HistoryStore, out: TextIO) -> ExportCounts:
    sessions = attempts = 0
    for line in export_lines(store):
        out.write(line + "\n")
        if line.startswith('{"type":"session"'):
            sessions += 1
        elif line.startswith('{"type":"attempt"'):
            attempts += 1
    return ExportCounts(sessions, attempts)


def export_to_file(store: HistoryStore, path: Path | str) -> ExportCounts:
    """Write the export to `path` atomically: the old file stays until the new one is whole."""
    with atomic_writer(path) as handle:
        return write_export(store, handle)


# -- line models ------------------------------------------------------------------------

Uid = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
#: SQLite stores integers in 64 bits; a larger one would fail the whole transaction.
Count = Annotated[int, Field(ge=0, le=2**63 - 1)]
_STRICT = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class _Header(BaseModel):
    model_config = _STRICT
    type: Literal["trainer-history"]
    format_version: Annotated[int, Field(ge=1)]
    schema_version: Annotated[int, Field(ge=1)]


class _PairRound(BaseModel):
    model_config = _STRICT
    index: Count
    candidate: str
    interviewer: str
    submitted_at: float
    sides: dict[str, Any]

    @model_validator(mode="after")
    def _sides_name_the_round(self) -> _PairRound:
        sides = self.sides
        index = sides.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or index != self.index:
            raise ValueError(f"sides.index must be {self.index}, the round's index")
        for key in ("pack_id", "question_id"):
            if not isinstance(sides.get(key), str):
                raise ValueError(f"sides.{key} must be a string")
        return self


class _Session(BaseModel):
    model_config = _STRICT
    type: Literal["session"]
    uid: Uid
    mode: str
    role_plan: str
    started_at: float
    finished_at: float | None
    settings: dict[str, Any]
    participants: Annotated[list[str], Field(max_length=2)]
    pair_rounds: list[_PairRound]

    @model_validator(mode="after")
    def _round_indexes_unique(self) -> _Session:
        indexes = [r.index for r in self.pair_rounds]
        if len(set(indexes)) != len(indexes):
            raise ValueError("pair_rounds: a round index appears twice")
        return self


class _Attempt(BaseModel):
    model_config = _STRICT
    type: Literal["attempt"]
    uid: Uid
    session_uid: Uid | None
    role: Literal["candidate", "interviewer", "shadow"]
    pack_id: str
    question_id: str
    kind: str
    submitted_at: float
    answer: str
    selected_choices: list[str]
    reference_id: str | None
    scores: dict[str, dict[str, int | float]]
    overall_score: float | None
    verdict: str | None
    hints_used: Count
    time_taken_s: float | None
    time_limit_s: float | None
    feedback: str
    calibration_mae: float | None
    verdict_agreed: bool | None
    started_at: float | None
    details: dict[str, Any]

    @model_validator(mode="after")
    def _scores_fit_sqlite(self) -> _Attempt:
        for source, by_criterion in self.scores.items():
            for criterion_id, score in by_criterion.items():
                if isinstance(score, int) and not -(2**63) <= score < 2**63:
                    raise ValueError(f"scores.{source}.{criterion_id}: {score} is out of range")
        return self


# -- import -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineProblem:
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    sessions_added: int = 0
    attempts_added: int = 0
    already_present: int = 0
    problems: tuple[LineProblem, ...] = field(default_factory=tuple)

    @property
    def added(self) -> int:
        return self.sessions_added + self.attempts_added

    @property
    def bad_lines(self) -> int:
        return len(self.problems)

    def summary(self) -> str:
        """One line: what the import did, for the end of `trainer history import`."""
        return (
            f"{self.added} added, {self.already_present} already present, "
            f"{_plural(self.bad_lines, 'bad line')} "
            f"(sessions added: {self.sessions_added}, attempts added: {self.attempts_added})"
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class _BadLine(Exception):
    """One line is refused; the import goes on with the next."""


def _reject_constant(name: str) -> Any:
    raise _BadLine(f"numbers must be finite, not {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadLine(f"numbers must be finite, not {text}")
    return value


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadLine(f"not UTF-8 text (byte {exc.start + 1})") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not valid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise _BadLine("not valid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise _BadLine(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise _BadLine(f"expected a JSON object, not {type(value).__name__}")
    if "\\ud" in text or "\\uD" in text:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise _BadLine("text holds a lone UTF-16 surrogate (not valid Unicode)") from None
    return value


def _describe(exc: ValidationError) -> str:
    """pydantic's errors as `where: what`, the first three of them."""
    parts = []
    errors = exc.errors(include_url=False)
    for error in errors[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "line"
        if error["type"] == "missing":
            parts.append(f"missing field {where!r}")
        elif error["type"] == "extra_forbidden":
            parts.append(f"unknown field {where!r}")
        else:
            message = error["msg"].removeprefix("Value error, ")
            parts.append(f"{where}: {message}")
    if len(errors) > 3:
        parts.append(f"and {len(errors) - 3} more")
    return "; ".join(parts)


def _lines(source: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes without the line end); None for a line over the size cap."""
    number = 0
    while True:
        raw = source.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = source.readline(1024 * 1024)
            yield number, None
            continue
        yield number, raw.rstrip(b"\n").removesuffix(b"\r")


def _check_header(data: dict[str, Any]) -> None:
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise ExchangeError(
            f"format_version {version} is newer than this trainer reads ({FORMAT_VERSION}); "
            "upgrade the trainer to import this file"
        )
    try:
        _Header.model_validate(data)
    except ValidationError as exc:
        raise _BadLine(f"bad header: {_describe(exc)}") from None


def read_lines(
    store: HistoryStore, source: IO[bytes]
) -> tuple[list[SessionBundle], list[LinkedAttempt], list[LineProblem]]:
    """The good records of an export and the problems of the bad lines, nothing stored.

    Raises `ExchangeError` when the first line is not a header this version reads.
    """
    with store.reading() as conn:
        known = {str(uid) for (uid,) in conn.execute("SELECT uid FROM sessions") if uid}
    sessions: list[SessionBundle] = []
    attempts: list[LinkedAttempt] = []
    problems: list[LineProblem] = []
    seen_header = False
    for number, raw in _lines(source):
        if raw is not None and not raw.strip():
            continue  # a blank line (e.g. a final one) carries nothing
        try:
            if raw is None:
                raise _BadLine(f"longer than {MAX_LINE_BYTES} bytes")
            data = _parse_json(raw)
            kind = data.get("type")
            if not seen_header:
                if kind != HEADER_TYPE:
                    raise ExchangeError(
                        f"line {number}: not a trainer history export (the first line "
                        f'must be {{"type": "{HEADER_TYPE}", "format_version": ...}})'
                    )
                try:
                    _check_header(data)
                except (ExchangeError, _BadLine) as exc:
                    raise ExchangeError(f"line {number}: {exc}") from None
                seen_header = True
            elif kind == HEADER_TYPE:
                try:
                    _check_header(data)  # another export appended: fine if it is ours
                except ExchangeError as exc:
                    raise _BadLine(str(exc)) from None
            elif kind == "session":
                bundle = _session(data)
                sessions.append(bundle)
                known.add(bundle.uid)
            elif kind == "attempt":
                session_uid, attempt = _attempt(data)
                if session_uid is not None and session_uid not in known:
                    raise _BadLine(
                        f"unknown session {session_uid!r}: neither earlier in the file "
                        "nor already stored"
                    )
                attempts.append((session_uid, attempt))
            else:
                shown = kind if isinstance(kind, str) else json.dumps(kind)
                raise _BadLine(
                    f"unknown line type {shown!r}; expected 'session', 'attempt' or a header"
                )
        except _BadLine as exc:
            problems.append(LineProblem(number, str(exc)))
    if not seen_header:
        raise ExchangeError("empty file: not a trainer history export")
    return sessions, attempts, problems


def _session(data: dict[str, Any]) -> SessionBundle:
    try:
        model = _Session.model_validate(data)
    except ValidationError as exc:
        raise _BadLine(_describe(exc)) from None
    return SessionBundle(
        uid=model.uid,
        mode=model.mode,
        role_plan=model.role_plan,
        started_at=model.started_at,
        finished_at=model.finished_at,
        settings=model.settings,
        participants=tuple(model.participants),
        pair_rounds=tuple(
            PairRoundRecord(r.index, r.candidate, r.interviewer, r.submitted_at, r.sides)
            for r in sorted(model.pair_rounds, key=lambda r: r.index)
        ),
    )


def _attempt(data: dict[str, Any]) -> LinkedAttempt:
    try:
        model = _Attempt.model_validate(data)
    except ValidationError as exc:
        raise _BadLine(_describe(exc)) from None
    values = {name: getattr(model, name) for name in ATTEMPT_FIELDS}
    values["selected_choices"] = tuple(model.selected_choices)
    record = AttemptRecord(uid=model.uid, **values)
    try:
        check_attempt(record)
    except ValueError as exc:
        raise _BadLine(str(exc)) from None
    return model.session_uid, record


def import_history(store: HistoryStore, source: IO[bytes]) -> ImportReport:
    """Check every line, then store the good ones in one transaction (see `read_lines`)."""
    sessions, attempts, problems = read_lines(store, source)
    try:
        counts = store.import_records(sessions, attempts)
    except (OverflowError, sqlite3.Error) as exc:  # checked lines should never get here
        raise ExchangeError(f"the history refused the import ({exc})") from exc
    return ImportReport(
        sessions_added=counts.sessions_added,
        attempts_added=counts.attempts_added,
        already_present=counts.sessions_present + counts.attempts_present,
        problems=tuple(problems),
    )


def import_file(store: HistoryStore, path: Path | str) -> ImportReport:
    with open(path, "rb") as handle:
        return import_history(store, handle)
