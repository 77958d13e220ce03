"""Shared option types, so every command spells them the same way."""

from __future__ import annotations

from enum import StrEnum
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
GraderOption = Annotated[
    str | None,
    typer.Option(
        "--grader",
        metavar="URL",
        help="Opt-in: an OpenAI-compatible endpoint (Ollama, llama.cpp, vLLM, LM Studio) that "
        "suggests scores for written answers, e.g. http://127.0.0.1:11434/v1. Also "
        "TRAINER_GRADER_URL or [grader] url in config.toml in the data folder. Unset: nothing "
        "is sent anywhere.",
    ),
]
GraderModelOption = Annotated[
    str | None,
    typer.Option(
        "--grader-model",
        metavar="NAME",
        help="The model the grader runs (TRAINER_GRADER_MODEL; default: the server's default).",
    ),
]
PacksOption = Annotated[
    list[Path] | None,
    typer.Option("--packs", help="Also load packs from this folder or file (repeatable)."),
]


class RoundRole(StrEnum):
    """Which side of a round the history and stats filters keep."""

    candidate = "candidate"
    interviewer = "interviewer"
    shadow = "shadow"


class QuestionKind(StrEnum):
    coding = "coding"
    system_design = "system_design"
    behavioral = "behavioral"
    concept = "concept"
    multiple_choice = "multiple_choice"
    recorded_interview = "recorded_interview"


FilterPackOption = Annotated[
    str | None, typer.Option("--pack", metavar="ID", help="Only rounds of this pack id.")
]
FilterKindOption = Annotated[
    QuestionKind | None, typer.Option("--kind", help="Only rounds of this question kind.")
]
FilterRoleOption = Annotated[
    RoundRole | None, typer.Option("--role", help="Only rounds played in this role.")
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", metavar="YYYY-MM-DD", help="From this local date on."),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", metavar="YYYY-MM-DD", help="Up to and including this local date."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", help="Write here (atomically). Default: stdout."
    ),
]
