"""Validate pack files: check each (as the app does before loading it), then the cross-pack rules.

This is what `trainer pack validate` calls; it never raises for a bad pack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trainer.core.diagnostics import Diagnostic, Severity
from trainer.core.packs.catalog import check_file
from trainer.core.packs.model import Pack
from trainer.core.packs.rules import PackIds, check_across
from trainer.core.packs.yamlsafe import DEFAULT_MAX_BYTES, SourceDocument, gc_paused

#: Extra per-pack checks (e.g. running reference solutions); injected so that
#: plain validation never imports, let alone runs, the code runner.
ExtraCheck = Callable[[Pack, SourceDocument, str], list[Diagnostic]]


@dataclass
class FileReport:
    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    questions: int = 0
    pack_id: str | None = None
    unreadable: bool = False


@dataclass
class ValidationReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics]

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)

    @property
    def unreadable(self) -> bool:
        return any(f.unreadable for f in self.files)

    def fails(self, fail_on: Severity) -> bool:
        return any(d.severity.rank >= fail_on.rank for d in self.diagnostics)


def validate_files(
    paths: Sequence[Path],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    display: Callable[[Path], str] = str,
    extra_check: ExtraCheck | None = None,
) -> ValidationReport:
    with gc_paused():
        return _validate(paths, max_bytes, display, extra_check)


def _validate(
    paths: Sequence[Path],
    max_bytes: int,
    display: Callable[[Path], str],
    extra_check: ExtraCheck | None,
) -> ValidationReport:
    report = ValidationReport()
    loaded: list[PackIds] = []
    by_file: dict[str, FileReport] = {}
    for path in paths:
        name = display(path)
        freport = FileReport(name)
        report.files.append(freport)
        by_file[name] = freport
        try:
            if path.is_dir():
                raise IsADirectoryError(f"{name} is a folder with no pack files")
            result = check_file(path, display=name, max_bytes=max_bytes)
        except OSError as exc:
            freport.unreadable = True
            reason = exc.strerror or str(exc)
            freport.diagnostics.append(
                Diagnostic("file-unreadable", Severity.ERROR, f"cannot read: {reason}", name)
            )
            continue
        freport.diagnostics.extend(result.diagnostics)
        freport.questions = result.questions
        if result.pack is None or result.source is None:
            continue
        freport.pack_id = result.pack.pack.id
        if extra_check is not None and not any(
            d.severity is Severity.ERROR for d in freport.diagnostics
        ):
            freport.diagnostics.extend(extra_check(result.pack, result.source, name))
        loaded.append(PackIds.of(result.pack, result.source))
        del result  # free this file's node tree and model before reading the next
    for diag in check_across(loaded):
        by_file[diag.file].diagnostics.append(diag)
    for freport in report.files:
        freport.diagnostics.sort(key=lambda d: (d.line, d.column, d.rule))
    return report
