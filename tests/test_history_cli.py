"""`trainer history`, `history show/export/import`, `report`, `stats`, and the review flags."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.seed_history import HOSTILE, Seeded, seed
from trainer.cli.main import app
from trainer.core.storage.exchange import export_lines
from trainer.core.storage.history import HistoryStore
from trainer.paths import history_db_path

runner = CliRunner(env={"COLUMNS": "80"})


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local dates and times are the machine's; pin the zone so the tests mean the same."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def seeded(data: Path) -> Seeded:
    with HistoryStore(history_db_path(data)) as store:
        return seed(store)


def run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


# -- the list ------------------------------------------------------------------------------


def test_history_without_a_database_is_empty_and_creates_nothing(data: Path) -> None:
    result = run("history", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert "No sessions yet." in result.stdout
    listed = run("history", "--format", "json", "--data-dir", data)
    assert json.loads(listed.stdout) == {"format_version": 1, "sessions": []}
    assert not data.exists()


def test_history_lists_sessions_newest_first_at_80_columns(data: Path, seeded: Seeded) -> None:
    result = run("history", "--data-dir", data)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    ids = [line.split()[0] for line in lines if line.strip()[:1].isdigit()]
    assert ids == [str(seeded.pair), str(seeded.second), str(seeded.solo)]
    assert "2026-03-02 09:00" in result.stdout
    assert "Ana & Ben *the*" in result.stdout  # pair sessions name both people
    solo = next(line for line in lines if line.split()[:1] == [str(seeded.solo)])
    assert "48%" in solo and "8%" in solo


def test_history_json_has_every_field(data: Path, seeded: Seeded) -> None:
    result = run("history", "--format", "json", "--data-dir", data)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["format_version"] == 1
    sessions = body["sessions"]
    assert [s["id"] for s in sessions] == [seeded.pair, seeded.second, seeded.solo]
    assert set(sessions[0]) == {
        "id",
        "uid",
        "mode",
        "started_at",
        "finished_at",
        "rounds",
        "candidate_rounds",
        "interviewer_rounds",
        "mean_score",
        "mean_calibration_gap",
        "packs",
        "kinds",
        "participants",
    }
    assert sessions[0]["participants"] == ["Ana", "Ben *the* [interviewer]"]
    assert sessions[2]["rounds"] == 4


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--role", "interviewer"], ["solo"]),
        (["--role", "shadow"], ["second"]),
        (["--kind", "multiple_choice"], ["solo"]),
        (["--pack", "example"], ["pair", "second", "solo"]),
        (["--pack", "nope"], []),
        (["--since", "2026-03-03"], ["pair", "second"]),
        (["--until", "2026-03-02"], ["solo"]),  # until includes the day named
        (["--since", "2026-03-03", "--until", "2026-03-03"], ["second"]),
        (["--limit", "1"], ["pair"]),
    ],
)
def test_history_filters(
    data: Path, seeded: Seeded, options: list[str], expected: list[str]
) -> None:
    result = run("history", "--format", "json", *options, "--data-dir", data)
    assert result.exit_code == 0, result.output
    names = {seeded.solo: "solo", seeded.second: "second", seeded.pair: "pair"}
    assert [names[s["id"]] for s in json.loads(result.stdout)["sessions"]] == expected


@pytest.mark.parametrize(
    "options",
    [
        ["--since", "2026-3-2"],
        ["--until", "20260302"],
        ["--since", "2026-02-30"],
        ["--since", "2026-03-04", "--until", "2026-03-01"],
        ["--role", "judge"],
        ["--kind", "trivia"],
        ["--limit", "0"],
    ],
)
def test_bad_filters_are_usage_errors(data: Path, options: list[str]) -> None:
    result = run("history", *options, "--data-dir", data)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.strip()


def test_filters_that_match_nothing_say_so(data: Path, seeded: Seeded) -> None:
    result = run("history", "--pack", "nope", "--data-dir", data)
    assert result.exit_code == 0
    assert "No sessions match these filters." in result.stdout


# -- one session ---------------------------------------------------------------------------


def test_history_show_prints_each_round(data: Path, seeded: Seeded) -> None:
    result = run("history", "show", str(seeded.solo), "--data-dir", data)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Round 1: candidate, example/pair-sum (coding)" in out
    assert "│ def pair_sum(nums, target):" in out
    assert "tests: 4 of 5 passed" in out
    assert "verdict Leaning hire; score 78%" in out
    assert "reference verdict Strong no hire (differs); calibration gap 8%" in out
    assert "hints 2 of 3; time 5:00 of 20:00" in out
    assert "│ Watch i == j." in out
    assert "interviewer" in out and "reference" in out  # score sources as columns


def test_history_show_makes_hostile_text_visible(data: Path, seeded: Seeded) -> None:
    result = run("history", "show", str(seeded.second), "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\e[31mred\\e[0m [link](http://x) <b>bold</b>" in result.stdout
    assert "\\u202eevil" in result.stdout


def test_history_show_pair_session_has_both_sides(data: Path, seeded: Seeded) -> None:
    result = run("history", "show", str(seeded.pair), "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert "candidate Ana; interviewer Ben *the* [interviewer]" in result.stdout
    assert "candidate Ben *the* [interviewer]; interviewer Ana" in result.stdout
    assert "│ feedback 1" in result.stdout and "│ asked about TTLs" in result.stdout


def test_history_show_json_is_the_report(data: Path, seeded: Seeded) -> None:
    result = run("history", "show", str(seeded.second), "--format", "json", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert result.stdout.isascii()
    body = json.loads(result.stdout)
    assert body["rounds"][0]["feedback"] == HOSTILE


def test_history_show_unknown_session(data: Path, seeded: Seeded) -> None:
    result = run("history", "show", "99", "--data-dir", data)
    assert result.exit_code == 1
    assert "no session with id 99" in result.stderr


def test_data_dir_given_before_the_sub_command_counts(data: Path, seeded: Seeded) -> None:
    result = run("history", "--data-dir", data, "show", str(seeded.solo))
    assert result.exit_code == 0, result.output
    assert "Session 1" in result.stdout


# -- export and import ---------------------------------------------------------------------


def test_export_to_stdout_and_to_a_file(data: Path, seeded: Seeded, tmp_path: Path) -> None:
    with HistoryStore(history_db_path(data)) as store:
        expected = list(export_lines(store))
    result = run("history", "export", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == expected
    target = tmp_path / "out.jsonl"
    written = run("history", "export", "-o", target, "--data-dir", data)
    assert written.exit_code == 0, written.output
    assert target.read_text(encoding="utf-8").splitlines() == expected
    assert "exported 3 sessions and 7 attempts" in written.stderr


def test_export_to_a_missing_folder_is_a_clear_error(data: Path, tmp_path: Path) -> None:
    result = run(
        "history", "export", "-o", tmp_path / "no" / "such" / "f.jsonl", "--data-dir", data
    )
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and "Traceback" not in result.output


def test_import_then_import_again(data: Path, seeded: Seeded, tmp_path: Path) -> None:
    export = tmp_path / "h.jsonl"
    assert run("history", "export", "-o", export, "--data-dir", data).exit_code == 0
    other = tmp_path / "other"
    first = run("history", "import", export, "--data-dir", other)
    assert first.exit_code == 0, first.output
    assert "10 added, 0 already present, 0 bad lines" in first.stdout
    assert "sessions added: 3, attempts added: 7" in first.stdout
    again = run("history", "import", export, "--data-dir", other)
    assert again.exit_code == 0, again.output
    assert "0 added, 10 already present, 0 bad lines" in again.stdout
    listed = run("history", "--format", "json", "--data-dir", other)
    assert len(json.loads(listed.stdout)["sessions"]) == 3


def test_import_reports_bad_lines_and_imports_the_rest(
    data: Path, seeded: Seeded, tmp_path: Path
) -> None:
    with HistoryStore(history_db_path(data)) as store:
        lines = list(export_lines(store))
    lines.insert(3, "{broken")
    lines.insert(5, '{"type": "attempt", "uid": "x"}')
    export = tmp_path / "bad.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("history", "import", export, "--data-dir", tmp_path / "other")
    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith(str(export))]
    assert [p.split(":")[1] for p in problems] == ["4", "6"]
    assert "not valid JSON" in problems[0]
    assert "missing field" in problems[1]
    assert "10 added, 0 already present, 2 bad lines" in result.stdout


def test_import_refuses_a_newer_format(tmp_path: Path) -> None:
    export = tmp_path / "future.jsonl"
    export.write_text('{"type": "trainer-history", "format_version": 9, "schema_version": 9}\n')
    result = run("history", "import", export, "--data-dir", tmp_path / "d")
    assert result.exit_code == 2
    assert "format_version 9 is newer" in result.stderr
    assert "nothing was imported" in result.stderr


def test_import_of_a_missing_file(tmp_path: Path) -> None:
    result = run("history", "import", tmp_path / "nope.jsonl", "--data-dir", tmp_path / "d")
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


# -- report --------------------------------------------------------------------------------


def test_report_defaults_to_the_last_session(data: Path, seeded: Seeded) -> None:
    result = run("report", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"# Session {seeded.pair} (pair, swap)")


def test_report_json_and_file(data: Path, seeded: Seeded, tmp_path: Path) -> None:
    result = run("report", str(seeded.solo), "--format", "json", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["session"]["id"] == seeded.solo
    target = tmp_path / "r.md"
    written = run("report", str(seeded.second), "-o", target, "--data-dir", data)
    assert written.exit_code == 0, written.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith(f"# Session {seeded.second}")
    assert "\x1b" not in text
    assert written.stdout == ""


def test_report_without_sessions_or_with_an_unknown_one(data: Path, tmp_path: Path) -> None:
    empty = run("report", "--data-dir", tmp_path / "empty")
    assert empty.exit_code == 1 and "no sessions" in empty.stderr
    unknown = run("report", "5", "--data-dir", tmp_path / "empty")
    assert unknown.exit_code == 1 and "no session with id 5" in unknown.stderr


# -- stats ---------------------------------------------------------------------------------


def test_stats_json_is_the_stats_dict(data: Path, seeded: Seeded) -> None:
    result = run("stats", "--format", "json", "--data-dir", data)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["format_version"] == 1
    assert body["rounds"] == {"candidate": 5, "interviewer": 1, "shadow": 1}
    assert body["weakest"]["criterion_id"] == "communication"
    assert body["due_now"] >= 1
    only = run("stats", "--format", "json", "--role", "shadow", "--data-dir", data)
    assert json.loads(only.stdout)["rounds"] == {"shadow": 1}


def test_stats_text(data: Path, seeded: Seeded) -> None:
    result = run("stats", "--data-dir", data)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Rounds: 5 candidate, 1 interviewer, 1 shadow" in out
    assert "Mean candidate score: 58%" in out
    assert "Weakest criterion: communication (33% over 4 scores)" in out
    assert "Due for review now:" in out
    assert "Per criterion" in out and "By kind" in out and "By pack" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_stats_on_an_empty_history(tmp_path: Path) -> None:
    result = run("stats", "--data-dir", tmp_path / "d")
    assert result.exit_code == 0
    assert "No rounds recorded yet." in result.stdout
    body = json.loads(run("stats", "-f", "json", "--data-dir", tmp_path / "d").stdout)
    assert body["rounds"] == {} and body["cards"] == 0


def test_stats_json_loads_no_ui_library(data: Path, seeded: Seeded) -> None:
    code = (
        "import json, sys\n"
        f"sys.argv = ['trainer', 'stats', '--format', 'json', '--data-dir', {str(data)!r}]\n"
        "from trainer.cli.entry import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "ui = sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual'))\n"
        "sys.stderr.write(json.dumps(ui))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["rounds"]["candidate"] == 5
    assert json.loads(done.stderr) == []


# -- opening the history -------------------------------------------------------------------


def test_a_damaged_history_is_moved_aside_with_a_notice(data: Path) -> None:
    data.mkdir(parents=True)
    history_db_path(data).write_bytes(b"this is not a database" * 200)
    result = run("history", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert "damaged" in result.stderr and "moved to" in result.stderr
    assert "No sessions yet." in result.stdout


def test_a_newer_history_is_refused_without_a_traceback(data: Path, seeded: Seeded) -> None:
    with sqlite3.connect(history_db_path(data)) as conn:
        conn.execute("PRAGMA user_version = 99")
    for args in (["history"], ["stats", "-f", "json"], ["report"], ["history", "export"]):
        result = run(*args, "--data-dir", data)
        assert result.exit_code == 2, args
        assert "newer than this trainer" in result.stderr
        assert "Traceback" not in result.output


# -- opening the app ---------------------------------------------------------------------


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import trainer.tui.launch as launch

    calls: list[dict[str, Any]] = []

    def fake(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 0

    monkeypatch.setattr(launch, "launch", fake)
    return calls


@pytest.mark.parametrize(("command", "screen"), [("stats", "stats"), ("history", "history")])
def test_tui_flag_opens_that_screen(
    launches: list[dict[str, Any]], data: Path, command: str, screen: str
) -> None:
    result = run(command, "--tui", "--data-dir", data)
    assert result.exit_code == 0, result.output
    assert [(c["screen"], c["data_dir"]) for c in launches] == [(screen, data)]


@pytest.mark.parametrize("prefix", [[], ["practice"]])
def test_due_and_focus_reach_the_app(launches: list[dict[str, Any]], prefix: list[str]) -> None:
    result = run(*prefix, "--due", "--focus", "weakest")
    assert result.exit_code == 0, result.output
    assert [(c["due"], c["focus"], c.get("screen", "home")) for c in launches] == [
        (True, "weakest", "home")
    ]
    launches.clear()
    assert run(*prefix, "--due").exit_code == 0
    assert [(c["due"], c["focus"]) for c in launches] == [(True, None)]


@pytest.mark.parametrize("prefix", [[], ["practice"]])
def test_focus_without_due_is_refused(launches: list[dict[str, Any]], prefix: list[str]) -> None:
    result = run(*prefix, "--focus", "weakest")
    assert result.exit_code == 2
    assert "--due" in result.stderr
    assert launches == []
    assert run(*prefix, "--due", "--focus", "strongest").exit_code == 2
