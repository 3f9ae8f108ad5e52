"""Reading a build: its inputs' fingerprint and :func:`open_build`, which every reader (answers, pages,
the endpoint, the exports) uses to get the graph of a build it can trust."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from kg.build_dir.layout import MANIFEST, OUTPUT_NAME, PENDING, build_lock, display_path, recover
from kg.build_dir.store import open_store
from kg.errors import BuildMissing, OutputError
from kg.graph import KnowledgeGraph
from kg.records.files import find_record_files


def input_files(data: Path, ontology: Path) -> list[Path]:
    """Every input file of a build, in a stable order."""
    return sorted(ontology.glob("*.ttl")) + find_record_files(data)


def input_size(data: Path, ontology: Path) -> int:
    """Total bytes of the inputs (the CLI shows progress when this is large)."""
    return sum(p.stat().st_size for p in input_files(data, ontology)) if data.is_dir() else 0


def fingerprint(hashes: dict[str, str]) -> str:
    """One hash of the inputs (their paths and SHA-256s, from :func:`input_hashes`): a build is
    stale when it changes."""
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def input_hashes(data: Path, ontology: Path) -> dict[str, str]:
    """SHA-256 of each input file, by its path as shown in messages."""
    return {display_path(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in input_files(data, ontology)}


@dataclass
class OpenedBuild:
    """A graph read from an existing build, and what the reader should know about it."""

    graph: KnowledgeGraph
    manifest: dict
    warnings: list[str] = field(default_factory=list)


def open_build(out: str | Path = "build", data: str | Path = "data", ontology: str | Path = "ontology",
               *, memory: bool = False) -> OpenedBuild:
    """The graph of the build in ``out`` (no records are read): its on-disk store, opened read-only
    (:mod:`kg.build_dir.store`), or, for a build without one (an older kg's) or whose store does not
    match the manifest (said in ``warnings``), its ``kg.nt``.

    ``memory``: read ``kg.nt`` into memory even when there is a store, for a reader that asks many
    questions of the whole graph (``kg site``). The store answers at once, but each such question
    there took 2-7 times as long as in memory at a million triples (RocksDB looks up every term),
    more in all than reading the file (5-6 s).

    Raises :class:`BuildMissing` when there is no build or its ``kg.nt`` is read and does not match
    the manifest (an interrupted or edited build). When the records or the ontology changed since the
    build, the answer still comes from the build and ``warnings`` says which files changed.
    """
    out, data, ontology = Path(out), Path(data), Path(ontology)
    if (out / PENDING).is_dir():
        try:
            with build_lock(out):
                recover(out)
        except (OutputError, OSError):
            pass  # a folder we cannot write in: the checks below refuse what is there
    manifest, _expected = _read_manifest(out)
    warnings: list[str] = []
    graph = None if memory else open_store(out, manifest, warnings)
    if graph is None:
        manifest, graph = _read_nt(out)
    if data.is_dir() and ontology.is_dir():
        before = manifest.get("input_files") or {}
        now = input_hashes(data, ontology)
        changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
        if changed:
            shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
            warnings.append(f"the build in {display_path(out)} is older than its inputs"
                            + (f" ({shown} changed)" if shown else "")
                            + "; answering from the build: run kg build to update it")
    return OpenedBuild(graph, manifest, warnings)


def _read_nt(out: Path) -> tuple[dict, KnowledgeGraph]:
    """The manifest and the graph of the build in ``out`` read from its ``kg.nt``, checked against the
    SHA-256 the manifest records (:class:`BuildMissing` when it does not match)."""
    path = out / f"{OUTPUT_NAME}.nt"
    manifest, expected = _read_manifest(out)
    actual = _sha256_of(path, out)
    if actual != expected:
        # A build may have committed between reading the manifest and the file: look once more.
        manifest, expected = _read_manifest(out)
        actual = _sha256_of(path, out)
    if actual != expected:
        raise BuildMissing(f"{path.name} does not match its manifest (an interrupted build, or an edited file)",
                           file=display_path(path), hint="run kg build again")
    return manifest, KnowledgeGraph.from_file(path, "nt")


def _read_manifest(out: Path) -> tuple[dict, str]:
    """The manifest of the build in ``out`` and the SHA-256 it records for ``kg.nt``."""
    manifest_path = out / MANIFEST
    name = f"{OUTPUT_NAME}.nt"
    if not manifest_path.is_file():
        interrupted = (out / PENDING).is_dir()
        raise BuildMissing("the build here was interrupted" if interrupted else "there is no build here",
                           file=display_path(out),
                           hint="run kg build again" if interrupted else "run kg build first (or give --build DIR)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        return manifest, manifest["files"][name]["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BuildMissing(f"the build manifest is unreadable or has no {name}", file=display_path(manifest_path),
                           hint="run kg build again") from exc


def _sha256_of(path: Path, out: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise BuildMissing(f"cannot read {path.name}: {exc.strerror}", file=display_path(out),
                           hint="run kg build again") from exc
    return digest.hexdigest()

