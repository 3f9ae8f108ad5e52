"""The pipeline: ontology + records -> checked records -> graph -> files, all or nothing."""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kg import export
from kg.build_dir.commit import write_atomically
from kg.build_dir.layout import OUTPUT_NAME, Progress, check_output_folder, display_path
from kg.build_dir.reading import fingerprint, input_hashes
from kg.errors import Problem, UsageError, ValidationError
from kg.gc_pause import without_gc
from kg.graph import KnowledgeGraph, Provenance
from kg.ontology import SHAPES_FILE, load_ontology
from kg.records import RecordChecker, find_record_files
from kg.schema import FIELDS_FILE, Schema
from kg.schema_file import load_schema
from kg.schema_views import field_shapes, jsonld_context
from kg.transform import records_to_keys

DEFAULT_FORMATS = ("ttl", "nt", "jsonld")


@dataclass
class BuildResult:
    """What a build produced: the graph, its counts and the files written."""

    graph: KnowledgeGraph
    counts: dict[str, int]
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the user should know (e.g. extras not written)
    warnings: list[Problem] = field(default_factory=list)  # what the curator should confirm (namesakes)


@without_gc  # reading and checking allocate millions of acyclic objects
def load(data: str | Path = "data", ontology: str | Path = "ontology", *, shapes: bool = True,
         checks: bool = True, queries: str | Path | None = None,
         progress: Progress | None = None) -> KnowledgeGraph:
    """Read, check and build the knowledge graph from records; raise :class:`ValidationError`
    with every problem found. The checks are the record schema, the SHACL shapes and the
    catalogue's quality checks (``queries/checks/*-violation.rq``, located at the records they
    name). The graph is held in the embedded store, ready to query."""
    ontology = Path(ontology)
    say = progress or (lambda _msg: None)
    keys, provenance, warnings, schema = _checked_keys(Path(data), ontology, say)
    graph = KnowledgeGraph.from_keys(keys, provenance)
    graph.warnings, graph.jsonld_context = warnings, jsonld_context(schema)
    problems = check_graph(graph, ontology, shapes=shapes, checks=checks, queries=queries, progress=say,
                           schema=schema)
    if problems:
        raise ValidationError(problems, warnings)
    return graph


@without_gc
def _checked_keys(data: Path, ontology: Path, say: Progress
                  ) -> tuple[list[str], dict[str, Provenance], list[Problem], Schema]:
    """The sort keys of the graph's triples (the ontology's and the records'), where each record and
    entry was curated, the warnings of the records and the ontology's record fields;
    :class:`ValidationError` with every problem."""
    onto = load_ontology(ontology, display_path(ontology))
    if not data.is_dir():
        raise UsageError("the data folder does not exist", file=display_path(data),
                         hint="pass --data DIR or run kg from the project folder")
    files = find_record_files(data)
    if not files:
        raise UsageError("no record files (*.yaml, *.csv) in the data folder", file=display_path(data),
                         hint="see data/README.md for the record format")
    checker = RecordChecker(onto)
    step = max(1, len(files) // 10)
    records = checker.check_files(
        [(p, display_path(p)) for p in files],
        lambda name, i, n: say(f"reading records: {i}/{n} files") if i % step == 0 or i == n else None,
    )
    if checker.problems:
        raise ValidationError(checker.problems, checker.warnings)
    say(f"building the graph from {len(records):,} records")
    provenance: dict[str, Provenance] = {}
    for r in records:
        provenance[r.iri] = Provenance(r.file, r.line, r.id)
        for e in r.entries:
            provenance[e.iri] = Provenance(e.file or r.file, e.line, f"{r.id} {e.spec.key}[{e.index}]")
    # The triples as their sort keys (strings; a Python triple takes 450 bytes), and the records
    # let go before the store takes its memory.
    keys = export.keys_of(onto.triples) + records_to_keys(records, onto)
    return keys, provenance, checker.warnings, onto.schema


def check_graph(graph: KnowledgeGraph, ontology: str | Path = "ontology", *, shapes: bool = True,
                checks: bool = True, queries: str | Path | None = None,
                progress: Progress | None = None, schema: Schema | None = None) -> list[Problem]:
    """The problems the SHACL shapes (``ontology/shapes.ttl``, and those made from the record fields:
    ``schema``, else the ontology folder's ``fields.yaml``) find in ``graph``, or when there are
    none, those of the catalogue's quality checks."""
    say = progress or (lambda _msg: None)
    shapes_file = Path(ontology) / SHAPES_FILE
    if not (shapes and shapes_file.exists()):
        if checks:
            say("running the quality checks")
        return run_checks(graph, queries) if checks else []
    from kg.shacl import validate_shapes

    say("checking the SHACL shapes" + (" and running the quality checks" if checks else ""))
    # Both at once (the engine releases the GIL): the checks' answers are dropped when a shape fails.
    with ThreadPoolExecutor(max_workers=1) as pool:
        quality = pool.submit(run_checks, graph, queries) if checks else None
        # SHACL Core as SPARQL on Oxigraph (kg.shacl.engine): 0.15 s at 100k triples, where pyshacl over an
        # rdflib copy took 45 s; the tests keep it in agreement with pyshacl.
        problems: list[Problem] = validate_shapes(graph, shapes_file, display_path(shapes_file),
                                                  extra=_field_shapes(Path(ontology), schema))
        found = quality.result() if quality is not None else []
    return problems or found


def _field_shapes(ontology: Path, schema: Schema | None) -> str:
    """The SHACL shapes of the record fields: ``schema``'s, else those the ontology folder declares
    (none without fields.yaml)."""
    if schema is None:
        fields = ontology / FIELDS_FILE
        if not fields.is_file():
            return ""
        schema = load_schema(fields, display_path(fields))
    return field_shapes(schema)


def run_checks(graph: KnowledgeGraph, queries: str | Path | None = None) -> list[Problem]:
    """Run every ``checks/*-violation.rq`` of the catalogue; each row is a problem, located at the
    record of its ``?entity`` when the graph knows where that was curated."""
    from kg.namespaces import shorten
    from kg.questions.catalogue import default_root, load_catalogue

    root = Path(queries) if queries is not None else default_root()
    if not (root / "checks").is_dir():
        # Never a silent skip: a build without its quality checks would pass what they refuse.
        raise UsageError("the catalogue has no quality checks (checks/ is missing)", file=root,
                         hint="give a catalogue folder with checks/*-violation.rq, or reinstall kg")
    problems: list[Problem] = []
    checks = list(load_catalogue(root).checks())
    # The engine releases the GIL while it evaluates: two checks at a time took half as long (1M triples).
    with ThreadPoolExecutor(max_workers=max(1, min(len(checks), os.cpu_count() or 1))) as pool:
        answers = list(pool.map(lambda check: graph.select(check.sparql), checks))
    for check, answer in zip(checks, answers, strict=True):
        for row in answer.rows:
            entity = row.get("entity")
            iri = entity.value if entity is not None else ""
            where = graph.provenance.get(iri)
            message = row["problem"].value if "problem" in row else check.title
            hint = row["hint"].value if "hint" in row else f"see {display_path(check.path)}"
            if where is not None:
                problems.append(Problem(where.file, where.line, f"check {check.name}", message, hint))
            else:
                problems.append(Problem(display_path(check.path), 0, shorten(iri) if iri else "",
                                        message, hint))
    return problems

def validate(data: str | Path = "data", ontology: str | Path = "ontology", *,
             progress: Progress | None = None) -> dict[str, int]:
    """Run every check a build runs and write nothing; return the counts of the valid graph (the
    warnings are those of :func:`load`'s graph, ``graph.warnings``)."""
    return load(data, ontology, progress=progress).counts()


#: Triples up to which ``kg build`` also writes the network files and the HTML overview ("auto").
EXTRAS_LIMIT = 250_000


def build(data: str | Path = "data", ontology: str | Path = "ontology", out: str | Path = "build", *,
          formats: tuple[str, ...] = DEFAULT_FORMATS, progress: Progress | None = None,
          extras: str = "auto") -> BuildResult:
    """Build the graph and write ``kg.ttl``, ``kg.nt`` and ``kg.jsonld`` (and a manifest) to ``out``.

    ``extras`` says whether the network files (``network/``), the HTML overview and the site (``site/``,
    as ``kg site`` writes it) are written too: ``always``, ``never``, or ``auto`` (up to
    :data:`EXTRAS_LIMIT` triples; above, the analysis would dominate the build, and ``kg analyze``,
    ``kg export``, ``kg site`` and ``kg viz`` make them on demand).
    Nothing is written unless everything checks out; files are written to a temporary folder
    beside them and moved into place, the manifest last, so a reader never sees a half-written
    build.

    The output folder is refused (:class:`UsageError`, nothing written) when it is, lies inside or
    contains the data or the ontology folder, or when it holds files that no build of kg wrote
    (:func:`check_output_folder`).
    """
    data, ontology, out = Path(data), Path(ontology), Path(out)
    if extras not in ("auto", "always", "never"):
        raise UsageError(f"extras={extras!r} is not auto, always or never")
    check_output_folder(out, data, ontology)
    say = progress or (lambda _msg: None)
    # Hashed before reading, so that an input edited during the build makes the build look stale.
    hashes = input_hashes(data, ontology) if data.is_dir() and ontology.is_dir() else {}
    keys, provenance, warnings, schema = _checked_keys(data, ontology, say)
    graph = KnowledgeGraph.awaiting_store(keys, provenance)
    graph.warnings, graph.jsonld_context = warnings, jsonld_context(schema)
    with_extras = extras == "always" or (extras == "auto" and len(graph) <= EXTRAS_LIMIT)
    manifest: dict = {
        "inputs": fingerprint(hashes),
        "input_files": hashes,
        "counts": {},
        "files": {},
        "extras": "written" if with_extras else f"not written ({len(graph):,} triples; extras={extras})",
    }

    def fill_and_check(nt: Iterable[bytes]) -> None:
        # In a thread, while the other files are written; nothing is committed unless it passes.
        graph.fill_from(nt)
        problems = check_graph(graph, ontology, schema=schema)
        if problems:
            raise ValidationError(problems, graph.warnings)
        manifest["counts"] = graph.counts()

    files = write_atomically(out, {f"{OUTPUT_NAME}.{export.FORMATS[f][0]}": f for f in formats},
                             graph, manifest, progress,
                             folders={NETWORK_FOLDER: _network_files, SITE_FOLDER: _site_files}
                             if with_extras else None,
                             pages={"overview.html": _overview} if with_extras else None,
                             fill=fill_and_check)
    counts = manifest["counts"]
    notes = [] if with_extras or extras == "never" else [
        f"network/, site/ and overview.html were not written: {len(graph):,} triples is over {EXTRAS_LIMIT:,} "
        "(kg analyze, kg export, kg site and kg viz make them on demand; kg build --extras always forces them)"]
    return BuildResult(graph, counts, files, notes, graph.warnings)


NETWORK_FOLDER = "network"
#: The static site (``kg site``) inside the build: its files are the build's, in its manifest.
SITE_FOLDER = "site"


def _overview(graph: KnowledgeGraph, path: Path) -> None:
    from kg.viz import overview

    overview(graph).save(path)


def _network_files(graph: KnowledgeGraph, folder: Path) -> list[Path]:
    from kg.network import write_network_files

    return write_network_files(graph, folder)



def _site_files(graph: KnowledgeGraph, folder: Path) -> list[Path]:
    from kg.site import write_site_into

    return write_site_into(graph, folder)
