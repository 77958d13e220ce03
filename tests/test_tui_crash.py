"""The real app in a real pseudo-terminal: a typed answer survives kill -9, SIGTERM and SIGHUP.

Each case starts `python -m trainer` on the slave side of a fresh pty (80x24,
TERM=xterm-256color) with its own data directory, types a few words and stops the
process with a signal; the draft file must then hold the words. After kill -9, when
nothing of the app can run, it is started again on the same data directory and the
terminal is read until the restore dialog shows the words. Only the standard library is
used (no tmux, no pexpect). Every wait is bounded, and every child is killed (its
whole process group) when the test ends, whatever happened.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

if sys.platform == "win32":
    pytest.skip("needs a POSIX pseudo-terminal", allow_module_level=True)

QUESTION = "concepts/tcp-vs-udp"
WORDS = "alpha bravo"
COLUMNS, LINES = 80, 24
WAIT_S = 30.0  # generous bound for a cold start on a busy machine; never reached when healthy

# CSI, OSC (BEL or ST terminated), DCS/APC/PM strings and two-byte escapes.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[P_^][^\x1b]*\x1b\\"
    r"|\x1b[@-Z\\-_]"
    r"|\x1b[()][0-9A-Za-z]"
)


class Terminal:
    """One `trainer` process on a pseudo-terminal; the test holds the master side."""

    def __init__(self, data_dir: Path) -> None:
        import fcntl
        import pty
        import termios

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TEXTUAL", "PYTEST", "COV_"))
        }
        env.update(
            TERM="xterm-256color",
            COLUMNS=str(COLUMNS),
            LINES=str(LINES),
            TRAINER_DATA_DIR=str(data_dir),
            PYTHONDONTWRITEBYTECODE="1",
        )
        command = [sys.executable, "-m", "trainer", "--question", QUESTION, "--role", "candidate"]
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                start_new_session=True,  # its own process group: cleanup reaches any child
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self.master = master
        self.raw = bytearray()

    def pump(self, wait: float = 0.05) -> None:
        """Read whatever the app wrote (the app blocks if nobody drains the pty)."""
        ready, _, _ = select.select([self.master], [], [], wait)
        while ready:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            self.raw += chunk
            ready, _, _ = select.select([self.master], [], [], 0)

    @property
    def text(self) -> str:
        """Everything shown so far with the escape sequences taken out."""
        return _ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def wait_for(self, check: Callable[[], object], what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not check():
            if time.monotonic() > deadline:
                tail = self.text[-1500:]
                raise AssertionError(f"timed out waiting for {what}; the terminal ended:\n{tail}")
            if self.proc.poll() is not None:
                self.pump(0)
                if check():
                    return
                raise AssertionError(
                    f"trainer exited ({self.proc.returncode}) while waiting for {what}:\n"
                    + self.text[-1500:]
                )
            self.pump()

    def wait_text(self, needle: str) -> None:
        self.wait_for(lambda: needle in self.text, repr(needle))

    def type(self, text: str) -> None:
        os.write(self.master, text.encode("utf-8"))

    def wait_exit(self) -> int:
        deadline = time.monotonic() + WAIT_S
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError("trainer did not exit after the signal")
            self.pump()
        return self.proc.returncode

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait(timeout=WAIT_S)
        finally:
            os.close(self.master)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[], Terminal]]:
    """Start trainer on a pty with this test's data directory; all children die at the end."""
    data_dir = tmp_path / "data"
    started: list[Terminal] = []

    def run() -> Terminal:
        term = Terminal(data_dir)
        started.append(term)
        return term

    yield run
    for term in started:
        term.close()


def draft_texts(data_dir: Path) -> list[str]:
    out = []
    for path in sorted((data_dir / "drafts").glob("*.draft.json")):
        try:
            out.append(json.loads(path.read_text("utf-8"))["text"])
        except (OSError, ValueError, KeyError):
            continue  # being replaced right now
    return out


@pytest.mark.parametrize(
    "sig",
    [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP],
    ids=["SIGKILL", "SIGTERM", "SIGHUP"],
)
def test_typed_answer_survives_the_signal_and_is_offered_back(
    tmp_path: Path, start: Callable[[], Terminal], sig: signal.Signals
) -> None:
    data_dir = tmp_path / "data"
    term = start()
    term.wait_text("Type your answer")  # the candidate screen, editor focused
    term.type(WORDS)
    if sig == signal.SIGKILL:
        # nothing runs on kill -9: the autosave must already have written the draft
        term.wait_for(lambda: WORDS in draft_texts(data_dir), "the autosaved draft")
    else:
        # as soon as the words are on screen, before the autosave interval is likely over
        term.wait_text(WORDS)
    term.proc.send_signal(sig)
    code = term.wait_exit()
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:  # the app's own handler ran (saving the draft), rather than a bare death by signal
        assert code == 1, f"exit status {code} after {sig.name}"
    if sig == signal.SIGTERM:  # a clean exit gives the shell its screen back
        assert b"\x1b[?1049l" in term.raw
    assert WORDS in draft_texts(data_dir)

    if sig == signal.SIGKILL:
        again = start()
        again.wait_text("Unfinished answer found")
        again.wait_text(WORDS)
        assert again.proc.poll() is None
