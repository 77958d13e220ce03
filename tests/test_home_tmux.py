"""The home screen in a real terminal (tmux, 80x24): wait, type a title, Enter starts it.

This is the new user's first minute, as the issue that fixed it describes: the question
list has focus when the packs arrive, and typing must still reach the search. Skipped
where tmux is not installed. Every wait is bounded and the tmux session is always killed.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="needs tmux")
WAIT_S = 30.0


@pytest.fixture
def tmux_session(tmp_path: Path) -> Iterator[str]:
    name = f"trainer-test-{uuid.uuid4().hex[:8]}"
    command = " ".join(
        shlex.quote(part)
        for part in (sys.executable, "-m", "trainer", "--data-dir", str(tmp_path / "data"))
    )
    assert TMUX is not None
    subprocess.run(
        [TMUX, "-L", name, "new-session", "-d", "-s", name, "-x", "80", "-y", "24", command],
        check=True,
        env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "HOME": str(tmp_path)},
    )
    try:
        yield name
    finally:
        subprocess.run([TMUX, "-L", name, "kill-server"], check=False, capture_output=True)


def _screen(name: str) -> str:
    assert TMUX is not None
    out = subprocess.run(
        [TMUX, "-L", name, "capture-pane", "-p", "-t", name],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def _wait(name: str, check: Callable[[str], bool], what: str) -> str:
    deadline = time.monotonic() + WAIT_S
    while True:
        screen = _screen(name)
        if check(screen):
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen}")
        time.sleep(0.1)


def test_type_then_enter_starts_the_typed_question(tmux_session: str) -> None:
    counted = re.compile(r"(\d+) of (\d+) questions")
    screen = _wait(tmux_session, lambda s: bool(counted.search(s)), "the home screen")
    match = counted.search(screen)
    assert match is not None
    total = match.group(2)
    assert match.group(1) == total
    assert TMUX is not None
    subprocess.run(
        [TMUX, "-L", tmux_session, "send-keys", "-t", tmux_session, "-l", "balanced brackets"],
        check=True,
    )
    screen = _wait(
        tmux_session,
        lambda s: f"of {total} questions" in s and f"{total} of {total}" not in s,
        "the count to narrow",
    )
    rows = [line for line in screen.splitlines() if "Balanced brackets" in line]
    assert rows, screen
    subprocess.run([TMUX, "-L", tmux_session, "send-keys", "-t", tmux_session, "Enter"], check=True)
    screen = _wait(
        tmux_session,
        lambda s: "Balanced brackets" in s and "of " + total + " questions" not in s,
        "the candidate round",
    )
    assert "Balanced brackets" in screen
