"""Where packs come from: built-in, the user's packs folder, and paths on the command line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACK_SUFFIXES = (".yaml", ".yml")


def builtin_packs_dir() -> Path:
    """Packs shipped with trainer: inside the wheel, or the repository folder in a checkout."""
    here = Path(__file__).resolve().parent.parent.parent  # trainer/
    installed = here / "question_packs"
    if installed.is_dir():
        return installed
    return here.parent / "question_packs"


@dataclass(frozen=True, slots=True)
class PackSource:
    path: Path
    origin: str  # "built-in", "user", or "path"


def pack_files(folder: Path) -> list[Path]:
    """YAML files in a folder (recursively), sorted, hidden files skipped."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in PACK_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def discover(
    user_dir: Path | None = None, extra: Iterable[Path] = (), *, include_builtin: bool = True
) -> list[PackSource]:
    """All pack files: built-in first, then the user's folder, then extra folders or files."""
    found: list[PackSource] = []
    if include_builtin:
        found += [PackSource(p, "built-in") for p in pack_files(builtin_packs_dir())]
    if user_dir is not None:
        found += [PackSource(p, "user") for p in pack_files(user_dir)]
    for item in extra:
        if item.is_dir():
            found += [PackSource(p, "path") for p in pack_files(item)]
        else:
            found.append(PackSource(item, "path"))
    return found
