"""The core never imports a UI library, and CLI pack commands never import textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "trainer.core",
    "trainer.core.packs.loader",
    "trainer.core.packs.validate",
    "trainer.core.packs.rules",
    "trainer.core.packs.schema",
    "trainer.core.text",
    "trainer.core.pair",
]


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_imports_no_ui_library(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    assert module in loaded
    assert not {"textual", "typer", "rich"} & loaded


def test_all_core_modules_import_no_ui_library() -> None:
    code = (
        "import pkgutil, importlib, trainer.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'trainer.core.'):\n"
        "    importlib.import_module(m.name)\n"
    )
    loaded = _loaded_after(code)
    assert "trainer.core.packs.model" in loaded
    assert not {"textual", "typer", "rich"} & loaded


@pytest.mark.parametrize(
    "argv", [["--help"], ["pack", "--help"], ["pack", "validate"], ["pack", "rules"]]
)
def test_cli_commands_do_not_import_textual(argv: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['trainer', *{argv!r}]\n"
        "from trainer.cli.main import app\n"
        "try:\n"
        "    app(prog_name='trainer')\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    loaded = _loaded_after(code)
    assert "typer" in loaded
    assert "textual" not in loaded


def test_bare_trainer_opens_the_app_without_typer() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['trainer']\n"
        "import trainer.tui.launch as launch\n"
        "calls = []\n"
        "launch.launch = lambda **kw: calls.append(kw) or 0\n"
        "from trainer.cli.entry import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "assert calls and calls[0]['role'] == 'alternate', calls\n"
    )
    loaded = _loaded_after(code)
    assert "trainer.cli.entry" in loaded
    assert "typer" not in loaded and "pydantic" not in loaded
