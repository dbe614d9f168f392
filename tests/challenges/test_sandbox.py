"""Escape attempts that must fail, and every way an entry can end, each with its status and
reason. These run the real sandbox (bubblewrap); no database is needed."""

import os
import subprocess
import textwrap

import pytest

from kikin.challenges import sandbox, suites
from kikin.challenges.evaluation import run_evaluation
from kikin.rules.challenges import Limits, Problem, parse_evaluation

from .helpers import CENTRE_ENTRY, RANDOM_ENTRY, needs_sandbox, plan

pytestmark = needs_sandbox

LIMITS = Limits(cpu_seconds=4, wall_seconds=12, memory_mb=256, output_kb=16, processes=8)
BRANIN = Problem("branin", "branin", "public", budget=10, seed=1)
SECRET = "hidden-key-for-the-tests"


def run(source: str, problem: Problem = BRANIN, limits: Limits = LIMITS, key: str = SECRET):
    built = suites.build(problem, key)
    return sandbox.run_entry(textwrap.dedent(source).encode(), built, limits)


def returning(body: str) -> str:
    """An entry whose minimize() runs `body` (which may print) and returns the centre."""
    return "import os, sys, socket\n\ndef minimize(objective, bounds, budget, seed):\n" + (
        textwrap.indent(textwrap.dedent(body), "    ")
        + "\n    return [(lo + hi) / 2 for lo, hi in bounds]\n"
    )


def sandbox_processes() -> list[str]:
    """Processes still running under the sandbox's uid range (none once a run has returned)."""
    out = subprocess.run(["ps", "-eo", "uid=,pid=,stat=,comm="], capture_output=True, text=True)
    base = sandbox.SANDBOX_UID_BASE
    return [
        line
        for line in out.stdout.splitlines()
        if base <= int(line.split()[0]) < base + sandbox.SANDBOX_UID_SPAN
    ]


# ------------------------------------------------------------------------------ a fair entry


def test_a_fair_entry_is_evaluated_with_the_budget_counted_outside():
    out = run(RANDOM_ENTRY.decode())
    assert out.status == "ok" and out.reason == ""
    assert out.evaluations == 10 and len(out.trace) == 10 and out.refused_calls == 0
    assert len(out.point) == 2
    assert out.seconds < LIMITS.wall_seconds


def test_calls_beyond_the_budget_return_nothing_and_are_counted_as_refused():
    out = run(
        returning(
            """
            values = [objective([0.0, 0.0]) for _ in range(budget + 4)]
            print("NONE" if values[-1] is None and values[0] is not None else "WRONG")
            """
        )
    )
    assert out.status == "ok"
    assert out.evaluations == 10 and out.refused_calls == 4
    assert "NONE" in out.output_tail


def test_writing_to_the_pipe_directly_does_not_buy_more_calls():
    out = run(
        returning(
            """
            w, r = int(sys.argv[2]), int(sys.argv[1])
            answers = []
            for _ in range(budget * 3):
                os.write(w, b'{"op": "ask", "x": [1.0, 1.0]}\\n')
                line = b""
                while not line.endswith(b"\\n"):
                    line += os.read(r, 1)
                answers.append(line)
            print(sum(b'"refused"' in a for a in answers))
            """
        )
    )
    assert out.status == "ok"
    assert out.evaluations == 10 and out.refused_calls == 20
    assert "20" in out.output_tail


# ------------------------------------------------------------------------------ escapes


def test_no_network_not_even_the_database_on_this_machine():
    out = run(
        returning(
            """
            for host, port in [("127.0.0.1", 5432), ("127.0.0.1", 6379), ("1.1.1.1", 80)]:
                try:
                    socket.create_connection((host, port), timeout=2)
                    print("CONNECTED", host, port)
                except OSError as exc:
                    print("refused", host, port, exc.errno)
            try:
                socket.getaddrinfo("pypi.org", 443)
                print("CONNECTED dns")
            except OSError:
                print("refused dns")
            print(sorted(os.listdir("/sys/class/net")) if os.path.exists("/sys/class/net") else "no /sys")
            """
        )
    )
    assert out.status == "ok"
    assert "CONNECTED" not in out.output_tail
    assert out.output_tail.count("refused") == 4


def test_the_project_the_hidden_part_and_other_teams_files_are_not_there(tmp_path, settings):
    import kikin

    other_team = tmp_path / "challenges" / "1" / "2" / "1-entry.py"
    other_team.parent.mkdir(parents=True)
    other_team.write_text("SECRET OTHER TEAM")
    paths = [
        os.path.dirname(kikin.__file__),  # the package: plan files, suites, settings
        os.path.join(os.path.dirname(kikin.__file__), "rules", "data", "programs"),
        str(other_team),
        str(settings.MEDIA_ROOT),
        "/work",
        "/root",
        "/home",
        "/etc/passwd",
        "/var/run/postgresql",
    ]
    out = run(
        returning(
            f"""
            for p in {paths!r}:
                print("VISIBLE" if os.path.exists(p) else "absent", p)
            try:
                import kikin
                print("VISIBLE kikin")
            except ImportError:
                print("absent kikin")
            print(sorted(os.listdir("/")))
            """
        )
    )
    assert out.status == "ok"
    assert "VISIBLE" not in out.output_tail
    assert out.output_tail.count("absent") == len(paths) + 1
    assert "'etc', 'lib', 'lib64', 'proc', 'sandbox', 'scratch', 'tmp', 'usr'" in out.output_tail


def test_nothing_outside_scratch_can_be_written(tmp_path):
    target = tmp_path / "escaped.txt"
    out = run(
        returning(
            f"""
            for p in ["/usr/x", "/x", "/sandbox/entry.py", "/sandbox/runner.py", "/etc/x", {str(target)!r}]:
                try:
                    open(p, "w").write("x")
                    print("WROTE", p)
                except OSError as exc:
                    print("denied", p)
            open("/scratch/ok.txt", "w").write("fine")
            open("/tmp/ok.txt", "w").write("fine")
            print("scratch", open("/scratch/ok.txt").read())
            """
        )
    )
    assert out.status == "ok"
    assert "WROTE" not in out.output_tail and out.output_tail.count("denied") == 6
    assert "scratch fine" in out.output_tail
    assert not target.exists()


def test_the_objectives_parameters_and_the_key_never_enter_the_sandbox():
    """The entry searches everything it can reach (its process memory via gc, the command line
    and environment of every process it can see, every file outside /usr) for the key and for
    the hidden optimum's coordinates; it finds neither."""
    problem = Problem(
        "branin-hidden", "branin", "hidden", budget=5, seed=2, transform="shift_rotate"
    )
    built = suites.build(problem, SECRET)
    # Where the hidden variant's optimum lies, as the evaluator knows it: find it by brute force.
    import numpy as np

    grid = np.stack(np.meshgrid(np.linspace(-5, 10, 301), np.linspace(0, 15, 301)), -1).reshape(
        -1, 2
    )
    best = grid[int(np.argmin([built.objective(list(p)) for p in grid]))]
    needles = [
        SECRET[: len(SECRET) // 2] + "|" + SECRET[len(SECRET) // 2 :],
        f"{best[0]:.2f}|{best[1]:.2f}",
        "/sandbox/run|ner.py",  # a control: on the runner's command line, so it must be found
    ]
    source = returning(
        f"""
        import gc
        needles = [n.replace("|", "") for n in {needles!r}]
        found = []
        def look(where, text):
            for i, n in enumerate(needles):
                if n in text:
                    found.append((i, where))
        for obj in gc.get_objects():
            if obj is needles:
                continue
            try:
                look("memory", repr(obj)[:2000])
            except Exception:
                pass
        look("closure", repr(getattr(objective, "__closure__", None)))
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                for part in ("cmdline", "environ"):
                    try:
                        look(f"/proc/{{pid}}/{{part}}", open(f"/proc/{{pid}}/{{part}}", "rb").read().decode("utf-8", "replace"))
                    except OSError:
                        pass
        for top in ("/sandbox", "/scratch", "/tmp", "/etc"):
            for root, dirs, files in os.walk(top):
                for f in files:
                    try:
                        look(os.path.join(root, f), open(os.path.join(root, f), "rb").read(1 << 20).decode("utf-8", "replace"))
                    except OSError:
                        pass
        print("pids", sorted(p for p in os.listdir("/proc") if p.isdigit()))
        print("found", sorted({{i for i, _ in found}}), [w for i, w in found if i < 2][:5])
        """
    )
    out = sandbox.run_entry(source.encode(), built, LIMITS)
    assert out.status == "ok", out.reason
    assert "found [2] []" in out.output_tail, out.output_tail
    # Its own PID namespace: bwrap's PID 1, the runner; nothing of the host.
    pids = out.output_tail.split("pids ")[1].split("]")[0]
    assert len(pids.split(",")) <= 3


def test_no_nested_user_namespace():
    out = run(
        returning(
            """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            print("unshare", libc.unshare(0x10000000), ctypes.get_errno())
            """
        )
    )
    assert out.status == "ok"
    assert "unshare -1" in out.output_tail


# ------------------------------------------------------------------------------ limits


def test_a_fork_bomb_hits_the_process_limit_and_leaves_nothing_behind():
    out = run(
        """
        import os

        def minimize(objective, bounds, budget, seed):
            while True:
                os.fork()
        """
    )
    assert out.status == "error"
    assert out.reason == f"passed its limit of {LIMITS.processes} processes"
    assert sandbox_processes() == []
    assert run(CENTRE_ENTRY.decode()).status == "ok"  # the next run is not starved


def test_huge_output_is_cut_off():
    out = run(
        """
        def minimize(objective, bounds, budget, seed):
            while True:
                print("x" * 10000)
        """
    )
    assert out.status == "output"
    assert out.reason == f"printed more than {LIMITS.output_kb} KB"
    assert len(out.output_tail) <= sandbox.TAIL_BYTES


def test_a_large_file_in_scratch_is_refused():
    out = run(returning("open('/scratch/big', 'wb').write(b'x' * (20 << 20))"))
    assert out.status == "output"
    assert "scratch space" in out.reason


def test_an_endless_loop_times_out():
    out = run(
        """
        def minimize(objective, bounds, budget, seed):
            while True:
                pass
        """
    )
    assert out.status == "timeout"
    assert "limit" in out.reason
    assert out.seconds < LIMITS.wall_seconds + 3


def test_sleeping_past_the_wall_clock_times_out():
    out = run(
        returning("import time; time.sleep(60)"),
        limits=Limits(**{**LIMITS.__dict__, "wall_seconds": 2}),
    )
    assert out.status == "timeout"
    assert out.reason == "passed the wall-clock limit of 2 s"
    assert sandbox_processes() == []


def test_running_out_of_memory():
    out = run(returning("hoard = [bytearray(50 << 20) for _ in range(100)]"))
    assert out.status == "memory"
    assert out.reason == f"ran out of its {LIMITS.memory_mb} MB of memory"


# ------------------------------------------------------------------------------ bad entries


@pytest.mark.parametrize(
    ("source", "status", "reason"),
    [
        ("x = 1\n", "refused", "the entry defines no minimize()"),
        ("def minimize(:\n", "error", "SyntaxError"),
        (
            "def minimize(o, b, n, s):\n    raise RuntimeError('boom')\n",
            "error",
            "RuntimeError: boom",
        ),
        ("def minimize(o, b, n, s):\n    return None\n", "error", "minimize() returned no point"),
        (
            "def minimize(o, b, n, s):\n    return [100.0, 0.0]\n",
            "error",
            "lies outside [-5.0, 10.0]",
        ),
        ("def minimize(o, b, n, s):\n    return [0.0]\n", "error", "a point has 2 coordinates"),
        (
            "def minimize(o, b, n, s):\n    return [float('nan'), 1.0]\n",
            "error",
            "not a finite number",
        ),
        (
            "import os\ndef minimize(o, b, n, s):\n    os._exit(0)\n",
            "error",
            "ended without returning a point",
        ),
        (
            "import os, signal\ndef minimize(o, b, n, s):\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
            "error",
            "killed by SIGSEGV",
        ),
        ("def minimize(o, b, n, s):\n    o(['a', 'b'])\n", "error", "ValueError"),
        ("def minimize(o, b, n, s):\n    o([99.0, 0.0])\n", "error", "outside"),
        (
            "import os, sys\ndef minimize(o, b, n, s):\n    os.write(int(sys.argv[2]), b'garbage\\n')\n    return [0.0, 0.0]\n",
            "error",
            "broke the protocol",
        ),
    ],
)
def test_every_failure_gets_a_status_and_a_reason(source, status, reason):
    out = run(source)
    assert out.status == status
    assert reason in out.reason


def test_not_an_entry_is_refused_before_running():
    assert run_entry_bytes(b"\xff\xfe" * 10).status == "refused"
    big = b"# " + b"x" * (LIMITS.entry_kb * 1024)
    out = run_entry_bytes(big)
    assert out.status == "refused" and "larger than" in out.reason


def run_entry_bytes(data: bytes):
    return sandbox.run_entry(data, suites.build(BRANIN, SECRET), LIMITS)


# ------------------------------------------------------------------------------ a whole suite


def test_an_evaluation_scores_the_public_part_and_the_hidden_part_when_asked():
    spec = parse_evaluation(plan()["challenge"]["stage"][0]["evaluation"])
    public_only = run_evaluation(evaluation=spec, entry_source=RANDOM_ENTRY, key=SECRET)
    assert public_only.status == "ok" and public_only.hidden_score is None
    assert 0 <= public_only.public_score <= 1
    both = run_evaluation(evaluation=spec, entry_source=RANDOM_ENTRY, key=SECRET, hidden=True)
    assert both.public_score == public_only.public_score  # deterministic: same seed, same runs
    assert both.hidden_score is not None and both.evaluations == 24
    assert set(both.as_json()) == {
        "status",
        "reason",
        "public_score",
        "hidden_score",
        "evaluations",
        "seconds",
    }


def test_what_an_entry_says_on_the_hidden_part_is_never_passed_on():
    """An entry that raises with the hidden values it saw: the reason names the part, not them."""
    spec = parse_evaluation(plan()["challenge"]["stage"][0]["evaluation"])
    source = b"""
def minimize(objective, bounds, budget, seed):
    y = objective([0.0, 0.0])
    print("seen", y)
    if bounds == [(-5.0, 10.0), (0.0, 15.0)] and seed == 2:
        raise ValueError("hidden value %r" % y)
    return [0.0, 0.0]
"""
    result = run_evaluation(evaluation=spec, entry_source=source, key=SECRET, hidden=True)
    assert result.status == "error" and result.reason == "hidden part: error"
    public_value = str(suites.build(BRANIN, SECRET).objective([0.0, 0.0]))
    assert public_value in result.output_tail  # the public run's own output is kept
    hidden = suites.build(
        Problem("branin-hidden", "branin", "hidden", 12, 2, transform="shift_rotate"), SECRET
    )
    assert str(hidden.objective([0.0, 0.0])) not in result.output_tail + result.reason


def test_different_keys_make_different_hidden_functions_but_the_same_public_one():
    hidden = Problem("h", "hartmann6", "hidden", 5, 2, transform="shift_rotate")
    x = [0.3] * 6
    a, b = suites.build(hidden, "key-a"), suites.build(hidden, "key-b")
    assert a.objective(x) != b.objective(x)
    assert a.optimum == b.optimum  # shifting and turning keep the minimum value
    public = Problem("p", "hartmann6", "public", 5, 2)
    assert suites.build(public, "key-a").objective(x) == suites.build(public, "key-b").objective(x)
