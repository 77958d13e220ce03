"""The shared answering phase: the candidate's view only, with the interviewer's two keys.

The interviewer gives the next hint (it appears here, with its time) and can open a
one-line notes field that shows dots, so the candidate cannot read it back.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Markdown, Static, TextArea

from trainer.core.pairing import (
    NOTE_MAX,
    AnswerChanged,
    ChoicesChanged,
    HintGiven,
    NotesChanged,
    Submitted,
)
from trainer.tui.safe import safe_markdown, styled
from trainer.tui.screens.pair.common import PairScreen, hints_content
from trainer.tui.widgets.choices import ChoiceItem, ChoiceList
from trainer.tui.widgets.evidence import run_lines


class AnsweringScreen(PairScreen):
    STAGE = "Answering"

    BINDINGS = [
        Binding("ctrl+g", "hint", "Give hint", priority=True),
        Binding("ctrl+o", "notes", "Notes", priority=True),
        Binding("ctrl+r", "run_samples", "Run samples", priority=True),
        Binding("ctrl+s", "submit", "Submit", priority=True),
    ]

    def __init__(self, port: Any, seat: Any) -> None:
        super().__init__(port, seat)
        self._sample_run_active = False
        # the interviewer's notes are typed here but never read back from the view
        self._interviewer = 1 - self.seat
        # one terminal for both: the interviewer's keys work here; two terminals: they do not
        self.shared = bool(getattr(port, "shared_terminal", True))
        self._sent_cursor: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        q = self.question
        yield from self.header(with_clock=True)
        with Vertical(id="body"):
            with VerticalScroll(id="prompt-pane"):
                yield self.who_line()
                yield Static(
                    styled(f"{q['kind'].replace('_', ' ')} · {q['difficulty']}", "$text-muted"),
                    classes="meta",
                )
                yield Markdown(safe_markdown(str(q["prompt"])), open_links=False, id="prompt")
                yield Static(id="hints", classes="hints")
            with Vertical(id="answer-pane"):
                yield from self._editor()
                if q["kind"] == "coding":
                    yield Static(
                        styled("ctrl+r runs the sample tests here.", "italic $text-muted"),
                        id="runs",
                    )
                with Horizontal(id="notes-row", classes="-hidden"):
                    yield Static(styled("Interviewer notes: ", "bold"), id="notes-label")
                    yield Input(
                        password=True,
                        select_on_focus=False,  # typing must add to the notes, not replace them
                        max_length=NOTE_MAX,
                        placeholder="only the interviewer reads these (shown as dots)",
                        id="notes",
                    )
        yield Footer()

    def _editor(self) -> ComposeResult:
        q = self.question
        if q["kind"] == "multiple_choice":
            hint = "Pick one" if q.get("select") == "single" else "Select all that apply"
            yield Static(
                styled(f"{hint} (Space or Enter selects, ctrl+s submits)", "$text-muted"),
                classes="choice-hint",
            )
            yield ChoiceList(
                [ChoiceItem(str(c["id"]), str(c["text"])) for c in q.get("choices", ())],
                multiple=q.get("select") == "multiple",
                selected=self.data.get("selected", ()),
                id="choices",
            )
            return
        text = str(self.data.get("answer", ""))
        if q["kind"] == "coding":
            if not text:
                from trainer.core.packs.model import Signature

                text = Signature.model_validate(q["signature"]).starter_code()
            yield TextArea.code_editor(text, language="python", id="editor", soft_wrap=False)
        else:
            yield TextArea(
                text,
                id="editor",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="Type your answer. It is saved as you type.",
            )

    def on_mount(self) -> None:
        # Typing goes on after the notes from the briefing; the field only ever shows dots.
        if self.shared:
            notes = self.query_one("#notes", Input)
            with notes.prevent(Input.Changed):
                notes.value = str(self.port.view(self._interviewer).get("notes", ""))
            notes.cursor_position = len(notes.value)
        self._show_hints()
        editor = self.query("#editor, #choices").first()
        editor.focus()
        if isinstance(editor, TextArea):
            if editor.text != self.data.get("answer", ""):
                self.port.send(AnswerChanged(self.seat, editor.text))
            lines = editor.text.split("\n")
            editor.move_cursor((len(lines) - 1, len(lines[-1])))

    def _show_hints(self) -> None:
        given = self.data.get("hints_given", [])
        total = int(self.data.get("hints_total", 0))
        more = "  (interviewer: ctrl+g gives the next)" if len(given) < total else ""
        if not self.shared:
            more = "  (your interviewer gives them)" if len(given) < total else ""
        self.query_one("#hints", Static).update(hints_content(given, total, more))

    def view_changed(self) -> None:
        self._show_hints()

    @on(TextArea.Changed, "#editor")
    def _typed(self, event: TextArea.Changed) -> None:
        editor = event.text_area
        self._sent_cursor = editor.cursor_location
        self.port.send(AnswerChanged(self.seat, editor.text, editor.cursor_location))

    @on(TextArea.SelectionChanged, "#editor")
    def _moved(self, event: TextArea.SelectionChanged) -> None:
        """Two terminals: the interviewer follows the cursor too (a typed key sent it already)."""
        editor = event.text_area
        if self.shared or editor.cursor_location == self._sent_cursor:
            return
        self._sent_cursor = editor.cursor_location
        self.port.send(AnswerChanged(self.seat, editor.text, editor.cursor_location))

    @on(ChoiceList.Changed)
    def _chosen(self, event: ChoiceList.Changed) -> None:
        self.port.send(ChoicesChanged(self.seat, event.selected))

    @on(Input.Changed, "#notes")
    def _notes(self, event: Input.Changed) -> None:
        self.port.send(NotesChanged(self._interviewer, event.value))  # type: ignore[arg-type]

    @on(Input.Submitted, "#notes")
    def _notes_done(self, _: Input.Submitted) -> None:
        self.action_notes()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run_samples":
            return bool(self.question["kind"] == "coding")
        if action == "hint":
            return self.shared and bool(self.data.get("hints_total"))
        if action == "notes":
            return self.shared
        return True

    def action_hint(self) -> None:
        if len(self.data.get("hints_given", [])) >= int(self.data.get("hints_total", 0)):
            self.notify("No more hints.", markup=False)
            return
        if self.port.send(HintGiven(self._interviewer)):  # type: ignore[arg-type]
            self.reload()
            self._show_hints()
            self.query_one("#hints").scroll_visible(animate=False)

    def action_notes(self) -> None:
        row = self.query_one("#notes-row")
        row.toggle_class("-hidden")
        if row.has_class("-hidden"):
            self.query("#editor, #choices").first().focus()
        else:
            self.query_one("#notes", Input).focus()

    def action_run_samples(self) -> None:
        if self.question["kind"] != "coding" or self._sample_run_active:
            return
        self._sample_run_active = True
        self.query_one("#runs", Static).update(styled("Running the sample tests…", "italic"))
        self._run_samples()

    @work(exclusive=True, group="samples")
    async def _run_samples(self) -> None:
        try:
            result = await self.port.run_samples(self._answer_text())
        finally:
            self._sample_run_active = False
        if not self.is_attached:
            return
        total = len(result.tests) + len(result.not_run)
        head = styled(f"Sample tests: {result.passed}/{total} passed\n", "bold")
        self.query_one("#runs", Static).update(head + run_lines(result))

    def _answer_text(self) -> str:
        """The editor is the truth here: a view from the other terminal may lag behind it."""
        editor = self.query("#editor")
        if editor and isinstance(editor.first(), TextArea):
            return editor.first(TextArea).text
        return str(self.data.get("answer", ""))

    def action_submit(self) -> None:
        answer = self._answer_text().strip()
        choices = self.query(ChoiceList)
        selected = choices.first().chosen if choices else []
        empty = not answer and not selected
        if empty:
            self.confirm_then(
                f"{self.candidate_name}, the answer is empty. Submit anyway?",
                "Submit",
                "Keep working",
                self._submit,
            )
            return
        self._submit()

    def _submit(self) -> None:
        if self.port.send(Submitted(self.seat)):
            self.port.done()
