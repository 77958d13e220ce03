"""Screens only two terminals need: the host's join code, waiting, the interviewer's mirror."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Markdown, Static

from trainer.core.pairing import NOTE_MAX, HintGiven, NotesChanged
from trainer.tui.safe import safe, safe_markdown, styled
from trainer.tui.screens.pair.common import PairScreen, ViewChanged, answer_markdown, hints_content

CURSOR = "▏"


def with_cursor(view: dict[str, Any]) -> dict[str, Any]:
    """The view with a caret drawn where the candidate's cursor is (display only)."""
    cursor = view.get("cursor")
    answer = str(view.get("answer", ""))
    if not (isinstance(cursor, list) and len(cursor) == 2 and answer):
        return view
    lines = answer.split("\n")
    row = min(max(int(cursor[0]), 0), len(lines) - 1)
    col = min(max(int(cursor[1]), 0), len(lines[row]))
    lines[row] = lines[row][:col] + CURSOR + lines[row][col:]
    return {**view, "answer": "\n".join(lines)}


class HostWaitScreen(Screen[None]):
    """The join code and the command to give the partner (and, with `--observer`, the
    observer's separate command); refused attempts as they happen."""

    BINDINGS = [
        Binding("ctrl+c", "copy", "Copy the command", priority=True),
        Binding("ctrl+o", "copy_observer", "Copy the observer's", priority=True),
        Binding("ctrl+l", "accept", "Accept again", show=False),
    ]

    def __init__(self, flow: Any) -> None:
        super().__init__(classes="handoff-screen")
        self.flow = flow

    def command(self) -> str:
        return f"trainer pair join {self.flow.link.join_code}"

    def observer_command(self) -> str | None:
        code = self.flow.link.observer_code
        return f"trainer pair join {code}" if code else None

    def compose(self) -> ComposeResult:
        with Middle(), Center(), Vertical(id="handoff"):
            yield Static(styled("Waiting for your partner", "bold $accent"))
            yield Static(
                styled("Ask them to run this (ctrl+c copies it):", "")
                + Content("\n\n")
                + safe(self.command(), "bold"),
                id="join-command",
            )
            observer = self.observer_command()
            if observer is not None:
                yield Static(
                    styled("An observer (read-only) runs this other one (ctrl+o):", "")
                    + Content("\n\n")
                    + safe(observer, "bold"),
                    id="observer-command",
                )
            if self.flow.link.exposed:
                yield Static(
                    styled(
                        "Listening beyond this machine: anyone who can reach "
                        f"{self.flow.link.address} can try the code. Prefer an SSH tunnel.",
                        "bold $warning",
                    ),
                    id="exposed",
                )
            yield Static(id="refusals")
        yield Footer()

    def on_mount(self) -> None:
        self._show_refusals()

    def on_view_changed(self, _: ViewChanged) -> None:
        self._show_refusals()

    def _show_refusals(self) -> None:
        refusals = self.flow.refusals[-4:]
        lines = [styled("Refused: ", "$warning") + safe(r, one_line=True) for r in refusals]
        if self.flow.link.status == "locked":
            lines.append(styled("Not accepting now; ctrl+l accepts again.", "bold $error"))
        self.query_one("#refusals", Static).update(Content("\n").join(lines))

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.command())
        self.notify("Copied (where the terminal allows it).", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_observer":
            return self.observer_command() is not None
        return True

    def action_copy_observer(self) -> None:
        command = self.observer_command()
        if command is not None:
            self.app.copy_to_clipboard(command)
            self.notify("Copied the observer's command.", markup=False)

    def action_accept(self) -> None:
        self.flow.resume_accepting()
        self._show_refusals()


_WAITING = {
    "briefing": "{other} is reading the interviewer briefing. The question appears here soon.",
    "assessing-interviewer": "{other} is scoring themselves and rating you.",
    "assessing-candidate": "{other} is scoring your answer. The reveal waits for both of you.",
}


class WaitingScreen(PairScreen):
    """The other person's private step: nothing of it is here, only who is doing what."""

    STAGE = "Waiting"

    def compose(self) -> ComposeResult:
        yield from self.header()
        with Middle(), Center(), Vertical(id="handoff"):
            yield Static(id="waiting-text")
        yield Footer()

    def on_mount(self) -> None:
        self.view_changed()

    def view_changed(self) -> None:
        d = self.data
        other = self.person(1 - self.seat)
        key = "briefing" if d["phase"] == "briefing" else f"assessing-{d['role']}"
        text = _WAITING.get(key, "Waiting for {other}.").format(other=other)
        status = str(getattr(self.port, "status_line", ""))
        body = safe(text)
        if status:
            body += Content("\n\n") + safe(status, "$text-muted")
        self.query_one("#waiting-text", Static).update(body)


class MirrorScreen(PairScreen):
    """The interviewer's side of answering at their own terminal: the answer as it is typed."""

    STAGE = "Interviewing"

    BINDINGS = [
        Binding("ctrl+g", "hint", "Give the next hint", priority=True),
        Binding("ctrl+o", "notes", "Notes", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield from self.header(with_clock=True)
        with VerticalScroll(id="mirror-body"):
            yield self.who_line()
            yield Markdown(safe_markdown(str(self.question["prompt"])), open_links=False)
            yield Static(id="hints", classes="hints")
            yield Static(styled("Their answer, as they type", "bold underline"), classes="section")
            yield Markdown(id="mirror-answer", open_links=False)
            yield Static(id="mirror-samples", classes="section")
            yield Static(styled("Your notes (only you see them)", "bold"), classes="section")
            yield Input(
                str(self.data.get("notes", "")),
                max_length=NOTE_MAX,
                select_on_focus=False,
                placeholder="Anything to raise in the feedback",
                id="notes",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#mirror-body").focus()
        self.view_changed()

    def view_changed(self) -> None:
        d = self.data
        given, total = d.get("hints_given", []), int(d.get("hints_total", 0))
        nxt = ""
        if len(given) < total:
            nxt = "  ctrl+g gives: " + str(d["briefing"]["hints"][len(given)])[:60]
        self.query_one("#hints", Static).update(hints_content(given, total, nxt))
        self.query_one("#mirror-answer", Markdown).update(
            safe_markdown(answer_markdown(with_cursor(d)))
        )
        samples = str(d.get("sample_run", ""))
        self.query_one("#mirror-samples", Static).update(
            safe(samples) if samples else styled("No sample run yet.", "$text-muted")
        )

    @on(Input.Changed, "#notes")
    def _notes(self, event: Input.Changed) -> None:
        self.port.send(NotesChanged(self.seat, event.value))

    def action_hint(self) -> None:
        d = self.reload()
        if len(d.get("hints_given", [])) >= int(d.get("hints_total", 0)):
            self.notify("No more hints.", markup=False)
            return
        self.port.send(HintGiven(self.seat))

    def action_notes(self) -> None:
        notes = self.query_one("#notes", Input)
        if notes.has_focus:
            self.query_one("#mirror-body").focus()
        else:
            notes.focus()


class ConnectingScreen(Screen[None]):
    """Shown while the host starts listening or the guest joins."""

    def compose(self) -> ComposeResult:
        with Middle(), Center(), Vertical(id="handoff"):
            yield Static(styled("Connecting…", "bold $accent"))
        yield Footer()
