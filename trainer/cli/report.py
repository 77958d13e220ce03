"""Render validation reports: text (grouped, with source and caret), parsable, json, github."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from trainer.core.diagnostics import Diagnostic, Severity
from trainer.core.text import make_visible

if TYPE_CHECKING:
    from trainer.core.packs.validate import ValidationReport

JSON_FORMAT_VERSION = 1
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def summary(report: ValidationReport) -> dict[str, int]:
    return {
        "files": len(report.files),
        "questions": sum(f.questions for f in report.files),
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
    }


def summary_line(report: ValidationReport) -> str:
    s = summary(report)

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    found = [n(s["errors"], "error"), n(s["warnings"], "warning")]
    if s["infos"]:
        found.append(n(s["infos"], "info"))
    return f"{', '.join(found)} in {n(s['files'], 'file')} ({n(s['questions'], 'question')})"


def as_json(report: ValidationReport, *, extra: dict[str, object] | None = None) -> str:
    envelope: dict[str, object] = {
        "format_version": JSON_FORMAT_VERSION,
        "summary": summary(report),
        "files": [
            {
                "file": f.file,
                "pack_id": f.pack_id,
                "questions": f.questions,
                "errors": sum(1 for d in f.diagnostics if d.severity is Severity.ERROR),
            }
            for f in report.files
        ],
        "diagnostics": [d.to_json() for d in report.diagnostics],
    }
    if extra:
        envelope.update(extra)
    return json.dumps(envelope, indent=2, ensure_ascii=False)


def as_parsable(report: ValidationReport) -> Iterator[str]:
    for d in report.diagnostics:
        yield make_visible(
            f"{d.file}:{d.line}:{d.column}: {d.severity.value} {d.rule} {d.message}",
            keep_newlines=False,
        )


def _gh_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def as_github(report: ValidationReport) -> Iterator[str]:
    """GitHub workflow commands: `::error file=F,line=L,col=C,title=RULE::message`."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    for d in report.diagnostics:
        props = [f"file={_gh_escape(d.file, prop=True)}"]
        if d.line:
            props += [f"line={d.line}", f"col={d.column}"]
        props.append(f"title={_gh_escape(d.rule, prop=True)}")
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        yield make_visible(
            f"::{level[d.severity]} {','.join(props)}::{_gh_escape(message)}", keep_newlines=False
        )


def _source_lines(path: str, cache: dict[str, list[str]]) -> list[str]:
    if path not in cache:
        try:
            with open(path, "rb") as fh:
                data = fh.read(4 * 1024 * 1024)
            cache[path] = data.decode("utf-8", errors="replace").splitlines()
        except OSError:
            cache[path] = []
    return cache[path]


def print_text(report: ValidationReport, console: Console, *, show_source: bool = True) -> None:
    """Grouped by file; each finding with its source line and a caret under the column."""
    cache: dict[str, list[str]] = {}
    for freport in report.files:
        if not freport.diagnostics:
            continue
        console.print(Text(make_visible(freport.file, keep_newlines=False), style="bold underline"))
        for d in freport.diagnostics:
            _print_one(d, console, _source_lines(d.file, cache) if show_source else [])
        console.print()
    style = (
        "bold red"
        if report.count(Severity.ERROR)
        else ("yellow" if report.count(Severity.WARNING) else "green")
    )
    console.print(Text(summary_line(report), style=style))


def _print_one(d: Diagnostic, console: Console, lines: list[str]) -> None:
    head = Text()
    head.append(f"{d.file}:{d.line}:{d.column}: " if d.line else f"{d.file}: ", style="dim")
    head.append(d.severity.value, style=_STYLE[d.severity])
    head.append(f" [{d.rule}] ", style="bold")
    head.append(make_visible(d.message, keep_newlines=False))
    if d.path:
        head.append(f"  ({d.path_str})", style="dim")
    console.print(head, soft_wrap=True)
    if d.line and 0 < d.line <= len(lines):
        raw = lines[d.line - 1]
        shown = make_visible(raw, keep_newlines=False, tab_size=1)
        prefix = make_visible(raw[: max(0, d.column - 1)], keep_newlines=False, tab_size=1)
        gutter = f"{d.line:>5} | "
        console.print(Text(gutter, style="dim") + Text(shown), soft_wrap=True)
        console.print(
            Text(" " * (len(gutter) - 2) + "| ", style="dim")
            + Text(" " * len(prefix) + "^", style=_STYLE[d.severity]),
            soft_wrap=True,
        )
    if d.hint:
        console.print(
            Text("      = hint: ", style="dim") + Text(make_visible(d.hint)), soft_wrap=True
        )


def display_path(path: Path) -> str:
    """Paths relative to the working directory when they are under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
