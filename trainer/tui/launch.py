"""Entry point from the CLI: build the services, run the app, return an exit code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trainer.core.evaluation.grader import GraderConfig
    from trainer.tui.services import StartOptions


class _GraderSettingsError(Exception):
    pass


def _grader(url: str | None, model: str | None, data_dir: Path) -> GraderConfig | None:
    """The opt-in grader from `--grader`, the environment or config.toml; None when unset.

    Cheap when nothing is set (no import), so a bare `trainer` starts as fast as before.
    """
    import os

    from trainer.paths import CONFIG_FILE_NAME

    config_path = data_dir / CONFIG_FILE_NAME
    if url is None and not os.environ.get("TRAINER_GRADER_URL") and not config_path.is_file():
        return None
    from trainer.core.evaluation.grader import GraderConfigError, grader_config

    try:
        return grader_config(url, model, environ=os.environ, config_path=config_path)
    except GraderConfigError as exc:
        raise _GraderSettingsError(str(exc)) from None


def _run(
    data_dir: Path | None,
    extra_packs: list[Path],
    options: StartOptions,
    grader_url: str | None = None,
    grader_model: str | None = None,
) -> int:
    """Run the app on these services until it exits; the history is closed whatever happens."""
    import sys

    from trainer.paths import data_dir as resolve_data_dir

    folder = resolve_data_dir(data_dir)
    try:
        grader = _grader(grader_url, grader_model, folder)
    except _GraderSettingsError as exc:
        sys.stderr.write(f"trainer: grader settings: {exc}\n")
        return 2
    from trainer.tui.app import TrainerApp
    from trainer.tui.services import Services

    services = Services(data_dir=folder, extra_packs=extra_packs, grader=grader)
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
    grader_url: str | None = None,
    grader_model: str | None = None,
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
    return _run(data_dir, extra_packs, options, grader_url, grader_model)


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
    observer: bool = False,
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
        observer=observer,
    )
    return _run(data_dir, extra_packs, StartOptions(pair=pair, net=net))
