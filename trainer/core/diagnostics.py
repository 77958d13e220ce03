"""Findings about a pack, with the position they refer to.

Every problem the loader or validator finds becomes a `Diagnostic`; nothing
about a bad pack is ever reported as a traceback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How serious a finding is; ordered error > warning > info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


PathPart = str | int


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding: a rule id, where it is, and what to do about it."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int = 0  # 1-based; 0 when the finding has no position (e.g. unreadable file)
    column: int = 0  # 1-based
    path: tuple[PathPart, ...] = ()
    hint: str | None = None
    end_line: int | None = None
    end_column: int | None = None

    @property
    def path_str(self) -> str:
        """The document path in a form authors recognise: `questions[2].rubric[0].weight`."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += f".{part}" if out else str(part)
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["path"] = self.path_str
        return data


class PackError(Exception):
    """The only exception pack loading raises: it carries the findings."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        first = diagnostics[0] if diagnostics else None
        text = f"{first.file}:{first.line}:{first.column}: {first.message}" if first else "bad pack"
        super().__init__(text)
