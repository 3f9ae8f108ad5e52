"""The pipeline: ontology + records -> checked records -> graph -> files, all or nothing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kg import export
from kg.errors import OutputError, Problem, UsageError, ValidationError
from kg.graph import KnowledgeGraph, Provenance
from kg.ontology import SHAPES_FILE, load_ontology
from kg.records import RecordChecker, find_record_files
from kg.transform import records_to_triples

Progress = Callable[[str], None]
OUTPUT_NAME = "kg"
MANIFEST = "manifest.json"
DEFAULT_FORMATS = ("ttl", "nt", "jsonld")


@dataclass
class BuildResult:
    """What a build produced: the graph, its counts and the files written."""

    graph: KnowledgeGraph
    counts: dict[str, int]
    files: list[Path] = field(default_factory=list)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, for messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def input_files(data: Path, ontology: Path) -> list[Path]:
    """Every input file of a build, in a stable order."""
    return sorted(ontology.glob("*.ttl")) + find_record_files(data)


def input_size(data: Path, ontology: Path) -> int:
    """Total bytes of the inputs (the CLI shows progress when this is large)."""
    return sum(p.stat().st_size for p in input_files(data, ontology)) if data.is_dir() else 0


def load(data: str | Path = "data", ontology: str | Path = "ontology", *, shapes: bool = True,
         progress: Progress | None = None) -> KnowledgeGraph:
    """Read, check and build the knowledge graph from records; raise :class:`ValidationError`
    with every problem found. The graph is held in the embedded store, ready to query."""
    data, ontology = Path(data), Path(ontology)
    say = progress or (lambda _msg: None)
    onto = load_ontology(ontology, display_path(ontology))
    if not data.is_dir():
        raise UsageError("the data folder does not exist", file=display_path(data),
                         hint="pass --data DIR or run kg from the project folder")
    files = find_record_files(data)
    if not files:
        raise UsageError("no record files (*.yaml) in the data folder", file=display_path(data),
                         hint="see data/README.md for the record format")
    checker = RecordChecker(onto)
    step = max(1, len(files) // 10)
    records = checker.check_files(
        [(p, display_path(p)) for p in files],
        lambda name, i, n: say(f"reading records: {i}/{n} files") if i % step == 0 or i == n else None,
    )
    if checker.problems:
        raise ValidationError(checker.problems)
    say(f"building the graph from {len(records):,} records")
    provenance: dict[str, Provenance] = {}
    for r in records:
        provenance[r.iri] = Provenance(r.file, r.line, r.id)
        for e in r.entries:
            provenance[e.iri] = Provenance(r.file, e.line, f"{r.id} {e.spec.key}[{e.index}]")
    graph = KnowledgeGraph([*onto.triples, *records_to_triples(records, onto)], provenance)
    shapes_file = ontology / SHAPES_FILE
    if shapes and shapes_file.exists():
        say("checking the SHACL shapes")
        from kg.shacl import check_shapes

        problems: list[Problem] = check_shapes(graph, shapes_file, display_path(shapes_file))
        if problems:
            raise ValidationError(problems)
    return graph


def validate(data: str | Path = "data", ontology: str | Path = "ontology", *,
             progress: Progress | None = None) -> dict[str, int]:
    """Run every check a build runs and write nothing; return the counts of the valid graph."""
    return load(data, ontology, progress=progress).counts()


def fingerprint(data: Path, ontology: Path) -> str:
    """A hash of every input file's path and content: a build is stale when it changes."""
    h = hashlib.sha256()
    for p in input_files(data, ontology):
        h.update(str(p.relative_to(p.anchor)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def build(data: str | Path = "data", ontology: str | Path = "ontology", out: str | Path = "build", *,
          formats: tuple[str, ...] = DEFAULT_FORMATS, progress: Progress | None = None) -> BuildResult:
    """Build the graph and write ``kg.ttl``, ``kg.nt`` and ``kg.jsonld`` (and a manifest) to ``out``.

    Nothing is written unless everything checks out; files are written to a temporary folder
    beside them and moved into place, the manifest last, so a reader never sees a half-written
    build.
    """
    data, ontology, out = Path(data), Path(ontology), Path(out)
    graph = load(data, ontology, progress=progress)
    counts = graph.counts()
    manifest = {
        "inputs": fingerprint(data, ontology),
        "counts": counts,
        "files": {},
    }
    files = write_atomically(out, {f"{OUTPUT_NAME}.{export.FORMATS[f][0]}": f for f in formats},
                             graph, manifest, progress)
    return BuildResult(graph, counts, files)


def write_atomically(out: Path, outputs: dict[str, str], graph: KnowledgeGraph, manifest: dict,
                     progress: Progress | None = None) -> list[Path]:
    """Write each ``name -> format`` of ``graph`` into ``out`` all-or-nothing, then the manifest."""
    say = progress or (lambda _msg: None)
    if out.exists() and not out.is_dir():
        raise OutputError("the output path exists and is not a folder", file=display_path(out),
                          hint="choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out))
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", file=display_path(out),
                          hint="check the path and its permissions") from exc
    try:
        for name, fmt in outputs.items():
            say(f"writing {name}")
            with (tmp / name).open("wb") as fh:
                graph.serialize(fmt, fh)
                fh.flush()
                os.fsync(fh.fileno())
            digest = hashlib.sha256((tmp / name).read_bytes()).hexdigest()
            manifest["files"][name] = {"sha256": digest, "bytes": (tmp / name).stat().st_size}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        # The old manifest goes first: between here and the new one, the folder has none, so no
        # reader trusts a mix of old and new files.
        (out / MANIFEST).unlink(missing_ok=True)
        for name in outputs:
            os.replace(tmp / name, out / name)
        os.replace(tmp / MANIFEST, out / MANIFEST)
    except OSError as exc:
        raise OutputError(f"cannot write the build: {exc.strerror}", file=display_path(out),
                          hint="check free space and permissions; the previous files were kept") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [out / name for name in outputs]
