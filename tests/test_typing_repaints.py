"""A keystroke in a written answer repaints the editor, not the panes around it.

Textual composites every child of the screen for the rows a keystroke changes, and each of
them paints its own lines unless it is blank. The candidate screen keeps its header row,
prompt pane and itself blank (background only), so per key only the editor, the footer row
and, when the prompt overflows (80x24), the prompt's one-column scrollbar paint. Counting
the paints is deterministic, unlike the typing benchmark's CPU time.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from textual._styles_cache import StylesCache
from textual.widget import Widget
from textual.widgets import TextArea

from tests.test_tui_flows import FREE_TEXT, make_app, wait_screen
from trainer.tui.screens.candidate import CandidateScreen

KEYS = 20


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_keystroke_paints_the_editor_not_the_panes_around_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    painted: Counter[str] = Counter()
    paint = StylesCache.render_widget

    def counting(self: StylesCache, widget: Widget, crop: object) -> object:
        painted[type(widget).__name__] += 1
        return paint(self, widget, crop)  # type: ignore[arg-type]

    app = make_app(tmp_path, role="candidate", question=FREE_TEXT)
    async with app.run_test(size=size) as pilot:
        screen = await wait_screen(pilot, CandidateScreen)
        editor = screen.query_one("#editor", TextArea)
        assert app.focused is editor
        await pilot.pause()
        monkeypatch.setattr(StylesCache, "render_widget", counting)
        await pilot.press(*["x"] * KEYS)
        monkeypatch.undo()
        assert editor.text.startswith("x" * KEYS)
    assert painted["TextArea"] >= KEYS  # the check sees the paints it counts
    assert set(painted) <= {"TextArea", "Footer", "ScrollBar"}, painted
