"""A list of answer choices: Space or Enter toggles the highlighted one; text wraps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from trainer.tui.safe import safe, styled


class ChoiceLike(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ChoiceItem:
    """A choice as a candidate sees it: no correctness, no feedback."""

    id: str
    text: str


class ChoiceList(OptionList):
    BINDINGS = [Binding("space", "toggle_choice", "Select", show=True)]

    @dataclass
    class Changed(Message):
        selected: tuple[str, ...]

    def __init__(
        self,
        choices: Sequence[ChoiceLike],
        *,
        multiple: bool,
        selected: Sequence[str] = (),
        id: str | None = None,
    ) -> None:
        self.answer_choices = list(choices)
        self.multiple = multiple
        self.chosen: list[str] = [c for c in selected if any(x.id == c for x in choices)]
        super().__init__(*self._choice_options(), id=id)

    def _choice_options(self) -> list[Option]:
        out = []
        for c in self.answer_choices:
            on = c.id in self.chosen
            box = ("[x] " if on else "[ ] ") if self.multiple else ("(•) " if on else "( ) ")
            out.append(
                Option(
                    styled(box, "bold $accent" if on else "")
                    + safe(f"{c.id}) ", "bold")
                    + safe(c.text),
                    id=c.id,
                )
            )
        return out

    def _rebuild(self) -> None:
        highlighted = self.highlighted
        self.set_options(self._choice_options())
        self.highlighted = highlighted

    def action_toggle_choice(self) -> None:
        index = self.highlighted
        if index is None:
            return
        cid = self.answer_choices[index].id
        if cid in self.chosen:
            self.chosen.remove(cid)
        elif self.multiple:
            self.chosen.append(cid)
        else:
            self.chosen = [cid]
        self._rebuild()
        self.post_message(self.Changed(tuple(self.chosen)))

    def action_select(self) -> None:  # Enter
        self.action_toggle_choice()
