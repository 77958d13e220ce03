"""`trainer history` (list, show, export, import) and `trainer report`.

Everything shown here was written by a person or came from an imported file, so it is
printed as Rich `Text` (never parsed as markup) with control characters made visible.
Rich is imported only for the text outputs; pydantic only by the import.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from trainer.cli.options import (
    DataDirOption,
    FilterKindOption,
    FilterPackOption,
    FilterRoleOption,
    OutputOption,
    SinceOption,
    UntilOption,
)
from trainer.cli.store import fail, filters, history_store, local_time, warn
from trainer.core.text import make_visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from trainer.core.storage.progress import SessionRow

HISTORY_FORMAT_VERSION = 1

app = typer.Typer(
    help="Your practice sessions: list them, show one, export or import the whole history.",
    rich_markup_mode=None,
    no_args_is_help=False,
)


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


class ReportFormat(StrEnum):
    md = "md"
    json = "json"


FormatOption = Annotated[TextOrJson, typer.Option("--format", "-f", help="Output format.")]
LimitOption = Annotated[
    int, typer.Option("--limit", min=1, metavar="N", help="Show at most N sessions.")
]
TuiOption = Annotated[
    bool, typer.Option("--tui", help="Open the app on this screen instead of printing.")
]
SessionIdArgument = Annotated[
    int, typer.Argument(metavar="SESSION_ID", help="A session id from `trainer history`.")
]


def _console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


def _text(value: object, style: str = "") -> Text:
    """Untrusted text for Rich: one line, controls visible, never markup."""
    from rich.text import Text

    return Text(make_visible(str(value), keep_newlines=False), style=style)


def _dumps(value: object) -> str:
    # ASCII only: no raw C1 control or bidi character from a history reaches the terminal.
    return json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _given(ctx: Any, name: str) -> bool:
    """Whether the option was typed on the command line (not taken from the environment)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _data_dir(ctx: typer.Context, own: Path | None) -> Path | None:
    """A sub-command's --data-dir, else the one typed before it (`history --data-dir X show`),
    else the environment's."""
    parent = ctx.parent.params.get("data_dir") if ctx.parent is not None else None
    if _given(ctx, "data_dir") or ctx.parent is None or not _given(ctx.parent, "data_dir"):
        return own
    return parent if isinstance(parent, Path) else own


def _open_tui(data_dir: Path | None, screen: str) -> None:
    from trainer.tui.launch import launch  # lazy: keeps textual out of the other commands

    raise typer.Exit(
        launch(
            role="alternate",
            pack_ids=[],
            question=None,
            rounds=4,
            data_dir=data_dir,
            extra_packs=[],
            screen=screen,
        )
    )


# -- the list ------------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
def history(
    ctx: typer.Context,
    fmt: FormatOption = TextOrJson.text,
    pack: FilterPackOption = None,
    kind: FilterKindOption = None,
    role: FilterRoleOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = 50,
    data_dir: DataDirOption = None,
    tui: TuiOption = False,
) -> None:
    """Your sessions, newest first; with a command, that command (show, export, import)."""
    if ctx.invoked_subcommand is not None:
        return
    chosen = filters(pack, kind, role, since, until)
    if tui:
        _open_tui(data_dir, "history")
    from trainer.core.storage.progress import ProgressFilters, session_rows

    with history_store(data_dir) as store:
        rows = session_rows(store, chosen, limit=limit)
    if fmt is TextOrJson.json:
        sessions = [asdict(row) for row in rows]
        sys.stdout.write(
            _dumps({"format_version": HISTORY_FORMAT_VERSION, "sessions": sessions}) + "\n"
        )
        return
    _print_rows(rows, filtered=chosen != ProgressFilters())


def _print_rows(rows: list[SessionRow], *, filtered: bool) -> None:
    from rich import box
    from rich.table import Table

    out = _console()
    if not rows:
        out.print(_text("No sessions match these filters." if filtered else "No sessions yet."))
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("id", justify="right")
    table.add_column("started", no_wrap=True)
    table.add_column("mode")
    table.add_column("rounds", justify="right")
    table.add_column("score", justify="right")
    table.add_column("gap", justify="right")
    table.add_column("packs / people", overflow="fold", ratio=1)
    for row in rows:
        packs = ", ".join(row.packs) or "-"
        if row.participants:
            packs += " (" + " & ".join(row.participants) + ")"
        table.add_row(
            str(row.id),
            local_time(row.started_at),
            _text(row.mode),
            str(row.rounds),
            _pct(row.mean_score),
            _pct(row.mean_calibration_gap),
            _text(packs),
        )
    out.print(table)
    out.print(
        _text(
            "score: mean candidate score; gap: mean calibration gap (lower is closer). "
            "Details: trainer history show ID",
            style="dim",
        )
    )


# -- one session ---------------------------------------------------------------------------


@app.command()
def show(
    ctx: typer.Context,
    session_id: SessionIdArgument,
    fmt: FormatOption = TextOrJson.text,
    data_dir: DataDirOption = None,
) -> None:
    """One session with every round: answer, evidence, scores, verdict, gaps, feedback."""
    from trainer.core.report import build_report, render_json

    with history_store(_data_dir(ctx, data_dir)) as store:
        if store.session(session_id) is None:
            fail(f"no session with id {session_id} (see `trainer history`)", 1)
        report = build_report(store, session_id)
    if fmt is TextOrJson.json:
        sys.stdout.write(render_json(report))
        return
    _print_report(report, _console())


def _block(out: Console, label: str, text: str, empty: str) -> None:
    """A heading, then `text` as written, line by line, behind a gutter."""
    from rich.text import Text

    out.print(Text(f"  {label}:", style="bold"))
    if not text:
        out.print(Text(f"    {empty}", style="dim"))
        return
    for line in make_visible(text.removesuffix("\n")).split("\n"):
        out.print(Text("    │ ", style="dim") + Text(line), soft_wrap=True)


def _scores(out: Console, criteria: list[dict[str, Any]], *, final: bool, gap: bool) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from trainer.core.storage.history import SCORE_SOURCES

    if not criteria:
        return
    sources = [s for s in SCORE_SOURCES if any(s in c["scores"] for c in criteria)]
    final = final and any(c["final"] is not None for c in criteria)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("criterion", overflow="fold")
    for head in [*sources, *(["final"] if final else []), *(["gap"] if gap else [])]:
        table.add_column(head, justify="right")
    for c in criteria:
        name = c["title"] or c["id"]
        top = f" (of {c['max_score']})" if c["max_score"] else ""
        cells: list[Text | str] = [_text(name) + Text(top, style="dim")]
        cells += [_score(c["scores"].get(s)) for s in sources]
        if final:
            cells.append(_score(c["final"]))
        if gap:
            cells.append("-" if c["gap"] is None else f"{c['gap']:+d}")
        table.add_row(*cells)
    out.print(Text("  scores:", style="bold"))
    out.print(table)


def _score(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "-" if value is None else make_visible(str(value), keep_newlines=False)


def _clock(seconds: object) -> str:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return "-"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _print_report(report: dict[str, Any], out: Console) -> None:
    from rich.text import Text

    session, totals = report["session"], report["totals"]
    out.print(
        Text(f"Session {session['id']}: ", style="bold")
        + _text(f"{session['mode']}, {session['role_plan']}", style="bold")
    )
    out.print(
        _text(
            f"started {local_time(session['started_at'])}, "
            f"finished {local_time(session['finished_at'])}"
        )
    )
    if session["participants"]:
        out.print(_text("participants: " + ", ".join(session["participants"])))
    out.print(
        _text(
            f"{totals['rounds']} rounds: {totals['candidate_rounds']} candidate, "
            f"{totals['interviewer_rounds']} interviewer, {totals['pair_rounds']} pair"
        )
    )
    out.print(
        _text(
            f"mean candidate score {_pct(totals['mean_candidate_score'])}; "
            f"mean calibration gap {_pct(totals['mean_calibration_gap'])}"
        )
    )
    for r in report["rounds"]:
        out.print()
        out.print(
            _text(
                f"Round {r['index']}: {r['role']}, {r['pack_id']}/{r['question_id']} ({r['kind']})",
                style="bold",
            )
        )
        out.print(_text(f"  verdict {r['verdict'] or 'none'}; score {_pct(r['overall_score'])}"))
        if r["role"] != "candidate":
            agreed = {True: "agrees", False: "differs", None: "not compared"}[r["verdict_agreed"]]
            out.print(
                _text(
                    f"  reference verdict {r['reference_verdict'] or '-'} ({agreed}); "
                    f"calibration gap {_pct(r['calibration_gap'])}"
                )
            )
        available = f" of {r['hints_available']}" if r["hints_available"] else ""
        timing = [
            f"hints {r['hints_used']}{available}",
            f"time {_clock(r['time_taken_s'])} of {_clock(r['time_limit_s'])}",
            f"submitted {local_time(r['submitted_at'])}",
        ]
        out.print(_text("  " + "; ".join(timing)))
        if r["selected_choices"]:
            out.print(_text("  selected: " + ", ".join(r["selected_choices"])))
        label = "answer" if r["role"] == "candidate" else "answer judged"
        if r["reference_id"]:
            label += f" ({r['reference_id']})"
        _block(out, make_visible(label, keep_newlines=False), r["answer"], "(no answer)")
        if r["evidence"]:
            out.print(Text("  evidence:", style="bold"))
            for item in r["evidence"]:
                out.print(_text(f"    - {item}"))
        _scores(out, r["criteria"], final=r["role"] == "candidate", gap=r["role"] != "candidate")
        _block(out, "feedback", r["feedback"], "(none)")
    for r in report["pair_rounds"]:
        out.print()
        index = r["index"] + 1 if isinstance(r["index"], int) else "?"
        out.print(
            _text(f"Pair round {index}: {r['pack_id']}/{r['question_id']} ({r['kind']})", "bold")
        )
        out.print(_text(f"  candidate {r['candidate']}; interviewer {r['interviewer']}"))
        facts = [
            f"verdict {r['verdict'] or 'none'}",
            f"score {_pct(r['overall_score'])}",
            f"hints {r['hints_used']}",
            f"time {_clock(r['time_taken_s'])} of {_clock(r['time_limit_s'])}",
            f"submitted {local_time(r['submitted_at'])}",
        ]
        out.print(_text("  " + "; ".join(facts)))
        _block(out, "answer", r["answer"], "(no answer)")
        if r["evidence"]:
            out.print(Text("  evidence:", style="bold"))
            for item in r["evidence"]:
                out.print(_text(f"    - {item}"))
        _scores(out, r["criteria"], final=True, gap=False)
        _block(out, "interviewer's feedback", r["feedback"], "(none)")
        if r["notes"]:
            _block(out, "interviewer's notes", r["notes"], "")
        if r["ratings"]:
            ratings = ", ".join(f"{k} {v}" for k, v in r["ratings"].items())
            out.print(_text(f"  the candidate rated the interviewer: {ratings}"))
        if r["comment"]:
            _block(out, "candidate's comment", r["comment"], "")
    if not report["rounds"] and not report["pair_rounds"]:
        out.print(_text("No rounds were recorded in this session.", style="dim"))


# -- export and import ---------------------------------------------------------------------


@app.command("export")
def export(
    ctx: typer.Context,
    output: OutputOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """The whole history as JSON Lines: a header, then each session and its attempts."""
    from trainer.core.storage.exchange import export_to_file, write_export

    with history_store(_data_dir(ctx, data_dir)) as store:
        if output is None:
            write_export(store, sys.stdout)
            sys.stdout.flush()
            return
        try:
            counts = export_to_file(store, output)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    warn(f"exported {counts.sessions} sessions and {counts.attempts} attempts to {output}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A file from `trainer history export`.")
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Add what a history export holds; what is already here (same uid) is left as it is.

    Every line is checked; a bad one is reported as FILE:LINE: message and skipped.
    Exit codes: 0 every line imported or present, 1 some lines were bad, 2 the file was
    refused (unreadable, not an export, or from a newer trainer).
    """
    from trainer.core.storage.exchange import ExchangeError, import_history

    shown = make_visible(str(file), keep_newlines=False)
    try:
        handle = file.open("rb")
    except OSError as exc:
        fail(f"cannot read {shown}: {exc.strerror or exc}")
    with handle, history_store(_data_dir(ctx, data_dir), create=True) as store:
        try:
            result = import_history(store, handle)
        except ExchangeError as exc:
            fail(f"{shown}: {exc}; nothing was imported")
        except OSError as exc:
            fail(f"cannot read {shown}: {exc.strerror or exc}")
        except ValueError as exc:  # a record the store refused after all: nothing stored
            fail(f"{shown}: {exc}; nothing was imported")
    for problem in result.problems:
        warn(make_visible(f"{shown}:{problem.line}: {problem.message}", keep_newlines=False))
    sys.stdout.write(f"{shown}: {result.summary()}\n")
    if result.problems:
        raise typer.Exit(1)


# -- `trainer report` ----------------------------------------------------------------------


def report(
    session_id: Annotated[
        int | None,
        typer.Argument(
            metavar="[SESSION_ID]", help="Default: the last session started.", show_default=False
        ),
    ] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="md or json.")] = (
        ReportFormat.md
    ),
    output: OutputOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """One session as Markdown or JSON: every round, its scores, gaps and feedback."""
    from trainer.core.atomic import atomic_write_text
    from trainer.core.report import build_report, latest_session_id, render

    with history_store(data_dir) as store:
        chosen = session_id if session_id is not None else latest_session_id(store)
        if chosen is None:
            fail("no sessions in the history yet", 1)
        if store.session(chosen) is None:
            fail(f"no session with id {chosen} (see `trainer history`)", 1)
        text = render(build_report(store, chosen), fmt.value)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        atomic_write_text(output, text)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    warn(f"wrote the report of session {chosen} to {output}")
