"""Turn finished rounds into history records and a session summary."""

from __future__ import annotations

from dataclasses import dataclass

from trainer.core.session import RoundState, Session
from trainer.core.storage.history import AttemptRecord


def attempt_record(
    rnd: RoundState, *, session_id: int | None, submitted_at: float, answer_text: str = ""
) -> AttemptRecord:
    """The history row for a round. `answer_text` is the reference answer in interviewer rounds."""
    scores: dict[str, dict[str, float]] = {}
    overall: float | None = None
    verdict: str | None = None
    mae: float | None = None
    agreed: bool | None = None
    details: dict[str, object] = {}
    if rnd.evaluation is not None:
        ev = rnd.evaluation
        for source, rubric in ev.by_source.items():
            scores[source] = {c.id: c.score for c in rubric.criteria if c.score is not None}
        overall = float(ev.overall) if ev.overall is not None else None
        verdict = ev.final.verdict
        details["evaluation"] = ev.to_dict()
    if rnd.calibration is not None:
        cal = rnd.calibration
        scores["interviewer"] = {g.criterion_id: g.user for g in cal.gaps if g.user is not None}
        scores["reference"] = {
            g.criterion_id: g.reference for g in cal.gaps if g.reference is not None
        }
        overall = float(cal.user_overall) if cal.user_overall is not None else None
        verdict = cal.user_verdict
        mae = float(cal.mae) if cal.mae is not None else None
        agreed = cal.verdict_agrees
        details["calibration"] = cal.to_dict()
    if rnd.shadow is not None:
        # The shadowing score (moments caught) is the round's score; the calibration
        # gap above (candidate scores against the expert's) drives the schedule.
        details["shadow"] = {**rnd.shadow.to_dict(), "flags_set": rnd.flags.to_list()}
        overall = rnd.shadow.score
    return AttemptRecord(
        role=rnd.role,
        pack_id=rnd.pack_id,
        question_id=rnd.question_id,
        kind=rnd.kind,
        submitted_at=submitted_at,
        session_id=session_id,
        answer=answer_text if rnd.role != "candidate" else rnd.answer,
        selected_choices=tuple(rnd.selected),
        reference_id=rnd.reference_id,
        scores=scores,
        overall_score=overall,
        verdict=verdict,
        hints_used=rnd.hints_shown,
        time_taken_s=rnd.elapsed_at_submit,
        time_limit_s=rnd.time_limit_s,
        feedback=rnd.feedback,
        calibration_mae=mae,
        verdict_agreed=agreed,
        details=details,
    )


@dataclass(frozen=True, slots=True)
class RoundSummary:
    index: int
    role: str
    title: str
    score: float | None  # 0..1
    verdict: str | None
    calibration_mae: float | None  # interviewer rounds: mean absolute gap, 0..1
    verdict_agreed: bool | None
    time_s: float
    time_limit_s: float
    hints: int


@dataclass(frozen=True, slots=True)
class SessionSummary:
    rounds: tuple[RoundSummary, ...]

    @property
    def mean_score(self) -> float | None:
        vals = [r.score for r in self.rounds if r.role == "candidate" and r.score is not None]
        return sum(vals) / len(vals) if vals else None

    @property
    def mean_calibration(self) -> float | None:
        vals = [r.calibration_mae for r in self.rounds if r.calibration_mae is not None]
        return sum(vals) / len(vals) if vals else None

    @property
    def total_time_s(self) -> float:
        return sum(r.time_s for r in self.rounds)


def summarise(session: Session) -> SessionSummary:
    out = []
    for rnd in session.rounds:
        if rnd.phase != "done":
            continue
        title = session.entry(rnd).question.title
        ev, cal = rnd.evaluation, rnd.calibration
        score = float(ev.overall) if ev is not None and ev.overall is not None else None
        verdict = ev.final.verdict if ev is not None else (cal.user_verdict if cal else None)
        if cal is not None and cal.user_overall is not None:
            score = float(cal.user_overall)
        if rnd.shadow is not None:
            score = rnd.shadow.score
        out.append(
            RoundSummary(
                index=rnd.index,
                role=rnd.role,
                title=title,
                score=score,
                verdict=verdict,
                calibration_mae=float(cal.mae) if cal is not None and cal.mae is not None else None,
                verdict_agreed=cal.verdict_agrees if cal is not None else None,
                time_s=rnd.elapsed_at_submit or 0.0,
                time_limit_s=rnd.time_limit_s,
                hints=rnd.hints_shown,
            )
        )
    return SessionSummary(tuple(out))
