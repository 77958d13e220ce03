"""Entry point from the CLI: build the services, run the app, return an exit code."""

from __future__ import annotations

from pathlib import Path


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
    from trainer.paths import data_dir as resolve_data_dir
    from trainer.tui.app import TrainerApp
    from trainer.tui.services import Services, StartOptions

    direct = bool(question or pack_ids or role != "alternate" or due)
    services = Services(data_dir=resolve_data_dir(data_dir), extra_packs=extra_packs)
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
    app = TrainerApp(services, options)
    try:
        app.run()
    finally:
        services.close()
    return app.return_code or 0


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
    from trainer.paths import data_dir as resolve_data_dir
    from trainer.tui.app import TrainerApp
    from trainer.tui.services import PairOptions, Services, StartOptions

    services = Services(data_dir=resolve_data_dir(data_dir), extra_packs=extra_packs)
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
    app = TrainerApp(services, StartOptions(pair=pair))
    try:
        app.run()
    finally:
        services.close()
    return app.return_code or 0


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
    from trainer.paths import data_dir as resolve_data_dir
    from trainer.tui.app import TrainerApp
    from trainer.tui.services import NetOptions, PairOptions, Services, StartOptions

    services = Services(data_dir=resolve_data_dir(data_dir), extra_packs=extra_packs)
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
    app = TrainerApp(services, StartOptions(pair=pair, net=net))
    try:
        app.run()
    finally:
        services.close()
    return app.return_code or 0
