"""Every kikin app has its place in the import contracts (pyproject.toml), so that a new app
cannot slip past `make lint`'s import-linter unconstrained."""

import tomllib
from pathlib import Path

from django.conf import settings

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def contracts() -> dict[str, dict]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def kikin_apps() -> set[str]:
    return {app for app in settings.INSTALLED_APPS if app.startswith("kikin.")}


def test_every_app_sits_in_one_layer():
    layered = [
        name.strip() for layer in contracts()["layers"]["layers"] for name in layer.split("|")
    ]
    assert len(layered) == len(set(layered)), "an app is named in two layers"
    missing = kikin_apps() - set(layered)
    assert not missing, f"apps missing from the layers contract in pyproject.toml: {missing}"


def test_the_rules_engine_and_solvers_may_import_no_app():
    forbidden = set(contracts()["pure"]["forbidden_modules"])
    assert "django" in forbidden
    missing = kikin_apps() - forbidden
    assert not missing, f"apps the pure contract does not forbid: {missing}"


def test_no_import_is_excused():
    excused = {cid: c.get("ignore_imports") for cid, c in contracts().items()}
    assert not any(excused.values()), excused
