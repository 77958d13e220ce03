"""Typing that reaches a text field although a list has focus (home search, flag notes).

A list that takes arrows and Enter ignores letters; sending them to the field beside it
means no keystroke is lost and "type, Enter" does what was typed.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


def type_into(field: Input, event: events.Key) -> bool:
    """Put a printable key, or Backspace's deletion, into `field`; True if it was used."""
    if event.is_printable and event.character is not None:
        field.insert_text_at_cursor(event.character)
    elif event.key == "backspace" and field.value:
        field.action_delete_left()
    else:
        return False
    event.stop()
    event.prevent_default()
    return True
