"""Pair practice at one terminal: the router between the pair screens.

Core decides whose turn it is (`next_turn`) and what each seat may see (`view`); this
module only shows a handoff screen before every turn, then the turn's screen, and
keeps the session safe: the whole state is saved as a draft within a second of any
change, and every round is written to history with both people's sides.
"""

from __future__ import annotations

import json
import random
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

from trainer.core.autosave import Autosaver

if TYPE_CHECKING:
    from textual.app import App

    from trainer.core.evaluation.results import RunResult
    from trainer.core.pairing import PairEvent, PairSession
    from trainer.core.selection import Filters
    from trainer.core.storage.drafts import Draft
    from trainer.tui.services import Services

DRAFT_KEY = "pair:session"


def is_pair_draft(draft: Draft) -> bool:
    """A hot-seat session to offer back (two-terminal drafts are the other keys below)."""
    return draft.key == DRAFT_KEY


def is_any_pair_draft(draft: Draft) -> bool:
    return draft.key.startswith("pair")


class PairFlow:
    """Satisfies `trainer.tui.ports.PairPort` for every pair screen."""

    shared_terminal = True  # both people at this keyboard: handoffs, masked notes

    def __init__(self, app: App[Any], services: Services) -> None:
        self.app = app
        self.services = services
        self.session: PairSession | None = None
        self.session_id: Future[int] | None = None
        self.settings: dict[str, Any] = {}
        self._briefed = False  # the briefing screen was closed; the start handoff is next
        self._resumed = False  # restored from a draft: guard even the shared screens
        self._showing: str | None = None  # the stage whose screen is up (not its handoff)
        self._dirty = False
        self._saver: Autosaver | None = None
        self._history_pool = ThreadPoolExecutor(1, thread_name_prefix="pair-history")
        self._draft_pool = ThreadPoolExecutor(1, thread_name_prefix="pair-drafts")
        self._flush_in_flight = False
        self._run_for: int | None = None
        self.draft_key = DRAFT_KEY

    # -- starting ---------------------------------------------------------------------

    def start(
        self,
        names: tuple[str, str],
        rounds: int,
        first_candidate: int,
        filters: Filters,
        first_question: tuple[str, str] | None = None,
        seed: int | None = None,
    ) -> bool:
        from trainer.core.pairing import PairError, PairSession
        from trainer.core.selection import plan_rounds

        bank = self.services.load_bank()
        pool = bank.filter(filters)
        first = bank.get(*first_question) if first_question else None
        plan = plan_rounds(pool, "candidate", rounds, first=first, rng=random.Random(seed))
        if not plan:
            self.app.notify("No question matches.", severity="warning", markup=False)
            return False
        if len(plan) < rounds:
            self.app.notify(
                f"Only {len(plan)} question(s) match: the session has {len(plan)} round(s).",
                markup=False,
            )
        try:
            self.session = PairSession(
                bank.get,
                [p.entry for p in plan],
                names,
                self.services.clock,
                first_candidate=1 if first_candidate == 1 else 0,
            )
        except PairError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return False
        self.settings = {
            "rounds": rounds,
            "packs": sorted(filters.pack_ids),
            "kinds": sorted(filters.kinds),
            "difficulties": sorted(filters.difficulties),
            "tags": sorted(filters.tags),
        }
        self._open_history()
        self._briefed = False
        self._mark()
        self.show()
        return True

    def restore(self, draft: Draft) -> bool:
        from trainer.core.pairing import PairError, PairSession

        state = draft.meta.get("state")
        try:
            self.session = PairSession.restore(
                self.services.load_bank().get, state, self.services.clock
            )
        except PairError as exc:
            self.app.notify(
                f"The unfinished pair session cannot be resumed: {exc}",
                severity="warning",
                markup=False,
            )
            return False
        self.settings = dict(draft.meta.get("settings") or {})
        sid = draft.meta.get("history_session_id")
        if isinstance(sid, int) and not isinstance(sid, bool):
            done: Future[int] = Future()
            done.set_result(sid)
            self.session_id = done
        else:
            self._open_history()
        self._briefed = False
        self._resumed = True
        self._mark()
        self.show()
        return True

    def _open_history(self) -> None:
        session = self._need()
        history = self.services.history
        names = list(session.names)

        self.session_id = self._history_pool.submit(
            partial(
                history.start_session,
                mode="pair",
                role_plan="swap",
                started_at=self.services.wall(),
                settings=self.settings,
                participants=names,
            )
        )
        self.session_id.add_done_callback(self._report_failure)

    # -- the port ---------------------------------------------------------------------

    def _need(self) -> PairSession:
        if self.session is None:
            raise RuntimeError("no pair session is running")
        return self.session

    def view(self, seat: int) -> dict[str, Any]:
        from trainer.core.pairing import view

        return view(self._need(), 1 if seat == 1 else 0)

    def clock(self) -> float:
        return self.services.clock()

    def send(self, event: PairEvent) -> bool:
        from trainer.core.pairing import PairError, SideSubmitted, Submitted

        session = self._need()
        try:
            rnd = session.apply(event)
        except PairError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)
            return False
        self._mark()
        if isinstance(event, Submitted) and rnd.kind == "coding":
            self._run_all(rnd.index)
        if isinstance(event, SideSubmitted) and rnd.phase == "reveal":
            self._record(rnd.index)
        return True

    async def run_samples(self, code: str) -> RunResult:
        from trainer.core.evaluation.runner import limits_from_question, tests_from_question
        from trainer.core.packs.model import CodingQuestion

        q = self._need().entry().question
        assert isinstance(q, CodingQuestion)
        return await self.services.run(
            code,
            q.signature.function,
            tests_from_question(q, only="sample"),
            limits_from_question(q),
        )

    def _run_all(self, index: int) -> None:
        from trainer.core.evaluation.runner import limits_from_question, tests_from_question
        from trainer.core.packs.model import CodingQuestion

        session = self._need()
        rnd = session.rounds[index]
        q = session.entry(rnd).question
        assert isinstance(q, CodingQuestion)
        answer = rnd.answer

        async def run() -> None:
            result = await self.services.run(
                answer, q.signature.function, tests_from_question(q), limits_from_question(q)
            )
            if self.session is not session or session.current_index != index:
                return
            if session.current.phase not in ("assessing", "reveal"):
                return
            session.record_run(result)
            self._mark()
            self._changed()

        self.app.run_worker(run(), group="pair-run", exclusive=True)

    def _changed(self) -> None:
        from trainer.tui.screens.pair.common import ViewChanged

        self.app.screen.post_message(ViewChanged())

    # -- the order of screens ---------------------------------------------------------

    def briefing_done(self, seat: int) -> None:
        """Hot seat: the briefing closes; the candidate's start handoff is next."""
        self.done()

    def done(self) -> None:
        """The current screen's turn is over: show the next."""
        session = self._need()
        if self._showing == "briefing" and session.current.phase == "briefing":
            self._briefed = True  # the briefing screen was closed: the start handoff is next
        self._showing = None
        if session.current.phase == "done" and session.finished:
            self._finish()
        self.show()

    def show(self) -> None:
        from trainer.core.pairing import BriefingDone, next_turn
        from trainer.tui.screens.pair.answering import AnsweringScreen
        from trainer.tui.screens.pair.assessing import ScoringScreen, SelfAssessmentScreen
        from trainer.tui.screens.pair.briefing import BriefingScreen
        from trainer.tui.screens.pair.handoff import HandoffScreen
        from trainer.tui.screens.pair.reveal import PairRevealScreen
        from trainer.tui.screens.pair.summary import PairSummaryScreen

        session = self._need()
        turn = next_turn(session)
        rnd = session.current
        cand, intv = session.names[rnd.candidate], session.names[rnd.interviewer]
        head = f"Round {rnd.index + 1} of {len(session.rounds)}: {intv} interviews {cand}"

        def go(screen_factory: Any) -> Any:
            def switch() -> None:
                self._showing = turn.stage
                self.app.switch_screen(screen_factory())

            return switch

        if turn.stage == "summary":
            from trainer.paths import history_db_path

            where = history_db_path(self.services.data_dir).name
            self.app.switch_screen(PairSummaryScreen(self, 0, where))
            return
        if turn.stage == "briefing" and self._briefed:

            def begin() -> None:
                self._briefed = False
                if self.send(BriefingDone(rnd.interviewer)):
                    self.show()

            screen = HandoffScreen(
                head,
                None,
                cand,
                f"{cand}, you can look now. The question appears and the clock starts when you "
                f"press Enter. {intv} gives hints with ctrl+g and keeps notes with ctrl+o.",
                begin,
            )
        elif turn.stage == "briefing":
            screen = HandoffScreen(
                head,
                cand,
                intv,
                f"Next: {intv}'s interviewer briefing: the question, what to look for, "
                "the hints, the rubric and graded answers.",
                go(lambda: BriefingScreen(self, rnd.interviewer)),
            )
        elif turn.stage == "answering":
            if not self._resumed:
                self.app.switch_screen(AnsweringScreen(self, rnd.candidate))
                return
            self._resumed = False
            screen = HandoffScreen(
                head,
                None,
                cand,
                f"The round goes on where it stopped. {cand} answers; the clock is running.",
                go(lambda: AnsweringScreen(self, rnd.candidate)),
            )
        elif turn.stage == "scoring":
            screen = HandoffScreen(
                head,
                cand,
                intv,
                f"Next: {intv} scores the answer on the rubric and writes feedback. "
                f"{cand} sees the scores at the reveal.",
                go(lambda: ScoringScreen(self, rnd.interviewer)),
            )
        elif turn.stage == "self_assessment":
            screen = HandoffScreen(
                head,
                intv,
                cand,
                f"Next: {cand} scores their own answer and rates {intv} as an interviewer.",
                go(lambda: SelfAssessmentScreen(self, rnd.candidate)),
            )
        else:
            screen = HandoffScreen(
                head,
                None,
                None,
                f"Both of you can look now: {intv}'s scores beside {cand}'s own, "
                "the feedback and the rating.",
                go(lambda: PairRevealScreen(self, rnd.candidate)),
            )
        self.app.switch_screen(screen)

    def go_home(self) -> None:
        from trainer.tui.screens.home import HomeScreen

        self.session = None
        self.app.switch_screen(HomeScreen(bank=self.services.bank))

    # -- history ----------------------------------------------------------------------

    def _record(self, index: int) -> None:
        session = self._need()
        rnd = session.rounds[index]
        sides = rnd.to_dict()
        cand, intv = session.names[rnd.candidate], session.names[rnd.interviewer]
        at = self.services.wall()
        sid_future = self.session_id
        history = self.services.history

        def write() -> None:
            if sid_future is None:
                return
            history.record_pair_round(
                sid_future.result(), sides, candidate=cand, interviewer=intv, submitted_at=at
            )

        self._history_pool.submit(write).add_done_callback(self._report_failure)

    def _finish(self) -> None:
        sid_future = self.session_id
        at = self.services.wall()
        history = self.services.history

        def finish() -> None:
            if sid_future is not None:
                history.finish_session(sid_future.result(), finished_at=at)

        self._history_pool.submit(finish).add_done_callback(self._report_failure)
        saver, self._saver = self._saver, None
        self._dirty = False
        if saver is not None:
            self._draft_pool.submit(saver.discard)
        else:
            self._draft_pool.submit(self.services.drafts.discard, self.draft_key)

    def _report_failure(self, future: Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            try:
                self.app.call_from_thread(
                    self.app.notify,
                    f"Could not save history: {exc}",
                    severity="error",
                    markup=False,
                )
            except RuntimeError:
                pass

    # -- drafts -----------------------------------------------------------------------

    def _mark(self) -> None:
        self._dirty = True

    def _snapshot_text(self) -> tuple[str, dict[str, Any]]:
        session = self._need()
        rnd = session.current
        sid = None
        if (
            self.session_id is not None
            and self.session_id.done()
            and not self.session_id.exception()
        ):
            sid = self.session_id.result()
        title = session.entry(rnd).question.title
        text = (
            f"{session.names[0]} & {session.names[1]} · round {rnd.index + 1}/"
            f"{len(session.rounds)} ({rnd.phase}) · {title}\n{rnd.answer}"
        )
        meta = {
            "mode": "pair",
            "title": title,
            "role": "pair",
            "names": list(session.names),
            "settings": self.settings,
            "history_session_id": sid,
            "state": session.snapshot(),
        }
        json.dumps(meta)  # fail here, on the UI thread, rather than in the draft thread
        return text, meta

    def tick_autosave(self) -> None:
        """On a short interval: snapshot a changed session and hand it to the draft thread."""
        if not self._dirty or self.session is None or self._flush_in_flight:
            return
        if self.session.finished:
            self._dirty = False
            return
        self._dirty = False
        text, meta = self._snapshot_text()
        if self._saver is None:
            self._saver = Autosaver(self.services.drafts, self.draft_key, {})
        saver = self._saver
        saver.mark(text, **meta)
        self._flush_in_flight = True

        def flush() -> None:
            try:
                saver.flush()
            finally:
                self._flush_in_flight = False

        self._draft_pool.submit(flush).add_done_callback(self._report_failure)

    def flush_now(self) -> None:
        """Synchronous save, for SIGTERM/SIGHUP and quitting."""
        if self.session is None or self.session.finished:
            return
        if self._dirty or self._saver is None or self._saver.dirty:
            self._dirty = False
            text, meta = self._snapshot_text()
            if self._saver is None:
                self._saver = Autosaver(self.services.drafts, self.draft_key, {})
            self._saver.mark(text, **meta)
            try:
                self._saver.flush()
            except OSError:
                pass

    def close(self) -> None:
        self.flush_now()
        self._draft_pool.shutdown(wait=True)
        self._history_pool.shutdown(wait=True)


def describe_pair_draft(draft: Draft) -> str:
    names = draft.meta.get("names") or ["?", "?"]
    state = draft.meta.get("state") or {}
    rounds = state.get("rounds") if isinstance(state, dict) else None
    index = state.get("current_index", 0) if isinstance(state, dict) else 0
    total = len(rounds) if isinstance(rounds, list) else "?"
    return f"pair session of {names[0]} and {names[1]} · round {int(index) + 1} of {total}"
