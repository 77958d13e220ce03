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
