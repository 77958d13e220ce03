"""Session flow for the app: start a session, show each round's screen, record, summarise.

The app owns one Flow; screens call it when a round moves on. History writes and
draft saves go to two single-thread executors, so they never block the UI and
stay in order.
"""

from __future__ import annotations

import datetime as dt
import random
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trainer.core.autosave import Autosaver, draft_key

if TYPE_CHECKING:  # the domain imports pydantic; load it after the first frame, not before
    from trainer.core.selection import Entry, Filters, PlannedRound
    from trainer.core.session import RoundState, Session
    from trainer.core.storage.drafts import Draft
    from trainer.tui.app import TrainerApp
    from trainer.tui.services import Services


class Flow:
    def __init__(self, app: TrainerApp, services: Services) -> None:
        self.app = app
        self.services = services
        self.session: Session | None = None
        self.session_id: Future[int] | None = None
        self.autosaver: Autosaver | None = None
        self._history_pool = ThreadPoolExecutor(1, thread_name_prefix="history")
        self._draft_pool = ThreadPoolExecutor(1, thread_name_prefix="drafts")
        self._flush_in_flight = False

    # -- sessions ---------------------------------------------------------------------

    def require_session(self) -> Session:
        if self.session is None:
            raise RuntimeError("no session is running")
        return self.session

    def start(
        self,
        *,
        role: str,
        rounds: int,
        filters: Filters,
        first: tuple[str, str] | None = None,
        restore: Draft | None = None,
        seed: int | None = None,
        planned: list[PlannedRound] | None = None,
    ) -> bool:
        """Start a session; `planned` (a review session) replaces picking from the filters."""
        from trainer.core.selection import plan_rounds
        from trainer.core.session import Session

        bank = self.services.load_bank()
        if planned is not None:
            plan = planned
        else:
            pool = bank.filter(filters)
            first_entry: Entry | None = bank.get(*first) if first else None
            if not pool and first_entry is None:
                self.app.notify("No question matches.", severity="warning", markup=False)
                return False
            if restore is not None and first_entry is not None:
                role = str(restore.meta.get("role", role))
            last_seen = self._last_seen()
            plan = plan_rounds(
                pool, role, rounds, first=first_entry, rng=random.Random(seed), last_seen=last_seen
            )
        if restore is not None and plan and plan[0].role != restore.meta.get("role"):
            self.app.notify("That draft's question cannot be used in that role now.", markup=False)
        if not plan:
            self.app.notify("No question fits that role.", severity="warning", markup=False)
            return False
        self.session = Session(bank.get, plan, self.services.clock)
        settings = {
            "rounds": rounds,
            "first": list(first) if first else None,
            "packs": sorted(filters.pack_ids),
            "kinds": sorted(filters.kinds),
            "difficulties": sorted(filters.difficulties),
            "tags": sorted(filters.tags),
            "text": filters.text,
        }
        if planned is not None:
            settings["review"] = True
        self.session_id = self._history_pool.submit(
            self.services.history.start_session,
            mode="solo",
            role_plan=role,
            started_at=self.services.wall(),
            settings=settings,
        )
        restored = None
        if restore is not None:
            restored = restore.text
            meta = restore.meta
            rnd = self.session.current
            hints = meta.get("hints")
            if isinstance(hints, int) and 0 <= hints <= len(self.session.entry().question.hints):
                rnd.hints_shown = hints
            elapsed = meta.get("elapsed")
            if isinstance(elapsed, int | float) and elapsed >= 0:
                rnd.elapsed_before = float(elapsed)
            if rnd.role == "shadow":
                from trainer.core.packs.model import RecordedInterviewQuestion
                from trainer.core.shadowing import FlagSet, moment_kinds

                entry = self.session.entry()
                q = entry.question
                assert isinstance(q, RecordedInterviewQuestion)
                turns = meta.get("turns")
                if isinstance(turns, int) and 1 <= turns <= len(q.turns):
                    rnd.turns_shown = turns
                kinds = {k.id: k for k in moment_kinds(entry.pack)}
                rnd.flags = FlagSet.from_list(meta.get("flags"), rnd.turns_shown, kinds)
            scores = meta.get("scores")
            if isinstance(scores, dict):
                valid = {c.id: c.max_score for c in self.session.criteria()}
                rnd.scores = {
                    k: v
                    for k, v in scores.items()
                    if k in valid and isinstance(v, int) and 1 <= v <= valid[k]
                }
        self.show_round(restored)
        return True

    def start_due(self, *, role: str, rounds: int, focus: str | None = None) -> bool:
        """A session of the questions due for review today (`trainer --due`, home ctrl+r).

        With `focus="weakest"`, the questions scored on the weakest criterion come first.
        """
        from trainer.core.selection import Filters, plan_due
        from trainer.core.storage.progress import due_cards, end_of_day, weakest_criterion

        bank = self.services.load_bank()
        try:
            cards = due_cards(self.services.history, end_of_day(self.services.wall()))
            weakest = weakest_criterion(self.services.history) if focus == "weakest" else None
        except Exception as exc:  # a broken history must not crash the app
            self.app.notify(
                f"Could not read the review schedule: {exc}", severity="error", markup=False
            )
            return False
        entries = [e for c in cards if (e := bank.get(c.pack_id, c.question_id)) is not None]
        plan = plan_due(
            entries, role, rounds, focus=weakest.criterion_id if weakest is not None else None
        )
        if not plan:
            self.app.notify(
                "Nothing is due for review today: practise anything, and it joins the schedule.",
                markup=False,
            )
            return False
        return self.start(role=role, rounds=len(plan), filters=Filters(), planned=plan)

    def _last_seen(self) -> dict[tuple[str, str], float]:
        try:
            stats = self.services.history.question_stats()
        except Exception:  # history is a nicety for picking; never block a session on it
            return {}
        bank = self.services.load_bank()
        out = {}
        for e in bank.entries:
            st = stats.get(e.question.id)
            if st is not None:
                out[e.key] = st.last_at
        return out

    def show_round(self, restored_text: str | None = None) -> None:
        from trainer.tui.screens.candidate import CandidateScreen
        from trainer.tui.screens.interviewer import InterviewerScreen

        session = self.require_session()
        rnd = session.current
        question = session.entry().question
        starter = getattr(question, "signature", None)
        self.autosaver = Autosaver(
            self.services.drafts,
            draft_key(rnd.role, rnd.pack_id, rnd.question_id),
            {
                "role": rnd.role,
                "pack_id": rnd.pack_id,
                "question_id": rnd.question_id,
                "title": question.title,
            },
            blank=starter.starter_code() if starter is not None and rnd.role == "candidate" else "",
        )
        if restored_text is not None:
            self.autosaver.mark(restored_text)
        if rnd.role == "shadow":
            from trainer.tui.screens.shadow import ShadowScreen

            self.app.switch_screen(ShadowScreen(self))
            return
        screen = (
            CandidateScreen(self, restored_text)
            if rnd.role == "candidate"
            else InterviewerScreen(self, restored_text)
        )
        self.app.switch_screen(screen)

    def submitted(self) -> None:
        from trainer.tui.screens.result import ResultScreen
        from trainer.tui.screens.reveal import RevealScreen

        saver, self.autosaver = self.autosaver, None
        if saver is not None:
            self._draft_pool.submit(saver.discard)
        rnd = self.require_session().current
        if rnd.role == "shadow":
            from trainer.tui.screens.shadow import ShadowRevealScreen

            self.app.switch_screen(ShadowRevealScreen(self))
            return
        self.app.switch_screen(
            ResultScreen(self) if rnd.role == "candidate" else RevealScreen(self)
        )

    def round_done(self) -> None:
        session = self.require_session()
        done = session.current if session.finished else session.rounds[session.current_index - 1]
        self._record(done)
        if session.finished:
            self._finish()
        else:
            self.show_round()

    def _record(self, rnd: RoundState) -> None:
        from trainer.core.recording import attempt_record

        session = self.require_session()
        answer_text = ""
        if rnd.role == "interviewer":
            q = session.entry(rnd).question
            ref = next((r for r in q.reference_answers if r.id == rnd.reference_id), None)
            answer_text = ref.answer if ref else ""
        record_at = self.services.wall()
        sid_future = self.session_id

        def write() -> None:
            sid = sid_future.result() if sid_future is not None else None
            self.services.history.record_attempt(
                attempt_record(rnd, session_id=sid, submitted_at=record_at, answer_text=answer_text)
            )

        self._history_pool.submit(write).add_done_callback(self._report_failure)

    def save_report(self, fmt: str = "md") -> None:
        """Write this session's report (after its queued history writes) and say where.

        The history pool runs one job at a time, so every round recorded before this
        call is in the report.
        """
        from trainer.core.report import default_report_path, write_report

        sid_future = self.session_id
        if sid_future is None:
            self.app.notify("This session is not in the history.", markup=False)
            return

        def write() -> Path:
            sid = sid_future.result()
            path = default_report_path(self.services.data_dir, sid, fmt)
            return write_report(self.services.history, sid, path, fmt)

        def done(future: Future[Path]) -> None:
            exc = future.exception()
            if exc is not None:
                message, severity = f"Could not write the report: {exc}", "error"
            else:
                message, severity = f"Report written to {future.result()}", "information"
            self.app.call_from_thread(
                self.app.notify, message, severity=severity, timeout=10, markup=False
            )

        self._history_pool.submit(write).add_done_callback(done)

    def _report_failure(self, future: Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            self.app.call_from_thread(
                self.app.notify, f"Could not save history: {exc}", severity="error", markup=False
            )

    def _finish(self) -> None:
        from trainer.tui.screens.summary import SummaryScreen

        sid_future = self.session_id
        finished_at = self.services.wall()

        def finish() -> tuple[float | None, int]:
            if sid_future is not None:
                self.services.history.finish_session(sid_future.result(), finished_at=finished_at)
            maes = self.services.history.calibration_history(limit=20)
            return (sum(maes) / len(maes) if maes else None, len(maes))

        try:
            running, count = self._history_pool.submit(finish).result(timeout=5)
        except Exception:
            running, count = None, 0
        self.app.switch_screen(SummaryScreen(self, running, count))

    def go_home(self) -> None:
        from trainer.tui.screens.home import HomeScreen

        self.session = None
        self.app.switch_screen(HomeScreen(bank=self.services.bank))

    # -- drafts -----------------------------------------------------------------------

    def mark_draft(self, text: str, **meta: Any) -> None:
        if self.autosaver is not None:
            self.autosaver.mark(text, **meta)

    def tick_autosave(self) -> None:
        """Called on a short interval: hand a dirty draft to the draft thread."""
        saver = self.autosaver
        if saver is None or not saver.dirty or self._flush_in_flight:
            return
        self._flush_in_flight = True

        def flush() -> None:
            try:
                saver.flush()
            finally:
                self._flush_in_flight = False

        self._draft_pool.submit(flush).add_done_callback(self._report_failure)

    def flush_now(self) -> None:
        """Synchronous save, for SIGTERM/SIGHUP and exit."""
        saver = self.autosaver
        if saver is not None and saver.dirty:
            try:
                saver.flush()
            except OSError:
                pass

    def close(self) -> None:
        self.flush_now()
        self._draft_pool.shutdown(wait=True)
        self._history_pool.shutdown(wait=True)


def describe_draft(draft: Draft) -> tuple[str, str]:
    meta = draft.meta
    where = f"{meta.get('role', '?')} round · {meta.get('title', meta.get('question_id', '?'))}"
    saved = dt.datetime.fromtimestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M")
    return where, saved
