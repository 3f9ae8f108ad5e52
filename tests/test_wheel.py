"""The package works anywhere: the wheel (not the checkout) installed in a fresh virtual environment
runs `kg build`, `kg query list` and `kg viz` from an empty folder, with its catalogue, quality checks,
page assets and ontology as package data.

The wheel is built from a copy of the project's files (a build in the checkout would leave setuptools'
build/ folder where `kg build` writes). The new environment gets only the wheel; its dependencies come
from this environment through a .pth line, so that the test needs no download.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import DATA, ROOT, need

SOURCE_PARTS = ("kg", "queries", "viz", "ontology", "pyproject.toml", "README.md")


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel of this checkout installed; its bin/ folder."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for part in SOURCE_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, source / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, source / part)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                  "-w", str(root / "dist"), str(source)], cwd=root)
    assert built.returncode == 0, built.stderr
    wheels = list((root / "dist").glob("kg-*.whl"))
    assert len(wheels) == 1, wheels
    venv = root / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], cwd=root)
    need(made.returncode == 0, f"python -m venv ({made.stderr.strip()})")
    python = venv / "bin" / "python"
    installed = _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheels[0])],
                     cwd=root)
    assert installed.returncode == 0, installed.stderr
    # The dependencies, from this environment, after the new environment's own site-packages.
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root)
    Path(purelib.stdout.strip(), "kg-test-dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return venv / "bin"


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """An empty folder outside the checkout, with a copy of the records somewhere else."""
    (tmp_path / "elsewhere").mkdir()
    shutil.copytree(DATA, tmp_path / "elsewhere" / "records")
    work = tmp_path / "empty"
    work.mkdir()
    return work


def _kg(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("KG_DEBUG", "PYTHONPATH")}
    return _run([str(bin_dir / "kg"), *args], cwd=cwd, env=env)


def test_the_wheel_holds_every_module_and_resource_of_the_checkout(installed: Path) -> None:
    wheel = next((installed.parent.parent / "dist").glob("kg-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "kg").rglob("*.py")}
    for part in ("queries", "viz", "ontology"):
        expected |= {"kg/_resources/" + p.relative_to(ROOT).as_posix() for p in (ROOT / part).rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts}
    assert expected - names == set()


def test_the_installed_kg_runs_from_the_wheel_not_the_checkout(installed: Path, outside: Path) -> None:
    found = _run([str(installed / "python"), "-c", "import kg.resources as r; print(r.__file__); "
                  "print(r.resource_dir('queries'))"], cwd=outside)
    assert found.returncode == 0, found.stderr
    module, queries = found.stdout.split()
    venv = installed.parent.resolve()
    assert Path(module).resolve().is_relative_to(venv) and Path(queries).resolve().is_relative_to(venv)


def test_build_query_list_and_viz_outside_the_checkout(installed: Path, outside: Path) -> None:
    records = outside.parent / "elsewhere" / "records"
    built = _kg(installed, "build", "--data", str(records), "--ontology", str(ROOT / "ontology"), "--progress",
                cwd=outside)
    assert built.returncode == 0, built.stderr
    assert "running the quality checks" in built.stderr
    assert (outside / "build" / "kg.ttl").is_file() and (outside / "build" / "overview.html").is_file()
    assert {"index.html", "model.html"} <= {p.name for p in (outside / "build" / "site").iterdir()}
    listed = _kg(installed, "query", "list", cwd=outside)
    assert listed.returncode == 0, listed.stderr
    assert "collaborators" in listed.stdout and "mentors" in listed.stdout
    page = _kg(installed, "viz", "-o", "graph.html", cwd=outside)
    assert page.returncode == 0, page.stderr
    assert "vis-network" in (outside / "graph.html").read_text(encoding="utf-8")


def test_the_quality_checks_run_outside_the_checkout(installed: Path, outside: Path) -> None:
    # A work that names nobody who made it passes the record checks and the shapes; only the catalogue's
    # quality check refuses it. Without its ontology folder, kg uses the ontology it ships.
    records = outside.parent / "elsewhere" / "records"
    (records / "orphan.yaml").write_text(
        "- id: orphan-film\n  type: DocumentaryFilm\n  label: Orphan\n  sources: [newschina-clarke]\n",
        encoding="utf-8")
    checked = _kg(installed, "validate", "--data", str(records), cwd=outside)
    assert checked.returncode == 1, checked.stderr
    assert "orphan.yaml:1" in checked.stderr and "a work with no role holder" in checked.stderr
