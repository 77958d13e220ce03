"""`trainer pair`: two people practise together, swapping roles every round.

Run as `trainer pair` it is the one-terminal (hot seat) mode. Textual and the pair
engine are imported only when the app opens.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from trainer.cli.options import DataDirOption, PacksOption

app = typer.Typer(
    help="Practise in pairs: one is the candidate, the other interviews; roles swap each round.",
    rich_markup_mode=None,
    invoke_without_command=True,
    no_args_is_help=False,
)


class Kind(StrEnum):
    coding = "coding"
    system_design = "system_design"
    behavioral = "behavioral"
    concept = "concept"
    multiple_choice = "multiple_choice"


class Difficulty(StrEnum):
    easy = "easy"
    medium = "medium"
    hard = "hard"


def split_names(raw: str | None) -> tuple[str, str]:
    """`--names "Ana,Ben"`: exactly two, comma-separated; the setup screen can still edit them."""
    if raw is None:
        return ("", "")
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 2 or not all(parts):
        raise typer.BadParameter('give two names separated by a comma, e.g. --names "Ana,Ben"')
    return parts[0], parts[1]


@app.callback()
def pair(
    ctx: typer.Context,
    names: Annotated[
        str | None, typer.Option("--names", help='The two people, e.g. "Ana,Ben".')
    ] = None,
    rounds: Annotated[
        int, typer.Option("--rounds", min=1, max=20, help="Rounds; roles swap every round.")
    ] = 2,
    second_starts: Annotated[
        bool,
        typer.Option("--second-starts", help="The second person is the candidate first."),
    ] = False,
    pack_ids: Annotated[
        list[str] | None, typer.Option("--pack", help="Only this pack id (repeatable).")
    ] = None,
    kinds: Annotated[
        list[Kind] | None, typer.Option("--kind", help="Only this kind (repeatable).")
    ] = None,
    difficulties: Annotated[
        list[Difficulty] | None,
        typer.Option("--difficulty", help="Only this difficulty (repeatable)."),
    ] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="Only questions with this tag (repeatable).")
    ] = None,
    question: Annotated[
        str | None, typer.Option("--question", help="Start with this question id.")
    ] = None,
    data_dir: DataDirOption = None,
    packs: PacksOption = None,
) -> None:
    """Pair practice on one terminal: handoff screens keep each person's private views private."""
    if ctx.invoked_subcommand is not None:
        return
    from trainer.tui.launch import launch_pair  # lazy: keeps textual out of other commands

    raise typer.Exit(
        launch_pair(
            names=split_names(names),
            rounds=rounds,
            first_candidate=1 if second_starts else 0,
            pack_ids=list(pack_ids or []),
            kinds=[k.value for k in kinds or []],
            difficulties=[d.value for d in difficulties or []],
            tags=list(tags or []),
            question=question,
            data_dir=data_dir,
            extra_packs=[Path(p) for p in packs or []],
        )
    )


def parse_listen(raw: str | None) -> tuple[str, int]:
    """`--listen HOST:PORT` (`[v6]:PORT` for IPv6); without it, 127.0.0.1 and a free port."""
    if raw is None:
        return ("127.0.0.1", 0)
    host, sep, port = raw.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535 or not host:
        raise typer.BadParameter("give HOST:PORT, e.g. 127.0.0.1:7700 or [::1]:7700")
    return host.strip("[]"), int(port)


@app.command()
def host(
    name: Annotated[str, typer.Option("--name", help="Your name, shown to your partner.")] = "",
    rounds: Annotated[
        int, typer.Option("--rounds", min=1, max=20, help="Rounds; roles swap every round.")
    ] = 2,
    guest_starts: Annotated[
        bool, typer.Option("--guest-starts", help="The person who joins is candidate first.")
    ] = False,
    pack_ids: Annotated[
        list[str] | None, typer.Option("--pack", help="Only this pack id (repeatable).")
    ] = None,
    kinds: Annotated[
        list[Kind] | None, typer.Option("--kind", help="Only this kind (repeatable).")
    ] = None,
    difficulties: Annotated[
        list[Difficulty] | None,
        typer.Option("--difficulty", help="Only this difficulty (repeatable)."),
    ] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="Only questions with this tag (repeatable).")
    ] = None,
    question: Annotated[
        str | None, typer.Option("--question", help="Start with this question id.")
    ] = None,
    listen: Annotated[
        str | None,
        typer.Option(
            "--listen",
            help="HOST:PORT to listen on. The default is 127.0.0.1 only; a wider address "
            "is shown with a warning. Prefer an SSH tunnel between machines.",
        ),
    ] = None,
    socket_path: Annotated[
        Path | None,
        typer.Option("--socket", help="Listen on a Unix socket (mode 0600) instead of TCP."),
    ] = None,
    observer: Annotated[
        bool,
        typer.Option(
            "--observer",
            help="Also show a second join code for one read-only observer, who watches the "
            "candidate's side, flags moments and scores on their own.",
        ),
    ] = False,
    data_dir: DataDirOption = None,
    packs: PacksOption = None,
) -> None:
    """Host a pair session across two terminals: prints the command your partner runs."""
    if listen is not None and socket_path is not None:
        raise typer.BadParameter("use --listen or --socket, not both")
    from trainer.tui.launch import launch_net

    raise typer.Exit(
        launch_net(
            mode="host",
            name=name or "Host",
            code="",
            listen=parse_listen(listen),
            socket_path=str(socket_path) if socket_path else None,
            guest_starts=guest_starts,
            observer=observer,
            rounds=rounds,
            pack_ids=list(pack_ids or []),
            kinds=[k.value for k in kinds or []],
            difficulties=[d.value for d in difficulties or []],
            tags=list(tags or []),
            question=question,
            data_dir=data_dir,
            extra_packs=[Path(p) for p in packs or []],
        )
    )


@app.command()
def join(
    code: Annotated[str, typer.Argument(help="The join code the host's screen shows.")],
    name: Annotated[str, typer.Option("--name", help="Your name, shown to your partner.")] = "",
    data_dir: DataDirOption = None,
) -> None:
    """Join a pair session that another terminal hosts (an observer code joins read-only)."""
    from trainer.core.pair.codes import JoinCode, JoinCodeError

    try:
        JoinCode.decode(code)
    except JoinCodeError as exc:
        typer.echo(f"trainer pair join: {exc}", err=True)
        raise typer.Exit(2) from None
    from trainer.tui.launch import launch_net

    raise typer.Exit(
        launch_net(
            mode="join",
            name=name or "Guest",
            code=code,
            listen=("127.0.0.1", 0),
            socket_path=None,
            guest_starts=False,
            rounds=2,
            pack_ids=[],
            kinds=[],
            difficulties=[],
            tags=[],
            question=None,
            data_dir=data_dir,
            extra_packs=[],
        )
    )
