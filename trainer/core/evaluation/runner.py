"""The sandboxed code runner: one child Python per submission, one result line per test.

Why it is shaped like this:

- One child per submission (not per test), so the cost is one interpreter start.
- The child (`_harness.py`, started as `python -I -S -B`) sets its own limits with
  `resource.setrlimit` before the answer runs; `preexec_fn` is avoided because it
  is unsafe in threaded programs such as the Textual app.
- The child reports each test on its own pipe as it finishes, so this side can
  enforce a per-test wall clock and still say which tests passed before a time-out.
  What the answer prints goes to a different pipe, read as a capped stream.
- Values are compared here, not in the child: the child never sees expected values.
- Where `unshare -rn` works (checked once, see `sandbox_capabilities`), the child runs
  in new user, network and pid namespaces: no network, and killing it kills every
  process it started. Where the kernel allows (Linux x86_64/aarch64), a seccomp filter
  refuses new processes outright.

Representation of a run (`RunResult`): `tests` holds one `TestResult` per test that
started, in order. A process-level event (time, memory or output limit, a crash, a
compile error) is charged to the test running at that moment (to the first test if the
code had not finished loading); tests after it are listed by id in `RunResult.not_run`.

POSIX only (Linux is the supported platform; elsewhere limits are best effort).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import marshal
import math
import os
import py_compile
import reprlib
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from trainer.core.evaluation import _harness
from trainer.core.evaluation.results import RunLimits, RunResult, RunVerdict, TestResult, TestSpec
from trainer.core.packs.generators import expand
from trainer.core.packs.model import CodingQuestion, TestCase

__all__ = [
    "compare_values",
    "limits_from_question",
    "run_tests",
    "run_tests_async",
    "sandbox_capabilities",
    "spec_from_case",
    "tests_from_question",
]

FILE_LIMIT_MB = 16  # largest file the answer may write
OPEN_FILES = 64  # RLIMIT_NOFILE for the child
STARTUP_TIMEOUT_S = 10.0  # interpreter start, not charged to the answer
REPR_CHARS = 300  # shortened reprs of args/expected/actual
ERROR_CHARS = 500
MARKER_ENV = "TRAINER_SANDBOX_RUN"  # in the child's environment: finds stragglers
CHILD_PATH = "/usr/local/bin:/usr/bin:/bin"
_HARNESS_DIR = str(Path(_harness.__file__).resolve().parent)


def _boot(entry: str) -> str:
    """The -c program: import the harness from its own folder (its cached .pyc), then run."""
    return (
        f"import sys;sys.path.insert(0,{_HARNESS_DIR!r});import _harness;"
        f"del sys.path[0];_harness.{entry}()"
    )


_UNSHARE_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("-rn", "--pid", "--fork", "--kill-child"),
    ("-rn",),
)
_BASE_LINE_CAP = 64 * 1024  # a result line may be this much larger than the expected JSON


# ----------------------------------------------------------------------------- tests


def spec_from_case(case: TestCase) -> TestSpec:
    """A pack test as runner data, with `$gen` generators expanded (GeneratorError)."""
    return TestSpec(
        id=case.id,
        args=list(expand(case.args)),
        expected=expand(case.expected),
        visibility=case.visibility,
        compare=case.compare,
    )


def tests_from_question(
    question: CodingQuestion, *, only: Literal["sample", "hidden", "all"] = "all"
) -> list[TestSpec]:
    """The question's tests (all, or one visibility) with generators expanded.

    Raises GeneratorError when a `$gen` mapping is invalid.
    """
    return [spec_from_case(c) for c in question.tests if only == "all" or c.visibility == only]


# Its name starts with "test": keep pytest from collecting it where it is imported by name.
tests_from_question.__test__ = False  # type: ignore[attr-defined]


def limits_from_question(question: CodingQuestion) -> RunLimits:
    limits = question.limits
    return RunLimits(time_s=limits.time_s, memory_mb=limits.memory_mb, output_kb=limits.output_kb)


# ----------------------------------------------------------------------------- compare


def compare_values(
    expected: object, actual: object, mode: Literal["exact", "unordered", "approx"] = "exact"
) -> bool:
    """Compare as JSON would see the values.

    exact: structural equality; tuples are lists, dict keys are compared as JSON
    strings, booleans never equal numbers, 1 equals 1.0. unordered: the same multiset
    of elements in a top-level list (elements compared exactly). approx: like exact,
    but floats match within 1e-6 relative or absolute, at any depth.
    """
    try:
        if mode == "unordered":
            if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
                if len(expected) != len(actual):
                    return False
                return all(
                    _equal(e, a, False)
                    for e, a in zip(
                        sorted(expected, key=_canonical),
                        sorted(actual, key=_canonical),
                        strict=True,
                    )
                )
            return _equal(expected, actual, False)
        return _equal(expected, actual, mode == "approx")
    except (RecursionError, TypeError, ValueError, OverflowError):
        return False


def _equal(e: object, a: object, approx: bool) -> bool:
    if isinstance(e, bool) or isinstance(a, bool):
        return isinstance(e, bool) and isinstance(a, bool) and e == a
    if isinstance(e, int | float) and isinstance(a, int | float):
        if approx and (isinstance(e, float) or isinstance(a, float)):
            fe, fa = float(e), float(a)
            if math.isnan(fe) or math.isnan(fa):
                return math.isnan(fe) and math.isnan(fa)
            return math.isclose(fe, fa, rel_tol=1e-6, abs_tol=1e-6)
        return e == a
    if isinstance(e, list | tuple):
        return (
            isinstance(a, list | tuple)
            and len(e) == len(a)
            and all(_equal(x, y, approx) for x, y in zip(e, a, strict=True))
        )
    if isinstance(e, dict):
        if not isinstance(a, dict):
            return False
        ek = {_json_key(k): v for k, v in e.items()}
        ak = {_json_key(k): v for k, v in a.items()}
        return ek.keys() == ak.keys() and all(_equal(ek[k], ak[k], approx) for k in ek)
    if isinstance(a, list | tuple | dict):
        return False
    return e == a


def _json_key(key: object) -> str:
    if isinstance(key, str):
        return key
    return json.dumps(key)


def _canonical(value: object) -> str:
    """A sort key under which exactly-equal values sort together."""
    return json.dumps(_canon(value), sort_keys=True, default=repr)


def _canon(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        return {_json_key(k): _canon(v) for k, v in value.items()}
    return value


_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxlist, _repr.maxdict, _repr.maxset, _repr.maxtuple = 3, 12, 8, 12, 12
_repr.maxstring, _repr.maxlong, _repr.maxother = 80, 60, 80


def short_repr(value: object) -> str:
    """A bounded repr: never walks a large value in full, never longer than REPR_CHARS."""
    try:
        text = _repr.repr(value)
    except Exception:  # noqa: BLE001 - a value from a test is shown, never trusted
        text = f"<{type(value).__name__}>"
    return text if len(text) <= REPR_CHARS else text[: REPR_CHARS - 3] + "..."


def _args_repr(args: Sequence[object]) -> str:
    return _cap(", ".join(short_repr(a) for a in args), REPR_CHARS)


# ----------------------------------------------------------------------------- sandbox


@dataclass(frozen=True, slots=True)
class _Sandbox:
    """What the probe found: the command prefix and what it really isolates."""

    prefix: tuple[str, ...] = ()
    network_isolated: bool = False
    pid_namespace: bool = False
    user_namespace: bool = False
    process_limit: bool = False  # the seccomp filter refused a fork in the probe
    notes: tuple[str, ...] = ()


_sandbox_lock = threading.Lock()
_sandbox_cache: _Sandbox | None = None


def _probe_one(prefix: tuple[str, ...], python: str) -> dict[str, str] | None:
    with tempfile.TemporaryDirectory(prefix="trainer-probe-") as tmp:
        try:
            proc = subprocess.run(
                [*prefix, python, "-I", "-S", "-B", "-c", _boot("probe")],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=STARTUP_TIMEOUT_S,
                cwd=tmp,
                env={"PATH": CHILD_PATH, "HOME": tmp},
                check=False,
                start_new_session=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
    if proc.returncode != 0:
        return None
    fields = dict(
        part.split("=", 1) for part in proc.stdout.decode(errors="replace").split() if "=" in part
    )
    return fields if "interfaces" in fields else None


def _probe(python: str) -> _Sandbox:
    """Try the strongest isolation first; fall back, and say what was lost."""
    unshare = shutil.which("unshare") if sys.platform == "linux" else None
    candidates = [(unshare, *v) for v in _UNSHARE_VARIANTS] if unshare else []
    for prefix in [*candidates, ()]:
        found = _probe_one(tuple(prefix), python)
        if found is None:
            continue
        names = [n for n in found["interfaces"].split(",") if n]
        in_userns = bool(prefix)
        netns = in_userns and all(n == "lo" for n in names)
        pidns = found.get("pid") == "1"
        notes: list[str] = []
        if not netns:
            notes.append(
                "network not cut: user and network namespaces (unshare -rn) are not "
                "permitted here, so the answer could use the network"
            )
        if not pidns:
            notes.append("no pid namespace: stray processes are found by a marker and killed")
        return _Sandbox(
            tuple(prefix),
            netns,
            pidns,
            in_userns,
            found.get("fork_blocked") == "True",
            tuple(notes),
        )
    return _Sandbox(notes=("the sandbox probe failed: the child Python could not be started",))


def _sandbox() -> _Sandbox:
    global _sandbox_cache
    with _sandbox_lock:
        if _sandbox_cache is None:
            _ensure_harness_bytecode()
            _sandbox_cache = _probe(sys.executable)
        return _sandbox_cache


def _ensure_harness_bytecode() -> None:
    """Keep the harness's .pyc fresh even under PYTHONDONTWRITEBYTECODE.

    The child imports the harness once per submission; compiling it from source each
    time would cost about as much as the interpreter start. Best effort: a read-only
    install simply compiles in the child.
    """
    source = _HARNESS_DIR + os.sep + "_harness.py"
    try:
        cache = importlib.util.cache_from_source(source)
        st = os.stat(source)
        with contextlib.suppress(OSError), open(cache, "rb") as fh:
            header = fh.read(16)
            if (
                header[:4] == importlib.util.MAGIC_NUMBER
                and int.from_bytes(header[4:8], "little") == 0
                and int.from_bytes(header[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF
                and int.from_bytes(header[12:16], "little") == st.st_size & 0xFFFFFFFF
            ):
                return
        py_compile.compile(source, cfile=cache, doraise=True)
    except (OSError, py_compile.PyCompileError, NotImplementedError):
        return


def sandbox_capabilities() -> dict[str, bool]:
    """What the sandbox can enforce on this machine (probed once, then cached).

    network_isolation: the child has only a loopback interface.
    pid_namespace: killing the child kills everything it started, even if detached.
    process_limit: a seccomp filter stops the answer from creating processes.
    user_namespace: the child cannot read other processes' memory or environment.
    resource_limits: CPU, memory, file-size and open-file limits can be set.
    """
    box = _sandbox()
    return {
        "network_isolation": box.network_isolated,
        "pid_namespace": box.pid_namespace,
        "process_limit": box.process_limit,
        "user_namespace": box.user_namespace,
        "resource_limits": sys.platform != "win32",
    }


# ----------------------------------------------------------------------------- running


def run_tests(
    code: str,
    function: str,
    tests: Sequence[TestSpec],
    limits: RunLimits = RunLimits(),  # noqa: B008 - frozen dataclass, safe as a default
    *,
    python: str | None = None,
) -> RunResult:
    """Run `function` from `code` against `tests` in the sandbox; blocks until done."""
    return _Run(code, function, tests, limits, python).execute()


async def run_tests_async(
    code: str,
    function: str,
    tests: Sequence[TestSpec],
    limits: RunLimits = RunLimits(),  # noqa: B008
    *,
    python: str | None = None,
) -> RunResult:
    """`run_tests` on a worker thread; cancelling the task kills the child at once."""
    import asyncio  # here, so that synchronous users (the CLI) do not pay for it

    run = _Run(code, function, tests, limits, python)
    future = asyncio.get_running_loop().run_in_executor(None, run.execute)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        run.cancel()
        raise


@dataclass
class _Fatal:
    """A process-level event: charged to one test, the rest are not run."""

    verdict: RunVerdict
    error: str


@dataclass
class _State:
    results: list[TestResult] = field(default_factory=list)
    current: int = -1  # -1 while the answer's code loads
    hello: bool = False
    seccomp: bool = False
    inner_pidfd: int | None = None  # the namespace's init: readable once all are gone
    done: bool = False
    fatal: _Fatal | None = None
    started: float = 0.0  # when the current phase began (monotonic)
    deadline: float = 0.0
    notes: list[str] = field(default_factory=list)


class _Run:
    """One submission: start the child, feed it, watch its pipes and the clock."""

    def __init__(
        self,
        code: str,
        function: str,
        tests: Sequence[TestSpec],
        limits: RunLimits,
        python: str | None,
    ) -> None:
        self.code = code
        self.function = function
        self.tests = list(tests)
        self.limits = limits
        self.python = python
        self.out_cap = max(1, limits.output_kb) * 1024
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self._line_caps: dict[int, int] = {}
        self._nproc: int | None = None
        self._box_pidns = False
        self._token = ""

    # -- control

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._proc is not None:
                _killpg(self._proc)

    # -- the run

    def execute(self) -> RunResult:
        started = time.monotonic()
        box = _sandbox()
        self._box_pidns = box.pid_namespace
        python = self._python()
        job = self._job(box)
        token = self._token = _new_token()
        state = _State()
        output = bytearray()
        run_dir = tempfile.mkdtemp(prefix="trainer-run-")
        env = {
            "PATH": CHILD_PATH,
            "HOME": run_dir,
            "TMPDIR": run_dir,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            MARKER_ENV: token,
        }
        read_fd, write_fd = os.pipe()
        proc: subprocess.Popen[bytes] | None = None
        try:
            cmd = [*box.prefix, python, "-I", "-S", "-B", "-c", _boot("main"), str(write_fd), token]
            with self._lock:
                try:
                    if self._cancelled:
                        raise _Cancelled
                    proc = subprocess.Popen(
                        cmd,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        pass_fds=(write_fd,),
                        cwd=run_dir,
                        env=env,
                        start_new_session=True,
                    )
                except OSError as exc:
                    return self._not_started(f"could not start Python ({python}): {exc}", box)
                finally:
                    os.close(write_fd)
                self._proc = proc
            state.started = time.monotonic()
            state.deadline = state.started + STARTUP_TIMEOUT_S
            self._supervise(proc, read_fd, job, state, output)
        except _Cancelled:
            state.fatal = _Fatal("runtime_error", "the run was cancelled")
        finally:
            os.close(read_fd)
            if proc is not None:
                with self._lock:  # so cancel() never signals a reaped (reusable) pid
                    _killpg(proc)
                    proc.wait()
                    self._proc = None
                if state.inner_pidfd is not None:
                    _wait_readable(state.inner_pidfd, 5.0)  # the namespace is torn down
                    os.close(state.inner_pidfd)
                if not (box.pid_namespace or state.seccomp):
                    _kill_marked(token)
                self._drain(proc, output)
                for pipe in (proc.stdin, proc.stdout):
                    if pipe is not None:
                        with contextlib.suppress(OSError):
                            pipe.close()
            shutil.rmtree(run_dir, ignore_errors=True)
        return self._result(state, output, box, time.monotonic() - started)

    def _python(self) -> str:
        if self.python is None:
            return sys.executable
        return shutil.which(self.python) or self.python

    def _job(self, box: _Sandbox) -> bytes:
        limits = self.limits
        deny_fork = limits.max_processes <= 1
        nproc: int | None = None
        if os.geteuid() != 0:  # RLIMIT_NPROC does not bind root
            if box.user_namespace:  # counted inside our namespace: unshare + the child
                nproc = max(1, limits.max_processes) + (1 if box.pid_namespace else 0)
                if deny_fork:
                    nproc = 1
            elif deny_fork:
                nproc = 1  # the user's other processes count too: no fork at all
        self._nproc = nproc
        cpu_s = math.ceil(limits.time_s * (len(self.tests) + 1)) + 1
        try:
            return marshal.dumps(
                {
                    "code": self.code,
                    "function": self.function,
                    "tests": [list(t.args) for t in self.tests],
                    "cpu_s": cpu_s,
                    "mem_mb": int(limits.memory_mb),
                    "file_mb": FILE_LIMIT_MB,
                    "nofile": OPEN_FILES,
                    "out_cap": self.out_cap,
                    "nproc": nproc,
                    "deny_fork": deny_fork,
                }
            )
        except ValueError as exc:
            raise ValueError(f"test arguments must be JSON-like data: {exc}") from None

    def _supervise(
        self,
        proc: subprocess.Popen[bytes],
        read_fd: int,
        job: bytes,
        state: _State,
        output: bytearray,
    ) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        stdin_fd, out_fd = proc.stdin.fileno(), proc.stdout.fileno()
        for fd in (stdin_fd, out_fd, read_fd):
            os.set_blocking(fd, False)
        pidfd = _pidfd(proc.pid)
        sel = selectors.DefaultSelector()
        sel.register(read_fd, selectors.EVENT_READ, "result")
        sel.register(out_fd, selectors.EVENT_READ, "output")
        sel.register(stdin_fd, selectors.EVENT_WRITE, "input")
        if pidfd is not None:
            sel.register(pidfd, selectors.EVENT_READ, "exit")
        pending = bytearray()
        skipping = False  # discarding the rest of an oversized result line
        to_send = memoryview(job)
        exited = False
        try:
            while state.fatal is None and not state.done:
                timeout = state.deadline - time.monotonic()
                if timeout <= 0:
                    self._time_out(state)
                    break
                if pidfd is None:
                    timeout = min(timeout, 0.05)
                for key, _ in sel.select(timeout):
                    what = key.data
                    if what == "input":
                        try:
                            n = os.write(stdin_fd, to_send[: 1 << 16])
                        except BlockingIOError:
                            continue
                        except OSError:  # the child went away before reading its job
                            n = len(to_send)
                        to_send = to_send[n:]
                        if not to_send:
                            sel.unregister(stdin_fd)
                            assert proc.stdin is not None
                            proc.stdin.close()
                    elif what == "output":
                        self._read_output(out_fd, output, state, sel)
                    elif what == "result":
                        data = _read_some(read_fd)
                        if not data:
                            sel.unregister(read_fd)
                            exited = True
                            continue
                        skipping = self._feed(data, pending, skipping, state)
                    else:
                        exited = True
                if pidfd is None and _has_exited(proc):
                    exited = True
                if exited and state.fatal is None and not state.done:
                    # Let whatever it wrote before dying arrive, then explain the death.
                    status = _await_exit(proc, 0.5)
                    _killpg(proc)
                    self._read_output(out_fd, output, state, None)
                    while state.fatal is None and not state.done:
                        data = _read_some(read_fd)
                        if not data:
                            break
                        skipping = self._feed(data, pending, skipping, state)
                    if state.fatal is None and not state.done:
                        self._died(status, state, output)
                if self._cancelled:
                    raise _Cancelled
        finally:
            sel.close()
            if pidfd is not None:
                os.close(pidfd)

    def _read_output(
        self, fd: int, output: bytearray, state: _State, sel: selectors.BaseSelector | None
    ) -> None:
        while True:
            data = _read_some(fd)
            if data is None:
                return
            if not data:
                if sel is not None:
                    sel.unregister(fd)
                return
            room = self.out_cap - len(output)
            output += data[: max(room, 0)]
            if len(data) > room and state.fatal is None:
                state.fatal = _Fatal(
                    "output_limit",
                    f"printed more than the output limit ({self.limits.output_kb} KB)",
                )
                return

    def _drain(self, proc: subprocess.Popen[bytes], output: bytearray) -> None:
        """Collect what was printed just before the end (all writers are dead by now)."""
        if proc.stdout is None or proc.stdout.closed:
            return
        fd = proc.stdout.fileno()
        end = time.monotonic() + 1.0
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while len(output) < self.out_cap:
                left = end - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return
                data = _read_some(fd)
                if not data:
                    return
                output += data[: self.out_cap - len(output)]

    # -- protocol

    def _feed(self, data: bytes, pending: bytearray, skipping: bool, state: _State) -> bool:
        """Split result lines; an oversized line (a huge return value) is cut, not kept."""
        while data:
            nl = data.find(b"\n")
            if nl < 0:
                if not skipping:
                    pending += data
                    if len(pending) > self._line_cap(state.current):
                        pending.clear()
                        skipping = True
                        self._too_large(state)
                return skipping
            if skipping:
                skipping = False
            else:
                pending += data[:nl]
                line = bytes(pending)
                pending.clear()
                self._event(line, state)
                if state.fatal is not None or state.done:
                    return skipping
            data = data[nl + 1 :]
        return skipping

    def _line_cap(self, index: int) -> int:
        if index not in self._line_caps:
            size = 16 * 1024 * 1024
            if 0 <= index < len(self.tests):
                with contextlib.suppress(TypeError, ValueError, RecursionError):
                    size = len(json.dumps(self.tests[index].expected))
            self._line_caps[index] = _BASE_LINE_CAP + 2 * size
        return self._line_caps[index]

    def _too_large(self, state: _State) -> None:
        i = state.current
        if not 0 <= i < len(self.tests):
            state.fatal = _Fatal("runtime_error", "the result channel was flooded")
            return
        cap_kb = self._line_cap(i) // 1024
        self._record(
            state,
            i,
            "wrong_answer",
            actual_repr="<too large to show>",
            error=f"the returned value is too large (over {cap_kb} KB as JSON)",
        )
        state.current += 1  # the child moves on; its line for this test is discarded
        state.started = time.monotonic()
        state.deadline = state.started + self.limits.time_s

    def _event(self, line: bytes, state: _State) -> None:
        """Handle one result line; anything malformed means the answer wrote to our pipe."""
        try:
            event = json.loads(line)
            self._handle(event, str(event["e"]), state)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            state.fatal = _Fatal(
                "runtime_error", "the answer wrote to the sandbox's result channel"
            )

    def _handle(self, event: dict[str, Any], kind: str, state: _State) -> None:
        now = time.monotonic()
        if kind == "hello":
            state.hello = True
            state.seccomp = bool(event.get("seccomp"))
            pid = event.get("pid")
            if self._box_pidns and isinstance(pid, int) and pid > 1:
                state.inner_pidfd = _pidfd_if_ours(pid, self._token)
            failed = [str(f) for f in list(event.get("failed", []))]
            if failed:
                state.notes.append("limits the OS refused: " + ", ".join(failed))
            state.started, state.deadline = now, now + self.limits.time_s
        elif kind == "ready":
            state.current = 0
            state.started, state.deadline = now, now + self.limits.time_s
        elif kind in ("ok", "error", "bad"):
            i = event.get("i")
            if i != state.current or not 0 <= state.current < len(self.tests):
                state.fatal = _Fatal("runtime_error", "the sandbox's results were out of order")
                return
            self._test_event(kind, event, state)
            state.current += 1
            state.started, state.deadline = now, now + self.limits.time_s
        elif kind == "done":
            if state.current != len(self.tests):  # forged by the answer, or a harness bug
                state.fatal = _Fatal(
                    "runtime_error", "the answer interfered with the sandbox's result channel"
                )
                return
            state.done = True
        elif kind == "compile":
            state.fatal = _Fatal("compile_error", _cap(str(event.get("error", ""))))
        elif kind == "load":
            error = _cap(str(event.get("error", "")))
            state.fatal = _Fatal("runtime_error", f"while loading the code: {error}")
        elif kind == "memory":
            state.fatal = _Fatal(
                "memory_limit", f"used more than the memory limit ({self.limits.memory_mb} MB)"
            )
        elif kind == "output":
            state.fatal = _Fatal(
                "output_limit", f"printed more than the output limit ({self.limits.output_kb} KB)"
            )
        elif kind == "cpu":
            state.fatal = _Fatal("time_limit", "used up its CPU time allowance")
        else:
            state.fatal = _Fatal("runtime_error", "unknown sandbox message")

    def _test_event(self, kind: str, event: dict[str, Any], state: _State) -> None:
        i = state.current
        spec = self.tests[i]
        took = float(event.get("t", 0.0))
        if kind == "error":
            self._record(state, i, "runtime_error", took, error=_cap(str(event.get("error"))))
        elif kind == "bad":
            why = str(event.get("why", ""))
            if why.startswith("not-json:"):
                top, inner = str(event.get("type")), why.removeprefix("not-json:")
                what = f"a {top}" if top == inner else f"a {top} containing a {inner}"
                error = (
                    f"returned {what}, which is not JSON-like data "
                    "(return list, dict, str, int, float, bool or None)"
                )
            else:
                error = f"the returned value cannot be sent back: {_cap(why)}"
            self._record(
                state,
                i,
                "wrong_answer",
                took,
                actual_repr=_cap(str(event.get("repr", "")), REPR_CHARS),
                error=error,
            )
        else:
            actual = event.get("v")
            ok = compare_values(spec.expected, actual, spec.compare)
            self._record(
                state, i, "accepted" if ok else "wrong_answer", took, actual_repr=short_repr(actual)
            )

    def _record(
        self,
        state: _State,
        i: int,
        verdict: RunVerdict,
        took: float = 0.0,
        *,
        actual_repr: str = "",
        error: str = "",
    ) -> None:
        spec = self.tests[i]
        state.results.append(
            TestResult(
                id=spec.id,
                visibility=spec.visibility,
                verdict=verdict,
                duration_s=took,
                args_repr=_args_repr(spec.args),
                expected_repr=short_repr(spec.expected),
                actual_repr=actual_repr,
                error=error,
            )
        )

    def _time_out(self, state: _State) -> None:
        if not state.hello:
            state.fatal = _Fatal(
                "runtime_error",
                f"the sandboxed Python did not start within {STARTUP_TIMEOUT_S:g} s",
            )
        elif state.current < 0:
            state.fatal = _Fatal(
                "time_limit", f"loading the code took longer than {self.limits.time_s:g} s"
            )
        else:
            state.fatal = _Fatal("time_limit", f"took longer than {self.limits.time_s:g} s")

    def _died(self, status: int | None, state: _State, output: bytearray) -> None:
        """The child ended without saying why: name what we can see (status None: alive)."""
        tail = bytes(output[-400:]).decode("utf-8", "replace")
        crashed = status is None or status < 0 or status == 1
        if crashed and ("MemoryError" in tail or "Cannot allocate memory" in tail):
            state.fatal = _Fatal(
                "memory_limit", f"used more than the memory limit ({self.limits.memory_mb} MB)"
            )
            return
        if status is not None and status < 0:
            sig = -status
            if sig == signal.SIGXCPU:
                state.fatal = _Fatal("time_limit", "used up its CPU time allowance")
                return
            try:
                what = signal.Signals(sig).name
            except ValueError:
                what = f"signal {sig}"
            reason = f"the process was killed by {what}"
        elif status is not None:
            reason = f"the process exited with code {status}"
        else:
            reason = "the process closed the sandbox's result channel"
        where = "while loading the code" if state.current < 0 else "during this test"
        if not state.hello:
            detail = tail.strip().splitlines()[-1:] or [""]
            reason = f"the sandbox failed to start: {reason} {detail[0]}".strip()
            where = ""
        state.fatal = _Fatal("runtime_error", f"{reason} {where}".strip())

    # -- result

    def _not_started(self, error: str, box: _Sandbox) -> RunResult:
        state = _State(fatal=_Fatal("runtime_error", error))
        return self._result(state, bytearray(), box, 0.0)

    def _result(
        self, state: _State, output: bytearray, box: _Sandbox, duration: float
    ) -> RunResult:
        results = list(state.results)
        notes = list(box.notes) + state.notes
        fatal = state.fatal
        if fatal is not None:
            i = len(results)
            if i < len(self.tests):
                took = max(0.0, time.monotonic() - state.started) if state.started else 0.0
                if fatal.verdict == "compile_error":
                    took = 0.0
                self._record(state, i, fatal.verdict, took, error=fatal.error)
                results = list(state.results)
            else:
                notes.append(f"{fatal.verdict}: {fatal.error}")
        not_run = tuple(t.id for t in self.tests[len(results) :])
        verdict: RunVerdict = next((t.verdict for t in results if not t.passed), "accepted")
        if fatal is not None and not results:
            verdict = fatal.verdict
        if (
            self.limits.max_processes <= 1
            and state.hello
            and not state.seccomp
            and self._nproc is None
        ):
            notes.append(
                "the answer was not stopped from starting processes (no seccomp filter here)"
            )
        return RunResult(
            verdict=verdict,
            tests=tuple(results),
            duration_s=duration,
            stdout=bytes(output).decode("utf-8", "replace"),
            network_isolated=box.network_isolated,
            notes=tuple(notes),
            not_run=not_run,
        )


def _new_token() -> str:
    """Marks one run's processes (argv and environment); tests replace it to find them."""
    return os.urandom(12).hex()


class _Cancelled(Exception):
    """The caller gave up on the run (an async task was cancelled)."""


# ----------------------------------------------------------------------------- helpers


def _await_exit(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    """The exit status once the child has ended by itself (None if it is still running).

    Its result pipe can close a moment before the process is gone.
    """
    end = time.monotonic() + timeout
    while True:
        try:
            status = _exit_status(proc)
        except ChildProcessError:
            return proc.returncode
        if status is not None or time.monotonic() >= end:
            return status
        time.sleep(0.005)


def _cap(text: str, limit: int = ERROR_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_some(fd: int) -> bytes | None:
    """Up to 64 KiB; b"" at end of file, None when nothing is ready."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _killpg(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's process group (its pid: it was started in a new session),
    and the child itself in case the answer moved it to another session.

    Safe before `wait()`: an unreaped leader keeps its pid and group id from reuse.
    """
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(proc.pid, signal.SIGKILL)


def _wait_readable(fd: int, timeout: float) -> None:
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        sel.select(timeout)


def _pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        fd: int = opener(pid)
    except OSError:
        return None
    return fd


def _pidfd_if_ours(pid: int, token: str) -> int | None:
    """A pidfd for the harness, checked (after opening, so pid reuse cannot fool it) by the
    run's token in its command line."""
    fd = _pidfd(pid)
    if fd is None:
        return None
    try:
        ours = token.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        ours = False
    if not ours:
        os.close(fd)
        return None
    return fd


def _has_exited(proc: subprocess.Popen[bytes]) -> bool:
    try:
        return _exit_status(proc) is not None
    except ChildProcessError:
        return True


def _exit_status(proc: subprocess.Popen[bytes]) -> int | None:
    """The exit code (or -signal) once the child has ended, None while it runs.

    Uses WNOWAIT so the child is not reaped: its pid, and so its process group id,
    stay reserved until we have killed the group. Raises ChildProcessError if someone
    else reaped it.
    """
    waitid = getattr(os, "waitid", None)
    if waitid is None:  # not on Linux: poll() reaps, an accepted small risk there
        return proc.poll()
    info = waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return None
    if info.si_code == os.CLD_EXITED:
        return int(info.si_status)
    return -int(info.si_status)


def _kill_marked(token: str) -> None:
    """Without a pid namespace, find processes that detached (setsid) by their env marker."""
    needle = f"{MARKER_ENV}={token}".encode()
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return
    me = os.getpid()
    end = time.monotonic() + 2.0
    while time.monotonic() < end:  # a straggler may fork while we look
        found = False
        for entry in proc_dir.iterdir():
            if not entry.name.isdigit() or int(entry.name) == me:
                continue
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if needle in environ:
                found = True
                with contextlib.suppress(OSError):
                    os.kill(int(entry.name), signal.SIGKILL)
        if not found:
            return
        time.sleep(0.01)
