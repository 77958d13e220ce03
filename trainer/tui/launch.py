"""Entry point from the CLI: build the services, run the app, return an exit code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trainer.tui.services import StartOptions


def _run(data_dir: Path | None, extra_packs: list[Path], options: StartOptions) -> int:
    """Run the app on these services until it exits; the history is closed whatever happens."""
    from trainer.paths import data_dir as resolve_data_dir
    from trainer.tui.app import TrainerApp
    from trainer.tui.services import Services

    services = Services(data_dir=resolve_data_dir(data_dir), extra_packs=extra_packs)
    app = TrainerApp(services, options)
    try:
        app.run()
    finally:
        services.close()
    return app.return_code or 0


def launch(
    *,
    role: str,
    pack_ids: list[str],
    question: str | None,
    rounds: int,
    data_dir: Path | None,
    extra_packs: list[Path],
    due: bool = False,
    focus: str | None = None,
    screen: str = "home",
) -> int:
    """`screen` "history" or "stats" opens that screen; `due` starts a review session."""
    from trainer.tui.services import StartOptions

    direct = bool(question or pack_ids or role != "alternate" or due)
    options = StartOptions(
        role=role,
        pack_ids=pack_ids,
        question=question,
        rounds=rounds,
        direct=direct,
        due=due,
        focus=focus,
        screen=screen,
    )
    return _run(data_dir, extra_packs, options)


def launch_pair(
    *,
    names: tuple[str, str],
    rounds: int,
    first_candidate: int,
    pack_ids: list[str],
    kinds: list[str],
    difficulties: list[str],
    tags: list[str],
    question: str | None,
    data_dir: Path | None,
    extra_packs: list[Path],
) -> int:
    from trainer.tui.services import PairOptions, StartOptions

    pair = PairOptions(
        names=names,
        rounds=rounds,
        first_candidate=first_candidate,
        pack_ids=pack_ids,
        kinds=kinds,
        difficulties=difficulties,
        tags=tags,
        question=question,
    )
    return _run(data_dir, extra_packs, StartOptions(pair=pair))


def launch_net(
    *,
    mode: str,
    name: str,
    code: str,
    listen: tuple[str, int],
    socket_path: str | None,
    guest_starts: bool,
    rounds: int,
    pack_ids: list[str],
    kinds: list[str],
    difficulties: list[str],
    tags: list[str],
    question: str | None,
    data_dir: Path | None,
    extra_packs: list[Path],
) -> int:
    from trainer.tui.services import NetOptions, PairOptions, StartOptions

    pair = PairOptions(
        rounds=rounds,
        pack_ids=pack_ids,
        kinds=kinds,
        difficulties=difficulties,
        tags=tags,
        question=question,
    )
    net = NetOptions(
        mode=mode,
        name=name,
        code=code,
        listen=listen,
        socket_path=socket_path,
        guest_starts=guest_starts,
    )
    return _run(data_dir, extra_packs, StartOptions(pair=pair, net=net))
