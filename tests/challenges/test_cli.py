"""`kikin evaluate`: one JSON object, exactly as the worker evaluates."""

import json

import pytest

from kikin.cli import main

from .helpers import RANDOM_ENTRY, load, needs_sandbox

pytestmark = pytest.mark.django_db


@needs_sandbox
def test_evaluate_prints_one_json_object(tmp_path, capsys):
    load()
    entry = tmp_path / "entry.py"
    entry.write_bytes(RANDOM_ENTRY)
    assert (
        main(
            ["evaluate", "--challenge", "test-hpo", "--stage", "preliminary", "--entry", str(entry)]
        )
        == 0
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    result = json.loads(out[0])
    assert set(result) == {
        "status",
        "reason",
        "public_score",
        "hidden_score",
        "evaluations",
        "seconds",
    }
    assert result["status"] == "ok" and result["hidden_score"] is None
    assert 0 <= float(result["public_score"]) <= 1 and result["evaluations"] == 12
    assert (
        main(
            [
                "evaluate",
                "--challenge",
                "test-hpo",
                "--stage",
                "preliminary",
                "--entry",
                str(entry),
                "--hidden",
            ]
        )
        == 0
    )
    hidden = json.loads(capsys.readouterr().out)
    assert hidden["public_score"] == result["public_score"] and hidden["hidden_score"] is not None
    assert hidden["evaluations"] == 24


@needs_sandbox
def test_a_failing_entry_is_a_result_not_an_error_of_the_command(tmp_path, capsys):
    load()
    entry = tmp_path / "loop.py"
    entry.write_text("def minimize(o, b, n, s):\n    while True:\n        print('spam' * 100)\n")
    assert (
        main(
            ["evaluate", "--challenge", "test-hpo", "--stage", "preliminary", "--entry", str(entry)]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "output" and "printed more than 16 KB" in result["reason"]
    assert result["public_score"] is None


def test_errors_of_the_command_are_one_line_on_stderr(tmp_path, capsys):
    load()
    assert (
        main(["evaluate", "--challenge", "nope", "--stage", "preliminary", "--entry", "x.py"]) == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("kikin evaluate: no stage 'preliminary' of a challenge 'nope'")
    assert (
        main(
            [
                "evaluate",
                "--challenge",
                "test-hpo",
                "--stage",
                "preliminary",
                "--entry",
                str(tmp_path / "missing.py"),
            ]
        )
        == 2
    )
    assert "cannot read" in capsys.readouterr().err
