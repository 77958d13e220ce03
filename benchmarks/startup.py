"""Benchmark start-up: the home screen's first frame and `trainer --help`, against their floors.

Each case is a whole child process (`python -c` / `-m`), run --repeat times, interleaved so
a busy moment hits every case alike, after one untimed warm-up round; medians are reported
with the min-max spread of the runs. In one run:
- floor: an empty Textual app (one blank screen), headless, exiting right after that screen's
  first refresh; against it the trainer app, exiting the same way after the home screen's
  first refresh (target: within 1.3x);
- floor: a minimal Typer app's `--help`; against it `python -m trainer --help` (target 1.2x).
Three figures per case: wall time of the whole process (the target), the moment of the first
frame (from the spawn, as printed by the child; not for --help) and CPU time (user + system),
which moves least when other work shares the machine.

--explain adds cases that split the cost (the home screen's widgets and stylesheet alone on a
bare App, the app with pack loading switched off, the app opened through the CLI as a user
starts it), lists the modules loaded when the first frame is drawn, and which modules each
target imports that its floor does not, with `-X importtime` figures and who pulls them in.
Run: python benchmarks/startup.py [--repeat 7] [--explain]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ChildRun, run_child, spread  # noqa: E402

HOME_TARGET = 1.3
HELP_TARGET = 1.2
SIZE = "(120, 40)"  # terminal size for every headless app

# Every first-frame child calls `mark` through call_after_refresh when its screen mounts:
# it records time.monotonic(), exits the app, and the child prints the mark once the app has
# returned (Textual captures stdout while it runs). The parent compares it with its own clock.
FIRST_FRAME = """
import sys
import time
frame = []
def mark(app):
    frame.append(time.monotonic())
    if "--modules" in sys.argv:
        frame.append(" ".join(sorted(sys.modules)))
    app.exit()
def report():
    print("FRAME", *frame, sep="\\n")
"""

EMPTY_APP = (
    FIRST_FRAME
    + f"""
from textual.app import App
from textual.screen import Screen
class Blank(Screen[None]):
    def on_mount(self) -> None:
        self.call_after_refresh(mark, self.app)
class Empty(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Blank())
Empty().run(headless=True, size={SIZE})
report()
"""
)

# The home screen the app pushes on mount, with the exit hook. The app module's name is
# rebound, so the app runs unchanged (a subclass of the app would move its CSS_PATH).
HOME_HOOK = """
from trainer.tui import app as app_module
from trainer.tui.screens.home import HomeScreen
class FirstFrameHome(HomeScreen):
    def on_mount(self) -> None:
        self.call_after_refresh(mark, self.app)
app_module.HomeScreen = FirstFrameHome
"""

# The app as launch() builds it; --no-packs switches its pack loading off (--explain).
TRAINER_APP = (
    FIRST_FRAME
    + HOME_HOOK
    + f"""
from trainer.paths import data_dir
from trainer.tui.services import Services
services = Services(data_dir=data_dir())
app = app_module.TrainerApp(services)
if "--no-packs" in sys.argv:
    assert callable(app._load_packs), "the app's pack loader has moved: update the benchmark"
    app._load_packs = lambda: None
try:
    app.run(headless=True, size={SIZE})
finally:
    services.close()
report()
"""
)

HOME_ALONE = (
    FIRST_FRAME
    + f"""
from pathlib import Path
from textual.app import App
import trainer.tui
from trainer.tui.screens.home import HomeScreen
class FirstFrameHome(HomeScreen):
    def on_mount(self) -> None:
        self.call_after_refresh(mark, self.app)
class Host(App[None]):
    CSS_PATH = str(Path(trainer.tui.__file__).parent / "trainer.tcss")
    def on_mount(self) -> None:
        self.push_screen(FirstFrameHome())
Host().run(headless=True, size={SIZE})
report()
"""
)

# `trainer` with no arguments, as a user starts it, with App.run made headless.
VIA_CLI = (
    FIRST_FRAME
    + HOME_HOOK
    + f"""
run = app_module.TrainerApp.run
app_module.TrainerApp.run = lambda self, **kw: run(self, headless=True, size={SIZE})
from trainer.cli.main import run as cli
sys.argv[:] = ["trainer"]
try:
    cli()
except SystemExit as exc:
    if exc.code:
        raise
report()
"""
)

MINIMAL_TYPER = """
import typer
app = typer.Typer(help="A minimal Typer app.")
@app.command()
def hello(name: str = "world") -> None:
    \"\"\"Say hello.\"\"\"
    print(f"hello {name}")
@app.command()
def bye() -> None:
    \"\"\"Say goodbye.\"\"\"
app(prog_name="minimal")
"""


@dataclass
class Case:
    name: str
    argv: list[str]
    runs: list[ChildRun] = field(default_factory=list)

    def wall(self) -> list[float]:
        return [r.seconds for r in self.runs]

    def cpu(self) -> list[float]:
        return [r.cpu_seconds for r in self.runs]

    def frame(self) -> list[float]:
        """Seconds from the spawn to the first frame, for the cases that print a mark."""
        out = []
        for r in self.runs:
            parts = r.stdout.split("FRAME\n", 1)
            if len(parts) == 2:
                out.append(float(parts[1].split()[0]) - r.started)
        return out


def median_ms(values: Sequence[float]) -> str:
    return f"{statistics.median(values) * 1000:7.0f}" if values else f"{'-':>7}"


def ratio(a: Sequence[float], b: Sequence[float]) -> float:
    return statistics.median(a) / statistics.median(b) if a and b else float("nan")


def print_table(cases: Sequence[Case]) -> None:
    print(
        f"{'what (median ms; spread = min-max)':50} {'wall':>7} {'spread':>10} {'frame':>7} "
        f"{'spread':>10} {'cpu':>7} {'peak MB':>8}"
    )
    for c in cases:
        frame = c.frame()
        print(
            f"{c.name:50} {median_ms(c.wall())} {spread(c.wall()):>10} {median_ms(frame)} "
            f"{spread(frame) if frame else '-':>10} {median_ms(c.cpu())} "
            f"{max(r.peak_mb for r in c.runs):8.1f}"
        )


def ratios(case: Case, floor: Case) -> str:
    text = f"wall {ratio(case.wall(), floor.wall()):.2f}x"
    if case.frame() and floor.frame():
        text += f", first frame {ratio(case.frame(), floor.frame()):.2f}x"
    return text + f", cpu {ratio(case.cpu(), floor.cpu()):.2f}x"


def verdict(label: str, case: Case, floor: Case, target: float) -> None:
    met = "met" if ratio(case.wall(), floor.wall()) <= target else "NOT met"
    print(f"{label}: {ratios(case, floor)} (target {target}x on wall: {met})")


# -- import attribution (--explain) --------------------------------------------------------

IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


@dataclass
class Imported:
    name: str
    self_us: int
    cumulative_us: int
    parent: str | None = None


def parse_importtime(stderr: str) -> dict[str, Imported]:
    """Modules from `-X importtime` output, each with the module that imported it.

    Children are printed before their parent, one indentation step (two spaces) deeper.
    """
    found: dict[str, Imported] = {}
    waiting: dict[int, list[Imported]] = {}
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match is None:
            continue
        depth = len(match.group(3)) // 2
        item = Imported(match.group(4), int(match.group(1)), int(match.group(2)))
        for child in waiting.pop(depth + 1, []):
            child.parent = item.name
        waiting.setdefault(depth, []).append(item)
        found.setdefault(item.name, item)
    return found


def group_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3]) if parts[0] == "trainer" else parts[0]


def explain_imports(label: str, target: dict[str, Imported], floor: dict[str, Imported]) -> None:
    """What the target imports that the floor does not, by package, and who pulls each in."""
    extra = {k: v for k, v in target.items() if k not in floor}
    by_group: dict[str, int] = {}
    entry: dict[str, Imported] = {}  # each group's biggest module imported from outside it
    for item in extra.values():
        group = group_of(item.name)
        by_group[group] = by_group.get(group, 0) + item.self_us
        if item.parent is None or group_of(item.parent) != group:
            if group not in entry or item.cumulative_us > entry[group].cumulative_us:
                entry[group] = item
    total = sum(by_group.values())
    print(
        f"\n{label}: {len(extra)} modules more than its floor, {total / 1000:.0f} ms of "
        "import time\n(-X importtime self times by package; 'via': who imports it, top-down)"
    )
    for group, us in sorted(by_group.items(), key=lambda kv: -kv[1])[:12]:
        chain: list[str] = []
        walked: set[str] = set()  # circular imports can make the links loop: stop there
        parent = entry[group].parent if group in entry else None
        while parent is not None and parent not in walked:
            walked.add(parent)
            if not chain or parent.startswith("trainer"):  # the project's own links
                chain.insert(0, parent)
            parent = target[parent].parent if parent in target else None
        via = " > ".join(chain) if chain else "(top level)"
        print(f"  {group:28} {us / 1000:6.1f} ms  via {via}")


def importtime(argv: Sequence[str], env: dict[str, str]) -> dict[str, Imported]:
    run = run_child("importtime", [argv[0], "-X", "importtime", *argv[1:]], env=env)
    return parse_importtime(run.stderr)


def modules_at_frame(argv: Sequence[str], env: dict[str, str]) -> set[str]:
    run = run_child("modules", [*argv, "--modules"], env=env)
    return set(run.stdout.split("FRAME\n", 1)[1].splitlines()[1].split())


def explain_modules(py: str, env: dict[str, str]) -> None:
    empty = [py, "-c", EMPTY_APP]
    home = [py, "-c", TRAINER_APP]
    at_empty, at_home = modules_at_frame(empty, env), modules_at_frame(home, env)
    heavy = [
        m
        for m in (
            "pydantic",
            "yaml",
            "sqlite3",
            "trainer.core.packs.model",
            "trainer.core.session",
            "trainer.tui.flow",
        )
        if m in at_home
    ]
    print(
        f"\nmodules loaded at the first frame: empty app {len(at_empty)}, trainer "
        f"{len(at_home)}; among them: {', '.join(heavy) or 'none of note'}"
    )
    # Without the pack-loading thread: -X importtime nests with one counter for all threads.
    explain_imports(
        "trainer home first frame, main thread only (packs not loaded)",
        importtime([*home, "--no-packs"], env),
        importtime(empty, env),
    )
    explain_imports(
        "trainer --help",
        importtime([py, "-m", "trainer", "--help"], env),
        importtime([py, "-c", MINIMAL_TYPER, "--help"], env),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per case")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="split the cost into cases and list the imports behind it",
    )
    args = parser.parse_args()
    py = sys.executable
    app = [py, "-c", TRAINER_APP]
    floor_app = Case("floor: empty Textual app, first frame", [py, "-c", EMPTY_APP])
    home = Case("trainer home screen, first frame", app)
    floor_help = Case("floor: minimal Typer app --help", [py, "-c", MINIMAL_TYPER, "--help"])
    trainer_help = Case("python -m trainer --help", [py, "-m", "trainer", "--help"])
    split = [
        Case("  home screen alone on a bare App + trainer.tcss", [py, "-c", HOME_ALONE]),
        Case("  trainer app, pack loading off", [*app, "--no-packs"]),
        Case("  trainer (the CLI, no arguments)", [py, "-c", VIA_CLI]),
    ]
    cases = [Case("python -c pass (interpreter start)", [py, "-c", "pass"]), floor_app, home]
    cases += split if args.explain else []
    cases += [floor_help, trainer_help]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TRAINER_DATA_DIR=tmp)
        for case in cases:  # warm-up: bytecode caches, disk cache
            run_child(case.name, case.argv, env=env)
        for i in range(args.repeat):
            for case in cases[i % len(cases) :] + cases[: i % len(cases)]:
                case.runs.append(run_child(case.name, case.argv, env=env))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"median of {args.repeat} runs per case, interleaved; {os.cpu_count()} CPUs, "
            f"load average {load:.2f}\n"
        )
        print_table(cases)
        print()
        verdict("home first frame vs empty app", home, floor_app, HOME_TARGET)
        verdict("trainer --help vs minimal Typer", trainer_help, floor_help, HELP_TARGET)
        print(
            "\nHow to read: 'wall' is the whole process, spawn to exit, and is what the targets"
            "\nare judged on; 'frame' is spawn to the first frame, without the tear-down; 'cpu'"
            "\nis user+system time of the process, the steadiest figure when the machine is busy."
            "\nRatios are of medians. A wide spread or a load average above the CPU count means"
            "\na noisy run: run again."
        )
        if args.explain:
            explain_modules(py, env)


if __name__ == "__main__":
    main()
