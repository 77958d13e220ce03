"""One definition of a loadable pack, shared by the app, `trainer pack list` and validate.

A pack is loadable when it parses, fits the schema and has no error-severity finding from
the content rules. Anything else is skipped with the file, position and rule id of its first
error, so the app never plays a pack that `trainer pack validate` rejects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from trainer.core.diagnostics import Diagnostic, Severity
from trainer.core.packs.discovery import PackSource
from trainer.core.packs.loader import load_pack_file
from trainer.core.packs.model import KINDS, Pack
from trainer.core.packs.rules import check_pack
from trainer.core.packs.yamlsafe import DEFAULT_MAX_BYTES, SourceDocument, gc_paused

#: Built-in packs that are examples for authors, not practice material: they join a
#: session only when asked for by pack id (`--pack example`, `--question example/...`).
ON_REQUEST_PACK_IDS = frozenset({"example"})


@dataclass
class CheckedFile:
    """One pack file after loading and the content rules."""

    file: str
    pack: Pack | None  # the model when it parsed and fit the schema (even with rule errors)
    source: SourceDocument | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    questions: int = 0  # entries in the raw `questions` list, even when the schema failed
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def first_error(self) -> Diagnostic | None:
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        return min(errors, key=lambda d: (d.line, d.column, d.rule)) if errors else None

    @property
    def loadable(self) -> bool:
        return self.pack is not None and self.first_error is None


def check_file(
    path: Path, *, display: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> CheckedFile:
    """Load a pack file and run the per-pack content rules. Raises only OSError."""
    name = display or str(path)
    with gc_paused():
        loaded = load_pack_file(path, display=name, max_bytes=max_bytes)
        result = CheckedFile(name, loaded.pack, loaded.source, list(loaded.diagnostics))
        if loaded.pack is not None and loaded.source is not None:
            result.diagnostics.extend(check_pack(loaded.pack, loaded.source))
            counts = {k: 0 for k in KINDS}
            for q in loaded.pack.questions:
                counts[q.kind] += 1
            result.kinds = counts
            result.questions = len(loaded.pack.questions)
        elif loaded.source is not None:
            result.questions, result.kinds = _raw_counts(loaded.source.data)
    result.diagnostics.sort(key=lambda d: (d.line, d.column, d.rule))
    return result


def _raw_counts(data: object) -> tuple[int, dict[str, int]]:
    """Question counts from the plain data, for a file the schema rejected."""
    if not isinstance(data, dict):
        return 0, {}
    questions = data.get("questions")
    if not isinstance(questions, list):
        return 0, {}
    counts = {k: 0 for k in KINDS}
    for q in questions:
        kind = q.get("kind") if isinstance(q, dict) else None
        if isinstance(kind, str) and kind in counts:
            counts[kind] += 1
    return len(questions), counts


def describe(diag: Diagnostic) -> str:
    """`file:line:col: rule message`, the one-line form used for a skipped pack."""
    where = diag.file if not diag.line else f"{diag.file}:{diag.line}:{diag.column}"
    return f"{where}: {diag.rule} {diag.message}"


@dataclass
class PackEntry:
    """A discovered file and what became of it."""

    source: PackSource
    file: str
    checked: CheckedFile | None  # None when the file could not be read
    first_error: Diagnostic | None = None  # why it is not loaded; None when it loads
    shadowed_by: str | None = None  # the file whose pack with the same id was loaded instead

    @property
    def pack(self) -> Pack | None:
        return self.checked.pack if self.checked is not None else None

    @property
    def error(self) -> str | None:
        """The first error as `line:col: rule message` (no file), or None."""
        diag = self.first_error
        if diag is None:
            return None
        where = f"{diag.line}:{diag.column}: " if diag.line else ""
        return f"{where}{diag.rule} {diag.message}"

    @property
    def loaded(self) -> bool:
        return self.first_error is None and self.shadowed_by is None

    @property
    def problem(self) -> str | None:
        """A one-line reason the pack is not in the bank, for the home screen and `pack list`."""
        if self.first_error is not None:
            return f"{describe(self.first_error)} (pack not loaded)"
        if self.shadowed_by is not None and self.pack is not None:
            return (
                f"{self.file} ignored: pack id '{self.pack.pack.id}' is already loaded "
                f"from {self.shadowed_by}"
            )
        return None


@dataclass
class Catalog:
    entries: list[PackEntry] = field(default_factory=list)

    @property
    def packs(self) -> list[Pack]:
        return [e.pack for e in self.entries if e.loaded and e.pack is not None]

    @property
    def problems(self) -> list[str]:
        return [p for e in self.entries if (p := e.problem) is not None]

    @property
    def on_request(self) -> frozenset[str]:
        """Ids of loaded built-in example packs, kept out of the practice pool."""
        return frozenset(
            e.pack.pack.id
            for e in self.entries
            if e.loaded
            and e.pack is not None
            and e.source.origin == "built-in"
            and e.pack.pack.id in ON_REQUEST_PACK_IDS
        )


def load_catalog(
    sources: Iterable[PackSource],
    *,
    display: Callable[[Path], str] = str,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Catalog:
    """Check every file; the first loadable pack with an id wins, later ones are shadowed."""
    catalog = Catalog()
    winners: dict[str, str] = {}
    for source in sources:
        name = display(source.path)
        try:
            checked = check_file(source.path, display=name, max_bytes=max_bytes)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            diag = Diagnostic("file-unreadable", Severity.ERROR, f"cannot read: {reason}", name)
            catalog.entries.append(PackEntry(source, name, None, first_error=diag))
            continue
        entry = PackEntry(source, name, checked, first_error=checked.first_error)
        if entry.first_error is None and checked.pack is not None:
            pack_id = checked.pack.pack.id
            if pack_id in winners:
                entry.shadowed_by = winners[pack_id]
            else:
                winners[pack_id] = name
        # keep only what the bank and the list need; the node tree is large
        checked.source = None
        catalog.entries.append(entry)
    return catalog
