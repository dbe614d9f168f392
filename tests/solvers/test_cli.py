"""`kikin assign` end to end with temporary CSV files."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from kikin.cli import main as kikin_main
from kikin.solvers.assignment import assign
from kikin.solvers.cli import assign_main


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(capsys, *argv):
    code = assign_main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def read_pairs(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["proposal", "reviewer"]
    return rows[1:]


SCORES = """proposal,reviewer,score
P-2,R-a,0.9
P-1,R-a,0.5
P-1,R-b,0.25
P-2,R-b,0.125
P-3,R-c,1
"""


def test_happy_path_writes_sorted_pairs_and_one_json_line(tmp_path, capsys):
    s = write(tmp_path / "s.csv", SCORES)
    c = write(tmp_path / "c.csv", "proposal,reviewer\nP-2,R-a\n")
    out = tmp_path / "a.csv"
    code, stdout, stderr = run(capsys, "--scores", s, "--conflicts", c, "--per-proposal", "1",
                               "--min-load", "0", "--max-load", "1", "--out", str(out))
    assert code == 0, stderr
    assert stderr == ""
    lines = stdout.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert set(summary) == {"total_score", "min_proposal_score", "seconds", "proven_optimal",
                            "proposals", "reviewers"}
    # P-2 cannot have R-a: P-1→R-a 0.5, P-2→R-b 0.125, P-3→R-c 1
    assert summary["total_score"] == pytest.approx(1.625)
    assert summary["min_proposal_score"] == pytest.approx(0.125)
    assert summary["proven_optimal"] is True
    assert (summary["proposals"], summary["reviewers"]) == (3, 3)
    pairs = read_pairs(out)
    assert pairs == [["P-1", "R-a"], ["P-2", "R-b"], ["P-3", "R-c"]]
    assert pairs == sorted(pairs)


def test_a_missing_pair_scores_zero(tmp_path, capsys):
    # P-9 appears only in the conflicts file: it has no score with anyone, and still gets a
    # reviewer; R-z appears only there too and is a reviewer like the others
    s = write(tmp_path / "s.csv", "proposal,reviewer,score\nP-1,R-a,2\nP-1,R-b,1\n")
    c = write(tmp_path / "c.csv", "proposal,reviewer\nP-9,R-a\nP-1,R-z\n")
    out = tmp_path / "a.csv"
    code, stdout, _ = run(capsys, "--scores", s, "--conflicts", c, "--per-proposal", "2",
                          "--max-load", "2", "--out", str(out))
    assert code == 0
    summary = json.loads(stdout)
    assert summary["total_score"] == 3  # P-1 gets R-a and R-b; P-9 gets two at score 0
    assert summary["min_proposal_score"] == 0
    assert (summary["proposals"], summary["reviewers"]) == (2, 3)
    pairs = read_pairs(out)
    assert ["P-9", "R-a"] not in pairs
    assert sorted(r for p, r in pairs if p == "P-9") == ["R-b", "R-z"]


def test_fair_flag_and_the_top_level_command(tmp_path, capsys):
    s = write(tmp_path / "s.csv", "proposal,reviewer,score\n"
              "A,x,9\nA,y,1\nA,z,1\nB,x,9\nB,y,1\nB,z,1\nC,x,5\nC,y,5\nC,z,5\nC,w,5\n"
              "D,x,5\nD,y,5\nD,z,5\nD,w,5\n")
    out = tmp_path / "a.csv"
    args = ["--scores", s, "--per-proposal", "2", "--max-load", "2", "--out", str(out)]
    assert kikin_main(["assign", *args]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert kikin_main(["assign", *args, "--fair"]) == 0
    fair = json.loads(capsys.readouterr().out)
    assert fair["min_proposal_score"] >= plain["min_proposal_score"]
    assert fair["proven_optimal"] is True


def test_crlf_blank_lines_spaces_and_quotes(tmp_path, capsys):
    s = write(tmp_path / "s.csv", 'proposal,reviewer,score\r\nP1, R1 ,0.5\r\n\r\n"P,2",R1,1\r\n')
    out = tmp_path / "a.csv"
    code, stdout, stderr = run(capsys, "--scores", s, "--per-proposal", "1", "--max-load", "2",
                               "--out", str(out))
    assert code == 0, stderr
    assert json.loads(stdout)["total_score"] == 1.5
    assert read_pairs(out) == [["P,2", "R1"], ["P1", "R1"]]


@pytest.mark.parametrize(
    "content, message",
    [
        ("proposal,reviewer,points\nP1,R1,1\n", "line 1: header must be 'proposal,reviewer,score'"),
        ("", "line 1: header must be"),
        ("proposal,reviewer,score\nP1,R1,1\nP2,R1,abc\n", "line 3: score 'abc' is not a number"),
        ("proposal,reviewer,score\nP1,R1,1\n\nP2,R1,1.2.3\n", "line 4: score '1.2.3' is not a number"),
        ("proposal,reviewer,score\nP1,R1,nan\n", "line 2: score 'nan' is not a number"),
        ("proposal,reviewer,score\nP1,R1,\n", "line 2: empty score"),
        ("proposal,reviewer,score\nP1,R1\n", "line 2: expected 3 fields, got 2"),
        ("proposal,reviewer,score\n,R1,1\n", "line 2: empty proposal id"),
        ("proposal,reviewer,score\nP1,R1,1\nP1,R1,2\n", "line 3: pair (P1, R1) repeats line 2"),
        ("proposal,reviewer,score\nP1,R1,0.1234567\n", "line 2: score has more than 6 decimal"),
        ('proposal,reviewer,score\n"P1",R1,x1\n', "line 2: score 'x1' is not a number"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, content, message):
    s = write(tmp_path / "s.csv", content)
    code, stdout, stderr = run(capsys, "--scores", s, "--per-proposal", "1", "--max-load", "5",
                               "--out", str(tmp_path / "a.csv"))
    assert code == 2
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1
    assert message in stderr


def test_missing_file_and_bad_arguments(tmp_path, capsys):
    code, _, err = run(capsys, "--scores", str(tmp_path / "nope.csv"), "--per-proposal", "1",
                       "--max-load", "1", "--out", str(tmp_path / "a.csv"))
    assert code == 2 and "nope.csv: no such file" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "--scores", "x.csv", "--per-proposal", "three", "--max-load", "1",
                       "--out", "a.csv")
    assert code == 2 and "--per-proposal" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "--per-proposal", "1")
    assert code == 2 and len(err.splitlines()) == 1


def test_bad_conflicts_header(tmp_path, capsys):
    s = write(tmp_path / "s.csv", SCORES)
    c = write(tmp_path / "c.csv", "proposal;reviewer\n")
    code, _, err = run(capsys, "--scores", s, "--conflicts", c, "--per-proposal", "1",
                       "--max-load", "1", "--out", str(tmp_path / "a.csv"))
    assert code == 2 and "c.csv: line 1: header must be 'proposal,reviewer'" in err


def test_infeasible_exits_2_naming_the_constraint(tmp_path, capsys):
    s = write(tmp_path / "s.csv", SCORES)
    code, stdout, err = run(capsys, "--scores", s, "--per-proposal", "2", "--max-load", "1",
                            "--out", str(tmp_path / "a.csv"))
    assert code == 2 and stdout == ""
    assert "infeasible: total demand 3×2=6 exceeds total reviewer capacity 3×1=3" in err
    c = write(tmp_path / "c.csv", "proposal,reviewer\nP-3,R-a\nP-3,R-b\n")
    code, _, err = run(capsys, "--scores", s, "--conflicts", c, "--per-proposal", "2",
                       "--max-load", "3", "--out", str(tmp_path / "a.csv"))
    assert code == 2
    assert "per_proposal=2 but proposal P-3 has only 1 reviewers without a conflict" in err


def test_cli_agrees_with_the_library_on_a_random_instance(tmp_path, capsys):
    rng = np.random.default_rng(7)
    P, R = 60, 25
    S = np.round(rng.random((P, R)), 6)
    S[rng.random((P, R)) < 0.3] = 0
    conflict = rng.random((P, R)) < 0.05
    rows = ["proposal,reviewer,score"]
    for p, r in zip(*np.nonzero(S)):
        rows.append(f"prop{p:03d},rev{r:02d},{S[p, r]:.6f}")
    s = write(tmp_path / "s.csv", "\n".join(rows) + "\n")
    c = write(tmp_path / "c.csv", "proposal,reviewer\n" + "".join(
        f"prop{p:03d},rev{r:02d}\n" for p, r in zip(*np.nonzero(conflict))))
    out = tmp_path / "a.csv"
    code, stdout, err = run(capsys, "--scores", s, "--conflicts", c, "--per-proposal", "3",
                            "--min-load", "1", "--max-load", "9", "--out", str(out))
    assert code == 0, err
    expected = assign(S, conflict, 3, 1, 9)
    assert json.loads(stdout)["total_score"] == pytest.approx(expected.total_score, abs=1e-9)
    pairs = read_pairs(out)
    assert len(pairs) == P * 3
    assert sum(S[int(p[4:]), int(r[3:])] for p, r in pairs) == pytest.approx(expected.total_score)


def test_the_solver_modules_import_no_django():
    code = (
        "import sys, kikin.solvers.assignment, kikin.solvers.adoption, kikin.solvers.cli;"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
