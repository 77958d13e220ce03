"""Pair practice across two terminals: the host's flow and the guest's flow.

Each person sees only their own seat. The host holds the authoritative `PairSession`
(the same engine as one terminal) and sends the guest its seat's view after every
change; the guest sends events and shows whatever view arrives. Both route the same
way: `seat_stage(view)` names the screen, and a screen changes only when that does.
With `--observer` the host also sends a read-only observer its own view
(`trainer.core.pair.observer`); a join code that the host's welcome names an observer's
hands this terminal to `ObserverFlow` instead.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from trainer.core.pairing import Seat
from trainer.tui.pairflow import PairFlow

if TYPE_CHECKING:
    from textual.app import App

    from trainer.core.evaluation.results import RunResult
    from trainer.core.pair.link import LinkStatus, PairGuest, PairHost
    from trainer.core.pairing import PairEvent
    from trainer.core.selection import Filters
    from trainer.tui.observerflow import ObserverFlow
    from trainer.tui.services import Services

HOST_SEAT: Seat = 0
GUEST_SEAT: Seat = 1
HOST_DRAFT_KEY = "pair-host:session"
GUEST_DRAFT_KEY = "pair-guest:answer"
VIEW_DELAY_S = 0.03  # coalesce a burst of changes into one view frame (well under 200 ms)


def _comparable(view: dict[str, Any]) -> dict[str, Any]:
    """A view without the running clock: two views that differ only in time are one."""
    return {k: v for k, v in view.items() if k != "elapsed_s"}


class _Router:
    """Shows the screen a seat's view calls for; re-renders in place when it stays."""

    app: App[Any]
    shared_terminal = False

    def __init__(self) -> None:
        self._shown: tuple[int, str] | None = None
        self.sample_summary = ""  # the candidate's last sample run, for the interviewer
        self.status_line = ""

    def my_seat(self) -> Seat:
        raise NotImplementedError

    def my_view(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def route(self) -> None:
        from trainer.core.pair.wire import seat_stage
        from trainer.tui.screens.pair.common import ViewChanged

        view = self.my_view()
        if view is None:
            return
        stage = seat_stage(view)
        key = (int(view["round"]), stage)
        if key == self._shown:
            self.app.screen.post_message(ViewChanged())
            return
        self._shown = key
        self.app.switch_screen(self._screen_for(stage))

    def _screen_for(self, stage: str) -> Any:
        from trainer.tui.screens.pair.answering import AnsweringScreen
        from trainer.tui.screens.pair.assessing import ScoringScreen, SelfAssessmentScreen
        from trainer.tui.screens.pair.briefing import BriefingScreen
        from trainer.tui.screens.pair.network import MirrorScreen, WaitingScreen
        from trainer.tui.screens.pair.reveal import PairRevealScreen
        from trainer.tui.screens.pair.summary import PairSummaryScreen

        seat = self.my_seat()
        port: Any = self
        screens: dict[str, Any] = {
            "briefing": BriefingScreen,
            "answering": AnsweringScreen,
            "mirror": MirrorScreen,
            "scoring": ScoringScreen,
            "self_assessment": SelfAssessmentScreen,
            "reveal": PairRevealScreen,
            "summary": PairSummaryScreen,
            "waiting": WaitingScreen,
        }
        return screens[stage](port, seat)

    def stage(self) -> str | None:
        return self._shown[1] if self._shown else None

    def paired_text(self) -> str:
        return "Linked with your partner."

    def _status(self, status: LinkStatus, reason: str) -> None:
        from trainer.core.pair.link import LinkStatus

        messages = {
            LinkStatus.PAIRED: self.paired_text(),
            LinkStatus.RECONNECTING: "The link dropped; reconnecting…",
            LinkStatus.LOCKED: "Too many wrong codes: not accepting (ctrl+l accepts again).",
            LinkStatus.ENDED: "The pair session ended",
        }
        text = messages.get(status)
        if text is None:
            return
        if reason and status in (LinkStatus.RECONNECTING, LinkStatus.ENDED):
            text = f"{text}: {reason}"
        self.status_line = text
        severity = "information" if status is LinkStatus.PAIRED else "warning"
        self.app.notify(text, severity=severity, markup=False)  # type: ignore[arg-type]


class HostPairFlow(_Router, PairFlow):
    """`trainer pair host`: the session lives here; the guest gets its seat's view."""

    def __init__(
        self,
        app: App[Any],
        services: Services,
        *,
        name: str,
        rounds: int,
        filters: Filters,
        first_question: tuple[str, str] | None,
        guest_starts: bool,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        socket_path: str | None = None,
        observer: bool = False,
    ) -> None:
        PairFlow.__init__(self, app, services)
        _Router.__init__(self)
        self.draft_key = HOST_DRAFT_KEY
        self.host_name = name
        self.rounds = rounds
        self.filters = filters
        self.first_question = first_question
        self.guest_starts = guest_starts
        self.listen = listen
        self.socket_path = socket_path
        self.link: PairHost[Any] | None = None
        self.refusals: list[str] = []
        self._last_sent: dict[str, Any] | None = None
        self._send_pending = False
        self.observer = observer
        self._last_observed: dict[str, Any] | None = None

    def my_seat(self) -> Seat:
        return HOST_SEAT

    def my_view(self) -> dict[str, Any] | None:
        return self.view(HOST_SEAT) if self.session is not None else None

    def view(self, seat: int) -> dict[str, Any]:
        data = PairFlow.view(self, seat)
        if data.get("role") == "interviewer" and data.get("phase") == "answering":
            data["sample_run"] = self.sample_summary  # from whichever machine ran them
        return data

    async def run_samples(self, code: str) -> RunResult:
        from trainer.tui.widgets.evidence import run_lines

        result = await PairFlow.run_samples(self, code)
        total = len(result.tests) + len(result.not_run)
        self.sample_summary = (
            f"Sample tests on their machine: {result.passed}/{total} passed\n"
            + run_lines(result).plain[:4_000]
        )
        self._queue_view()
        return result

    async def open(self) -> None:
        """Listen; the waiting screen shows the join code."""
        from trainer.core.pair.link import PairHost
        from trainer.core.pair.wire import validate_payload
        from trainer.tui.screens.pair.network import HostWaitScreen

        self.link = PairHost(
            on_event=self._guest_event,
            validate_event=validate_payload,
            on_status=self._status,
            on_refused=self._refused,
            listen=self.listen,
            socket_path=self.socket_path,
            observer=self.observer,
            on_observer_status=self._observer_status,
        )
        await self.link.start()
        self.app.switch_screen(HostWaitScreen(self))

    async def shut(self) -> None:
        if self.link is not None:
            await self.link.stop()

    def _observer_status(self, status: LinkStatus, reason: str) -> None:
        from trainer.core.pair.link import LinkStatus

        messages = {
            LinkStatus.PAIRED: "The observer is watching.",
            LinkStatus.RECONNECTING: "The observer's link dropped; they can come back",
            LinkStatus.ENDED: "The observer left",
        }
        text = messages.get(status)
        if text is None or (status is LinkStatus.ENDED and self.link is None):
            return
        if reason and status is not LinkStatus.PAIRED:
            text = f"{text}: {reason}"
        self.app.notify(text, markup=False)

    def _refused(self, reason: str) -> None:
        self.refusals.append(reason)
        self.app.notify(f"Refused a connection: {reason}", severity="warning", markup=False)
        self._post_changed()

    # -- the guest's events -----------------------------------------------------------

    def _guest_event(self, validated: tuple[str, Any]) -> None:
        from trainer.core.pair.wire import JoinPayload, SampleRunPayload, to_event
        from trainer.core.pairing import PairError

        kind, payload = validated
        if isinstance(payload, JoinPayload):
            if self.session is None:
                self._begin(payload.name)
            return
        if isinstance(payload, SampleRunPayload):
            self.sample_summary = (
                f"Sample tests on their machine: {payload.passed}/{payload.total} passed\n"
                + payload.summary
            )
            self._post_changed()
            return
        if self.session is None:
            return
        event = to_event(kind, payload, GUEST_SEAT)  # the seat is ours to say, never theirs
        if event is None:
            return
        try:
            self._apply(event)
        except PairError:
            self._queue_view(force=True)  # a stale or out-of-turn event: resync the guest

    def _begin(self, guest_name: str) -> None:
        first = GUEST_SEAT if self.guest_starts else HOST_SEAT
        if not self.start(
            (self.host_name, guest_name), self.rounds, first, self.filters, self.first_question
        ):
            self.app.exit(return_code=1, message="No question matches those filters.")

    # -- the port ---------------------------------------------------------------------

    def send(self, event: PairEvent) -> bool:
        from trainer.core.pairing import PairError

        try:
            self._apply(event)
        except PairError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)
            return False
        return True

    def _apply(self, event: PairEvent) -> None:
        from trainer.core.pairing import SideSubmitted, Submitted

        rnd = self._need().apply(event)
        self._mark()
        if isinstance(event, Submitted):
            self.sample_summary = ""
            if rnd.kind == "coding":
                self._run_all(rnd.index)
        if isinstance(event, SideSubmitted) and rnd.phase == "reveal":
            self._record(rnd.index)
        if self._need().finished:
            self._finish()
        self._changed()

    def show(self) -> None:  # PairFlow.start calls it once the session exists
        self._changed()

    def briefing_done(self, seat: int) -> None:
        from trainer.core.pairing import BriefingDone

        self.send(BriefingDone(HOST_SEAT))

    def done(self) -> None:
        """Two terminals: the views decide what comes next, not the screen that finished."""

    def _changed(self) -> None:
        self.route()
        self._queue_view()

    def _post_changed(self) -> None:
        from trainer.tui.screens.pair.common import ViewChanged

        self.app.screen.post_message(ViewChanged())

    def _queue_view(self, force: bool = False) -> None:
        if force:
            self._last_sent = None
        if not self._send_pending:
            self._send_pending = True
            self.app.set_timer(VIEW_DELAY_S, self._send_view)

    def _send_view(self) -> None:
        self._send_pending = False
        if self.link is None or self.session is None:
            return
        self._send_observer_view()
        view = self.view(GUEST_SEAT)
        if self._last_sent is not None and _comparable(view) == self._last_sent:
            return
        self._last_sent = _comparable(view)
        self.link.send_view(view)

    def _send_observer_view(self) -> None:
        """The observer's own view (no interviewer scores before the reveal), if it has a seat."""
        from trainer.core.pair.observer import observer_view

        if self.link is None or self.session is None or self.link.observer_code is None:
            return
        view = observer_view(self.session)
        if self._last_observed is not None and _comparable(view) == self._last_observed:
            return
        self._last_observed = _comparable(view)
        self.link.send_observer_view(view)

    def go_home(self) -> None:
        self.app.exit()

    def resume_accepting(self) -> None:
        if self.link is not None:
            self.link.resume_accepting()


class GuestPairFlow(_Router):
    """`trainer pair join`: shows the views the host sends; sends this seat's events."""

    def __init__(self, app: App[Any], services: Services, *, code: str, name: str) -> None:
        super().__init__()
        self.app = app
        self.services = services
        self.code = code
        self.name = name
        self.latest: dict[str, Any] | None = None
        self.link: PairGuest[Any] | None = None
        self._autosaver: Any = None
        self._history_pool: Any = None
        self._sid: Any = None
        self._recorded: set[int] = set()
        self._finished = False
        self.observer: ObserverFlow | None = None  # set when the code opened the observer seat

    def my_seat(self) -> Seat:
        seat = self.latest["seat"] if self.latest else GUEST_SEAT
        return 1 if seat == 1 else 0

    def my_view(self) -> dict[str, Any] | None:
        return self.latest

    def paired_text(self) -> str:
        if self.link is not None and self.link.role == "observer":
            return "Linked with the host; you are the observer."
        return super().paired_text()

    async def open(self) -> str | None:
        """Join; None when linked, else the reason to show."""
        from trainer.core.pair.link import PairError, PairGuest

        self.link = PairGuest(
            on_view=self._on_view, validate_view=self._validate_view, on_status=self._status
        )
        try:
            await self.link.connect(self.code)
        except PairError as exc:
            return str(exc)
        if self.link.role == "observer":  # the host's welcome says so, under its MAC
            from trainer.tui.observerflow import ObserverFlow

            self.observer = ObserverFlow(self.app, self.services, self)
            self.observer.start()
            return None
        self.link.send_event("join", {"name": self.name})
        return None

    def _validate_view(self, payload: dict[str, Any]) -> Any:
        """Each seat's views are checked by its own rules before anything reads them."""
        from trainer.core.pair.observer import validate_observer_view
        from trainer.core.pair.wire import validate_view

        if self.link is not None and self.link.role == "observer":
            return validate_observer_view(payload)
        return validate_view(payload)

    async def shut(self) -> None:
        if self.link is not None:
            await self.link.close()

    def _on_view(self, view: Any, seq: int) -> None:
        if self.observer is not None:
            self.observer.on_view(view)
            return
        self.latest = view
        self.route()
        self._keep(view)

    # -- this person's own history: both sides of every round, as the reveal showed them --

    def _keep(self, view: dict[str, Any]) -> None:
        history = self.services.history
        if self._history_pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._history_pool = ThreadPoolExecutor(1, thread_name_prefix="pair-history")
            names = [str(n) for n in view["names"]]
            settings = {"joined": True, "rounds": int(view["rounds"])}
            at = self.services.wall()

            self._sid = self._history_pool.submit(
                partial(
                    history.start_session,
                    mode="pair",
                    role_plan="swap",
                    started_at=at,
                    settings=settings,
                    participants=names,
                )
            )
        index = int(view["round"]) - 1
        if "gaps" in view and index not in self._recorded:
            self._recorded.add(index)
            sides = sides_from_view(view)
            names = view["names"]
            cand = names[sides["candidate"]]
            intv = names[sides["interviewer"]]
            at = self.services.wall()
            sid = self._sid

            def write() -> None:
                history.record_pair_round(
                    sid.result(), sides, candidate=cand, interviewer=intv, submitted_at=at
                )

            self._history_pool.submit(write)
        if view.get("finished") and not self._finished:
            self._finished = True
            at = self.services.wall()
            sid = self._sid
            self._history_pool.submit(lambda: history.finish_session(sid.result(), finished_at=at))

    # -- the port ---------------------------------------------------------------------

    def view(self, seat: int) -> dict[str, Any]:
        if self.latest is None or seat != self.my_seat():
            return {}
        return self.latest

    def clock(self) -> float:
        return self.services.clock()

    def send(self, event: PairEvent) -> bool:
        from trainer.core.pair.link import PairError
        from trainer.core.pair.wire import to_wire

        if self.link is None:
            return False
        kind, payload = to_wire(event)
        try:
            self.link.send_event(kind, payload)
        except PairError as exc:
            self.app.notify(f"Not sent: {exc}", severity="warning", markup=False)
            return False
        self._patch(kind, payload)
        if kind == "answer_changed":
            self._save_answer()
        elif kind == "submitted" and self._autosaver is not None:
            self._autosaver.discard()  # handed in: the host has it
            self._autosaver = None
        return True

    def _patch(self, kind: str, payload: dict[str, Any]) -> None:
        """Show our own change at once; the host's next view confirms it."""
        view = self.latest
        if view is None:
            return
        mine = view.get("role") == "candidate"
        if kind == "answer_changed":
            view["answer"] = payload["text"]
        elif kind == "choices_changed":
            view["selected"] = list(payload["selected"])
        elif kind in ("scored", "rated"):
            key = "ratings" if kind == "rated" else ("self_scores" if mine else "scores")
            target = view.setdefault(key, {})
            if payload["level"] is None:
                target.pop(payload["criterion_id"], None)
            else:
                target[payload["criterion_id"]] = payload["level"]
        elif kind == "feedback_changed":
            view["comment" if mine else "feedback"] = payload["text"]
        elif kind == "notes_changed":
            view["notes"] = payload["text"]

    async def run_samples(self, code: str) -> RunResult:
        from trainer.core.evaluation.results import RunLimits
        from trainer.core.evaluation.runner import spec_from_case
        from trainer.core.packs.model import TestCase
        from trainer.tui.widgets.evidence import run_lines

        q = (self.latest or {}).get("question", {})
        tests = [spec_from_case(TestCase.model_validate(t)) for t in q.get("sample_tests", ())]
        limits = q.get("limits") or {}
        result = await self.services.run(
            code,
            str(q.get("signature", {}).get("function", "")),
            tests,
            RunLimits(
                time_s=float(limits.get("time_s", 2.0)),
                memory_mb=int(limits.get("memory_mb", 256)),
                output_kb=int(limits.get("output_kb", 64)),
            ),
        )
        if self.link is not None:
            summary = run_lines(result).plain[:4_000]
            total = len(result.tests) + len(result.not_run)
            self.link.send_event(
                "sample_run", {"passed": result.passed, "total": total, "summary": summary}
            )
        return result

    def briefing_done(self, seat: int) -> None:
        from trainer.core.pairing import BriefingDone

        self.send(BriefingDone(self.my_seat()))

    def done(self) -> None:
        """The host's next view decides what comes next."""

    def go_home(self) -> None:
        self.app.exit()

    # -- the candidate's own copy of the answer (a host crash must not lose it) -----------

    def _saver(self) -> Any:
        if self._autosaver is None:
            from trainer.core.autosave import Autosaver

            self._autosaver = Autosaver(
                self.services.drafts, GUEST_DRAFT_KEY, {"mode": "pair-guest"}
            )
        return self._autosaver

    def _save_answer(self) -> None:
        view = self.latest
        if view is None or view.get("role") != "candidate" or view.get("phase") != "answering":
            return
        q = view["question"]
        self._saver().mark(
            str(view.get("answer", "")),
            title=str(q.get("title", "")),
            names=list(view.get("names", [])),
            role="candidate",
        )

    def tick_autosave(self) -> None:
        saver = self._autosaver
        if saver is not None and saver.dirty:
            try:
                saver.flush()  # one small file; the draft thread is not worth it here
            except OSError:
                pass

    def flush_now(self) -> None:
        self.tick_autosave()

    def close(self) -> None:
        self.flush_now()
        if self._history_pool is not None:
            self._history_pool.shutdown(wait=True)
        if self.observer is not None:
            self.observer.close()


def sides_from_view(view: dict[str, Any]) -> dict[str, Any]:
    """A revealed view as the same record the host keeps (`PairRound.to_dict()`)."""
    seat = int(view["seat"])
    cand = seat if view["role"] == "candidate" else 1 - seat
    return {
        "index": int(view["round"]) - 1,
        "pack_id": str(view.get("pack_id", "")),
        "question_id": str(view.get("question_id", "")),
        "kind": str(view["question"].get("kind", "")),
        "candidate": cand,
        "interviewer": 1 - cand,
        "answer": view.get("answer", ""),
        "selected": view.get("selected", []),
        "hints": view.get("hints_given", []),
        "notes": view.get("notes", ""),
        "scores": view.get("scores", {}),
        "feedback": view.get("feedback", ""),
        "self_scores": view.get("self_scores", {}),
        "ratings": view.get("ratings", {}),
        "comment": view.get("comment", ""),
        "elapsed_s": view.get("elapsed_s"),
        "evaluation": view.get("evidence"),
    }
