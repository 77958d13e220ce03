"""End-to-end flows of the solo-practice TUI, driven headless through Textual's Pilot.

Every test starts the real `TrainerApp` on a temp data directory with a fake clock
(time only moves when the test says so), so timings, scores and the history rows
it writes are exact. Coding questions get a fake async test runner; the real
sandbox has its own tests. Waits poll the app with a generous bound instead of
sleeping: a slow machine makes a test slower, never wrong.

The repository's packs are parsed once per process and handed to each app
(`Services(bank=...)`), which is what a pack cache would do; the untrusted-text
tests load their pack from disk through the normal path.
"""

from __future__ import annotations

import functools
import html
import json
import re
import tempfile
import time
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, Static, TextArea

from trainer.core.evaluation.results import (
    RunLimits,
    RunResult,
    RunVerdict,
    TestResult,
    TestSpec,
)
from trainer.core.selection import Filters, QuestionBank
from trainer.core.storage.history import AttemptRecord, HistoryStore
from trainer.tui.app import TrainerApp
from trainer.tui.screens.candidate import CandidateScreen
from trainer.tui.screens.home import HomeScreen
from trainer.tui.screens.interviewer import InterviewerScreen
from trainer.tui.screens.modals import ConfirmScreen, RestoreDraftScreen
from trainer.tui.screens.result import ResultScreen
from trainer.tui.screens.reveal import RevealScreen
from trainer.tui.screens.summary import SummaryScreen
from trainer.tui.services import Services, StartOptions
from trainer.tui.widgets.rubric import CriterionRow

S = TypeVar("S", bound=Screen[Any])

SIZE = (80, 24)
WALL = 1_800_000_000.0  # fixed "time.time()" for history rows
WAIT_S = 20.0  # upper bound for anything the app does on its own; never reached when healthy
FREE_TEXT = "concepts/tcp-vs-udp"  # concept question: 3 hints, 3 criteria, 5 minutes
CODING = "example/pair-sum"  # 3 sample and 2 hidden tests; correctness is out of 4
CHOICE = "example/ask-about-age"  # single select; b is the right answer
INTERVIEW = "example/cache-invalidation"  # reference answer ttl-only: coverage 2, communication 2


# -- helpers ------------------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that only moves when the test advances it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeRunner:
    """Stands in for the sandboxed runner; `passes` decides each test's fate."""

    passes: Callable[[TestSpec], bool]
    calls: list[tuple[str, str, tuple[TestSpec, ...]]] = field(default_factory=list)

    async def __call__(
        self, code: str, function: str, tests: Sequence[TestSpec], limits: RunLimits
    ) -> RunResult:
        self.calls.append((code, function, tuple(tests)))
        results = tuple(
            TestResult(
                id=t.id,
                visibility=t.visibility,
                verdict="accepted" if self.passes(t) else "wrong_answer",
                args_repr=repr(t.args)[:60],
                expected_repr=repr(t.expected)[:60],
                actual_repr=repr(t.expected)[:60] if self.passes(t) else "[]",
            )
            for t in tests
        )
        verdict: RunVerdict = "accepted" if all(r.passed for r in results) else "wrong_answer"
        return RunResult(verdict=verdict, tests=results)


@functools.cache
def repo_bank() -> QuestionBank:
    """The repository's packs, parsed once per process (the models are immutable)."""
    with tempfile.TemporaryDirectory() as empty:
        return Services(data_dir=Path(empty)).load_bank()


def make_app(
    data_dir: Path,
    *,
    role: str,
    question: str,
    rounds: int = 1,
    pack_ids: Sequence[str] = (),
    clock: FakeClock | None = None,
    runner: FakeRunner | None = None,
    extra_packs: Sequence[Path] = (),
) -> TrainerApp:
    services = Services(
        data_dir=data_dir,
        extra_packs=list(extra_packs),
        clock=clock or FakeClock(),
        wall=lambda: WALL,
        run_tests=runner,
        bank=None if extra_packs else repo_bank(),
    )
    options = StartOptions(
        role=role, question=question, rounds=rounds, pack_ids=list(pack_ids), direct=True
    )
    return TrainerApp(services, options)


async def wait_for(pilot: Pilot[None], check: Callable[[], object], what: str) -> None:
    """Let the app run until `check()` is true; fail (never hang) after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while not check():
        if not pilot.app.is_running:
            raise AssertionError(f"the app stopped while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; screen is {pilot.app.screen!r}")
        await pilot.pause(0.02)


async def wait_screen(pilot: Pilot[None], kind: type[S]) -> S:
    """The screen once it is on top and has composed its widgets."""
    await wait_for(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, kind)
            and pilot.app.screen.is_mounted
            and bool(pilot.app.screen.children)
        ),
        kind.__name__,
    )
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen


def text(widget: Widget) -> str:
    """What a Static-like widget renders, as plain text (no styles, no markup)."""
    return str(widget.render())


def static(pilot: Pilot[None], selector: str) -> str:
    return text(pilot.app.screen.query_one(selector, Static))


def screen_lines(app: TrainerApp) -> list[str]:
    """The visible terminal, one string per row, rebuilt from the SVG screenshot.

    The screenshot is the public way to see exactly the cells the user sees; each text
    run carries its pixel x and length, from which its column follows.
    """
    svg = app.export_screenshot()
    rows: dict[int, list[tuple[int, str]]] = {}
    pattern = re.compile(
        r'<text [^>]*?x="([\d.]+)"[^>]*?textLength="([\d.]+)"[^>]*?-line-(\d+)\)">(.*?)</text>'
    )
    for m in pattern.finditer(svg):
        run = html.unescape(m[4]).replace("\xa0", " ")
        cell = float(m[2]) / len(run)
        rows.setdefault(int(m[3]), []).append((round(float(m[1]) / cell), run))
    lines = []
    for y in range(max(rows, default=-1) + 1):
        line = ""
        for col, run in sorted(rows.get(y, [])):
            line = line.ljust(col) + run
        lines.append(line)
    return lines


def screen_text(app: TrainerApp) -> str:
    return "\n".join(screen_lines(app))


async def type_text(pilot: Pilot[None], words: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in words))


async def tab_to(pilot: Pilot[None], wanted: Callable[[Widget | None], bool], what: str) -> None:
    """Press Tab until the focus is where `wanted` says, as a keyboard user would."""
    for _ in range(12):
        if wanted(pilot.app.focused):
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {what}; focused: {pilot.app.focused!r}")


async def score_rows(pilot: Pilot[None], levels: Sequence[str]) -> None:
    """Number keys on the focused rubric row, Down to the next one."""
    for i, level in enumerate(levels):
        assert isinstance(pilot.app.focused, CriterionRow), pilot.app.focused
        await pilot.press(level)
        if i + 1 < len(levels):
            await pilot.press("down")


def shows(cell: str, full: str) -> bool:
    """A table cell shows `full`, perhaps cut short ("Cache inval…", "cand.") to fit 80 columns."""
    cut = cell.rstrip("….")
    return bool(cut) and full.startswith(cut)


def is_role(cell: str, role: str) -> bool:
    """A role cell, written out or abbreviated ("cand.", "intv.")."""
    return cell == role or (cell.endswith(".") and cell[:1] == role[:1])


def attempts(data_dir: Path) -> list[AttemptRecord]:
    with HistoryStore(data_dir / "history.sqlite3") as store:
        return store.attempts()


def draft_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "drafts").glob("*.draft.json"))


def draft_texts(data_dir: Path) -> list[str]:
    out = []
    for path in draft_files(data_dir):
        try:
            out.append(json.loads(path.read_text("utf-8"))["text"])
        except (OSError, ValueError, KeyError):
            continue  # replaced between listing and reading
    return out


# -- 0. start-up ----------------------------------------------------------------------------


@pytest.mark.parametrize("direct", [False, True], ids=["home", "direct"])
async def test_packs_ready_at_once_neither_crash_nor_stay_hidden(
    tmp_path: Path, direct: bool
) -> None:
    """Packs that are ready before the home screen has mounted (a cache, a tiny pack set).

    Timing decides whether the pack loader beats the home screen's mount, and whether a
    direct start replaces the home screen before it shows the packs, so one start may
    pass by luck; several in a row make a miss unlikely.
    """
    for attempt in range(3):
        options = StartOptions(role="candidate", question=FREE_TEXT, direct=direct)
        app = TrainerApp(Services(data_dir=tmp_path / str(attempt), bank=repo_bank()), options)
        async with app.run_test(size=SIZE) as pilot:
            if direct:
                await wait_screen(pilot, CandidateScreen)
            else:
                await _home_lists_every_question(pilot)
            await pilot.pause()
            assert app.is_running


async def _home_lists_every_question(pilot: Pilot[None]) -> None:
    app = pilot.app
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, HomeScreen) and app.screen.bank is not None,
        "the home screen to list the packs",
    )
    bank = repo_bank()
    count = len(bank.filter(Filters()))  # the practice pool: the authors' example is left out
    assert count == sum(1 for e in bank.entries if e.pack.pack.id != "example")
    await wait_for(
        pilot,
        lambda: static(pilot, "#count").startswith(f"{count} of {count} questions"),
        "the question count",
    )


# -- 1. free-text candidate round ------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "shown", "overall", "verdict"),
    [
        (("1", "1", "1"), "0% · Strong no hire", 0.0, "Strong no hire"),
        # accuracy w3, depth w2, communication w1: (3*2/3 + 2*1 + 1*1/3) / 6 = 13/18
        (("3", "4", "2"), "72% · Leaning hire", 13 / 18, "Leaning hire"),
    ],
)
async def test_free_text_round_hints_pause_submit_score_next(
    tmp_path: Path, levels: tuple[str, ...], shown: str, overall: float, verdict: str
) -> None:
    clock = FakeClock()
    app = make_app(tmp_path, role="candidate", question=FREE_TEXT, rounds=2, clock=clock)
    answer = "ack it"
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, CandidateScreen)
        editor = screen.query_one("#editor", TextArea)
        assert app.focused is editor
        await type_text(pilot, answer)
        assert editor.text == answer

        assert static(pilot, "#hints").startswith("Hints 0/3")
        await pilot.press("ctrl+g", "ctrl+g")
        hints = static(pilot, "#hints")
        assert hints.startswith("Hints 2/3")
        assert "\n1. " in hints and "\n2. " in hints and "\n3. " not in hints

        clock.advance(10)
        await pilot.press("ctrl+t")
        assert static(pilot, "#clock") == "04:50 left · paused"
        clock.advance(100)  # paused: none of this counts
        await pilot.press("ctrl+t")
        assert static(pilot, "#clock") == "04:50 left"
        clock.advance(5)

        await pilot.press("ctrl+s")
        await wait_screen(pilot, ResultScreen)
        assert static(pilot, "#score") == "score: not yet"
        evidence = static(pilot, "#evidence")
        assert "[hints] " in evidence
        assert "[time] Finished in 0:15 of 5:00" in evidence
        assert isinstance(app.focused, CriterionRow)
        await score_rows(pilot, levels)
        assert static(pilot, "#score") == shown

        await pilot.press("ctrl+n")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, CandidateScreen | InterviewerScreen)
                and app.screen.round.index == 1
            ),
            "round 2",
        )
        assert "Round 2/2" in screen_lines(app)[0]

    (row,) = attempts(tmp_path)
    assert (row.role, row.pack_id, row.question_id, row.kind) == (
        "candidate",
        "concepts",
        "tcp-vs-udp",
        "concept",
    )
    assert row.answer == answer
    assert row.hints_used == 2
    assert row.time_taken_s == 15.0
    assert row.time_limit_s == 300.0
    assert row.submitted_at == WALL
    assert row.session_id is not None
    assert dict(row.scores["self"]) == dict(
        zip(("accuracy", "depth", "communication"), map(int, levels), strict=True)
    )
    assert row.overall_score == pytest.approx(overall)
    assert row.verdict == verdict


# -- 2. coding round with a fake runner ----------------------------------------------------


@pytest.mark.parametrize(
    ("passes", "samples_line", "suggested", "shown", "overall"),
    [
        (
            lambda t: t.visibility == "sample",
            "Sample tests: 3/3 passed",
            3,
            "67% · Leaning hire (partial)",
            2 / 3,
        ),
        (lambda t: False, "Sample tests: 0/3 passed", 1, "0% · Strong no hire (partial)", 0.0),
    ],
    ids=["hidden-fail", "none-pass"],
)
async def test_coding_round_sample_run_full_run_and_suggestion(
    tmp_path: Path,
    passes: Callable[[TestSpec], bool],
    samples_line: str,
    suggested: int,
    shown: str,
    overall: float,
) -> None:
    runner = FakeRunner(passes)
    app = make_app(tmp_path, role="candidate", question=CODING, runner=runner)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, CandidateScreen)
        editor = screen.query_one("#editor", TextArea)
        assert editor.text.startswith("def pair_sum(")
        await pilot.press("backspace", "backspace", "backspace")
        await type_text(pilot, "return []")
        code = editor.text
        assert "return []" in code and "..." not in code

        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: static(pilot, "#runs").startswith("Sample"), "sample run")
        runs = static(pilot, "#runs")
        assert runs.startswith(samples_line)
        (sample_call,) = runner.calls
        assert sample_call[0] == code and sample_call[1] == "pair_sum"
        assert {t.visibility for t in sample_call[2]} == {"sample"}
        for t in sample_call[2]:
            mark = "✓" if passes(t) else "✗"
            assert f"{mark} {t.id} (sample)" in runs
            if not passes(t):  # a failing sample shows its input; it is no secret
                assert f"input {repr(t.args)[:60]}" in runs

        await pilot.press("ctrl+s")
        await wait_screen(pilot, ResultScreen)
        await wait_for(pilot, lambda: static(pilot, "#tests").startswith("All tests"), "full run")
        assert len(runner.calls) == 2
        code_run, _, full = runner.calls[1]
        assert code_run == code
        assert {t.visibility for t in full} == {"sample", "hidden"}
        tests = static(pilot, "#tests")
        for t in full:
            assert f"{'✓' if passes(t) else '✗'} {t.id} ({t.visibility})" in tests
            if t.visibility == "hidden":  # hidden inputs stay hidden, even when they fail
                assert repr(t.args)[:60] not in tests

        evidence = static(pilot, "#evidence")
        assert "Running every test" not in evidence
        assert f"Suggested correctness: {suggested} of 4" in evidence
        # nobody scored: the trainer's correctness suggestion makes the (partial) score
        assert static(pilot, "#score") == shown

        await pilot.press("ctrl+n")
        await wait_screen(pilot, SummaryScreen)

    (row,) = attempts(tmp_path)
    assert row.answer == code
    assert "self" not in row.scores
    assert dict(row.scores["auto"]) == {"correctness": suggested}
    assert row.overall_score == pytest.approx(overall)


# -- 3. multiple choice -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "chosen", "evidence", "shown"),
    [
        (("space",), "a", ["Incorrect answer", "Chose a (not correct): Age is", "Missed b:"], "0%"),
        # single select: picking a, then b, keeps only b
        (("space", "down", "space"), "b", ["Correct answer", "Chose b (correct): Asks"], "100%"),
    ],
)
async def test_multiple_choice_single_select_keeps_one_and_shows_feedback(
    tmp_path: Path, keys: tuple[str, ...], chosen: str, evidence: list[str], shown: str
) -> None:
    app = make_app(tmp_path, role="candidate", question=CHOICE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, CandidateScreen)
        choices = screen.query_one("#choices", OptionList)
        assert app.focused is choices
        await pilot.press(*keys)
        assert screen.round.selected == (chosen,)
        prompts = [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]
        assert [p[:6] for p in prompts if p.startswith("(•)")] == [f"(•) {chosen})"]
        assert sum(p.startswith("( ) ") for p in prompts) == len(prompts) - 1

        await pilot.press("ctrl+s")
        await wait_screen(pilot, ResultScreen)
        shown_evidence = static(pilot, "#evidence")
        for line in evidence:
            assert line in shown_evidence
        assert static(pilot, "#score").startswith(shown)


# -- 4. empty answers ask first -------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "key", "submitted"),
    [
        (FREE_TEXT, "click", False),
        (FREE_TEXT, "enter", False),  # the safe button has the focus
        (CODING, "escape", False),  # the untouched starter code counts as empty
        (FREE_TEXT, "y", True),
    ],
)
async def test_empty_submit_asks_and_keep_working_returns_to_the_editor(
    tmp_path: Path, question: str, key: str, submitted: bool
) -> None:
    app = make_app(tmp_path, role="candidate", question=question, runner=FakeRunner(bool))
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, CandidateScreen)
        editor = screen.query_one("#editor", TextArea)
        before = editor.text
        await pilot.press("ctrl+s")
        await wait_screen(pilot, ConfirmScreen)
        shown = screen_text(app)
        assert "Your answer is empty. Submit anyway?" in shown
        assert "Keep working" in shown

        if key == "click":
            await pilot.click("#no")
        else:
            await pilot.press(key)
        if submitted:
            await wait_screen(pilot, ResultScreen)
            return
        assert await wait_screen(pilot, CandidateScreen) is screen
        assert screen.round.phase == "answering"
        assert app.focused is editor
        await pilot.press("z")
        assert editor.text != before and "z" in editor.text


# -- 5. interviewer round, reveal, summary ------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "verdict_line", "gaps", "gap", "mae", "agreed"),
    [
        (
            ("4", "4"),
            "Verdicts differ: you Strong hire, reference Leaning no hire",
            [("Coverage", "4", "2", "+2"), ("Communication", "4", "2", "+2")],
            "67%",
            2 / 3,
            False,
        ),
        (  # both criteria off by one, in opposite directions: the verdicts still agree
            ("1", "3"),
            "Verdicts agree: Leaning no hire",
            [("Coverage", "1", "2", "-1"), ("Communication", "3", "2", "+1")],
            "33%",
            1 / 3,
            True,
        ),
    ],
)
async def test_interviewer_round_reveals_gaps_and_verdict_agreement(
    tmp_path: Path,
    levels: tuple[str, str],
    verdict_line: str,
    gaps: list[tuple[str, ...]],
    gap: str,
    mae: float,
    agreed: bool,
) -> None:
    clock = FakeClock()
    app = make_app(tmp_path, role="interviewer", question=INTERVIEW, clock=clock)
    feedback = "Name two"
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, InterviewerScreen)
        await tab_to(pilot, lambda w: isinstance(w, CriterionRow), "the rubric")
        await score_rows(pilot, levels)
        await pilot.press("down")
        assert app.focused is app.screen.query_one("#feedback", TextArea)
        await type_text(pilot, feedback)
        clock.advance(42)
        await pilot.press("ctrl+s")

        await wait_screen(pilot, RevealScreen)
        assert static(pilot, "#verdict") == verdict_line
        table = app.screen.query_one("#gaps", DataTable)
        rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert rows == gaps
        lines = screen_lines(app)
        assert gap in lines[0]  # the mean gap heads the screen
        assert verdict_line[:14] in "\n".join(lines)  # the agreement is on the first screenful

        await pilot.press("ctrl+n")
        await wait_screen(pilot, SummaryScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        number, role = [str(c) for c in table.get_row_at(0)][:2]
        assert number == "1" and is_role(role, "interviewer")

    (row,) = attempts(tmp_path)
    assert (row.role, row.question_id, row.reference_id) == (
        "interviewer",
        "cache-invalidation",
        "ttl-only",
    )
    assert row.feedback == feedback
    assert row.time_taken_s == 42.0
    assert row.calibration_mae == pytest.approx(mae)
    assert row.verdict_agreed is agreed
    assert dict(row.scores["interviewer"]) == {
        "coverage": int(levels[0]),
        "communication": int(levels[1]),
    }
    assert dict(row.scores["reference"]) == {"coverage": 2, "communication": 2}


async def test_unscored_interviewer_submit_asks_first(tmp_path: Path) -> None:
    app = make_app(tmp_path, role="interviewer", question=INTERVIEW)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, InterviewerScreen)
        await tab_to(pilot, lambda w: isinstance(w, CriterionRow), "the rubric")
        await pilot.press("2", "ctrl+s")
        await wait_screen(pilot, ConfirmScreen)
        assert "Not scored yet: Communication. Reveal anyway?" in screen_text(app)
        await pilot.press("escape")
        await wait_screen(pilot, InterviewerScreen)
        await pilot.press("down", "3", "ctrl+s")
        await wait_screen(pilot, RevealScreen)
        assert static(pilot, "#verdict").startswith("Verdicts agree")


async def test_alternate_session_of_two_rounds_ends_in_a_summary_of_both(tmp_path: Path) -> None:
    clock = FakeClock()
    app = make_app(
        tmp_path,
        role="alternate",
        question=INTERVIEW,
        rounds=2,
        pack_ids=["example"],
        clock=clock,
        runner=FakeRunner(bool),
    )
    async with app.run_test(size=SIZE) as pilot:
        first = await wait_screen(pilot, CandidateScreen)
        assert first.round.question_id == "cache-invalidation"
        await type_text(pilot, "ttl")
        clock.advance(60)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, ResultScreen)
        await score_rows(pilot, ("3", "3"))
        await pilot.press("ctrl+n")

        # the second question is drawn at random from the example pack's interviewable ones
        second = await wait_screen(pilot, InterviewerScreen)
        assert second.round.index == 1
        second_title = second.entry.question.title
        await tab_to(pilot, lambda w: isinstance(w, CriterionRow), "the rubric")
        await score_rows(pilot, ["2"] * len(second.criteria))
        clock.advance(30)
        await pilot.press("ctrl+s")
        await wait_screen(pilot, RevealScreen)
        await pilot.press("ctrl+n")

        await wait_screen(pilot, SummaryScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert len(rows) == 2
        assert [r[0] for r in rows] == ["1", "2"]
        assert is_role(rows[0][1], "candidate") and is_role(rows[1][1], "interviewer")
        assert shows(rows[0][2], "Cache invalidation strategies")
        assert shows(rows[1][2], second_title)
        assert rows[0][3:5] == ["67%", "Leaning hire"]  # 3 and 3 of 4
        assert rows[0][5] == "—"
        assert re.match(r"\d+%", rows[1][5]), rows[1][5]  # the calibration gap
        assert rows[0][6].startswith("01:00") and rows[1][6].startswith("00:30")  # fake clock
        totals = static(pilot, "#totals")
        assert "Rounds: 2" in totals and "Mean candidate score: 67%" in totals

    saved = attempts(tmp_path)
    assert sorted(r.role for r in saved) == ["candidate", "interviewer"]
    assert len({r.session_id for r in saved}) == 1
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        (session,) = store.sessions()
    assert session.id == saved[0].session_id
    assert session.role_plan == "alternate"
    assert session.finished_at == WALL


# -- 6. drafts --------------------------------------------------------------------------------


@pytest.mark.parametrize("choice", ["restore", "discard"])
async def test_draft_is_autosaved_then_offered_on_the_next_start(
    tmp_path: Path, choice: str
) -> None:
    words = "hol blocking"
    app = make_app(tmp_path, role="candidate", question=FREE_TEXT)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, CandidateScreen)
        await pilot.press("ctrl+g")
        await type_text(pilot, words)
        # no quit, no submit: the autosave alone writes it
        await wait_for(pilot, lambda: words in draft_texts(tmp_path), "the autosaved draft")
        (path,) = draft_files(tmp_path)
        meta = json.loads(path.read_text("utf-8"))["meta"]
        assert (meta["role"], meta["pack_id"], meta["question_id"]) == (
            "candidate",
            "concepts",
            "tcp-vs-udp",
        )
        assert meta["hints"] == 1

    app = make_app(tmp_path, role="candidate", question=FREE_TEXT)
    async with app.run_test(size=SIZE) as pilot:
        await wait_screen(pilot, RestoreDraftScreen)
        shown = screen_text(app)
        assert "Unfinished answer found" in shown
        assert words in shown
        assert "TCP" in shown  # the question's title says which answer this was
        if choice == "restore":
            await pilot.press("enter")  # Restore has the focus
        else:
            await pilot.click("#discard")
        screen = await wait_screen(pilot, CandidateScreen)
        editor = screen.query_one("#editor", TextArea)
        if choice == "restore":
            assert editor.text == words and screen.round.answer == words
            assert static(pilot, "#hints").startswith("Hints 1/3")  # the hint stays used
            await pilot.press("ctrl+s")
            await wait_screen(pilot, ResultScreen)
            await wait_for(pilot, lambda: not draft_files(tmp_path), "the draft to go on submit")
        else:
            assert draft_files(tmp_path) == []
            assert editor.text == "" and screen.round.answer == ""
            assert static(pilot, "#hints").startswith("Hints 0/3")


# -- 7. untrusted text --------------------------------------------------------------------------

HOSTILE = (
    "[bold]x[/] [@click=app.quit]q[/] [link=file:///etc/passwd]l[/] "
    "\x1b]52;c;AAAA\x07 \x1b[2J \x9b31m \u202e"
)
#: How each piece must look on screen: literally, with control characters as escapes.
VISIBLE = [
    "[bold]x[/]",
    "[@click=app.quit]q[/]",
    "[link=file:///etc/passwd]l[/]",
    "\\e]52;c;AAAA\\x07",
    "\\e[2J",
    "\\x9b31m",
    "\\u202e",
]
RAW = ["\x1b", "\x9b", "\x07", "\u202e"]


def write_hostile_pack(folder: Path) -> Path:
    """A valid pack whose every shown string carries markup, escapes and bidi controls."""
    pack = {
        "schema_version": 1,
        "pack": {"id": "hostile", "title": "Hostile " + HOSTILE, "version": "1.0.0"},
        "scales": [{"id": "four-point", "levels": ["one", "two", "three", "four"]}],
        "questions": [
            {
                "id": "evil-text",
                "kind": "concept",
                "title": "T " + HOSTILE,
                "difficulty": "easy",
                "prompt": "P " + HOSTILE + "\n\nRead [the docs](https://example.com/docs).",
                "hints": ["H " + HOSTILE],
                "rubric": [
                    {
                        "id": "depth",
                        "title": "Depth " + HOSTILE,
                        "weight": 1,
                        "descriptors": ["D " + HOSTILE, "two", "three", "four"],
                    }
                ],
                "approaches": [{"id": "a", "title": "A", "summary": "S " + HOSTILE}],
            },
            {
                "id": "evil-choice",
                "kind": "multiple_choice",
                "title": "C " + HOSTILE,
                "difficulty": "easy",
                "prompt": "Q " + HOSTILE,
                "hints": ["CH " + HOSTILE],
                "select": "single",
                "choices": [
                    {
                        "id": "a",
                        "text": "X " + HOSTILE,
                        "correct": True,
                        "feedback": "F " + HOSTILE,
                    },
                    {"id": "b", "text": "no", "correct": False, "feedback": "nope"},
                ],
            },
        ],
    }
    path = folder / "hostile.yaml"
    path.write_text(yaml.safe_dump(pack, allow_unicode=False, sort_keys=False), "utf-8")
    return path


def assert_no_raw(shown: str, where: str) -> None:
    for raw in RAW:
        assert raw not in shown, f"raw {raw!r} reached the {where}"


def assert_literal(shown: str, where: str) -> None:
    for piece in VISIBLE:
        assert piece in shown, f"{piece!r} is not shown literally in the {where}"
    assert_no_raw(shown, where)


def locate(lines: list[str], needle: str) -> tuple[int, int]:
    for y, line in enumerate(lines):
        x = line.find(needle)
        if x >= 0:
            return x, y
    raise AssertionError(f"{needle!r} is not on screen")


@pytest.mark.parametrize(
    ("question", "prefixes"),
    [("hostile/evil-text", ["T ", "P ", "H "]), ("hostile/evil-choice", ["C ", "Q ", "CH ", "X "])],
)
async def test_untrusted_pack_text_is_shown_literally_and_never_acts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, question: str, prefixes: list[str]
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url))
    pack = write_hostile_pack(tmp_path)
    app = make_app(tmp_path / "data", role="candidate", question=question, extra_packs=[pack])
    monkeypatch.setattr(app, "open_url", lambda url, **k: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_screen(pilot, CandidateScreen)
        assert app.services.pack_problems == []
        await pilot.press("ctrl+g")
        lines = screen_lines(app)
        shown = "\n".join(lines)
        for prefix in prefixes:  # every piece of pack text is on the first screenful
            assert f"{prefix}[bold]x[/] [@click=app.quit]q[/]" in shown, prefix
        body = "\n".join(lines[1:])  # the one-line title is cut at the edge; the rest is whole
        assert_literal(body, "screen")
        assert_no_raw(lines[0], "title")
        assert_literal(static(pilot, "#hints"), "hints")

        # Click where a parsed @click or link would act, and on a Markdown link.
        targets = {"[@click=app.quit]q[/]": 17, "[link=file:///etc/passwd]l[/]": 25}
        if question.endswith("text"):
            targets["the docs"] = 1
        for needle, into in targets.items():
            x, y = locate(lines, needle)
            await pilot.click(offset=(x + into, y))
            await pilot.pause()
        assert app.is_running and app.return_code is None
        assert app.screen is screen
        assert opened == []

        editor = "#choices" if question.endswith("choice") else "#editor"
        await tab_to(pilot, lambda w: w is screen.query_one(editor), editor)
        if question.endswith("choice"):
            await pilot.press("space", "ctrl+s")
            await wait_screen(pilot, ResultScreen)
            assert_literal(static(pilot, "#evidence"), "choice feedback")
        else:
            await pilot.press("a", "ctrl+s")
            await wait_screen(pilot, ResultScreen)
            rubric = "\n".join(text(w) for w in app.screen.query("#rubric Static"))
            assert_literal(rubric, "rubric")
        assert_no_raw(screen_text(app), "result screen")
        assert app.is_running and opened == []
