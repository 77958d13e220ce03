"""Shared option types, so every command spells them the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where history, drafts and your packs live.",
        envvar="TRAINER_DATA_DIR",
        show_envvar=False,
    ),
]
PacksOption = Annotated[
    list[Path] | None,
    typer.Option("--packs", help="Also load packs from this folder or file (repeatable)."),
]
