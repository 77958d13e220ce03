"""`trainer stats`: progress over time, as text or as the JSON of `Stats.to_dict()`.

The JSON path loads no UI library (Rich is imported for the text format only), so a
script polling the stats costs little more than the SQL aggregates themselves.
"""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from trainer.cli.options import (
    DataDirOption,
    FilterKindOption,
    FilterPackOption,
    FilterRoleOption,
    SinceOption,
    UntilOption,
)
from trainer.cli.store import filters, history_store, local_day
from trainer.core.text import make_visible

if TYPE_CHECKING:
    from rich.text import Text

    from trainer.core.storage.progress import Group, Stats


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


def stats(
    fmt: Annotated[TextOrJson, typer.Option("--format", "-f", help="Output format.")] = (
        TextOrJson.text
    ),
    pack: FilterPackOption = None,
    kind: FilterKindOption = None,
    role: FilterRoleOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    data_dir: DataDirOption = None,
    tui: Annotated[
        bool, typer.Option("--tui", help="Open the app on the Stats screen instead.")
    ] = False,
) -> None:
    """Progress over time: scores, weakest criterion, calibration, time, hints, reviews due."""
    chosen = filters(pack, kind, role, since, until)
    if tui:
        from trainer.tui.launch import launch  # lazy: keeps textual out of the JSON path

        raise typer.Exit(
            launch(
                role="alternate",
                pack_ids=[],
                question=None,
                rounds=4,
                data_dir=data_dir,
                extra_packs=[],
                screen="stats",
            )
        )
    from trainer.core.storage.progress import local_offset
    from trainer.core.storage.progress import stats as compute

    now = time.time()
    with history_store(data_dir) as store:
        result = compute(store, chosen, utc_offset_s=local_offset(now), now=now)
    if fmt is TextOrJson.json:
        # ASCII only: ids from an imported history cannot put raw controls on the terminal.
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=True) + "\n")
        return
    print_stats(result)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.0f} pts"


def _plain(value: object) -> Text:
    from rich.text import Text

    return Text(make_visible(str(value), keep_newlines=False))


def print_stats(result: Stats) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from trainer.core.storage.progress import trend

    out = Console(highlight=False, markup=False, emoji=False)
    total = sum(result.rounds.values())
    if not total:
        out.print(
            Text("No rounds recorded" + (" match these filters." if result.filters else " yet."))
        )
        if result.due_now:
            out.print(Text(f"Due for review now: {result.due_now} of {result.cards} questions"))
        return
    roles = ", ".join(
        f"{result.rounds[r]} {r}"
        for r in ("candidate", "interviewer", "shadow")
        if r in result.rounds
    )
    out.print(Text(f"Rounds: {roles}", style="bold"))
    out.print(
        Text(
            f"Sessions: {result.sessions}, from {local_day(result.first_at)} "
            f"to {local_day(result.last_at)}"
        )
    )
    lines = [
        f"Mean candidate score: {_pct(result.score.mean)} ({result.score.count} rounds)",
        f"Calibration gap: {_pct(result.calibration_gap.mean)} "
        f"({result.calibration_gap.count} rounds; lower is closer to the reference)",
        f"Self-assessment gap: {_pct(result.self_gap.mean)} ({result.self_gap.count} rounds)",
        f"Time used: {_pct(result.time_share.mean)} of the time limit on average",
        f"Hints: {_num(result.hints.mean)} per round",
    ]
    for line in lines:
        out.print(Text(line))
    if result.weakest is not None:
        w = result.weakest
        out.print(
            Text("Weakest criterion: ")
            + _plain(w.criterion_id)
            + Text(f" ({_pct(w.mean)} over {w.count} scores)")
        )
    else:
        out.print(Text("Weakest criterion: - (needs a few scored rounds)"))
    due = "-" if result.due_now is None else str(result.due_now)
    out.print(Text(f"Due for review now: {due} of {result.cards} questions"))

    if result.criteria:
        table = Table(
            title="Per criterion (candidate rounds, share of the scale)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        for head in ("criterion", "mean", "scores", "first week", "last week", "trend"):
            table.add_column(head, justify="left" if head == "criterion" else "right")
        for c in result.criteria:
            first, last, change = trend(c.series)
            table.add_row(
                _plain(c.criterion_id),
                _pct(c.series.mean),
                str(c.series.count),
                _pct(first),
                _pct(last),
                _signed(change),
            )
        out.print()
        out.print(table)
    for title, groups in (("By kind", result.by_kind), ("By pack", result.by_pack)):
        if groups:
            out.print()
            out.print(_group_table(title, groups))


def _group_table(title: str, groups: tuple[Group, ...]) -> object:
    from rich import box
    from rich.table import Table

    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    heads = ("", "rounds", "candidate", "score", "gap", "time used", "hints")
    for head in heads:
        table.add_column(head, justify="left" if not head else "right", overflow="fold")
    for g in groups:
        table.add_row(
            _plain(g.key),
            str(g.rounds),
            str(g.candidate_rounds),
            _pct(g.mean_score),
            _pct(g.mean_calibration_gap),
            _pct(g.mean_time_share),
            _num(g.mean_hints),
        )
    return table
