"""What the app needs from the outside world, passed in so tests can replace any of it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keep pydantic and the packs out of the first frame's import path
    from trainer.core.evaluation.grader import GraderConfig, GraderOutcome
    from trainer.core.evaluation.results import RunLimits, RunResult, TestSpec
    from trainer.core.packs.resolve import ResolvedCriterion
    from trainer.core.selection import QuestionBank
    from trainer.core.storage.drafts import DraftStore
    from trainer.core.storage.history import HistoryStore

RunTests = Callable[[str, str, "Sequence[TestSpec]", "RunLimits"], Awaitable["RunResult"]]
#: (config, question title, prompt, written criteria, answer) -> outcome; blocking.
GradeAnswer = Callable[
    ["GraderConfig", str, str, "Sequence[ResolvedCriterion]", str], "GraderOutcome"
]


@dataclass
class PairOptions:
    """`trainer pair`: the setup screen's defaults and the question filters."""

    names: tuple[str, str] = ("", "")
    rounds: int = 2
    first_candidate: int = 0
    pack_ids: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    difficulties: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    question: str | None = None


@dataclass
class NetOptions:
    """`trainer pair host` / `trainer pair join`: one seat at this terminal."""

    mode: str  # "host" or "join"
    name: str = ""
    code: str = ""  # join
    listen: tuple[str, int] = ("127.0.0.1", 0)  # host
    socket_path: str | None = None  # host
    guest_starts: bool = False  # host: the joining person is candidate first
    observer: bool = False  # host: also a code for one read-only observer


@dataclass
class StartOptions:
    """How the app was asked to start (from the command line)."""

    role: str = "alternate"
    pack_ids: list[str] = field(default_factory=list)
    question: str | None = None
    rounds: int = 4
    direct: bool = False  # start a session at once instead of showing the home screen
    pair: PairOptions | None = None  # open pair practice instead of the home screen
    net: NetOptions | None = None  # with `pair`: across two terminals, this one's seat
    due: bool = False  # a session of the questions due for review (`trainer --due`)
    focus: str | None = None  # with `due`: "weakest" puts the weakest criterion's first
    screen: str = "home"  # "history" or "stats" opens that screen instead of home


@dataclass
class Services:
    data_dir: Path
    extra_packs: list[Path] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    run_tests: RunTests | None = None
    autosave_interval: float = 0.5
    bank: QuestionBank | None = None
    pack_problems: list[str] = field(default_factory=list)
    history_notice: str = ""  # set when opening the history had to recover (shown once)
    grader: GraderConfig | None = None  # the opt-in model grader; None sends nothing anywhere
    grade_answer: GradeAnswer | None = None  # tests replace the call to the grader
    _history: HistoryStore | None = None
    _drafts: DraftStore | None = None

    def load_bank(self) -> QuestionBank:
        """Load every loadable pack (built-in, the user's folder, --packs); note each skipped one.

        Loadable means what `trainer pack validate` accepts: no error from the YAML, the
        schema or the content rules.
        """
        if self.bank is not None:
            return self.bank
        from trainer.core.packs.catalog import load_catalog
        from trainer.core.packs.discovery import discover
        from trainer.core.selection import QuestionBank
        from trainer.paths import user_packs_dir

        catalog = load_catalog(discover(user_packs_dir(self.data_dir), self.extra_packs))
        self.pack_problems.extend(catalog.problems)
        self.bank = QuestionBank(catalog.packs, on_request=catalog.on_request)
        return self.bank

    @property
    def history(self) -> HistoryStore:
        if self._history is None:
            from trainer.core.storage.history import open_history
            from trainer.paths import ensure_dir, history_db_path

            ensure_dir(self.data_dir)
            opened = open_history(history_db_path(self.data_dir), now=self.wall())
            self._history = opened.store
            self.history_notice = opened.notice
        return self._history

    @property
    def drafts(self) -> DraftStore:
        if self._drafts is None:
            from trainer.core.storage.drafts import DraftStore
            from trainer.paths import drafts_dir

            self._drafts = DraftStore(drafts_dir(self.data_dir))
        return self._drafts

    async def run(
        self, code: str, function: str, tests: Sequence[TestSpec], limits: RunLimits
    ) -> RunResult:
        if self.run_tests is not None:
            return await self.run_tests(code, function, tests, limits)
        from trainer.core.evaluation.runner import run_tests_async

        return await run_tests_async(code, function, tests, limits)

    async def grade(
        self, title: str, prompt: str, criteria: Sequence[ResolvedCriterion], answer: str
    ) -> GraderOutcome | None:
        """The grader's suggestions, off the UI thread; None when no grader is configured.

        Never raises: a failed call comes back as an outcome with its one-line error.
        """
        if self.grader is None:
            return None
        import asyncio

        if self.grade_answer is not None:
            call = self.grade_answer
        else:
            from trainer.core.evaluation.grader import grade

            def call(
                config: GraderConfig,
                title: str,
                prompt: str,
                criteria: Sequence[ResolvedCriterion],
                answer: str,
            ) -> GraderOutcome:
                return grade(
                    config, question_title=title, prompt=prompt, criteria=criteria, answer=answer
                )

        return await asyncio.to_thread(call, self.grader, title, prompt, list(criteria), answer)

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
