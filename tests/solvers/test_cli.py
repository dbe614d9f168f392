"""`kikin assign` end to end with temporary CSV files."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    code, stdout, stderr = run(
        capsys,
        "--scores",
        s,
        "--conflicts",
        c,
        "--per-proposal",
        "1",
        "--min-load",
        "0",
        "--max-load",
        "1",
        "--out",
        str(out),
    )
    assert code == 0, stderr
    assert stderr == ""
    lines = stdout.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert set(summary) == {
        "total_score",
        "min_proposal_score",
        "seconds",
        "proven_optimal",
        "proposals",
        "reviewers",
    }
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
    code, stdout, _ = run(
        capsys,
        "--scores",
        s,
        "--conflicts",
        c,
        "--per-proposal",
        "2",
        "--max-load",
        "2",
        "--out",
        str(out),
    )
    assert code == 0
    summary = json.loads(stdout)
    assert summary["total_score"] == 3  # P-1 gets R-a and R-b; P-9 gets two at score 0
    assert summary["min_proposal_score"] == 0
    assert (summary["proposals"], summary["reviewers"]) == (2, 3)
    pairs = read_pairs(out)
    assert ["P-9", "R-a"] not in pairs
    assert sorted(r for p, r in pairs if p == "P-9") == ["R-b", "R-z"]


def test_fair_flag_and_the_top_level_command(tmp_path, capsys):
    s = write(
        tmp_path / "s.csv",
        "proposal,reviewer,score\n"
        "A,x,9\nA,y,1\nA,z,1\nB,x,9\nB,y,1\nB,z,1\nC,x,5\nC,y,5\nC,z,5\nC,w,5\n"
        "D,x,5\nD,y,5\nD,z,5\nD,w,5\n",
    )
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
    code, stdout, stderr = run(
        capsys, "--scores", s, "--per-proposal", "1", "--max-load", "2", "--out", str(out)
    )
    assert code == 0, stderr
    assert json.loads(stdout)["total_score"] == 1.5
    assert read_pairs(out) == [["P,2", "R1"], ["P1", "R1"]]


@pytest.mark.parametrize(
    "content, message",
    [
        ("proposal,reviewer,points\nP1,R1,1\n", "line 1: header must be 'proposal,reviewer,score'"),
        ("", "line 1: header must be"),
        ("proposal,reviewer,score\nP1,R1,1\nP2,R1,abc\n", "line 3: score 'abc' is not a number"),
        (
            "proposal,reviewer,score\nP1,R1,1\n\nP2,R1,1.2.3\n",
            "line 4: score '1.2.3' is not a number",
        ),
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
    code, stdout, stderr = run(
        capsys,
        "--scores",
        s,
        "--per-proposal",
        "1",
        "--max-load",
        "5",
        "--out",
        str(tmp_path / "a.csv"),
    )
    assert code == 2
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1
    assert message in stderr


def test_missing_file_and_bad_arguments(tmp_path, capsys):
    code, _, err = run(
        capsys,
        "--scores",
        str(tmp_path / "nope.csv"),
        "--per-proposal",
        "1",
        "--max-load",
        "1",
        "--out",
        str(tmp_path / "a.csv"),
    )
    assert code == 2 and "nope.csv: no such file" in err and len(err.splitlines()) == 1
    code, _, err = run(
        capsys, "--scores", "x.csv", "--per-proposal", "three", "--max-load", "1", "--out", "a.csv"
    )
    assert code == 2 and "--per-proposal" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "--per-proposal", "1")
    assert code == 2 and len(err.splitlines()) == 1


def test_bad_conflicts_header(tmp_path, capsys):
    s = write(tmp_path / "s.csv", SCORES)
    c = write(tmp_path / "c.csv", "proposal;reviewer\n")
    code, _, err = run(
        capsys,
        "--scores",
        s,
        "--conflicts",
        c,
        "--per-proposal",
        "1",
        "--max-load",
        "1",
        "--out",
        str(tmp_path / "a.csv"),
    )
    assert code == 2 and "c.csv: line 1: header must be 'proposal,reviewer'" in err


def test_infeasible_exits_2_naming_the_constraint(tmp_path, capsys):
    s = write(tmp_path / "s.csv", SCORES)
    code, stdout, err = run(
        capsys,
        "--scores",
        s,
        "--per-proposal",
        "2",
        "--max-load",
        "1",
        "--out",
        str(tmp_path / "a.csv"),
    )
    assert code == 2 and stdout == ""
    assert "infeasible: total demand 3×2=6 exceeds total reviewer capacity 3×1=3" in err
    c = write(tmp_path / "c.csv", "proposal,reviewer\nP-3,R-a\nP-3,R-b\n")
    code, _, err = run(
        capsys,
        "--scores",
        s,
        "--conflicts",
        c,
        "--per-proposal",
        "2",
        "--max-load",
        "3",
        "--out",
        str(tmp_path / "a.csv"),
    )
    assert code == 2
    assert "per_proposal=2 but proposal P-3 has only 1 reviewers without a conflict" in err


def test_cli_agrees_with_the_library_on_a_random_instance(tmp_path, capsys):
    rng = np.random.default_rng(7)
    P, R = 60, 25
    S = np.round(rng.random((P, R)), 6)
    S[rng.random((P, R)) < 0.3] = 0
    conflict = rng.random((P, R)) < 0.05
    rows = ["proposal,reviewer,score"]
    for p, r in zip(*np.nonzero(S), strict=False):
        rows.append(f"prop{p:03d},rev{r:02d},{S[p, r]:.6f}")
    s = write(tmp_path / "s.csv", "\n".join(rows) + "\n")
    c = write(
        tmp_path / "c.csv",
        "proposal,reviewer\n"
        + "".join(f"prop{p:03d},rev{r:02d}\n" for p, r in zip(*np.nonzero(conflict), strict=False)),
    )
    out = tmp_path / "a.csv"
    code, stdout, err = run(
        capsys,
        "--scores",
        s,
        "--conflicts",
        c,
        "--per-proposal",
        "3",
        "--min-load",
        "1",
        "--max-load",
        "9",
        "--out",
        str(out),
    )
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


# --------------------------------------------------------------------------------------------
# Parquet, and the Arrow CSV reader against the exact NumPy reader


def write_parquet(path, columns: dict):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path)
    return str(path)


def assign_args(scores, out, *extra, per_proposal="1", max_load="1"):
    return [
        "--scores",
        scores,
        *extra,
        "--per-proposal",
        per_proposal,
        "--max-load",
        max_load,
        "--out",
        str(out),
    ]


def test_parquet_in_gives_what_csv_gives_and_parquet_out(tmp_path, capsys):
    import pyarrow.parquet as pq

    s_csv = write(tmp_path / "s.csv", SCORES)
    c_csv = write(tmp_path / "c.csv", "proposal,reviewer\nP-2,R-a\n")
    rows = [line.split(",") for line in SCORES.strip().splitlines()[1:]]
    s_pq = write_parquet(
        tmp_path / "s.parquet",
        {
            "proposal": [r[0] for r in rows],
            "reviewer": [r[1] for r in rows],
            "score": [float(r[2]) for r in rows],
        },
    )
    c_pq = write_parquet(tmp_path / "c.parquet", {"proposal": ["P-2"], "reviewer": ["R-a"]})
    code, csv_out, err = run(capsys, *assign_args(s_csv, tmp_path / "a.csv", "--conflicts", c_csv))
    assert code == 0, err
    code, pq_out, err = run(capsys, *assign_args(s_pq, tmp_path / "b.parquet", "--conflicts", c_pq))
    assert code == 0, err
    a, b = json.loads(csv_out), json.loads(pq_out)
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    written = pq.read_table(tmp_path / "b.parquet").to_pylist()
    assert [[r["proposal"], r["reviewer"]] for r in written] == read_pairs(tmp_path / "a.csv")


def test_parquet_found_by_its_magic_bytes_with_integer_ids(tmp_path, capsys):
    s = write_parquet(
        tmp_path / "scores.bin",
        {"proposal": [1, 2, 10], "reviewer": [7, 7, 8], "score": [3, 1, 2]},
    )
    out = tmp_path / "a.csv"
    code, stdout, err = run(capsys, *assign_args(s, out, max_load="2"))
    assert code == 0, err
    assert json.loads(stdout)["total_score"] == 6  # 1→7 (3), 2→7 (1), 10→8 (2)
    # ids are text, in byte order: "1" < "10" < "2"
    assert [p for p, _ in read_pairs(out)] == ["1", "10", "2"]


@pytest.mark.parametrize(
    "columns, message",
    [
        (
            {"proposal": ["P1"], "reviewer": ["R1"]},
            "columns must include 'proposal,reviewer,score'",
        ),
        (
            {"proposal": ["P1", "P2"], "reviewer": ["R1", "R1"], "score": [1.0, None]},
            "row 2: empty score",
        ),
        (
            {"proposal": ["P1", None], "reviewer": ["R1", "R1"], "score": [1.0, 2.0]},
            "row 2: empty proposal id",
        ),
        (
            {"proposal": ["P1", " "], "reviewer": ["R1", "R1"], "score": [1.0, 2.0]},
            "row 2: empty proposal id",
        ),
        (
            {"proposal": ["P1"], "reviewer": ["R1"], "score": ["high"]},
            "column score must be numeric",
        ),
        (
            {"proposal": ["P1", "P2", "P1"], "reviewer": ["R1", "R1", "R1"], "score": [1, 2, 3]},
            "row 3: pair (P1, R1) repeats row 1",
        ),
        (
            {"proposal": ["P1", "P2"], "reviewer": ["R1", "R1"], "score": [1.5, 0.1234567]},
            "row 2: score has more than 6 decimal places",
        ),
        (
            {"proposal": ["P1"], "reviewer": ["R1"], "score": [float("inf")]},
            "row 1: score is not a finite number",
        ),
        (
            {"proposal": ["P1"], "reviewer": ["R1"], "score": [2e9]},
            "row 1: score beyond ±10^9",
        ),
    ],
)
def test_bad_parquet_exits_2_naming_the_row(tmp_path, capsys, columns, message):
    s = write_parquet(tmp_path / "s.parquet", columns)
    code, stdout, stderr = run(capsys, *assign_args(s, tmp_path / "a.csv", max_load="5"))
    assert code == 2 and stdout == ""
    assert len(stderr.strip().splitlines()) == 1
    assert f"s.parquet: {message}" in stderr


def test_a_parquet_name_on_a_csv_file_is_refused_in_one_line(tmp_path, capsys):
    s = write(tmp_path / "s.parquet", SCORES)
    code, _, err = run(capsys, *assign_args(s, tmp_path / "a.csv"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "s.parquet: not a readable Parquet file" in err
    code, _, err = run(capsys, *assign_args(str(tmp_path / "none.parquet"), tmp_path / "a.csv"))
    assert code == 2 and "none.parquet: no such file" in err


def test_the_arrow_reader_takes_plain_files_and_leaves_the_rest(tmp_path):
    from kikin.solvers import columnar

    plain = write(tmp_path / "plain.csv", "proposal,reviewer,score\r\nP1,R 1,0.5\r\nP2,R1,1\r\n")
    cols = columnar.read_csv_fast(plain, ("proposal", "reviewer", "score"), True)
    assert sorted(cols.ids[1][0]) == ["R 1", "R1"] and list(cols.values) == [0.5, 1.0]
    for text in [
        'proposal,reviewer,score\n"P1",R1,1\n',  # quotes: the csv module's reader
        "proposal,reviewer,score\nP1,R1,1\rP2,R1,2\n",  # a carriage return inside a line
        "proposal,reviewer,score\nP1,R1,1\nP1,R1\n",  # a short line
        "proposal,reviewer,score\nP1,R1,nan\n",
        "proposal,reviewer,score\nP1,,1\n",
        "Proposal , Reviewer,Score\nP1,R1,1\n".replace("Proposal , ", "proposal;"),
        "proposal,reviewer,score\n",  # no rows
    ]:
        path = write(tmp_path / "odd.csv", text)
        with pytest.raises(columnar.Unusual):
            columnar.read_csv_fast(path, ("proposal", "reviewer", "score"), True)


def _prepared(path, conflicts, fast):
    import argparse

    from kikin.solvers.cli import CliError, _prepare
    from kikin.solvers.columnar import Unusual

    args = argparse.Namespace(scores=path, conflicts=conflicts)
    try:
        problem = _prepare(args, fast=fast)
    except Unusual:
        return "unusual"
    except CliError as e:
        return ("error", str(e))
    return (problem.proposals, problem.reviewers, problem.matrix.tolist(), problem.mask.tolist())


_PAD = st.sampled_from(["", "", "", " ", "\t"])
_ID = st.tuples(_PAD, st.text("PRab1é_ ", min_size=1, max_size=3), _PAD).map("".join)
_NUMBER = st.one_of(
    st.integers(-5, 5).map(str), st.decimals(-10, 10, places=3, allow_nan=False).map(str)
)
_SCORE = st.one_of(
    *[_NUMBER] * 12,
    st.sampled_from(["nan", "inf", "", " 1 ", "+2", ".5", "1e-3", "1_0", "x", "0.1234567", "2e9"]),
)
# mostly well-formed rows, sometimes a repeated one (a repeated pair is an error with lines)
_ROWS = st.lists(st.tuples(_ID, _ID, _SCORE), min_size=0, max_size=6).flatmap(
    lambda rows: st.sampled_from([rows, rows, rows, rows + rows[:1]])
)


@given(
    rows=_ROWS,
    crlf=st.booleans(),
    bom=st.booleans(),
    blank=st.booleans(),
)
@settings(max_examples=150, deadline=None)
def test_the_fast_path_never_disagrees_with_the_exact_reader(rows, crlf, bom, blank):
    import tempfile

    nl = "\r\n" if crlf else "\n"
    lines = ["proposal,reviewer,score", *(",".join(r) for r in rows)]
    if blank and len(lines) > 1:
        lines.insert(2, "")
    text = ("\ufeff" if bom else "") + nl.join(lines) + nl
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/s.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        fast = _prepared(path, None, True)
        exact = _prepared(path, None, False)
    assert exact != "unusual"
    # the fast path either reads exactly what the exact reader reads, or hands the file over
    assert fast == "unusual" or fast == exact
