"""Hostile answers are contained: a clear verdict within the limit plus one second, no process
left behind, the parent's memory flat, no secrets or network.

Small limits (1 s, 128 MB, 64 KB) keep the suite fast. Leftovers are found by a marker: the
run's token (in the child's argv and environment) and a marker written into the argv of
any process the answer starts.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from trainer.core.evaluation import runner
from trainer.core.evaluation.results import RunLimits, RunResult, TestSpec
from trainer.core.evaluation.runner import run_tests, run_tests_async, sandbox_capabilities

LIMITS = RunLimits(time_s=1.0, memory_mb=128, output_kb=64)
TESTS = [TestSpec("first", [], 1), TestSpec("second", [], 1)]
CAPS = sandbox_capabilities()
needs_seccomp = pytest.mark.skipif(
    not CAPS["process_limit"], reason="no seccomp here: a fork bomb would not be contained"
)


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _processes_with(marker: str) -> list[int]:
    """Pids whose command line or environment holds `marker` (zombies hold neither)."""
    needle = marker.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                if needle in (entry / part).read_bytes():
                    found.append(int(entry.name))
                    break
            except OSError:
                continue
    return found


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    """One run first, so imports and caches do not count as memory growth."""
    run_tests("def f():\n    return 1\n", "f", TESTS, LIMITS)


@pytest.fixture
def marker(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A unique token for this run; afterwards, assert nothing carrying it is alive."""
    token = f"trainer-hostile-{uuid.uuid4().hex}"
    monkeypatch.setattr(runner, "_new_token", lambda: token)
    yield token
    assert _processes_with(token) == []


def _contained(code: str, limits: RunLimits = LIMITS, tests: list[TestSpec] = TESTS) -> RunResult:
    """Run, and check the time bound and the parent's memory."""
    rss_before = _rss_kb()
    start = time.monotonic()
    result = run_tests(code, "f", tests, limits)
    elapsed = time.monotonic() - start
    assert elapsed <= limits.time_s + 1.0, f"took {elapsed:.2f}s: {result}"
    assert _rss_kb() - rss_before < 8 * 1024, "the parent's memory grew"
    return result


HOSTILE = [
    ("loop", "def f():\n    while True:\n        pass\n", "time_limit", "took longer"),
    ("loop-at-load", "while True:\n    pass\n", "time_limit", "loading the code"),
    ("sleep", "import time\ndef f():\n    time.sleep(60)\n", "time_limit", "took longer"),
    (
        "sleep-ignoring-signals",
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "def f():\n    time.sleep(60)\n",
        "time_limit",
        "took longer",
    ),
    ("alloc-2gib", "def f():\n    return len(bytearray(2 * 1024**3))\n", "memory_limit", "128 MB"),
    (
        "alloc-growing",
        "def f():\n    keep = []\n    while True:\n        keep.append(bytearray(10**6))\n",
        "memory_limit",
        "memory",
    ),
    (
        "print-1gb",
        "def f():\n    for _ in range(10**6):\n        print('x' * 1000)\n",
        "output_limit",
        "64 KB",
    ),
    (
        "write-fd1-1gb",
        "import os\ndef f():\n    for _ in range(10**6):\n        os.write(1, b'x' * 1000)\n",
        "output_limit",
        "64 KB",
    ),
    (
        "original-stdout-1gb",
        "import sys\ndef f():\n    for _ in range(10**6):\n"
        "        sys.__stdout__.write('y' * 1000)\n",
        "output_limit",
        "64 KB",
    ),
    (
        "file-100mb",
        "def f():\n    with open('big.bin', 'wb') as fh:\n"
        "        for _ in range(100):\n            fh.write(b'z' * 2**20)\n",
        "runtime_error",
        "File too large",
    ),
    ("os-exit", "import os\ndef f():\n    os._exit(0)\n", "runtime_error", "exited with code 0"),
    ("segfault", "import ctypes\ndef f():\n    ctypes.string_at(0)\n", "runtime_error", "killed"),
]


@pytest.mark.parametrize(
    ("code", "verdict", "needle"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_hostile_answer_is_contained(marker: str, code: str, verdict: str, needle: str) -> None:
    result = _contained(code)
    assert result.verdict == verdict, result
    assert result.tests[0].verdict == verdict and needle in result.tests[0].error
    if "File too large" in needle:  # an exception in one test: the next one still runs
        assert result.not_run == () and result.tests[1].verdict == "runtime_error"
    else:  # the process was stopped: the rest is not run
        assert result.not_run == ("second",)


def test_a_limit_is_charged_to_the_running_test(marker: str) -> None:
    code = "import time\ndef f(n):\n    if n == 2:\n        time.sleep(60)\n    return n\n"
    tests = [TestSpec(f"t{n}", [n], n) for n in range(4)]
    result = _contained(code, tests=tests)
    assert [t.verdict for t in result.tests] == ["accepted", "accepted", "time_limit"]
    assert result.not_run == ("t3",)


def test_output_limit_keeps_the_capped_output(marker: str) -> None:
    result = _contained("def f():\n    while True:\n        print('spam')\n")
    assert result.verdict == "output_limit"
    assert len(result.stdout.encode()) <= LIMITS.output_kb * 1024
    assert result.stdout.startswith("spam\nspam\n")


def test_large_file_does_not_outlive_the_run(marker: str) -> None:
    code = (
        "import os\ndef f():\n    with open('partial.bin', 'wb') as fh:\n"
        "        fh.write(b'z' * 2**20)\n    return os.getcwd()\n"
    )
    result = _contained(code, tests=[TestSpec("where", [], "?")])
    run_dir = result.tests[0].actual_repr.strip("'")
    assert "trainer-run-" in run_dir
    assert not Path(run_dir).exists()


@needs_seccomp
@pytest.mark.parametrize(
    "code",
    [
        "import os\ndef f():\n    while True:\n        os.fork()\n",
        "import subprocess\ndef f():\n    subprocess.Popen(['sleep', '30'])\n",
        "import os\ndef f():\n    os.posix_spawn('/bin/sleep', ['sleep', '30'], {})\n",
        "import multiprocessing\ndef f():\n    multiprocessing.Process(target=print).start()\n",
    ],
    ids=["fork-bomb", "subprocess", "posix-spawn", "multiprocessing"],
)
def test_new_processes_are_refused(marker: str, code: str) -> None:
    result = _contained(code)
    assert result.verdict == "runtime_error"
    assert "PermissionError" in result.tests[0].error or "Operation not permitted" in (
        result.tests[0].error
    )


@needs_seccomp
def test_threads_still_work(marker: str) -> None:
    code = (
        "import threading\ndef f():\n    out = []\n"
        "    t = threading.Thread(target=out.append, args=(1,))\n"
        "    t.start()\n    t.join()\n    return out[0]\n"
    )
    assert _contained(code).verdict == "accepted"


def _escapee_code(tag: str) -> str:
    """Start a detached child (its own session, double fork) that would sleep for 30 s."""
    return (
        "import os, subprocess, sys\n"
        "def f():\n"
        f"    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)', '{tag}-a'],\n"
        "                     start_new_session=True)\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        f"            os.execv(sys.executable, [sys.executable, '-c',\n"
        f"                     'import time; time.sleep(30)', '{tag}-b'])\n"
        "        os._exit(0)\n"
        "    return 1\n"
    )


@pytest.mark.parametrize("isolated", [True, False], ids=["namespaces", "no-namespaces"])
def test_detached_children_do_not_outlive_the_run(
    marker: str, isolated: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With processes allowed, stragglers are still killed: by the pid namespace, or by marker."""
    if isolated and not CAPS["pid_namespace"]:
        pytest.skip("no pid namespace here")
    if not isolated:
        monkeypatch.setattr(runner, "_sandbox_cache", runner._Sandbox())
    tag = f"escapee-{uuid.uuid4().hex}"
    limits = RunLimits(time_s=3.0, memory_mb=256, max_processes=4)
    result = _contained(_escapee_code(tag), limits, tests=[TestSpec("spawn", [], 1)])
    assert result.verdict == "accepted", result
    assert _processes_with(tag) == []


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        (
            "import sys\ndef f(n):\n    if n == 0:\n        sys.exit(3)\n    return n\n",
            "sys.exit(3)",
        ),
        (
            "def f(n):\n    if n == 0:\n        raise KeyboardInterrupt\n    return n\n",
            "KeyboardInterrupt",
        ),
        ("def f(n):\n    if n == 0:\n        raise SystemExit\n    return n\n", "SystemExit"),
    ],
    ids=["sys-exit", "keyboard-interrupt", "system-exit"],
)
def test_exit_and_interrupt_are_runtime_errors_and_the_run_goes_on(
    marker: str, code: str, needle: str
) -> None:
    result = _contained(code, tests=[TestSpec("zero", [0], 0), TestSpec("one", [1], 1)])
    assert result.verdict == "runtime_error"
    assert needle in result.tests[0].error
    assert result.tests[1].verdict == "accepted"


def test_environment_secrets_are_not_visible(marker: str, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"hunter2-{uuid.uuid4().hex}"
    monkeypatch.setenv("TRAINER_TEST_FAKE_SECRET", secret)
    code = (
        "import os\n"
        "def f(secret, scan):\n"
        "    seen = [k for k, v in os.environ.items() if secret in v or 'FAKE_SECRET' in k]\n"
        "    if scan:\n"
        "        for pid in os.listdir('/proc'):\n"
        "            try:\n"
        "                with open(f'/proc/{pid}/environ', 'rb') as fh:\n"
        "                    if secret.encode() in fh.read():\n"
        "                        seen.append(pid)\n"
        "            except OSError:\n"
        "                pass\n"
        "    return seen\n"
    )
    # Reading other processes' environments is only prevented inside a user namespace.
    scan = CAPS["user_namespace"]
    result = _contained(code, tests=[TestSpec("env", [secret, scan], [])])
    assert result.verdict == "accepted", result.tests[0].actual_repr


def test_environment_is_scrubbed(marker: str) -> None:
    code = "import os\ndef f():\n    return sorted(os.environ)\n"
    result = _contained(code, tests=[TestSpec("env", [], [])])
    names = result.tests[0].actual_repr
    assert "PATH" in names and "HOME" in names
    assert "TRAINER_DATA_DIR" not in names  # set for every test by conftest


def test_network_is_cut_or_the_result_says_not(marker: str) -> None:
    code = "import socket\ndef f():\n    return sorted(n for _, n in socket.if_nameindex())\n"
    result = _contained(code, tests=[TestSpec("interfaces", [], ["lo"])])
    assert result.network_isolated is CAPS["network_isolation"]
    if CAPS["network_isolation"]:
        assert result.verdict == "accepted", result.tests[0].actual_repr
    else:
        assert any("network" in note for note in result.notes)


@pytest.mark.skipif(not CAPS["network_isolation"], reason="network not isolated here")
def test_connecting_out_fails(marker: str) -> None:
    code = (
        "import socket\ndef f():\n    try:\n"
        "        socket.create_connection(('192.0.2.1', 80), timeout=0.5)\n"
        "    except OSError as exc:\n        return type(exc).__name__\n    return 'connected'\n"
    )
    result = _contained(code, tests=[TestSpec("connect", [], "OSError")])
    assert result.tests[0].actual_repr != "'connected'"


def test_forged_result_lines_cannot_fake_a_pass(marker: str) -> None:
    code = (
        "import os, sys\n"
        "fd = int(sys.argv[1])\n"
        'os.write(fd, b\'{"e":"done"}\\n\')\n'
        "def f():\n    return 1\n"
    )
    result = _contained(code)
    assert result.verdict == "runtime_error"
    assert "result channel" in result.tests[0].error


async def test_cancelling_an_async_run_kills_the_child(marker: str) -> None:
    code = "import time\ndef f():\n    time.sleep(60)\n"
    limits = RunLimits(time_s=30.0, memory_mb=128)
    task = asyncio.create_task(run_tests_async(code, "f", TESTS, limits))
    for _ in range(500):  # wait until the child is running (its argv carries the marker)
        if _processes_with(marker):
            break
        await asyncio.sleep(0.01)
    assert _processes_with(marker)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(200):  # the worker thread finishes its cleanup in the background
        if not _processes_with(marker):
            break
        await asyncio.sleep(0.01)
    assert _processes_with(marker) == []
