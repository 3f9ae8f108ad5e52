"""The code stays ruff clean (the linter is a test dependency, so this runs everywhere)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

from conftest import ROOT, need


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(ROOT / ".venv" / "bin" / "ruff")
    need(shutil.which("ruff") is not None or (ROOT / ".venv" / "bin" / "ruff").exists(), "ruff")
    result = subprocess.run([ruff, "check", "kg", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_errors() -> None:
    need(importlib.util.find_spec("mypy") is not None, "mypy")
    # The settings are pyproject.toml's [tool.mypy] (untyped libraries are named there one by one).
    result = subprocess.run([sys.executable, "-m", "mypy", "kg"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_kg_help_runs_without_the_rdf_stack() -> None:
    code = "import sys, kg.cli; kg.cli._parser(); print('pyoxigraph' in sys.modules, 'rdflib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
