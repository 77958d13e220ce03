"""Helpers for benchmarks: run a command several times, report median time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Measure:
    name: str
    seconds: float
    peak_mb: float
    runs: int


def measure(
    name: str,
    argv: Sequence[str],
    *,
    repeat: int = 3,
    env: dict[str, str] | None = None,
    ok_codes: Sequence[int] = (0,),
) -> Measure:
    """Median wall time and max peak RSS of a child process over `repeat` runs."""
    times: list[float] = []
    peaks: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode not in ok_codes:
            sys.exit(f"{name} failed with {proc.returncode}: {err[-2000:]}")
        times.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
    return Measure(name, statistics.median(times), max(peaks), repeat)


def report(floor: Measure, others: Sequence[Measure]) -> None:
    print(f"{'what':44} {'median s':>9} {'x floor':>8} {'peak MB':>8} {'x floor':>8}")
    for m in (floor, *others):
        print(
            f"{m.name:44} {m.seconds:9.3f} {m.seconds / floor.seconds:8.2f} "
            f"{m.peak_mb:8.1f} {m.peak_mb / floor.peak_mb:8.2f}"
        )


@dataclass
class ChildRun:
    """One child process: wall and CPU time, peak RSS, and what it printed."""

    seconds: float
    cpu_seconds: float  # user + system time of the child, less sensitive to a busy machine
    peak_mb: float
    started: float  # time.monotonic() just before the spawn, to compare with marks it prints
    stdout: str
    stderr: str


def run_child(
    name: str,
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    ok_codes: Sequence[int] = (0,),
) -> ChildRun:
    """Run one child to completion; output goes to temp files so no pipe can fill and stall it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if proc.returncode not in ok_codes:
        sys.exit(f"{name} failed with {proc.returncode}: {stderr[-2000:]}")
    return ChildRun(
        elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, started, stdout, stderr
    )


def spread(values: Sequence[float], scale: float = 1000.0, digits: int = 0) -> str:
    """`min-max` of the runs (in ms by default), so a reader can judge the noise."""
    return f"{min(values) * scale:.{digits}f}-{max(values) * scale:.{digits}f}"
