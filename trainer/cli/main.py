"""The `trainer` command. Sub-apps are wired here; the TUI is imported only when opened."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from trainer import __version__
from trainer.cli import pack
from trainer.cli.options import DataDirOption, PacksOption

app = typer.Typer(
    help="Practise technical interviews in the terminal, as candidate and as interviewer.",
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(pack.app, name="pack")


class Role(StrEnum):
    alternate = "alternate"
    candidate = "candidate"
    interviewer = "interviewer"


RoleOption = Annotated[Role, typer.Option("--role", help="Which side you play each round.")]
PackIdOption = Annotated[
    list[str] | None, typer.Option("--pack", help="Only questions from this pack id (repeatable).")
]
QuestionOption = Annotated[
    str | None, typer.Option("--question", help="Start with this question id.")
]
RoundsOption = Annotated[int, typer.Option("--rounds", min=1, max=50, help="Rounds in a session.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trainer {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    role: RoleOption = Role.alternate,
    pack_ids: PackIdOption = None,
    question: QuestionOption = None,
    rounds: RoundsOption = 4,
    data_dir: DataDirOption = None,
    packs: PacksOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """With no command, open the practice app (the options are those of `practice`)."""
    if ctx.invoked_subcommand is None:
        practice(role=role, pack_ids=pack_ids, question=question, rounds=rounds,
                 data_dir=data_dir, packs=packs)


@app.command()
def practice(
    role: RoleOption = Role.alternate,
    pack_ids: PackIdOption = None,
    question: QuestionOption = None,
    rounds: RoundsOption = 4,
    data_dir: DataDirOption = None,
    packs: PacksOption = None,
) -> None:
    """Open the practice app (the default command)."""
    from trainer.tui.launch import launch  # lazy: keeps textual out of other commands

    raise typer.Exit(launch(
        role=role.value, pack_ids=list(pack_ids or []), question=question, rounds=rounds,
        data_dir=data_dir, extra_packs=[Path(p) for p in packs or []],
    ))


def run() -> None:
    app(prog_name="trainer")
