"""Make untrusted text (packs, a partner's answers) safe to show in a terminal.

Control characters, terminal escape introducers (ESC, C1 controls such as
CSI U+009B) and bidi overrides are replaced by visible escapes, so no byte a
pack author chose ever reaches the terminal as an instruction. Markup is a
separate concern: callers build `Text`/`Content` objects from the result and
never parse it as markup.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + "\u2028\u2029\ufff9-\ufffb\ufeff]")
_UNSAFE_NO_NEWLINE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f" + _BIDI + "\u2028\u2029\ufff9-\ufffb\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x1B:
        return "\\e"
    if code == 0x09:
        return "\\t"
    if code == 0x0A:
        return "\\n"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def make_visible(text: str, *, keep_newlines: bool = True, tab_size: int = 4) -> str:
    """Replace control and bidi characters by visible escapes like `\\e` or `\\u202e`.

    Newlines are kept (unless `keep_newlines` is false); tabs become spaces, since a
    tab is harmless but renders unpredictably.
    """
    if keep_newlines:
        text = text.replace("\r\n", "\n").replace("\t", " " * tab_size)
        return _UNSAFE.sub(_escape, text)
    return _UNSAFE_NO_NEWLINE.sub(_escape, text.replace("\t", " " * tab_size))


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text.replace("\t", " ")) is not None


def shorten(text: str, width: int) -> str:
    """One line, at most `width` characters, with an ellipsis when cut."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"


NAME_MAX = 24  # a person's name is shown in headings and handoff lines at 80 columns


def clean_name(raw: str, fallback: str) -> str:
    """A partner's name is untrusted: one line, controls made visible, length-capped."""
    name = " ".join(make_visible(raw, keep_newlines=False).split())
    if len(name) > NAME_MAX:
        name = name[: NAME_MAX - 1] + "…"
    return name or fallback
