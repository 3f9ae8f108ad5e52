"""Outputs are never half-written: builds killed at any moment, and builds that overlap.

A build writes everything into a temporary folder, renames it to ``.pending`` (the commit) and moves
its files in, manifest last. These tests kill builds for real (``os._exit`` at every file-system
step of the write, and SIGKILL on the real CLI at several moments) and run two builds at once; after
each, the folder must hold one complete build, the previous one or the new one, and never a mix.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ONTOLOGY, ROOT, SMALL_WORLD

from kg.build_dir.commit import write_atomically
from kg.build_dir.layout import MANIFEST, PENDING, STAGING_PREFIX, build_lock
from kg.build_dir.reading import open_build
from kg.errors import BuildMissing
from kg.graph import KnowledgeGraph

#: The file-system calls a build makes while writing; the child dies at the k-th of them.
_STEPS = ("replace", "rename", "unlink", "rmdir", "mkdir", "fsync", "open")


def _tiny_build(out: Path, label: str, die_at: int, calls: multiprocessing.Value) -> None:
    """Write a small build (files, a page and a folder, all saying ``label``), dying at step
    ``die_at`` (0: never). Runs in a forked child, so its death is a real one: no clean-up runs."""
    count = 0

    def dying(real):
        def call(*args, **kwargs):
            nonlocal count
            count += 1
            calls.value = count
            if count == die_at:
                os._exit(137)
            return real(*args, **kwargs)
        return call

    for name in _STEPS:
        setattr(os, name, dying(getattr(os, name)))
    graph = KnowledgeGraph([ox.Triple(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                                      ox.Literal(label))])

    def folder(_graph: KnowledgeGraph, path: Path) -> list[Path]:
        path.mkdir()
        (path / "part.txt").write_text(label, encoding="utf-8")
        return [path / "part.txt"]

    def page(_graph: KnowledgeGraph, path: Path) -> None:
        path.write_text(label, encoding="utf-8")

    def fill(pieces) -> None:  # as a build fills its store: in a thread, from the N-Triples as written
        if b"".join(pieces) != graph.serialize("nt"):
            os._exit(3)

    write_atomically(out, {"kg.nt": "nt", "kg.ttl": "ttl"}, graph, {"files": {}, "label": label},
                     folders={"network": folder}, pages={"overview.html": page}, fill=fill)
    os._exit(0)


def _run_child(out: Path, label: str, die_at: int) -> tuple[int, int]:
    ctx = multiprocessing.get_context("fork")
    calls = ctx.Value("i", 0)
    child = ctx.Process(target=_tiny_build, args=(out, label, die_at, calls))
    child.start()
    child.join(60)
    return child.exitcode, calls.value


def _assert_one_complete_build(out: Path, labels: set[str]) -> str:
    """The folder holds a complete build, every file as its manifest says; returns its label."""
    opened = open_build(out, out / "no-data", out / "no-ontology")
    manifest = opened.manifest
    for name, entry in manifest["files"].items():
        content = (out / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], name
    label = manifest.get("label")
    if label is not None:  # the tiny builds: every file says the same label as the manifest
        assert (out / "overview.html").read_text(encoding="utf-8") == label
        assert (out / "network" / "part.txt").read_text(encoding="utf-8") == label
        assert f'"{label}"' in (out / "kg.nt").read_text(encoding="utf-8")
        assert label in labels
        # The graph readers get (from the build's store, which is committed with the files) says it too.
        assert opened.warnings == [] and len(opened.graph) == 1
        assert opened.graph.select("SELECT ?o WHERE { ?s ?p ?o }").to_dicts() == [{"o": label}]
    assert not (out / PENDING).exists()
    return label


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_build_killed_at_any_step_leaves_the_old_build_or_the_new_one(tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert _run_child(first, "old", 0)[0] == 0
    _assert_one_complete_build(first, {"old"})
    code, steps = _run_child(tmp_path / "count", "new", 0)
    assert code == 0 and steps > 10
    outcomes = []
    for k in range(1, steps + 1):
        out = tmp_path / f"killed-{k}"
        shutil.copytree(first, out)
        code, _ = _run_child(out, "new", k)
        assert code == 137, f"step {k} of {steps} did not kill the build"
        outcomes.append(_assert_one_complete_build(out, {"old", "new"}))
        # The next build starts from whatever is there, cleans it up and succeeds.
        assert _run_child(out, "next", 0)[0] == 0
        _assert_one_complete_build(out, {"next"})
        assert not list(out.glob(STAGING_PREFIX + "*")) and not (out / PENDING).exists()
    # Early kills keep the old build, late ones (after the commit) give the new one.
    assert outcomes[0] == "old" and outcomes[-1] == "new"
    assert outcomes == sorted(outcomes, key=lambda label: label == "new")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_build_waits_for_the_build_holding_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    ctx = multiprocessing.get_context("fork")
    go = ctx.Event()

    def second_build() -> None:
        go.wait(30)
        _tiny_build(out, "second", 0, ctx.Value("i", 0))

    # Forked before the lock is taken: a child forked while holding it would share the lock.
    child = ctx.Process(target=second_build)
    child.start()
    with build_lock(out):
        go.set()
        child.join(1.5)
        assert child.is_alive(), "the second build did not wait for the lock"
        assert not (out / MANIFEST).exists()
    child.join(60)
    assert child.exitcode == 0
    assert _assert_one_complete_build(out, {"second"}) == "second"


def test_a_folder_without_its_manifest_is_not_taken_for_a_build(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert _run_child(out, "old", 0)[0] == 0
    (out / MANIFEST).unlink()
    with pytest.raises(BuildMissing, match="there is no build here"):
        open_build(out)
    (out / PENDING).mkdir()  # a commit whose manifest never arrived: never trusted
    with pytest.raises(BuildMissing):
        open_build(out)


def test_an_edited_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert _run_child(out, "old", 0)[0] == 0
    (out / "kg.nt").write_text("<http://example.org/s> <http://example.org/p> \"edited\" .\n", encoding="utf-8")
    # kg.nt is read, and checked, when the build's store cannot be used (tests/test_build_store.py):
    # here it is gone. A store that matches its manifest is answered from, whatever kg.nt says.
    shutil.rmtree(out / "kg.oxigraph")
    with pytest.raises(BuildMissing, match="does not match its manifest"):
        open_build(out)


def _project(tmp_path: Path, name: str, label: str) -> Path:
    """A copy of the small world (with every extra, as a build of the curated data) in which one
    person's label is ``label``. (On the curated data the two tests below took 45 s.)"""
    root = tmp_path / name
    shutil.copytree(SMALL_WORLD, root / "data", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ONTOLOGY, root / "ontology")
    records = root / "data" / "records.yaml"
    text = records.read_text(encoding="utf-8")
    assert "  label: Ada Moss\n" in text
    records.write_text(text.replace("  label: Ada Moss\n", f"  label: {label}\n", 1), encoding="utf-8")
    return root


def _kg_build(project: Path, out: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "KG_DEBUG"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen([sys.executable, "-m", "kg", "build", "--data", str(project / "data"),
                             "--ontology", str(project / "ontology"), "--out", str(out), "--extras", "always"],
                            cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _label_in(out: Path) -> str:
    _assert_one_complete_build(out, set())
    text = (out / "kg.nt").read_text(encoding="utf-8")
    found = [label for label in ("Ada Moss Old", "Ada Moss New") if f'"{label}"' in text]
    assert len(found) == 1, found
    return found[0]


def test_the_real_build_killed_by_a_signal_at_several_moments(tmp_path: Path) -> None:
    old, new = _project(tmp_path, "old", "Ada Moss Old"), _project(tmp_path, "new", "Ada Moss New")
    out = tmp_path / "build"
    started = time.monotonic()
    first = _kg_build(old, out)
    assert first.wait(300) == 0, first.stderr.read().decode()
    duration = time.monotonic() - started
    assert _label_in(out) == "Ada Moss Old"
    seen = set()
    for fraction in (0.3, 0.8, 0.95, 1.0):
        build = _kg_build(new, out)
        time.sleep(duration * fraction)
        build.send_signal(signal.SIGKILL)
        build.wait(60)
        seen.add(_label_in(out))  # the old build or the new one, complete
    last = _kg_build(old, out)
    assert last.wait(300) == 0, last.stderr.read().decode()
    assert _label_in(out) == "Ada Moss Old"
    assert not list(out.glob(STAGING_PREFIX + "*"))
    assert "Ada Moss Old" in seen


def test_two_builds_at_once_on_one_folder_end_with_one_complete_build(tmp_path: Path) -> None:
    old, new = _project(tmp_path, "old", "Ada Moss Old"), _project(tmp_path, "new", "Ada Moss New")
    out = tmp_path / "build"
    builds = [_kg_build(old, out), _kg_build(new, out)]
    for build in builds:
        assert build.wait(300) == 0, build.stderr.read().decode()
    assert _label_in(out) in {"Ada Moss Old", "Ada Moss New"}
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) >= {"kg.ttl", "kg.nt", "kg.jsonld", "overview.html"}
    assert not list(out.glob(STAGING_PREFIX + "*")) and not (out / PENDING).exists()
