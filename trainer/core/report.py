"""One session as a report: plain data (for JSON) and Markdown (to read or share).

Why plain data first: `trainer report`, `trainer history show` and the summary screen
all show the same figures, so they are gathered once here from the history, and each
output only formats them.

Everything in a report that a person wrote (answers, feedback, notes, names) or a pack
supplied (titles, ids) is untrusted. In Markdown, long text goes into fenced code blocks
whose fence is longer than any run of backticks inside, inline text has its Markdown
punctuation escaped, and control and bidi characters are made visible, so nothing in
the text can become a link, an image, HTML or a terminal escape when the file is viewed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from fractions import Fraction
from pathlib import Path
from typing import Any, Final, Literal

from trainer.core.atomic import atomic_write_text
from trainer.core.storage.history import SCORE_SOURCES, AttemptRecord, HistoryStore
from trainer.core.text import make_visible

REPORT_FORMAT_VERSION: Final = 1
ReportFormat = Literal["md", "json"]
REPORT_FORMATS: Final[tuple[str, ...]] = ("md", "json")
#: More attempts than any session has; `attempts()` needs a limit.
_MAX_ROUNDS: Final = 100_000


class ReportError(Exception):
    """No report can be made (no such session, an empty history)."""


# -- reading plain data defensively (details may come from an older version or an import) --


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _ratio(value: object) -> float | None:
    """A share as `to_plain` writes it ("7/9", "1") or as a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Fraction(value))
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def evidence_summary(evaluation: Mapping[str, Any]) -> list[str]:
    """Short lines for the automatic evidence of an `Evaluation.to_dict()`."""
    lines: list[str] = []
    coding = _map(evaluation.get("coding"))
    if coding:
        tests = [_map(t) for t in _list(coding.get("tests"))]
        passed = sum(1 for t in tests if t.get("verdict") == "accepted")
        line = f"tests: {passed} of {len(tests)} passed"
        if isinstance(coding.get("verdict"), str):
            line += f" (run: {coding['verdict']})"
        not_run = _list(coding.get("not_run"))
        if not_run:
            line += f", {len(not_run)} not run"
        lines.append(line)
        suggestion = _map(coding.get("suggestion"))
        if suggestion:
            lines.append(
                f"suggested {suggestion.get('criterion_id')}: {suggestion.get('score')} of "
                f"{suggestion.get('max_score')} ({suggestion.get('reason')})"
            )
    choices = _map(evaluation.get("choices"))
    if choices:
        options = [_map(c) for c in _list(choices.get("choices"))]
        picked = [str(c.get("id")) for c in options if c.get("selected") is True]
        line = f"choices: {'correct' if choices.get('correct') is True else 'not correct'}"
        credit = _ratio(choices.get("credit"))
        if credit is not None:
            line += f", credit {credit:.0%}"
        lines.append(line + f"; selected: {', '.join(picked) or 'none'}")
    for coverage in (_map(c) for c in _list(evaluation.get("signals"))):
        hits = [_map(h) for h in _list(coverage.get("hits"))]
        found = [h for h in hits if h.get("found") is not None]
        mentioned = [str(h.get("term")) for h in found if not h.get("negated")]
        negated = [str(h.get("term")) for h in found if h.get("negated")]
        missed = [str(h.get("term")) for h in hits if h.get("found") is None]
        parts = [f"mentioned {', '.join(mentioned) or 'none'}"]
        if negated:
            parts.append(f"negated {', '.join(negated)}")
        if missed:
            parts.append(f"missed {', '.join(missed)}")
        name = coverage.get("title") or coverage.get("criterion_id")
        lines.append(f"signals for {name}: {'; '.join(parts)}")
    hints = _map(evaluation.get("hints"))
    if _int(hints.get("available")):
        lines.append(f"hints: {hints.get('used')} of {hints.get('available')} used")
    return lines


def _criteria(
    scores: Mapping[str, Mapping[str, float]],
    evaluation: Mapping[str, Any],
    calibration: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Per criterion: its title and scale, the score of each source, the final score, the gap."""
    info: dict[str, dict[str, Any]] = {}
    rubrics = [evaluation.get("final"), *_map(evaluation.get("by_source")).values()]
    for rubric in rubrics:
        for c in (_map(c) for c in _list(_map(rubric).get("criteria"))):
            if isinstance(c.get("id"), str):
                info.setdefault(c["id"], {"title": c.get("title"), "max": _int(c.get("max_score"))})
    final = {
        c["id"]: _int(c.get("score"))
        for c in (_map(c) for c in _list(_map(evaluation.get("final")).get("criteria")))
        if isinstance(c.get("id"), str)
    }
    gaps: dict[str, int | None] = {}
    for g in (_map(g) for g in _list(calibration.get("gaps"))):
        cid = g.get("criterion_id")
        if isinstance(cid, str):
            info.setdefault(cid, {"title": g.get("title"), "max": _int(g.get("max_score"))})
            user, ref = _int(g.get("user")), _int(g.get("reference"))
            gaps[cid] = None if user is None or ref is None else user - ref
    ids = list(info) + sorted({c for by in scores.values() for c in by} - set(info))
    return [
        {
            "id": cid,
            "title": _str(info.get(cid, {}).get("title")),
            "max_score": info.get(cid, {}).get("max"),
            "scores": {s: scores[s][cid] for s in SCORE_SOURCES if cid in scores.get(s, {})},
            "final": final.get(cid),
            "gap": gaps.get(cid),
        }
        for cid in ids
    ]


def _level(levels: object, level: object) -> str | None:
    names, index = _list(levels), _int(level)
    if index is None or not 1 <= index <= len(names) or not isinstance(names[index - 1], str):
        return None
    return str(names[index - 1])


def _attempt_round(index: int, attempt: AttemptRecord) -> dict[str, Any]:
    evaluation = _map(attempt.details.get("evaluation"))
    calibration = _map(attempt.details.get("calibration"))
    hints = _map(evaluation.get("hints"))
    return {
        "index": index,
        "role": attempt.role,
        "pack_id": attempt.pack_id,
        "question_id": attempt.question_id,
        "kind": attempt.kind,
        "uid": attempt.uid,
        "started_at": attempt.started_at,
        "submitted_at": attempt.submitted_at,
        "answer": attempt.answer,
        "selected_choices": list(attempt.selected_choices),
        "reference_id": attempt.reference_id,
        "criteria": _criteria(attempt.scores, evaluation, calibration),
        "scores": {source: dict(by) for source, by in attempt.scores.items()},
        "overall_score": attempt.overall_score,
        "verdict": attempt.verdict,
        "reference_verdict": _level(
            calibration.get("verdict_levels"), calibration.get("reference_verdict_level")
        ),
        "verdict_agreed": attempt.verdict_agreed,
        "calibration_gap": attempt.calibration_mae,
        "hints_used": attempt.hints_used,
        "hints_available": _int(hints.get("available")),
        "time_taken_s": attempt.time_taken_s,
        "time_limit_s": attempt.time_limit_s,
        "feedback": attempt.feedback,
        "evidence": evidence_summary(evaluation),
    }


def _pair_round(item: Mapping[str, Any]) -> dict[str, Any]:
    evaluation = _map(item.get("evaluation"))
    final = _map(evaluation.get("final"))
    scores: dict[str, dict[str, float]] = {}
    for source, key in (("interviewer", "scores"), ("self", "self_scores")):
        given = {k: v for k, v in _map(item.get(key)).items() if _int(v) is not None}
        if given:
            scores[source] = given
    hints = _list(item.get("hints"))
    return {
        "index": _int(item.get("index")),
        "pack_id": item.get("pack_id"),
        "question_id": item.get("question_id"),
        "kind": item.get("kind"),
        "candidate": item.get("candidate_name"),
        "interviewer": item.get("interviewer_name"),
        "submitted_at": item.get("submitted_at"),
        "answer": _str(item.get("answer")) or "",
        "selected_choices": [str(c) for c in _list(item.get("selected"))],
        "criteria": _criteria(scores, evaluation, {}),
        "scores": scores,
        "overall_score": _ratio(final.get("overall")),
        "verdict": _level(final.get("verdict_levels"), final.get("verdict_level")),
        "hints_used": len(hints),
        "time_taken_s": _ratio(item.get("elapsed_s")),
        "time_limit_s": _ratio(item.get("time_limit_s")),
        "feedback": _str(item.get("feedback")) or "",
        "notes": _str(item.get("notes")) or "",
        "ratings": {k: v for k, v in _map(item.get("ratings")).items() if _int(v) is not None},
        "comment": _str(item.get("comment")) or "",
        "evidence": evidence_summary(evaluation),
    }


def latest_session_id(store: HistoryStore) -> int | None:
    """The session started last (the default of `trainer report`)."""
    newest = store.sessions(limit=1)
    return newest[0].id if newest else None


def build_report(store: HistoryStore, session_id: int) -> dict[str, Any]:
    """Everything about one session as JSON-ready plain data; `ReportError` if there is none."""
    session = store.session(session_id)
    if session is None:
        raise ReportError(f"no session with id {session_id}")
    attempts = list(reversed(store.attempts(session_id=session_id, limit=_MAX_ROUNDS)))
    rounds = [_attempt_round(i, a) for i, a in enumerate(attempts, 1)]
    pair = [_pair_round(item) for item in store.pair_rounds(session_id)]
    candidate = [r for r in rounds if r["role"] == "candidate"]
    judged = [r for r in rounds if r["role"] != "candidate"]
    every = [*rounds, *pair]
    return {
        "format_version": REPORT_FORMAT_VERSION,
        "session": {
            "id": session.id,
            "uid": session.uid,
            "mode": session.mode,
            "role_plan": session.role_plan,
            "started_at": session.started_at,
            "finished_at": session.finished_at,
            "settings": dict(session.settings),
            "participants": store.participants(session_id),
        },
        "rounds": rounds,
        "pair_rounds": pair,
        "totals": {
            "rounds": len(every),
            "candidate_rounds": len(candidate),
            "interviewer_rounds": sum(1 for r in judged if r["role"] == "interviewer"),
            "shadow_rounds": sum(1 for r in judged if r["role"] == "shadow"),
            "pair_rounds": len(pair),
            "mean_candidate_score": _mean([r["overall_score"] for r in candidate]),
            "mean_calibration_gap": _mean([r["calibration_gap"] for r in judged]),
            "mean_pair_score": _mean([r["overall_score"] for r in pair]),
            "hints_used": sum(int(r["hints_used"]) for r in every),
            "time_taken_s": sum(float(r["time_taken_s"] or 0.0) for r in every),
        },
    }


# -- Markdown -----------------------------------------------------------------------------

#: Punctuation that can start Markdown syntax inline (emphasis, code, links, HTML, entities,
#: tables, autolinks, math); each is escaped with a backslash, which CommonMark allows for
#: any ASCII punctuation.
_SPECIAL = re.compile(r"""([\\`*_{}\[\]()#+\-.!|<>&~:=@^$])""")


def md_inline(text: object) -> str:
    """Untrusted text on one line of Markdown: controls visible, syntax escaped."""
    return _SPECIAL.sub(r"\\\1", make_visible(str(text), keep_newlines=False))


def md_block(text: str, info: str = "text") -> str:
    """A fenced code block that no run of backticks in `text` can close."""
    body = make_visible(text)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def _when(timestamp: object, tz: tzinfo | None) -> str:
    if not isinstance(timestamp, int | float) or isinstance(timestamp, bool):
        return "-"
    moment = datetime.fromtimestamp(timestamp, tz) if tz else datetime.fromtimestamp(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M")


def _pct(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, float | int) and not isinstance(value, bool) else "-"


def _clock(seconds: object) -> str:
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return "-"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _score(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "-" if value is None else md_inline(value)


def _criteria_table(criteria: Sequence[Mapping[str, Any]], *, final: bool, gap: bool) -> list[str]:
    sources = [s for s in SCORE_SOURCES if any(s in c["scores"] for c in criteria)]
    final = final and any(c["final"] is not None for c in criteria)
    heads = ["Criterion", *sources] + (["final"] if final else []) + (["gap"] if gap else [])
    out = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for c in criteria:
        name = (
            md_inline(c["title"]) + f" ({md_inline(c['id'])})" if c["title"] else md_inline(c["id"])
        )
        top = f" of {c['max_score']}" if c["max_score"] else ""
        cells = [name + top, *(_score(c["scores"].get(s)) for s in sources)]
        if final:
            cells.append(_score(c["final"]))
        if gap:
            cells.append("-" if c["gap"] is None else f"{c['gap']:+d}")
        out.append("| " + " | ".join(cells) + " |")
    return out


def _text_section(title: str, text: str, empty: str) -> list[str]:
    return [f"**{title}**", "", md_block(text) if text else f"_{empty}_", ""]


def _round_md(r: Mapping[str, Any], tz: tzinfo | None) -> list[str]:
    question = f"{md_inline(r['pack_id'])}/{md_inline(r['question_id'])}"
    out = [
        f"## Round {r['index']}: {md_inline(r['role'])}, {question} ({md_inline(r['kind'])})",
        "",
    ]
    facts = [f"- Submitted: {_when(r['submitted_at'], tz)}"]
    verdict = md_inline(r["verdict"]) if r["verdict"] else "none"
    facts.append(f"- Verdict: {verdict} (score {_pct(r['overall_score'])})")
    if r["role"] != "candidate":
        reference = md_inline(r["reference_verdict"]) if r["reference_verdict"] else "-"
        agreed = {True: "agrees", False: "differs", None: "not compared"}[r["verdict_agreed"]]
        facts.append(f"- Reference verdict: {reference} ({agreed})")
        facts.append(f"- Calibration gap: {_pct(r['calibration_gap'])}")
        if r["reference_id"]:
            facts.append(f"- Reference answer judged: {md_inline(r['reference_id'])}")
    of = f" of {r['hints_available']}" if r["hints_available"] else ""
    facts.append(f"- Hints: {r['hints_used']}{of}")
    facts.append(f"- Time: {_clock(r['time_taken_s'])} of {_clock(r['time_limit_s'])}")
    if r["selected_choices"]:
        facts.append(f"- Selected: {', '.join(md_inline(c) for c in r['selected_choices'])}")
    out += [*facts, ""]
    label = "Answer judged" if r["role"] != "candidate" else "Answer"
    out += _text_section(label, r["answer"], "no answer")
    if r["criteria"]:
        out += [
            "**Scores**",
            "",
            *_criteria_table(
                r["criteria"], final=r["role"] == "candidate", gap=r["role"] != "candidate"
            ),
            "",
        ]
    if r["evidence"]:
        out += ["**Evidence**", "", *(f"- {md_inline(line)}" for line in r["evidence"]), ""]
    out += _text_section("Feedback", r["feedback"], "no feedback")
    return out


def _pair_md(r: Mapping[str, Any], tz: tzinfo | None) -> list[str]:
    question = f"{md_inline(r['pack_id'])}/{md_inline(r['question_id'])}"
    index = r["index"] + 1 if isinstance(r["index"], int) else "?"
    out = [f"## Pair round {index}: {question} ({md_inline(r['kind'])})", ""]
    verdict = md_inline(r["verdict"]) if r["verdict"] else "none"
    out += [
        f"- Candidate: {md_inline(r['candidate'])}; interviewer: {md_inline(r['interviewer'])}",
        f"- Submitted: {_when(r['submitted_at'], tz)}",
        f"- Verdict: {verdict} (score {_pct(r['overall_score'])})",
        f"- Hints: {r['hints_used']}",
        f"- Time: {_clock(r['time_taken_s'])} of {_clock(r['time_limit_s'])}",
    ]
    if r["ratings"]:
        ratings = ", ".join(f"{md_inline(k)} {v}" for k, v in r["ratings"].items())
        out.append(f"- The candidate rated the interviewer: {ratings}")
    out.append("")
    out += _text_section("Answer", r["answer"], "no answer")
    if r["criteria"]:
        out += ["**Scores**", "", *_criteria_table(r["criteria"], final=True, gap=False), ""]
    if r["evidence"]:
        out += ["**Evidence**", "", *(f"- {md_inline(line)}" for line in r["evidence"]), ""]
    out += _text_section("Interviewer's feedback", r["feedback"], "no feedback")
    if r["notes"]:
        out += _text_section("Interviewer's notes", r["notes"], "")
    if r["comment"]:
        out += _text_section("Candidate's comment on the interviewer", r["comment"], "")
    return out


def render_markdown(report: Mapping[str, Any], *, tz: tzinfo | None = None) -> str:
    """The report as Markdown; times in `tz` (None: the local zone)."""
    session, totals = report["session"], report["totals"]
    mode = f"{md_inline(session['mode'])}, {md_inline(session['role_plan'])}"
    out = [f"# Session {session['id']} ({mode})", ""]
    out.append(f"- Started: {_when(session['started_at'], tz)}")
    out.append(f"- Finished: {_when(session['finished_at'], tz)}")
    if session["participants"]:
        out.append(f"- Participants: {', '.join(md_inline(n) for n in session['participants'])}")
    out.append(
        f"- Rounds: {totals['rounds']} ({totals['candidate_rounds']} candidate, "
        f"{totals['interviewer_rounds']} interviewer, {totals['shadow_rounds']} shadow, "
        f"{totals['pair_rounds']} pair)"
    )
    out.append(f"- Mean candidate score: {_pct(totals['mean_candidate_score'])}")
    out.append(f"- Mean calibration gap: {_pct(totals['mean_calibration_gap'])}")
    if totals["pair_rounds"]:
        out.append(f"- Mean pair-round score: {_pct(totals['mean_pair_score'])}")
    out.append(f"- Hints: {totals['hints_used']}; time: {_clock(totals['time_taken_s'])}")
    out.append("")
    for r in report["rounds"]:
        out += _round_md(r, tz)
    for r in report["pair_rounds"]:
        out += _pair_md(r, tz)
    if not report["rounds"] and not report["pair_rounds"]:
        out += ["_No rounds were recorded in this session._", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(report: Mapping[str, Any]) -> str:
    # ASCII only: C1 controls and bidi characters arrive as \u escapes, never raw.
    return json.dumps(report, indent=2, ensure_ascii=True, allow_nan=False) + "\n"


def render(report: Mapping[str, Any], fmt: str, *, tz: tzinfo | None = None) -> str:
    if fmt == "md":
        return render_markdown(report, tz=tz)
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {REPORT_FORMATS}")


def default_report_path(data_dir: Path | str, session_id: int, fmt: str) -> Path:
    """Where the summary screen saves a report: <data_dir>/reports/session-<id>.<fmt>."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {REPORT_FORMATS}")
    return Path(data_dir) / "reports" / f"session-{session_id}.{fmt}"


def write_report(store: HistoryStore, session_id: int, path: Path | str, fmt: str) -> Path:
    """Build, render and write one session's report atomically; return the path written.

    Raises `ReportError` for an unknown session, `ValueError` for an unknown format and
    `OSError` when the file cannot be written; the folder is created if missing.
    """
    text = render(build_report(store, session_id), fmt)
    target = Path(path)
    atomic_write_text(target, text, make_parents=True)
    return target
