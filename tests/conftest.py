"""Shared fixtures: the repository's paths, the curated graph, the small world, and a way to run the real CLI.

Two kinds of test data. The curated data (data/, the `graph` and `built` fixtures) grows whenever a
curator adds a source, so tests on it assert only what stays true when records are added (membership,
subsets, "at least"), and say so in their names (``..._include_...``, ``..._at_least_...``). Exact answers
(whole sets, counts, row lists, rankings) are pinned on the small world (tests/small_world, the
`small_graph` and `small_built` fixtures): made-up records written for the tests, whose answers are
worked out by hand in tests/small_world/README.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ONTOLOGY = ROOT / "ontology"
#: Verbatim copies of the research sources the tests read (tests/sources/README.md), kept in the clone.
SOURCES = ROOT / "tests" / "sources"
#: Made-up records on which tests pin exact answers (tests/small_world/README.md).
SMALL_WORLD = ROOT / "tests" / "small_world"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--generate-snapshots", action="store_true",
                     help="rewrite the expected messages of tests/bad_input from the current output")


def need(condition: bool, what: str) -> None:
    """Skip on a developer's machine when a real part is missing; fail in CI (CI=true)."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{what} is missing in CI")
        pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def graph():
    """The knowledge graph built from the curated data/ and ontology/: assert only facts that stay true
    when sources are added (see the module docstring)."""
    import kg

    return kg.load(DATA, ONTOLOGY)


@pytest.fixture(scope="session")
def small_graph():
    """The knowledge graph of the small world (tests/small_world) and ontology/: for exact answers."""
    import kg

    return kg.load(SMALL_WORLD, ONTOLOGY)


def record_json(value, **kwargs) -> str:
    """Records as JSON text (JSON is YAML, and every string is quoted), non-ASCII written as itself but
    NEL, U+2028 and U+2029 escaped: raw, YAML takes them for line breaks and the reader refuses them."""
    import json
    import re

    text = json.dumps(value, ensure_ascii=False, **kwargs)
    return re.sub("[\u0085\u2028\u2029]", lambda m: f"\\u{ord(m.group()):04x}", text)


def triples_of(parsed) -> set:
    """The triples of what pyoxigraph's parser yields (it yields quads in the default graph)."""
    import pyoxigraph as ox

    return {ox.Triple(q.subject, q.predicate, q.object) for q in parsed}


def case_data(case: Path, tmp_path: Path) -> Path:
    """A data folder in ``tmp_path`` holding the valid records of tests/bad_input/_base and the record
    files of a corpus ``case`` (a folder of tests/bad_input or tests/curator_warnings; not its
    expected.txt)."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "bad_input" / "_base", data / "_base")
    for f in case.iterdir():
        if f.name != "expected.txt":
            shutil.copy(f, data / f.name)
    return data


def holders(graph, target: str, role: str, family: str) -> set[str]:
    """The ids of the records of the family class ``family`` (``Person``, ``Organisation``) that take
    ``role`` or a narrower role in ``kg:target``, by participations not marked uncertain."""
    import pyoxigraph as ox

    from kg.namespaces import KG, KGO, ROLE

    rows = graph.select("""
        SELECT DISTINCT ?target ?role ?family ?who WHERE {
          ?p kgo:participationIn ?target ; kgo:agent ?who ; kgo:role/skos:broader* ?role .
          ?who a/rdfs:subClassOf* ?family .
          FILTER NOT EXISTS { ?p kgo:certainty kgo:Uncertain } }""",
        {"target": ox.NamedNode(KG + target), "role": ox.NamedNode(ROLE + role),
         "family": ox.NamedNode(KGO + family)})
    return {r["who"].value.removeprefix(KG) for r in rows.rows}


def build_files(folder: Path) -> dict[str, bytes]:
    """Every file of a build folder by its path, with the build's on-disk store (``kg.oxigraph/``) as its
    stamp alone: RocksDB's files differ from one load of the same triples to the next, and the stamp
    says what the store holds (the SHA-256 of the ``kg.nt`` it was loaded from, its triples)."""
    from kg.build_dir.layout import STORE_NAME, STORE_STAMP

    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and (p.parent.name != STORE_NAME or p.name == STORE_STAMP)}


def run_kg(*args: str, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the real `kg` command (as `python -m kg`) and capture its output."""
    env = {k: v for k, v in os.environ.items() if k != "KG_DEBUG"}
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd or ROOT, capture_output=True,
                          input=input, env=env, timeout=300)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a copy of data/ and ontology/ and a build of them (kg build), as a user has it.
    Tests may add files to it; none may change the inputs (copy them to a tmp_path for that)."""
    import shutil

    root = tmp_path_factory.mktemp("project")
    shutil.copytree(DATA, root / "data")
    shutil.copytree(ONTOLOGY, root / "ontology")
    result = run_kg("build", cwd=root)
    assert result.returncode == 0, result.stderr.decode()
    return root


@pytest.fixture(scope="session")
def small_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """As `built`, for the small world: its records as data/, a copy of ontology/, and a build of them."""
    import shutil

    root = tmp_path_factory.mktemp("small-project")
    shutil.copytree(SMALL_WORLD, root / "data", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ONTOLOGY, root / "ontology")
    result = run_kg("build", cwd=root)
    assert result.returncode == 0, result.stderr.decode()
    return root


#: Debian's Chromium, which the page tests drive through Playwright.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright (never Playwright's own browser download); one for
    the whole run. Missing, it fails the test under CI=true and skips it elsewhere (:func:`need`)."""
    need(Path(CHROMIUM).is_file(), "Chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "Playwright for Python (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()
