"""Session reports: the plain data, Markdown that untrusted text cannot break out of, files."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from tests.seed_history import HOSTILE, Seeded, seed
from trainer.core.report import (
    ReportError,
    build_report,
    default_report_path,
    latest_session_id,
    md_block,
    md_inline,
    render,
    render_markdown,
    write_report,
)
from trainer.core.storage.history import HistoryStore
from trainer.core.text import make_visible

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "history.db")


@pytest.fixture
def seeded(store: HistoryStore) -> Seeded:
    return seed(store)


def tokens(markdown: str) -> list[Any]:
    """Every token, inline children included."""
    out = []
    for token in MD.parse(markdown):
        out.append(token)
        out.extend(token.children or [])
    return out


def test_solo_session_report_has_every_round_and_totals(
    store: HistoryStore, seeded: Seeded
) -> None:
    report = build_report(store, seeded.solo)
    assert report["format_version"] == 1
    assert report["session"]["id"] == seeded.solo
    assert [(r["index"], r["role"], r["question_id"]) for r in report["rounds"]] == [
        (1, "candidate", "pair-sum"),
        (2, "candidate", "ask-about-age"),
        (3, "candidate", "cache-invalidation"),
        (4, "interviewer", "pair-sum"),
    ]
    coding = report["rounds"][0]
    assert coding["verdict"] == "Leaning hire"
    assert (coding["time_taken_s"], coding["time_limit_s"]) == (300.0, 1200.0)
    assert (coding["hints_used"], coding["hints_available"]) == (2, 3)
    by_id = {c["id"]: c for c in coding["criteria"]}
    assert by_id["correctness"]["scores"] == {"auto": 3}
    assert by_id["efficiency"]["scores"] == {"self": 4}
    assert by_id["efficiency"]["final"] == 4
    assert by_id["efficiency"]["title"] == "Efficiency"
    assert by_id["efficiency"]["max_score"] == 4
    assert coding["evidence"][0] == "tests: 4 of 5 passed (run: time_limit)"
    choice = report["rounds"][1]
    assert choice["selected_choices"] == ["c", "a"]
    assert any(e.startswith("choices: not correct") for e in choice["evidence"])
    concept = report["rounds"][2]
    assert any(e.startswith("signals for Coverage: mentioned TTL") for e in concept["evidence"])
    judged = report["rounds"][3]
    gaps = {c["id"]: c["gap"] for c in judged["criteria"]}
    assert gaps == {"correctness": 1, "efficiency": 0, "communication": 0, "testing": 0}
    assert judged["reference_verdict"] == "Strong no hire"
    assert judged["verdict_agreed"] is False
    assert judged["feedback"] == "Watch i == j."
    totals = report["totals"]
    scores = [r["overall_score"] for r in report["rounds"][:3]]
    assert totals["mean_candidate_score"] == pytest.approx(sum(scores) / 3)
    assert totals["mean_calibration_gap"] == pytest.approx(1 / 12)
    assert (totals["rounds"], totals["candidate_rounds"], totals["interviewer_rounds"]) == (4, 3, 1)
    assert totals["hints_used"] == 3


def test_pair_session_report_has_both_sides(store: HistoryStore, seeded: Seeded) -> None:
    report = build_report(store, seeded.pair)
    assert report["session"]["participants"] == ["Ana", "Ben *the* [interviewer]"]
    assert report["rounds"] == []
    first, second = report["pair_rounds"]
    assert (first["candidate"], first["interviewer"]) == ("Ana", "Ben *the* [interviewer]")
    assert (second["candidate"], second["interviewer"]) == ("Ben *the* [interviewer]", "Ana")
    assert first["answer"] == "answer 0: TTL"
    assert first["feedback"] == "feedback 0"
    assert first["notes"] == "asked about TTLs"
    assert first["scores"] == {
        "interviewer": {"coverage": 3, "communication": 2},
        "self": {"coverage": 4},
    }
    assert first["ratings"] == {"clarity": 3}
    assert first["hints_used"] == 1
    md = render_markdown(report, tz=UTC)
    assert "Candidate: Ana; interviewer: Ben \\*the\\* \\[interviewer\\]" in md
    assert "feedback 1" in md and "asked about TTLs" in md


def test_latest_session_is_the_last_started(store: HistoryStore, seeded: Seeded) -> None:
    assert latest_session_id(store) == seeded.pair


def test_no_session_is_a_report_error(store: HistoryStore) -> None:
    assert latest_session_id(store) is None
    with pytest.raises(ReportError, match="no session with id 7"):
        build_report(store, 7)


def test_markdown_keeps_untrusted_text_inert(store: HistoryStore, seeded: Seeded) -> None:
    md = render_markdown(build_report(store, seeded.second), tz=UTC)
    assert "\x1b" not in md and "\u202e" not in md
    parsed = tokens(md)
    assert not [t for t in parsed if t.type in ("link_open", "image", "html_inline", "html_block")]
    blocks = [t.content for t in parsed if t.type == "fence"]
    assert make_visible(HOSTILE) + "\n" in blocks  # the shadow round's feedback, whole
    answer = next(b for b in blocks if b.startswith("line one"))
    assert answer == make_visible("line one\n" + HOSTILE + "\n````\nafter four backticks") + "\n"
    assert "## Round 1: shadow, example/pair\\-sum (coding)" in md
    assert "- Started: 2026-03-03 11:00" in md


@pytest.mark.parametrize(
    "text",
    [
        "[click](http://evil.example)",
        "![img](http://evil.example/x.png)",
        "<script>alert(1)</script>",
        "&lt;b&gt; and &amp;",
        "*bold* _it_ `code` ~~gone~~",
        "a | b | c",
        "line\nbreak\r\n# heading",
        "\x1b]8;;http://x\x07link\x1b]8;;\x07",
        "\\*escaped\\*",
    ],
)
def test_inline_text_renders_as_the_literal_text(text: str) -> None:
    line = f"| {md_inline(text)} |\n|---|\n| x |\n"
    parsed = tokens(line)
    assert not [
        t
        for t in parsed
        if t.type in ("link_open", "image", "html_inline", "strong_open", "em_open", "s_open")
        or t.type == "code_inline"
    ]
    cell = next(t for t in parsed if t.type == "inline")
    shown = "".join(c.content for c in cell.children if c.type == "text")
    assert shown == make_visible(text, keep_newlines=False)


@pytest.mark.parametrize(
    "text", ["```\nnot the end\n```", "``````", "~~~\nx\n~~~", "    indented\n```python", ""]
)
def test_a_code_block_cannot_be_closed_from_inside(text: str) -> None:
    block = md_block(text)
    parsed = [t for t in MD.parse(block + "\n\nafter") if t.type == "fence"]
    assert len(parsed) == 1
    assert parsed[0].content == (make_visible(text) + "\n")


def test_json_report_is_ascii_and_complete(store: HistoryStore, seeded: Seeded) -> None:
    text = render(build_report(store, seeded.second), "json")
    assert text.isascii()
    data = json.loads(text)
    assert data["rounds"][0]["feedback"] == HOSTILE
    assert set(data) == {"format_version", "session", "rounds", "pair_rounds", "totals"}


def test_write_report_writes_atomically_under_reports(
    store: HistoryStore, seeded: Seeded, tmp_path: Path
) -> None:
    target = default_report_path(tmp_path / "data", seeded.solo, "md")
    assert target == tmp_path / "data" / "reports" / f"session-{seeded.solo}.md"
    assert write_report(store, seeded.solo, target, "md") == target
    assert target.read_text(encoding="utf-8").startswith(f"# Session {seeded.solo} (solo")
    json_target = write_report(
        store, seeded.solo, default_report_path(tmp_path / "data", seeded.solo, "json"), "json"
    )
    assert json.loads(json_target.read_text(encoding="utf-8"))["session"]["id"] == seeded.solo
    assert sorted(p.name for p in target.parent.iterdir()) == [
        f"session-{seeded.solo}.json",
        f"session-{seeded.solo}.md",
    ]


def test_write_report_refuses_an_unknown_format_before_writing(
    store: HistoryStore, seeded: Seeded, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        write_report(store, seeded.solo, tmp_path / "r.txt", "txt")
    with pytest.raises(ValueError):
        default_report_path(tmp_path, 1, "html")
    assert not (tmp_path / "r.txt").exists()


def test_details_from_an_older_version_or_an_import_do_not_break_the_report(
    store: HistoryStore,
) -> None:
    from trainer.core.storage.history import AttemptRecord

    sid = store.start_session(mode="solo", role_plan="x", started_at=0.0, settings={})
    odd = {"evaluation": {"final": {"criteria": [{"id": 3}, "x"]}, "coding": {"tests": "x"}}}
    store.record_attempt(
        AttemptRecord(
            role="candidate",
            pack_id="p",
            question_id="q",
            kind="coding",
            submitted_at=1.0,
            session_id=sid,
            scores={"self": {"c": 2}},
            details=odd,
        )
    )
    report = build_report(store, sid)
    assert report["rounds"][0]["criteria"][0]["id"] == "c"
    assert render_markdown(report, tz=UTC).startswith("# Session")
