"""The `trainer` script. A bare `trainer` opens the app without loading Typer at all.

Typer (and, through it, pydantic) costs 100-200 ms before the first frame; it is only
needed to parse arguments, so it is imported only when there are some.
"""

from __future__ import annotations

import sys


def run() -> None:
    if len(sys.argv) == 1:
        from trainer.tui.launch import launch

        raise SystemExit(
            launch(
                role="alternate",
                pack_ids=[],
                question=None,
                rounds=4,
                data_dir=None,
                extra_packs=[],
            )
        )
    from trainer.cli.main import run as run_cli

    run_cli()
