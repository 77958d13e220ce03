"""Pair practice in a real terminal (tmux, 80x24), as two people at one keyboard use it.

A round is played to the reveal, then the terminal is closed in the middle of the next
answer, and a new `trainer pair` offers the unfinished round back with the typing in it.
Skipped where tmux is not installed; every wait is bounded and the server always killed.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_home_tmux import TMUX, _screen, _wait

pytestmark = pytest.mark.skipif(TMUX is None, reason="needs tmux")


class Term:
    def __init__(self, name: str) -> None:
        self.name = name

    def keys(self, *keys: str, literal: bool = False) -> None:
        assert TMUX is not None
        args = [TMUX, "-L", self.name, "send-keys", "-t", self.name]
        subprocess.run([*args, *(["-l"] if literal else []), *keys], check=True)
        time.sleep(0.05)  # a quick typist's pace, not a burst in one read

    def wait(self, text: str) -> str:
        return _wait(self.name, lambda s: text in s, repr(text))

    def start(self, data: Path, *args: str, sub: tuple[str, ...] = ()) -> None:
        assert TMUX is not None
        argv = (sys.executable, "-m", "trainer", "pair", *sub, "--data-dir", str(data), *args)
        command = " ".join(shlex.quote(p) for p in argv)
        subprocess.run(
            [TMUX, "-L", self.name, "new-session", "-d", "-s", self.name]
            + ["-x", "80", "-y", "24", command],
            check=True,
            env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "HOME": str(data.parent)},
        )

    def close(self) -> None:
        assert TMUX is not None
        subprocess.run([TMUX, "-L", self.name, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def term() -> Iterator[Term]:
    t = Term(f"trainer-pair-{uuid.uuid4().hex[:8]}")
    try:
        yield t
    finally:
        t.close()


def test_a_round_to_the_reveal_then_a_closed_terminal_loses_nothing(
    term: Term, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    term.start(data, "--names", "Ana,Ben", "--question", "tcp-vs-udp", "--kind", "concept")
    term.wait("Pair practice on one terminal")
    term.keys("C-s")
    term.wait("Ana, please look away now.")
    term.keys("Enter")
    screen = term.wait("Only you see this")
    assert "The question" in screen and "What to look for" in screen
    term.keys("C-s")
    term.wait("Ana, you can look now.")
    term.keys("Enter")
    term.wait("Round 1/2 · Answering")
    term.keys("C-g")  # the new hint scrolls into view, however long the prompt
    screen = term.wait("Hints given 1/")
    assert "What to look for" not in screen and "Hints to give" not in screen
    term.keys("TCP retransmits lost segments.", literal=True)
    term.wait("retransmits lost")
    term.keys("C-s")
    term.wait("Ben, press Enter when you are ready.")
    term.keys("Enter")
    term.wait("What the trainer saw")
    for key in ("3", "Down", "3", "Down", "3"):
        term.keys(key)
    term.keys("C-s")
    screen = term.wait("Next: Ana scores")
    assert "retransmits" not in screen  # the handoff shows nothing of the round
    term.keys("Enter")
    term.wait("Score yourself")
    for key in ("4", "Down", "4", "Down", "4"):
        term.keys(key)
    term.keys("C-s")
    term.wait("Not scored yet")  # the ratings are still open
    term.keys("y")
    term.wait("Both of you can look now")
    term.keys("Enter")
    screen = term.wait("Ana (self)")
    assert "Gap" in screen
    term.keys("C-n")
    term.wait("Round 2 of 2: Ana interviews Ben")
    term.keys("Enter")
    term.wait("Only you see this")
    term.keys("C-s")
    term.wait("Ben, you can look now.")
    term.keys("Enter")
    term.wait("Round 2/2 · Answering")
    term.keys("half of my answer", literal=True)
    term.wait("half of my answer")
    drafts = data / "drafts"
    _wait(
        term.name,
        lambda _: any("half of my answer" in p.read_text("utf-8") for p in drafts.glob("*.json")),
        "the draft on disk",
    )
    term.close()  # the terminal goes away mid-answer

    again = Term(term.name + "b")
    try:
        again.start(data)
        screen = again.wait("Unfinished pair session found")
        assert "round 2 of 2" in screen
        again.keys("Enter")
        again.wait("The round goes on where it stopped.")
        again.keys("Enter")
        screen = again.wait("half of my answer")
        assert "Round 2/2 · Answering" in _screen(again.name)
    finally:
        again.close()


def test_two_windows_host_and_join_at_80x24(tmp_path: Path) -> None:
    """Two terminals: the host shows a code, the guest joins with it, a round begins."""
    host, guest = Term(f"trainer-host-{uuid.uuid4().hex[:8]}"), None
    try:
        host.start(tmp_path / "a", "--name", "Ana", "--question", "pair-sum", sub=("host",))
        screen = host.wait("Waiting for your partner")
        code = "".join(re.findall(r"trp1-[a-z0-9]+|(?<=│  )[a-z0-9]{20,}", screen))
        assert code.startswith("trp1-") and len(code) > 100, screen
        guest = Term(f"trainer-guest-{uuid.uuid4().hex[:8]}")
        guest.start(tmp_path / "b", code, "--name", "Ben", sub=("join",))
        screen = guest.wait("Only you see this")  # Ben interviews first: his briefing
        assert "Hints to give, in order" in screen
        screen = host.wait("Ben is reading the interviewer briefing")
        assert "Hints to give" not in screen  # the briefing never reaches Ana's terminal
        guest.keys("C-s")
        host.wait("Round 1/2 · Answering")
        host.keys("    return [0, 1]", literal=True)
        guest.wait("return [0, 1]")  # mirrored on the interviewer's terminal
        guest.keys("C-g")
        host.wait("Hints given 1/3")
        host.keys("C-s")
        guest.wait("Round 1/2 · Scoring")
        host.wait("Round 1/2 · Self-assessment")
    finally:
        host.close()
        if guest is not None:
            guest.close()
