"""One SVG snapshot per TUI screen at 80x24, so a layout change is seen before a user sees it.

Every app here is deterministic: the monotonic clock is frozen (the countdown never
moves), the wall clock is fixed, the data directory is the per-test one from
conftest, code never runs (a fake `run_tests` returns a fixed result), and cursors
do not blink. Sessions start directly on a named built-in question
(`pack-id/question-id`) with one round, except the summary, whose second round is
picked with a seeded random generator.

Regenerate after an intended change with `pytest tests/test_snapshots.py
--snapshot-update`, then look at every changed file under `tests/__snapshots__/`.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static, TextArea

import trainer.tui.flow as flow_module
from trainer.core.autosave import draft_key
from trainer.core.evaluation.results import RunLimits, RunResult, TestResult, TestSpec
from trainer.core.selection import QuestionBank
from trainer.core.storage.drafts import DraftStore
from trainer.paths import data_dir, drafts_dir, history_db_path
from trainer.tui.app import TrainerApp
from trainer.tui.screens.candidate import CandidateScreen
from trainer.tui.screens.history import HistoryScreen, SessionScreen
from trainer.tui.screens.home import HomeScreen
from trainer.tui.screens.interviewer import InterviewerScreen
from trainer.tui.screens.modals import ConfirmScreen, HelpScreen, RestoreDraftScreen
from trainer.tui.screens.pair.answering import AnsweringScreen
from trainer.tui.screens.pair.assessing import ScoringScreen, SelfAssessmentScreen
from trainer.tui.screens.pair.briefing import BriefingScreen
from trainer.tui.screens.pair.handoff import HandoffScreen
from trainer.tui.screens.pair.observer import ObserverRevealScreen
from trainer.tui.screens.pair.reveal import PairRevealScreen
from trainer.tui.screens.pair.setup import PairSetupScreen
from trainer.tui.screens.pair.summary import PairSummaryScreen
from trainer.tui.screens.result import ResultScreen
from trainer.tui.screens.reveal import RevealScreen
from trainer.tui.screens.shadow import FlagScreen, ShadowRevealScreen, ShadowScreen
from trainer.tui.screens.stats import StatsScreen
from trainer.tui.screens.summary import SummaryScreen
from trainer.tui.services import PairOptions, Services, StartOptions
from trainer.tui.widgets.rubric import RubricScorer

SIZE = (80, 24)
FROZEN_MONOTONIC = 1_000.0
# A naive datetime is local time, so the restore dialog prints 09:26 in every time zone.
FIXED_WALL = dt.datetime(2025, 3, 14, 9, 26).timestamp()
# Polls of at most 20 ms while waiting for a screen; a cap so a broken flow fails, not hangs.
MAX_POLLS = 500

BEHAVIOURAL = "behavioral/conflict-with-colleague"
CODING = "example/pair-sum"
CHOICE = "interviewer-conduct/arrests-and-convictions"
SHADOW = "shadowing/shadow-conflict-story"

ANSWER = (
    "Situation: a colleague and I disagreed about shipping a migration on Friday.\n"
    "Task: I owned the release. Action: I asked for his worst case, we wrote a\n"
    "rollback plan together and shipped on Monday. Result: no incident."
)
# Signals in context: a pronoun-free match, a negated one, and markup shown literally.
EVIDENCE_ANSWER = (
    "I met him one-on-one and listened to his concerns. We found common ground; "
    "I never lost [bold]trust[/bold] in him."
)
FEEDBACK = "Clear situation; the result needs a number."

FIXED_RUN = RunResult(
    verdict="wrong_answer",
    tests=(
        TestResult(
            "example", "sample", "accepted", 0.01, "([2, 7, 11, 15], 9)", "[0, 1]", "[0, 1]"
        ),
        TestResult(
            "negatives", "sample", "wrong_answer", 0.01, "([-3, 4, 3, 90], 0)", "[0, 2]", "[]"
        ),
    ),
    duration_s=0.02,
    not_run=("duplicates",),
)

Drive = Callable[[Pilot[None]], Awaitable[None]]
Prepare = Callable[[Path, QuestionBank, pytest.MonkeyPatch], None]


async def fake_run_tests(
    code: str, function: str, tests: Sequence[TestSpec], limits: RunLimits
) -> RunResult:
    """Stands in for the sandbox: a snapshot must never depend on running real code."""
    return FIXED_RUN


@dataclass
class GatedServices(Services):
    """Services whose pack-loading worker waits until the test lets it finish.

    The app starts that worker as it pushes the home screen; a bank that is already
    parsed comes back before the home screen has mounted its widgets, and
    `HomeScreen.show_bank` then fails with NoMatches (a race in the app, not here).
    """

    gate: threading.Event = field(default_factory=threading.Event)

    def load_bank(self) -> QuestionBank:
        if threading.current_thread() is not threading.main_thread():
            self.gate.wait(timeout=30)
        return super().load_bank()


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> QuestionBank:
    """The built-in packs, parsed once for the whole module (parsing is the slow part)."""
    services = Services(data_dir=tmp_path_factory.mktemp("bank-data"))
    loaded = services.load_bank()
    assert not services.pack_problems, services.pack_problems
    return loaded


# -- helpers used inside the running app ------------------------------------------------


async def wait_for(pilot: Pilot[None], ready: Callable[[], bool], what: str) -> None:
    """Let the app work (pack loading runs in a thread) until `ready()` holds."""
    for _ in range(MAX_POLLS):
        if ready():
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError(f"the app never reached: {what} (top screen: {pilot.app.screen!r})")


async def wait_for_screen(pilot: Pilot[None], kind: type[Screen[Any]]) -> None:
    """Wait until `kind` is on top and mounted (its on_mount has run, e.g. set focus)."""

    def shown() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, kind) and screen.is_mounted

    await wait_for(pilot, shown, kind.__name__)


async def home_loaded(pilot: Pilot[None]) -> None:
    def loaded() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, HomeScreen) and screen.bank is not None

    await wait_for(pilot, loaded, "home screen with packs loaded")
    home = pilot.app.screen
    # The due line is read in a thread after the packs arrive; wait for its final text.
    await wait_for(
        pilot,
        lambda: (
            not home.is_current
            or "f2 history" in str(home.query_one("#progress-line", Static).render())
        ),
        "the home screen's due line",
    )


def type_into(pilot: Pilot[None], selector: str, text: str) -> None:
    """Insert text as one edit: it posts TextArea.Changed like typing, but fast."""
    pilot.app.screen.query_one(selector, TextArea).insert(text)


async def score_criteria(pilot: Pilot[None], levels: Sequence[int]) -> None:
    """Score criteria top-down with the number keys; focus stays on the last one scored."""
    pilot.app.screen.query_one(RubricScorer).focus_first()
    await pilot.pause()
    keys: list[str] = []
    for level in levels:
        keys += ["down", str(level)] if keys else [str(level)]
    await pilot.press(*keys)


async def score_every_criterion(pilot: Pilot[None]) -> None:
    count = len(pilot.app.screen.query_one(RubricScorer).criteria)
    await score_criteria(pilot, [(3, 2, 4)[i % 3] for i in range(count)])


# -- what each snapshot does before the screenshot -------------------------------------


async def drive_home(pilot: Pilot[None]) -> None:
    await home_loaded(pilot)


async def drive_help(pilot: Pilot[None]) -> None:
    await home_loaded(pilot)
    await pilot.press("question_mark")
    await wait_for_screen(pilot, HelpScreen)


async def drive_restore_draft(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, RestoreDraftScreen)


async def drive_candidate_text(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, CandidateScreen)
    type_into(pilot, "#editor", ANSWER)
    await pilot.press("ctrl+g")


async def drive_candidate_coding(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, CandidateScreen)


async def drive_candidate_choice(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, CandidateScreen)
    await pilot.press("down", "space")


async def drive_confirm_empty(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, CandidateScreen)
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, ConfirmScreen)


async def drive_result_text(pilot: Pilot[None]) -> None:
    await drive_candidate_text(pilot)
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, ResultScreen)
    await score_criteria(pilot, [3, 2])


async def drive_result_evidence(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, CandidateScreen)
    type_into(pilot, "#editor", EVIDENCE_ANSWER)
    await pilot.pause()  # let the editor report the change before submitting
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, ResultScreen)
    await pilot.pause()
    # Focusing the rubric scrolls it into view; the evidence at the top is what is shown here.
    pilot.app.screen.query_one("#result-body").scroll_home(animate=False, immediate=True)
    await pilot.pause()


async def drive_result_choice(pilot: Pilot[None]) -> None:
    await drive_candidate_choice(pilot)
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, ResultScreen)


async def drive_interviewer(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, InterviewerScreen)


async def drive_reveal(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, InterviewerScreen)
    await score_every_criterion(pilot)
    type_into(pilot, "#feedback", FEEDBACK)
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, RevealScreen)


async def drive_summary(pilot: Pilot[None]) -> None:
    await drive_result_choice(pilot)
    await pilot.press("ctrl+n")
    await drive_reveal(pilot)
    await pilot.press("ctrl+n")
    await wait_for_screen(pilot, SummaryScreen)


async def drive_pair_setup(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, PairSetupScreen)


async def drive_pair_handoff(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, PairSetupScreen)
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, HandoffScreen)


async def drive_pair_briefing(pilot: Pilot[None]) -> None:
    await drive_pair_handoff(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, BriefingScreen)


async def drive_pair_answering(pilot: Pilot[None]) -> None:
    await drive_pair_briefing(pilot)
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, HandoffScreen)
    await pilot.press("enter")
    await wait_for_screen(pilot, AnsweringScreen)
    type_into(pilot, "#editor", "    seen = {}\n")
    await pilot.press("ctrl+g", "ctrl+o", "o", "k")


async def drive_pair_scoring(pilot: Pilot[None]) -> None:
    await drive_pair_answering(pilot)
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, HandoffScreen)
    await pilot.press("enter")
    await wait_for_screen(pilot, ScoringScreen)

    def tests_shown() -> bool:
        return "Running every test" not in str(pilot.app.screen.query_one("#evidence").render())

    await wait_for(pilot, tests_shown, "the full test run")
    pilot.app.screen.query_one("#scoring-body").scroll_home(animate=False, immediate=True)
    await pilot.pause()


async def drive_pair_self_assessment(pilot: Pilot[None]) -> None:
    await drive_pair_scoring(pilot)
    await score_every_criterion(pilot)
    type_into(pilot, "#feedback", FEEDBACK)
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, HandoffScreen)
    await pilot.press("enter")
    await wait_for_screen(pilot, SelfAssessmentScreen)


async def drive_pair_reveal(pilot: Pilot[None]) -> None:
    await drive_pair_self_assessment(pilot)
    pilot.app.screen.query_one("#self-rubric", RubricScorer).focus_first()
    await pilot.press("4", "down", "4", "down", "3", "down", "4")
    pilot.app.screen.query_one("#ratings", RubricScorer).focus_first()
    await pilot.press("4", "down", "3", "down", "4", "down", "3", "down", "4")
    type_into(pilot, "#comment", "Good hints; say the time left.")
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, HandoffScreen)
    await pilot.press("enter")
    await wait_for_screen(pilot, PairRevealScreen)


async def drive_pair_summary(pilot: Pilot[None]) -> None:
    await drive_pair_reveal(pilot)
    await pilot.press("ctrl+n")
    await wait_for_screen(pilot, PairSummaryScreen)


# -- set-up before the app starts ------------------------------------------------------


def save_draft(data: Path, bank: QuestionBank, monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer left from a previous run, saved at a fixed time (the dialog shows it)."""
    entry = bank.find(BEHAVIOURAL)
    assert entry is not None
    pack_id, question_id = entry.key
    store = DraftStore(drafts_dir(data), clock=lambda: FIXED_WALL)
    store.save(
        draft_key("candidate", pack_id, question_id),
        ANSWER,
        {
            "role": "candidate",
            "pack_id": pack_id,
            "question_id": question_id,
            "title": entry.question.title,
        },
    )


def seed_progress(data: Path, bank: QuestionBank, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ninety days of practice up to the fixed wall clock (itself a local time)."""
    from benchmarks.seed import seed_history

    # Named packs, so that a new built-in pack does not change what is drawn.
    packs = [
        Path(__file__).resolve().parents[1] / "question_packs" / f"{name}.yaml"
        for name in (
            "behavioral",
            "coding",
            "concepts",
            "example",
            "interviewer_conduct",
            "system_design",
        )
    ]
    seed_history(
        history_db_path(data), 400, seed=3, start=FIXED_WALL - 90 * 86400, days=90, packs=packs
    )


async def drive_stats(pilot: Pilot[None]) -> None:
    await home_loaded(pilot)
    await pilot.press("f3")
    await wait_for_screen(pilot, StatsScreen)
    stats = pilot.app.screen
    assert isinstance(stats, StatsScreen)
    await wait_for(pilot, lambda: stats.data is not None, "the figures")


async def drive_history(pilot: Pilot[None]) -> None:
    await home_loaded(pilot)
    await pilot.press("f2")
    await wait_for_screen(pilot, HistoryScreen)


async def drive_history_session(pilot: Pilot[None]) -> None:
    await drive_history(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, SessionScreen)


async def drive_shadow(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, ShadowScreen)
    await pilot.press(*["space"] * 5)
    await pilot.press("f")
    await wait_for_screen(pilot, FlagScreen)
    pilot.app.screen.query_one("#flag-kinds", OptionList).highlighted = 5  # good probe
    await pilot.press("enter")
    await wait_for_screen(pilot, ShadowScreen)


async def drive_shadow_flag(pilot: Pilot[None]) -> None:
    """The flag dialog at 80x24 with a note typed while the kind list has focus."""
    await wait_for_screen(pilot, ShadowScreen)
    await pilot.press(*["space"] * 5)
    await pilot.press("f")
    await wait_for_screen(pilot, FlagScreen)
    await pilot.press(*"good", "space", *"follow-up", "down", "down")


async def drive_shadow_reveal(pilot: Pilot[None]) -> None:
    await wait_for_screen(pilot, ShadowScreen)
    screen = pilot.app.screen
    assert isinstance(screen, ShadowScreen)
    await pilot.press(*["space"] * (len(screen.question.turns) - 1))
    await score_criteria(pilot, [3] * len(screen.criteria))
    await pilot.press("ctrl+s")
    await wait_for_screen(pilot, ShadowRevealScreen)


async def drive_observer_reveal(pilot: Pilot[None]) -> None:
    """The observer's reveal, from a real session played to its reveal in core; the
    observer's own scores and flag are set as the watching screen would have set them."""
    from trainer.core.pair.observer import ObserverFlag, observer_view, validate_observer_view
    from trainer.core.pairing import (
        AnswerChanged,
        BriefingDone,
        FeedbackChanged,
        HintGiven,
        PairSession,
        Scored,
        SideSubmitted,
        Submitted,
    )
    from trainer.tui.observerflow import ObserverFlow

    app = pilot.app
    assert isinstance(app, TrainerApp)
    bank = app.services.load_bank()
    entry = bank.find(CODING)
    assert entry is not None
    session = PairSession(bank.get, [entry], ("Ana", "Ben"), lambda: FROZEN_MONOTONIC)
    session.apply(BriefingDone(1))
    session.apply(HintGiven(1))
    session.apply(AnswerChanged(0, "def pair_sum(nums, target):\n    return [0, 1]"))
    session.apply(Submitted(0))
    levels = [2, 3, 2, 1]
    for c, level in zip(session.criteria(), levels, strict=False):
        session.apply(Scored(1, c.id, level))
    session.apply(FeedbackChanged(1, "Good plan; [b]test[/b] the duplicates."))
    session.apply(SideSubmitted(1))
    session.apply(SideSubmitted(0))
    flow = ObserverFlow(app, app.services, SimpleNamespace(status_line=""))  # type: ignore[arg-type]
    flow.latest = validate_observer_view(observer_view(session))
    ids = [c.id for c in session.criteria()]
    flow.scores = {1: {ids[0]: 3, ids[1]: 3, ids[2]: 2}}
    flow.flags = {
        1: [ObserverFlag(75.0, "good-hint", "a gentle nudge", "Hint 1 given", 40.0)],
    }
    app.push_screen(ObserverRevealScreen(flow))
    await wait_for_screen(pilot, ObserverRevealScreen)


def seed_round_picking(data: Path, bank: QuestionBank, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rounds after the first are picked at random; seed that so the summary is fixed."""
    monkeypatch.setattr(
        flow_module, "random", SimpleNamespace(Random=lambda seed=None: random.Random(7))
    )


# -- the table of snapshots ------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    drive: Drive
    shows: type[Screen[Any]]  # the screen on top when the screenshot is taken
    options: StartOptions = field(default_factory=StartOptions)
    prepare: Prepare | None = None


def direct(role: str, question: str, rounds: int = 1, packs: Sequence[str] = ()) -> StartOptions:
    return StartOptions(
        role=role, question=question, rounds=rounds, pack_ids=list(packs), direct=True
    )


PAIR = StartOptions(pair=PairOptions(names=("Ana", "Ben"), rounds=1, question=CODING))

CASES: dict[str, Case] = {
    "home": Case(drive_home, HomeScreen),
    "candidate_text_hint": Case(
        drive_candidate_text, CandidateScreen, direct("candidate", BEHAVIOURAL)
    ),
    "candidate_coding": Case(drive_candidate_coding, CandidateScreen, direct("candidate", CODING)),
    "candidate_choice": Case(drive_candidate_choice, CandidateScreen, direct("candidate", CHOICE)),
    "result_text_scored": Case(drive_result_text, ResultScreen, direct("candidate", BEHAVIOURAL)),
    "result_text_evidence": Case(
        drive_result_evidence, ResultScreen, direct("candidate", BEHAVIOURAL)
    ),
    "result_choice": Case(drive_result_choice, ResultScreen, direct("candidate", CHOICE)),
    "interviewer": Case(drive_interviewer, InterviewerScreen, direct("interviewer", BEHAVIOURAL)),
    "reveal": Case(drive_reveal, RevealScreen, direct("interviewer", BEHAVIOURAL)),
    "summary": Case(
        drive_summary,
        SummaryScreen,
        direct("alternate", CHOICE, rounds=2, packs=["example"]),
        seed_round_picking,
    ),
    "help_modal": Case(drive_help, HelpScreen),
    "confirm_empty_submit": Case(
        drive_confirm_empty, ConfirmScreen, direct("candidate", BEHAVIOURAL)
    ),
    "restore_draft_modal": Case(drive_restore_draft, RestoreDraftScreen, prepare=save_draft),
    "pair_setup": Case(drive_pair_setup, PairSetupScreen, PAIR),
    "pair_handoff": Case(drive_pair_handoff, HandoffScreen, PAIR),
    "pair_briefing": Case(drive_pair_briefing, BriefingScreen, PAIR),
    "pair_answering": Case(drive_pair_answering, AnsweringScreen, PAIR),
    "pair_scoring": Case(drive_pair_scoring, ScoringScreen, PAIR),
    "pair_self_assessment": Case(drive_pair_self_assessment, SelfAssessmentScreen, PAIR),
    "pair_reveal": Case(drive_pair_reveal, PairRevealScreen, PAIR),
    "pair_summary": Case(drive_pair_summary, PairSummaryScreen, PAIR),
    "shadow": Case(drive_shadow, ShadowScreen, direct("alternate", SHADOW)),
    "shadow_flag": Case(drive_shadow_flag, FlagScreen, direct("alternate", SHADOW)),
    "shadow_reveal": Case(drive_shadow_reveal, ShadowRevealScreen, direct("alternate", SHADOW)),
    "pair_observer_reveal": Case(drive_observer_reveal, ObserverRevealScreen),
    "stats": Case(drive_stats, StatsScreen, prepare=seed_progress),
    "history": Case(drive_history, HistoryScreen, prepare=seed_progress),
    "history_session": Case(drive_history_session, SessionScreen, prepare=seed_progress),
}


@pytest.mark.parametrize("name", list(CASES))
def test_screen_snapshot(
    name: str,
    bank: QuestionBank,
    snap_compare: Callable[..., bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = CASES[name]
    data = data_dir()  # the per-test directory set by conftest's autouse fixture
    if case.prepare is not None:
        case.prepare(data, bank, monkeypatch)
    services = GatedServices(
        data_dir=data,
        clock=lambda: FROZEN_MONOTONIC,
        wall=lambda: FIXED_WALL,
        run_tests=fake_run_tests,
        bank=bank,
    )
    app = TrainerApp(services, case.options)
    shown: list[Screen[Any]] = []

    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for_screen(pilot, PairSetupScreen if case.options.pair else HomeScreen)
        services.gate.set()
        await case.drive(pilot)
        for screen in pilot.app.screen_stack:
            for widget in screen.query("TextArea, Input"):
                assert isinstance(widget, TextArea | Input)
                widget.cursor_blink = False
        await pilot.pause()
        shown.append(pilot.app.screen)

    try:
        matches = snap_compare(app, terminal_size=SIZE, run_before=run_before)
    finally:
        services.close()
    assert shown and isinstance(shown[-1], case.shows), f"{name}: the app showed {shown}"
    assert matches
