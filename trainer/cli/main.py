"""The `trainer` command. Sub-apps are wired here; the TUI is imported only when opened."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from trainer import __version__
from trainer.cli import history, pack, pair, stats
from trainer.cli.options import DataDirOption, GraderModelOption, GraderOption, PacksOption

app = typer.Typer(
    help="Practise technical interviews in the terminal, as candidate and as interviewer.",
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(pack.app, name="pack")
app.add_typer(pair.app, name="pair")
app.add_typer(history.app, name="history")


class Role(StrEnum):
    alternate = "alternate"
    candidate = "candidate"
    interviewer = "interviewer"
    shadow = "shadow"


RoleOption = Annotated[Role, typer.Option("--role", help="Which side you play each round.")]
PackIdOption = Annotated[
    list[str] | None, typer.Option("--pack", help="Only questions from this pack id (repeatable).")
]
QuestionOption = Annotated[
    str | None, typer.Option("--question", help="Start with this question id.")
]
RoundsOption = Annotated[int, typer.Option("--rounds", min=1, max=50, help="Rounds in a session.")]


class Focus(StrEnum):
    weakest = "weakest"


DueOption = Annotated[bool, typer.Option("--due", help="Practise the questions due for review.")]
FocusOption = Annotated[
    Focus | None,
    typer.Option("--focus", help="With --due: questions on your weakest criterion first."),
]


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
    due: DueOption = False,
    focus: FocusOption = None,
    grader: GraderOption = None,
    grader_model: GraderModelOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """With no command, open the practice app (the options are those of `practice`)."""
    if ctx.invoked_subcommand is None:
        practice(
            role=role,
            pack_ids=pack_ids,
            question=question,
            rounds=rounds,
            data_dir=data_dir,
            packs=packs,
            due=due,
            focus=focus,
            grader=grader,
            grader_model=grader_model,
        )


@app.command()
def practice(
    role: RoleOption = Role.alternate,
    pack_ids: PackIdOption = None,
    question: QuestionOption = None,
    rounds: RoundsOption = 4,
    data_dir: DataDirOption = None,
    packs: PacksOption = None,
    due: DueOption = False,
    focus: FocusOption = None,
    grader: GraderOption = None,
    grader_model: GraderModelOption = None,
) -> None:
    """Open the practice app (the default command)."""
    if focus is not None and not due:
        raise typer.BadParameter("--focus only applies to a review session; add --due")
    from trainer.tui.launch import launch  # lazy: keeps textual out of other commands

    raise typer.Exit(
        launch(
            role=role.value,
            pack_ids=list(pack_ids or []),
            question=question,
            rounds=rounds,
            data_dir=data_dir,
            extra_packs=[Path(p) for p in packs or []],
            due=due,
            focus=focus.value if focus is not None else None,
            grader_url=grader,
            grader_model=grader_model,
        )
    )


@app.command()
def info(data_dir: DataDirOption = None) -> None:
    """Show where trainer keeps its data, which packs it finds and how code is sandboxed."""
    from trainer.core.packs.discovery import builtin_packs_dir, pack_files
    from trainer.paths import data_dir as resolve_data_dir
    from trainer.paths import drafts_dir, history_db_path, user_packs_dir

    base = resolve_data_dir(data_dir)
    typer.echo(f"trainer {__version__}")
    typer.echo(f"data folder:     {base}")
    typer.echo(f"history:         {history_db_path(base)}")
    typer.echo(f"drafts:          {drafts_dir(base)}")
    user = user_packs_dir(base)
    typer.echo(f"your packs:      {user} ({len(pack_files(user))} files)")
    builtin = builtin_packs_dir()
    typer.echo(f"built-in packs:  {builtin} ({len(pack_files(builtin))} files)")
    from trainer.core.evaluation.runner import sandbox_capabilities

    caps = sandbox_capabilities()
    typer.echo(
        "code runner:     "
        + ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in sorted(caps.items()))
    )


app.command("report")(history.report)
app.command("stats")(stats.stats)


def run() -> None:
    app(prog_name="trainer")
