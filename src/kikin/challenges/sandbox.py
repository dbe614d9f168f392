"""Running one untrusted entry in isolation: bubblewrap, rlimits, a wall clock and a pipe.

The entry runs under Debian's python3 inside `bwrap --unshare-all`: no network (its own empty
network namespace), its own PID, IPC, UTS and user namespaces (and no further ones), a file
system holding only `/usr` read-only, the runner and the entry as read-only files, and a
size-limited tmpfs scratch folder (`/scratch`, also `/tmp`). Nothing of the project, its
database, its media (other teams' files) or the evaluator is mounted.

Limits: `prlimit` sets CPU time, address space, processes, file size, open files and no core
dumps before bubblewrap starts; when the worker runs as root, `setpriv` first drops to an
unprivileged uid of its own so that the process limit holds (the kernel does not count root's
processes). The evaluator here keeps a wall clock and a cap on stdout + stderr, and kills the
whole sandbox (bwrap's PID namespace dies with it) when either is passed.

The entry talks to the objective through a pipe: the runner inside sends x, the evaluator here
computes f(x) and answers. The functions and their hidden parameters stay in this process; the
budget of calls is counted here. Every run ends with a status and a reason:

    ok        the entry returned a point within the bounds
    error     it raised, crashed, broke the protocol or returned a bad point
    timeout   it passed the CPU-time or wall-clock limit
    memory    it ran out of its memory limit
    output    it printed or wrote more than allowed
    refused   it is not an entry at all (too large, not UTF-8 text, no minimize())
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import re
import select
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from importlib import resources

from kikin.rules.challenges import Limits

from .suites import Built

STATUSES = ("ok", "error", "timeout", "memory", "output", "refused")

#: Settings with defaults; the environment may move them (see README: the sandbox).
SANDBOX_PYTHON = os.environ.get("KIKIN_SANDBOX_PYTHON", "/usr/bin/python3")
SANDBOX_UID_BASE = int(os.environ.get("KIKIN_SANDBOX_UID_BASE", "420000"))
SANDBOX_UID_SPAN = 1000
MESSAGE_BYTES = 64 * 1024
KILL_GRACE_SECONDS = 2.0
TAIL_BYTES = 2000
PR_SET_CHILD_SUBREAPER = 36


class SandboxUnavailable(RuntimeError):
    """The machine cannot run the sandbox (no bubblewrap, no user namespaces): a fault of the
    installation, not of the entry."""


@dataclass
class RunOutcome:
    status: str
    reason: str
    point: list[float] | None = None
    trace: list[float] = field(default_factory=list)
    evaluations: int = 0
    refused_calls: int = 0
    seconds: float = 0.0
    output_tail: str = ""


def check_available() -> None:
    """Raise SandboxUnavailable unless bubblewrap, prlimit and the sandbox's Python are here."""
    for tool in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ()):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(f"{tool} is not installed (see scripts/system-deps)")
    if not os.access(SANDBOX_PYTHON, os.X_OK):
        raise SandboxUnavailable(f"{SANDBOX_PYTHON} is not there (KIKIN_SANDBOX_PYTHON)")


_subreaper_pid = 0


def _become_subreaper() -> None:
    """Orphaned processes of the sandboxes are handed to this process (PR_SET_CHILD_SUBREAPER)
    instead of the machine's init, so that they are reaped at once (see `_Sandbox.reap`). The
    setting is not inherited by a forked worker process, so each process sets its own."""
    global _subreaper_pid
    if _subreaper_pid != os.getpid():
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        _subreaper_pid = os.getpid()


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, 0)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _runner_source() -> bytes:
    return resources.files("kikin.challenges").joinpath("sandbox_runner.py").read_bytes()


def _sandbox_uid() -> int:
    """An unprivileged uid of this worker process's own, so that concurrent sandboxes of two
    worker processes do not share one process count."""
    return SANDBOX_UID_BASE + os.getpid() % SANDBOX_UID_SPAN


def command(
    limits: Limits,
    *,
    runner_fd: int,
    entry_fd: int,
    status_fd: int,
    args: list[str],
    as_root: bool,
) -> list[str]:
    """The full command line: prlimit, then (as root) setpriv, then bwrap, then the runner."""
    mb = 1024 * 1024
    argv = [
        "prlimit",
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 1}",
        f"--as={limits.memory_mb * mb}",
        # bwrap itself and its PID 1 count as two processes of the sandbox's uid.
        f"--nproc={limits.processes + 2}",
        f"--fsize={limits.file_mb * mb}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]
    if as_root:
        uid = _sandbox_uid()
        argv += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    scratch = str(limits.scratch_mb * mb)
    argv += [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--json-status-fd",
        str(status_fd),
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        # The shared-library alternatives (libblas for NumPy) and the loader's cache.
        "--ro-bind-try",
        "/etc/alternatives",
        "/etc/alternatives",
        "--ro-bind-try",
        "/etc/ld.so.cache",
        "/etc/ld.so.cache",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        scratch,
        "--tmpfs",
        "/scratch",
        "--size",
        scratch,
        "--tmpfs",
        "/tmp",
        "--dir",
        "/sandbox",
        "--ro-bind-data",
        str(runner_fd),
        "/sandbox/runner.py",
        "--ro-bind-data",
        str(entry_fd),
        "/sandbox/entry.py",
        # The root itself (bwrap's own tmpfs) is made read-only once everything is mounted.
        "--remount-ro",
        "/",
        "--chdir",
        "/scratch",
        "--clearenv",
        "--setenv",
        "HOME",
        "/scratch",
        "--setenv",
        "TMPDIR",
        "/scratch",
        "--setenv",
        "PATH",
        "/usr/bin",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--setenv",
        "OPENBLAS_NUM_THREADS",
        "1",
        "--setenv",
        "OMP_NUM_THREADS",
        "1",
        "--",
        SANDBOX_PYTHON,
        "-I",
        "-B",
        "/sandbox/runner.py",
        *args,
    ]
    return argv


def _valid_point(x, bounds: list[tuple[float, float]]) -> str:
    """Why `x` is not a point of the domain ('' when it is)."""
    if not isinstance(x, list) or len(x) != len(bounds):
        return f"a point has {len(bounds)} coordinates"
    for i, (v, (lo, hi)) in enumerate(zip(x, bounds, strict=True)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return f"coordinate {i} is not a finite number"
        if not lo <= v <= hi:
            return f"coordinate {i} = {v} lies outside [{lo}, {hi}]"
    return ""


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code - 128).name
    except ValueError:
        return f"code {code}"


class _Run:
    """One sandboxed run: the process, its pipes and what it has done so far."""

    def __init__(self, problem: Built, limits: Limits):
        self.problem, self.limits = problem, limits
        self.outcome = RunOutcome(status="error", reason="")
        self.output_bytes = 0
        self.tail = b""
        self.final: dict | None = None
        self.verdict: tuple[str, str] | None = None  # decided here, before the exit code

    def on_output(self, chunk: bytes) -> None:
        self.output_bytes += len(chunk)
        self.tail = (self.tail + chunk)[-TAIL_BYTES:]
        if self.output_bytes > self.limits.output_kb * 1024 and self.verdict is None:
            self.verdict = ("output", f"printed more than {self.limits.output_kb} KB")

    def on_message(self, line: bytes, answer) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            self.verdict = self.verdict or ("error", "broke the protocol: not JSON")
            return
        if not isinstance(message, dict):
            self.verdict = self.verdict or ("error", "broke the protocol: not an object")
            return
        op = message.get("op")
        if op == "ask":
            reason = _valid_point(message.get("x"), self.problem.bounds)
            if reason:
                answer({"error": reason})
                return
            if self.outcome.evaluations >= self.problem.budget:
                self.outcome.refused_calls += 1
                answer(
                    {"y": None, "refused": f"the budget of {self.problem.budget} calls is spent"}
                )
                return
            y = self.problem.objective(message["x"])
            self.outcome.evaluations += 1
            self.outcome.trace.append(y)
            answer({"y": y})
        elif op in {"done", "fail"}:
            # The first word stands; forked copies of the entry may send more.
            self.final = self.final or message
        else:
            self.verdict = self.verdict or ("error", f"broke the protocol: {str(op)[:40]!r}")


def run_entry(entry_source: bytes, problem: Built, limits: Limits) -> RunOutcome:
    """Run `minimize` of one entry on one problem in a fresh sandbox and say how it went.

    Returns only when every process of the sandbox is gone: a fork bomb is torn down with it.
    """
    started = time.monotonic()
    if len(entry_source) > limits.entry_kb * 1024:
        return RunOutcome("refused", f"the entry is larger than {limits.entry_kb} KB")
    try:
        entry_source.decode("utf-8")
    except UnicodeDecodeError:
        return RunOutcome("refused", "the entry is not UTF-8 text")
    check_available()
    _become_subreaper()
    run = _Run(problem, limits)
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    status_r, status_w = os.pipe()
    runner_fd = _memfd("runner", _runner_source())
    entry_fd = _memfd("entry", entry_source)
    args = [
        str(to_child_r),
        str(from_child_w),
        json.dumps(problem.bounds),
        str(problem.budget),
        str(problem.seed),
    ]
    argv = command(
        limits,
        runner_fd=runner_fd,
        entry_fd=entry_fd,
        status_fd=status_w,
        args=args,
        as_root=os.geteuid() == 0,
    )
    inherited = (to_child_r, from_child_w, runner_fd, entry_fd, status_w)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=inherited,
            start_new_session=True,
        )
    except OSError as exc:
        for fd in (*inherited, to_child_w, from_child_r, status_r):
            os.close(fd)
        raise SandboxUnavailable(str(exc)) from exc
    for fd in inherited:
        os.close(fd)
    sandbox = _Sandbox(proc, status_r)
    to_child = os.fdopen(to_child_w, "wb", buffering=0)

    def answer(message: dict) -> None:
        with contextlib.suppress(OSError):
            to_child.write((json.dumps(message) + "\n").encode())

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "output")
    sel.register(from_child_r, selectors.EVENT_READ, "protocol")
    sel.register(status_r, selectors.EVENT_READ, "status")
    pending = b""
    deadline = started + limits.wall_seconds
    open_streams = 3
    try:
        while open_streams and run.verdict is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                run.verdict = ("timeout", f"passed the wall-clock limit of {limits.wall_seconds} s")
                break
            for key, _ in sel.select(timeout=min(remaining, 1.0)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                    continue
                if key.data == "output":
                    run.on_output(chunk)
                elif key.data == "status":
                    sandbox.on_status(chunk)
                else:
                    pending += chunk
                    while b"\n" in pending and run.verdict is None:
                        line, pending = pending.split(b"\n", 1)
                        run.on_message(line, answer)
                    if len(pending) > MESSAGE_BYTES and run.verdict is None:
                        run.verdict = ("output", "sent a message longer than 64 KB")
        killed = run.verdict is not None
        if killed:
            sandbox.kill()
        try:
            code = proc.wait(timeout=max(0.0, deadline - time.monotonic()) + KILL_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            killed = True
            sandbox.kill()
            code = proc.wait()
            run.verdict = run.verdict or (
                "timeout",
                f"passed the wall-clock limit of {limits.wall_seconds} s",
            )
    finally:
        if proc.poll() is None:
            sandbox.kill()
            proc.wait()
        sandbox.reap()
        sel.close()
        to_child.close()
        for fd in (from_child_r, status_r):
            os.close(fd)
        proc.stdout.close()
    out = run.outcome
    out.seconds = time.monotonic() - started
    out.output_tail = run.tail.decode("utf-8", "replace")
    out.status, out.reason = _verdict(run, code, killed, limits)
    if out.status == "ok":
        out.point = [float(v) for v in run.final["x"]]
    return out


class _Sandbox:
    """The bwrap process and the sandbox's PID 1 (which bwrap reports on its status fd).

    Killing PID 1 makes the kernel kill every process of the sandbox's PID namespace, and PID 1
    is only reaped once they all are: bwrap then exits, so waiting for bwrap waits for the lot.
    """

    def __init__(self, proc: subprocess.Popen, status_fd: int):
        self.proc, self.status_fd = proc, status_fd
        self.child_pid: int | None = None
        self.status = b""

    def on_status(self, chunk: bytes) -> None:
        self.status += chunk
        if self.child_pid is None:
            match = re.search(rb'"child-pid":\s*(\d+)', self.status)
            if match:
                self.child_pid = int(match.group(1))

    def reap(self) -> None:
        """Wait for the sandbox's PID 1 itself. bwrap may exit as soon as PID 1 reports the exit
        code, before PID 1 (and the namespace's last processes) are gone; PID 1 is then handed
        to this process, the child subreaper, and reaped here rather than left a zombie that
        would count against the next run's process limit."""
        if self.child_pid is None:
            return
        deadline = time.monotonic() + KILL_GRACE_SECONDS
        while True:
            try:
                pid, _status = os.waitpid(self.child_pid, os.WNOHANG)
            except ChildProcessError:
                return  # bwrap reaped it: not ours
            if pid:
                return
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(self.child_pid, signal.SIGKILL)
                deadline = time.monotonic() + KILL_GRACE_SECONDS
            time.sleep(0.002)

    def kill(self) -> None:
        if self.child_pid is None:
            # Not started yet: read what bwrap has said so far, without waiting long.
            ready, _, _ = select.select([self.status_fd], [], [], 0.5)
            if ready:
                with contextlib.suppress(OSError):
                    self.on_status(os.read(self.status_fd, 65536))
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.child_pid or self.proc.pid, signal.SIGKILL)


def _verdict(run: _Run, code: int, killed: bool, limits: Limits) -> tuple[str, str]:
    if run.verdict is not None:
        return run.verdict
    if code in {128 + signal.SIGXCPU, 128 + signal.SIGKILL} and not killed:
        return "timeout", f"passed the CPU-time limit of {limits.cpu_seconds} s"
    if code == 128 + signal.SIGXFSZ:
        return "output", f"wrote a file larger than {limits.file_mb} MB"
    final = run.final
    if final is not None and final.get("op") == "fail":
        kind = final.get("kind")
        reason = str(final.get("reason", ""))[:400]
        if kind == "memory":
            return "memory", f"ran out of its {limits.memory_mb} MB of memory"
        if kind == "output":
            return "output", f"wrote more than its scratch space allows ({reason})"
        if kind == "processes":
            return "error", f"passed its limit of {limits.processes} processes"
        if kind == "refused":
            return "refused", reason or "not an entry"
        return "error", reason or "failed"
    if code != 0:
        if code > 128:
            return "error", f"killed by {_signal_name(code)}"
        if code == 1 and final is None and b"MemoryError" in run.tail:
            return "memory", f"ran out of its {limits.memory_mb} MB of memory"
        return "error", f"ended with exit code {code} without returning a point"
    if final is None:
        return "error", "ended without returning a point"
    point = final.get("x")
    reason = _valid_point(point, run.problem.bounds)
    if reason:
        return "error", f"minimize() returned a bad point: {reason}"
    return "ok", ""
