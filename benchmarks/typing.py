"""Benchmark typing: 1,000 keystrokes into the candidate round's answer editor, autosave on.

The trainer (a candidate round on a free-text question, its draft autosaved as it is typed)
and a floor, a bare Textual app holding one TextArea set up like the answer editor, receive
the same keys through Textual's Pilot `press`, headless. Each measurement is a fresh child
process; the two alternate, --repeat times each, and only the key presses are timed (not the
start-up). Target: the trainer within 1.2x of the bare TextArea.
Two figures per run: CPU time of the process (all threads, so the autosave thread counts),
the work each keystroke costs, and wall time. Pilot waits for the app to go idle after every
key in 20 ms steps, which pads wall time alike for both apps, so wall ratios sit near 1 and
move in steps; CPU time is the ratio judged against the target. Both texts are checked
against the keys sent, and the trainer's saved draft against the text.
A run takes about a minute per app at 1,000 keys; use --keys for a quicker look.
Run: python benchmarks/typing.py [--repeat 3] [--keys 1000]
"""

from __future__ import annotations

import os
import sys

# This file shares its name with the standard library's `typing`. Run as a script, its folder
# would be sys.path[0] and shadow the real module for everything imported later; put the
# repository root there instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    sys.path[0] = os.path.dirname(_HERE)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402  (the standard library's, after the fix above)

from benchmarks.common import run_child, spread  # noqa: E402

if TYPE_CHECKING:  # textual and the app load in the child processes only
    from textual.app import App
    from textual.widgets import TextArea

    from trainer.tui.app import TrainerApp
    from trainer.tui.services import Services

TARGET = 1.2
SETTLE = 0.5  # seconds between the editor getting focus and the first key
START_ATTEMPTS = 3  # a run whose app crashes while starting is tried again, up to this often
SIZE = (120, 40)
QUESTION = "example/cache-invalidation"  # a concept question: free text, autosaved
# What a candidate might type; "\n" is sent as the enter key.
ANSWER = (
    "when the data behind a cached value changes, the cache has to learn of it. "
    "i would delete the entry on every write rather than update it, so the next read "
    "misses and fills it again from the database.\n"
    "a short ttl bounds how stale a value can get when an invalidation is lost, "
    "and versioned keys avoid races between a slow reader and a writer.\n"
)


def keystrokes(count: int) -> tuple[list[str], str]:
    """`count` keys for Pilot, and the text they should leave in the editor."""
    chars = [ANSWER[i % len(ANSWER)] for i in range(count)]
    return ["enter" if c == "\n" else c for c in chars], "".join(chars)


# -- child: one app, one run ----------------------------------------------------------------


def bare_app() -> App[None]:
    """The floor: one TextArea configured like the free-text answer editor, focused."""
    from textual.app import App, ComposeResult
    from textual.widgets import TextArea

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield TextArea(
                id="editor",
                soft_wrap=True,
                tab_behavior="focus",
                placeholder="Type your answer. It is saved as you type.",
            )

        def on_mount(self) -> None:
            self.query_one(TextArea).focus()

    return Bare()


async def typed(kind: str, count: int, data_dir: Path, phase: list[str]) -> dict[str, object]:
    """Press the keys into one app and time it; check the text (and the draft) afterwards.

    `phase` ends up "typing" once start-up is over, so the caller can tell a crash while the
    app was starting (retried) from one while keys were pressed (fatal).
    """
    from trainer.tui.app import TrainerApp
    from trainer.tui.services import Services, StartOptions

    keys, expected = keystrokes(count)
    services = Services(data_dir=data_dir)
    app: App[None] = (
        bare_app() if kind == "bare" else TrainerApp(services, StartOptions(role="candidate"))
    )
    result: dict[str, object] = {"kind": kind}
    try:
        async with app.run_test(size=SIZE) as pilot:
            if isinstance(app, TrainerApp):
                await start_round(app)
            editor = await focused_editor(app, kind)
            await pilot.pause(SETTLE)  # start-up callbacks still queued run before the timing
            if not app.is_running:
                return result  # crashed while starting; run_test raises the error on exit
            phase.append("typing")
            cpu, wall = time.process_time(), time.perf_counter()
            await pilot.press(*keys)
            result["wall"] = time.perf_counter() - wall
            result["cpu"] = time.process_time() - cpu
            result["text_ok"] = editor.text == expected
            if isinstance(app, TrainerApp):
                saver = app.flow.autosaver
                result["saves"] = saver.saves if saver is not None else 0
                result["autosave_interval"] = services.autosave_interval
                await pilot.pause(4 * services.autosave_interval)  # let the last save land
                result["draft_ok"] = draft_text(services) == expected
    finally:
        services.close()
    return result


async def start_round(app: TrainerApp, timeout: float = 60.0) -> None:
    """Once the home screen lists the packs, start with the question, as the palette does.

    Going through the home screen rather than `StartOptions(direct=True)` keeps this
    measurement apart from the direct-start path, which is not what it is about.
    """
    from trainer.tui.screens.home import HomeScreen

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if isinstance(app.screen, HomeScreen) and app.screen.bank is not None:
            pack_id, _, question_id = QUESTION.partition("/")
            app.start_with((pack_id, question_id))
            return
        await asyncio.sleep(0.05)
    raise SystemExit(f"trainer: the home screen never listed the packs ({app.screen!r})")


async def focused_editor(app: App[None], kind: str, timeout: float = 60.0) -> TextArea:
    """Wait until the answer editor is on screen and focused (the trainer loads packs first)."""
    from textual.widgets import TextArea

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        focused = app.focused
        if isinstance(focused, TextArea) and focused.id == "editor":
            if kind == "bare" or type(app.screen).__name__ == "CandidateScreen":
                return focused
        await asyncio.sleep(0.05)
    raise SystemExit(f"{kind}: the answer editor never got focus (screen {app.screen!r})")


def draft_text(services: Services) -> str | None:
    from trainer.core.autosave import draft_key

    pack_id, _, question_id = QUESTION.partition("/")
    draft = services.drafts.load(draft_key("candidate", pack_id, question_id))
    return draft.text if draft is not None else None


def child(kind: str, count: int) -> None:
    """One measured run, in a fresh data directory; a start-up crash is retried and reported."""
    crashes: list[str] = []
    while True:
        phase: list[str] = []
        try:
            with tempfile.TemporaryDirectory() as tmp:
                result = asyncio.run(typed(kind, count, Path(tmp), phase))
            if "cpu" not in result:
                raise RuntimeError("the app stopped before the first key")
            break
        except Exception as exc:
            if phase or len(crashes) >= START_ATTEMPTS - 1:
                raise
            crashes.append(f"{type(exc).__name__}: {exc}")
    result["startup_crashes"] = crashes
    problems = [k for k in ("text_ok", "draft_ok") if result.get(k) is False]
    if problems:
        sys.exit(f"{kind}: {', '.join(problems)} failed: the keys did not end up where expected")
    print(json.dumps(result))


# -- parent ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per app")
    parser.add_argument("--keys", type=int, default=1000, help="keystrokes per run")
    parser.add_argument("--child", choices=["bare", "trainer"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.keys)
        return

    script = os.path.abspath(__file__)
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "trainer": []}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TRAINER_DATA_DIR=tmp)  # nothing may touch the real data dir
        for i in range(args.repeat):
            order = ["bare", "trainer"] if i % 2 == 0 else ["trainer", "bare"]
            for kind in order:
                argv = [sys.executable, script, "--child", kind, "--keys", str(args.keys)]
                out = run_child(kind, argv, env=env).stdout
                runs[kind].append(json.loads(out.strip().splitlines()[-1]))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    saves = [int(r["saves"]) for r in runs["trainer"]]
    crashes = [c for kind in runs for r in runs[kind] for c in r["startup_crashes"]]
    print(
        f"{args.keys} keystrokes per run via Pilot.press, headless {SIZE[0]}x{SIZE[1]}; "
        f"median of {args.repeat} runs per app, alternating; load average {load:.2f}"
    )
    print(
        f"trainer: candidate round on {QUESTION}, autosave every "
        f"{runs['trainer'][0]['autosave_interval']} s "
        f"({min(saves)}-{max(saves)} draft writes per run); texts and draft checked\n"
    )
    print(
        f"{'what':36} {'cpu s':>7} {'spread':>11} {'ms/key':>7} {'wall s':>7} {'spread':>11} "
        f"{'ms/key':>7}"
    )
    medians: dict[str, tuple[float, float]] = {}
    for kind, label in (
        ("bare", "floor: bare TextArea app"),
        ("trainer", "trainer answer editor, autosave on"),
    ):
        cpu = [r["cpu"] for r in runs[kind]]
        wall = [r["wall"] for r in runs[kind]]
        medians[kind] = statistics.median(cpu), statistics.median(wall)
        print(
            f"{label:36} {medians[kind][0]:7.2f} {spread(cpu, 1, 2):>11} "
            f"{medians[kind][0] * 1000 / args.keys:7.2f} {medians[kind][1]:7.2f} "
            f"{spread(wall, 1, 2):>11} {medians[kind][1] * 1000 / args.keys:7.2f}"
        )
    cpu_ratio = medians["trainer"][0] / medians["bare"][0]
    wall_ratio = medians["trainer"][1] / medians["bare"][1]
    met = "met" if cpu_ratio <= TARGET else "NOT met"
    print(
        f"\ntrainer / bare: cpu {cpu_ratio:.2f}x (target {TARGET}x: {met}), wall {wall_ratio:.2f}x"
    )
    if crashes:
        print(
            f"\nWARNING: the app crashed {len(crashes)} time(s) while starting, before any key"
            f" was pressed (each such run was started again). Last: {crashes[-1][:300]}"
        )
    print(
        "\nHow to read: 'cpu' is the work the process did while the keys were pressed (every"
        "\nthread: key handling, repaints, timers, the autosave writes); it is the figure judged"
        "\nagainst the target. 'wall' includes Pilot's idle waits (20 ms steps after each key),"
        "\nthe same for both apps, so its ratio is compressed towards 1; a trainer wall ratio"
        "\nwell above 1 means keys took longer than those waits to settle. A wide spread or a"
        "\nload average above the CPU count means a noisy run: run again."
    )


if __name__ == "__main__":
    main()
