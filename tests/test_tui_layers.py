"""Import arrows in the TUI point down: no screen or widget imports the flow or the app.

The flow imports the screens to show them; a screen importing the flow back (even
for type checking) would make a circle. Screens type against `trainer.tui.ports`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TUI = Path(__file__).resolve().parents[1] / "trainer" / "tui"
ABOVE = ("trainer.tui.flow", "trainer.tui.pairflow", "trainer.tui.app")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = sorted([*TUI.glob("screens/**/*.py"), *TUI.glob("widgets/*.py"), TUI / "ports.py"])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_screen_modules_do_not_import_the_flow(path: Path) -> None:
    bad = {name for name in imported(path) if name.startswith(ABOVE)}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("router", ["flow.py", "pairflow.py"])
def test_the_check_sees_imports(router: str) -> None:
    names = imported(TUI / router)
    assert any(name.startswith("trainer.tui.screens") for name in names)


def test_pair_screens_are_checked() -> None:
    assert any(p.parent.name == "pair" for p in MODULES)
