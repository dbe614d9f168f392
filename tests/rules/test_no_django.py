"""The rules engine is plain Python: no module of it imports Django."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import kikin.rules


def test_no_module_imports_django():
    for path in Path(kikin.rules.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "django" or n.startswith("django.") for n in names), (
                f"{path.name} imports {names}"
            )


def test_importing_every_module_loads_no_django():
    modules = [m.name for m in pkgutil.iter_modules(kikin.rules.__path__, "kikin.rules.")]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
