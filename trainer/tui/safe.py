"""The one way untrusted text (packs, partners) reaches a widget.

Everything from a pack goes through `safe()` (plain Content, never markup) or
`safe_markdown()` (for the Markdown widget, which is created with links disabled).
Control characters, escape sequences and bidi controls become visible escapes.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from trainer.core.text import make_visible


def safe(text: str, style: str = "", *, one_line: bool = False) -> Content:
    """Literal text: no markup is parsed, no terminal control survives."""
    shown = make_visible(text, keep_newlines=not one_line)
    return Content.styled(shown, style) if style else Content(shown)


def safe_markdown(text: str) -> str:
    """Markdown source with control characters made visible; pair with open_links=False."""
    return make_visible(text)


def styled(text: str, style: str) -> Content:
    """Our own text with a style (no markup parsing either)."""
    return Content.styled(text, style)


def safe_text(text: str, style: str = "") -> Text:
    """Literal rich Text, for widgets that take Rich renderables (DataTable cells)."""
    return Text(make_visible(text, keep_newlines=False), style=style)
