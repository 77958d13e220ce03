"""`trainer pack ...`: validate, schema, new, list, rules. Never imports the TUI."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trainer.cli.options import DataDirOption, GraderModelOption, GraderOption, PacksOption
from trainer.core.diagnostics import Severity
from trainer.core.packs.discovery import builtin_packs_dir, discover, pack_files
from trainer.core.packs.limits import DEFAULT_MAX_BYTES
from trainer.core.text import make_visible

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from rich.console import Console

    from trainer.core.diagnostics import Diagnostic
    from trainer.core.evaluation.evidence import SuggestedScore
    from trainer.core.evaluation.grader import GraderConfig
    from trainer.core.packs.model import AnyQuestion, Pack
    from trainer.core.packs.resolve import ResolvedCriterion
    from trainer.core.packs.validate import ExtraCheck
    from trainer.core.packs.yamlsafe import SourceDocument

# Loading packs (YAML, pydantic) and Rich are imported inside the commands that need
# them, so `trainer --help`, the TUI's start-up and the JSON outputs do not pay for them.

app = typer.Typer(
    help="Write and check question packs.", no_args_is_help=True, rich_markup_mode=None
)


class Format(StrEnum):
    text = "text"
    parsable = "parsable"
    json = "json"
    github = "github"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


class Kind(StrEnum):
    """Question kinds, as `pack new --kind` takes them (the model's KINDS)."""

    coding = "coding"
    system_design = "system_design"
    behavioral = "behavioral"
    concept = "concept"
    multiple_choice = "multiple_choice"
    recorded_interview = "recorded_interview"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


def _out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _pack_paths(paths: list[Path] | None) -> list[Path]:
    """The pack files named (folders expanded; default the built-in packs); exit 2 if none."""
    from rich.text import Text

    files: list[Path] = []
    missing: list[Path] = []
    for path in paths or [builtin_packs_dir()]:
        if path.is_dir():
            found = pack_files(path)
            if not found:
                _err().print(Text(f"trainer: no .yaml pack files in {path}"))
                raise typer.Exit(2)
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            missing.append(path)
    if missing:
        for path in missing:
            _err().print(Text(f"trainer: no such file or folder: {path}"))
        raise typer.Exit(2)
    return files


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Pack files or folders. Default: the built-in packs.", show_default=False
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when findings reach this severity.")
    ] = FailOn.error,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1, help="Largest pack file accepted, in bytes.")
    ] = DEFAULT_MAX_BYTES,
    run: Annotated[
        bool, typer.Option("--run", help="Run reference solutions against their tests.")
    ] = False,
) -> None:
    """Check packs and report every problem with file, line, column and rule id.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable input.
    """
    from rich.text import Text

    files = _pack_paths(paths)

    from trainer.cli.report import as_github, as_json, as_parsable, display_path, print_text
    from trainer.core.evaluation.signal_check import check_signals

    checks: list[ExtraCheck] = [check_signals]
    tally = None
    if run:
        from functools import partial

        from trainer.core.evaluation.pack_run import RunTally, check_pack_solutions

        tally = RunTally()
        checks.append(partial(check_pack_solutions, tally=tally))

    def extra_check(pack: Pack, source: SourceDocument, name: str) -> list[Diagnostic]:
        return [d for check in checks for d in check(pack, source, name)]

    from trainer.core.packs.validate import validate_files

    report = validate_files(
        files, max_bytes=max_bytes, display=display_path, extra_check=extra_check
    )
    if fmt is Format.json:
        extra: dict[str, object] | None = {"run": tally.to_json()} if tally else None
        sys.stdout.write(as_json(report, extra=extra) + "\n")
    elif fmt is Format.parsable:
        for line in as_parsable(report):
            sys.stdout.write(line + "\n")
    elif fmt is Format.github:
        for line in as_github(report):
            sys.stdout.write(line + "\n")
    else:
        print_text(report, _out())
        if tally is not None:
            skipped = len(report.files) - tally.packs
            note = (
                f" ({skipped} file{'' if skipped == 1 else 's'} not run: errors)" if skipped else ""
            )
            _out().print(Text(f"run: {tally.line()}{note}"))
    if report.unreadable:
        raise typer.Exit(2)
    if report.fails(Severity(fail_on.value)):
        raise typer.Exit(1)


def _schema_file(data_dir: Path | None) -> Path:
    """Write the schema into the data dir (atomically, only when changed) and return its path."""
    from trainer.paths import data_dir as resolve_data_dir

    target = resolve_data_dir(data_dir) / "schema" / "pack-v1.json"
    _write_schema(target)
    return target


def _write_schema(target: Path) -> bool:
    """Write the current schema to `target` unless it already holds it; True when written."""
    from trainer.core.atomic import atomic_write_text
    from trainer.core.packs.schema import pack_json_schema_text

    text = pack_json_schema_text()
    try:
        if target.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, text)
    return True


def _is_trainer_schema(path: Path) -> bool:
    """True for a schema an earlier `pack new` or `pack schema` wrote (safe to refresh)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    title = data.get("title") if isinstance(data, dict) else None
    return isinstance(title, str) and title.startswith("trainer question pack")


@app.command()
def schema(
    path: Annotated[
        bool, typer.Option("--path", help="Print the path of a schema file instead.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Print the pack JSON Schema (draft-07), made from the same model the loader uses."""
    if path:
        typer.echo(str(_schema_file(data_dir)))
        return
    from trainer.core.packs.schema import pack_json_schema_text

    sys.stdout.write(pack_json_schema_text())


@app.command()
def new(
    pack_id: Annotated[str, typer.Argument(metavar="ID", help="kebab-case id of the new pack.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write. Default: ID.yaml here.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    kinds: Annotated[
        list[Kind] | None,
        typer.Option(
            "--kind",
            metavar="<kind>",
            help="A starter question of this kind: coding, system_design, behavioral, "
            "concept or multiple_choice. Repeat for several; default concept.",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write a commented starter pack that validates clean (with --run, too)."""
    import re

    from rich.text import Text

    from trainer.core.packs.starter import starter_pack

    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", pack_id):
        _err().print(Text(f"trainer: '{pack_id}' is not a kebab-case id (e.g. my-pack)"))
        raise typer.Exit(2)
    target = out or Path(f"{pack_id}.yaml")
    if target.exists() and not force:
        _err().print(Text(f"trainer: {target} exists; use --force to overwrite"))
        raise typer.Exit(2)
    from trainer.core.atomic import atomic_write_text
    from trainer.core.packs.schema import SCHEMA_FILE_NAME

    text = starter_pack(
        pack_id,
        schema_path=f"./{SCHEMA_FILE_NAME}",
        filename=target.name,
        kinds=[k.value for k in kinds or []],
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, text)
    typer.echo(f"wrote {target}; check it with: trainer pack validate {target}")
    schema_file = target.parent / SCHEMA_FILE_NAME
    if schema_file.exists() and not _is_trainer_schema(schema_file):
        _err().print(
            Text(
                f"trainer: left {schema_file} alone (not a trainer schema); editors will "
                "not find the pack schema until it is: trainer pack schema > "
                f"{schema_file}"
            )
        )
    elif _write_schema(schema_file):
        typer.echo(
            f"wrote {schema_file} for editor completion; commit it beside the pack "
            "(the pack's first line points to it)"
        )


@app.command("list")
def list_packs(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
    packs: PacksOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Show discovered packs (built-in, your packs folder, --packs): file, questions, status.

    A pack is "ok" only when the app loads it: no error from the YAML, the schema or the
    content rules, and no earlier pack with the same id. Otherwise the reason is shown.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from trainer.cli.report import display_path
    from trainer.core.packs.catalog import load_catalog
    from trainer.core.packs.model import KINDS
    from trainer.paths import data_dir as resolve_data_dir
    from trainer.paths import user_packs_dir

    sources = discover(user_packs_dir(resolve_data_dir(data_dir)), packs or [])
    catalog = load_catalog(sources, display=display_path)
    on_request = catalog.on_request
    entry_problem = {e.file: e.problem or "" for e in catalog.entries}
    rows: list[dict[str, object]] = []
    for entry in catalog.entries:
        pack = entry.pack
        checked = entry.checked
        kinds = dict(checked.kinds) if checked is not None else {}
        status = "ok"
        if entry.error is not None:
            status = "invalid"
        elif entry.shadowed_by is not None:
            status = "shadowed"
        row: dict[str, object] = {
            "file": entry.file,
            "origin": entry.source.origin,
            "id": pack.pack.id if pack else None,
            "title": pack.pack.title if pack else None,
            "version": pack.pack.version if pack else None,
            "ok": entry.loaded,
            "status": status,
            "questions": checked.questions if checked is not None else 0,
            "kinds": {k: kinds.get(k, 0) for k in KINDS},
            "error": entry.error,
            "shadowed_by": entry.shadowed_by,
            "on_request": bool(pack and entry.loaded and pack.pack.id in on_request),
        }
        rows.append(row)
    if fmt is ListFormat.json:
        sys.stdout.write(
            json.dumps({"format_version": 1, "packs": rows}, indent=2, ensure_ascii=False) + "\n"
        )
        return
    table = Table(
        title="Question packs",
        show_lines=False,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for col in ("id", "file", "origin", "questions", "status"):
        table.add_column(
            col,
            justify="right" if col == "questions" else "left",
            overflow="fold",
            min_width=max((len(_shown_file(r)) for r in rows), default=4)
            if col == "file"
            else None,
        )
    notes: list[str] = []
    for row in rows:
        status = str(row["status"])
        if status == "ok" and row["on_request"]:
            shown = Text("example", style="green")
            notes.append(
                f"{row['file']}: the authors' example; practise it only with --pack {row['id']}"
            )
        elif status == "ok":
            shown = Text("ok", style="green")
        elif status == "shadowed":
            shown = Text("ignored", style="yellow")
            notes.append(
                f"{row['file']}: ignored; pack id '{row['id']}' is already loaded from "
                f"{row['shadowed_by']}"
            )
        else:
            shown = Text("invalid", style="red")
            notes.append(entry_problem[str(row["file"])])
        table.add_row(
            Text(make_visible(str(row.get("id") or "-"), keep_newlines=False)),
            # built-in packs live in one known folder (`trainer info`): the name is enough
            Text(make_visible(_shown_file(row), keep_newlines=False)),
            str(row["origin"]),
            str(row["questions"]),
            shown,
        )
    out = _out()
    out.print(table)
    for note in notes:
        out.print(Text(make_visible(note, keep_newlines=False)))
    if any(r["status"] == "invalid" for r in rows):
        out.print(Text("Run 'trainer pack validate <file>' to see every finding.", style="dim"))


@app.command()
def rules() -> None:
    """List every rule id a finding can carry (file, YAML, schema, content) with its severity."""
    from trainer.core.packs.rules import ALL_RULES

    for rule, (severity, text) in sorted(ALL_RULES.items()):
        typer.echo(f"{rule:28} {severity.value:8} {text}")


def _shown_file(row: dict[str, object]) -> str:
    """A built-in pack's file name alone, so the table fits 80 columns; others in full."""
    file = str(row["file"])
    return Path(file).name if row["origin"] == "built-in" else file


_KIND_NAMES = {"system_design": "system design", "behavioral": "behavioural", "concept": "concept"}


@app.command("check-suggestions")
def check_suggestions(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Pack files or folders. Default: the built-in packs.", show_default=False
        ),
    ] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ListFormat.table
    ),
    grader: GraderOption = None,
    grader_model: GraderModelOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Suggested levels against the experts': every graded answer to a written question.

    For the signals (always) and the model grader (when one is configured), per kind and
    overall: how many expert scores got a suggestion, the share suggested exactly, and the
    mean absolute error in levels.
    """
    from rich.text import Text

    from trainer.cli.report import display_path
    from trainer.core.evaluation.suggestion_check import (
        compare,
        constant_baseline,
        graded_answers,
        summary,
    )
    from trainer.core.packs.catalog import check_file

    packs = []
    skipped: list[str] = []
    for path in _pack_paths(paths):
        checked = check_file(path, display=display_path(path))
        if checked.pack is None or checked.first_error is not None:
            first = checked.first_error
            skipped.append(f"{checked.file}: {first.message if first else 'not loaded'}")
            continue
        packs.append(checked.pack)
    model, config = _model_suggester(grader, grader_model, data_dir)
    failures: list[str] = []
    progress = None
    if config is not None and sys.stderr.isatty():
        total = sum(1 for _ in graded_answers(packs))

        def progress(done: int) -> None:
            sys.stderr.write(f"\rtrainer: asked the model at {config.host} about {done}/{total}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    comparisons = compare(
        packs,
        (lambda q, c, a: model(q, c, a, failures)) if model else None,
        on_answer=progress,
    )
    if failures:
        first_failure = make_visible(failures[0], keep_newlines=False)
        _err().print(
            Text(
                f"trainer: the grader failed on {len(failures)} answer(s), counted as not "
                f"suggested; first: {first_failure}"
            )
        )
    table = summary(comparisons)
    answers = len({(c.pack_id, c.question_id, c.answer_id) for c in comparisons})
    floor = constant_baseline(comparisons)
    if fmt is ListFormat.json:
        doc = {
            "format_version": 1,
            "answers": answers,
            "baseline": None if floor is None else {"level": floor[0], **floor[1].to_json()},
            "methods": {
                method: {kind: figures.to_json() for kind, figures in rows.items()}
                for method, rows in table.items()
            },
            "skipped": skipped,
            "grader": None
            if config is None
            else {"host": config.host, "model": config.model, "failed": len(failures)},
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    out = _out()
    out.print(Text(f"Suggested levels against the experts' on {answers} graded written answers"))
    if not table:
        out.print(Text("No graded answers to written questions in these packs.", style="dim"))
    for method, rows in table.items():
        head = method
        if method == "model" and config is not None:
            head += f" ({config.model} at {config.host})"
        out.print(Text(f"\n{head}", style="bold"))
        out.print(
            Text(f"  {'kind':15} {'scores':>6} {'suggested':>12} {'exact':>7} {'mean error':>11}")
        )
        for kind, figures in rows.items():
            coverage = figures.coverage
            exact = figures.exact_rate
            error = figures.mean_abs_error
            out.print(
                Text(
                    f"  {_KIND_NAMES.get(kind, kind):15} {figures.scored:>6} "
                    f"{figures.suggested:>5} ({_pct(coverage):>4}) {_pct(exact):>7} "
                    f"{'-' if error is None else f'{float(error):.2f}':>11}"
                )
            )
    if floor is not None:
        level, figures = floor
        error = figures.mean_abs_error
        out.print(
            Text(
                f"\nfloor: always level {level} (the experts' commonest): exact "
                f"{_pct(figures.exact_rate)}, mean error "
                f"{'-' if error is None else f'{float(error):.2f}'}",
                style="dim",
            )
        )
    for note in skipped:
        _err().print(Text(f"trainer: skipped {make_visible(note, keep_newlines=False)}"))


def _model_suggester(
    url: str | None, model: str | None, data_dir: Path | None
) -> tuple[Callable[..., list[SuggestedScore]] | None, GraderConfig | None]:
    """The grader as a suggester for `compare`, or (None, None) when none is configured."""
    import os

    from trainer.core.evaluation.evidence import SuggestedScore
    from trainer.core.evaluation.grader import GraderConfigError, grade, grader_config
    from trainer.paths import CONFIG_FILE_NAME
    from trainer.paths import data_dir as resolve_data_dir

    try:
        config = grader_config(
            url,
            model,
            environ=os.environ,
            config_path=resolve_data_dir(data_dir) / CONFIG_FILE_NAME,
        )
    except GraderConfigError as exc:
        raise typer.BadParameter(str(exc), param_hint="--grader") from None
    if config is None:
        return None, None
    found = config

    def suggest(
        question: AnyQuestion,
        criteria: Sequence[ResolvedCriterion],
        answer: str,
        failures: list[str],
    ) -> list[SuggestedScore]:
        outcome = grade(
            found,
            question_title=question.title,
            prompt=question.prompt,
            criteria=criteria,
            answer=answer,
        )
        if outcome.error is not None:
            failures.append(outcome.error)
        return [
            SuggestedScore(s.criterion_id, s.score, s.max_score, "model", s.rationale, s.quote)
            for s in outcome.suggestions
        ]

    return suggest, config


def _pct(value: object) -> str:
    from fractions import Fraction

    return "-" if not isinstance(value, Fraction) else f"{round(float(value) * 100)}%"
