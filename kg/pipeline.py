"""The pipeline: ontology + records -> checked records -> graph -> files, all or nothing."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; builds on one folder must not overlap there
    fcntl = None  # type: ignore[assignment]

from kg import export
from kg.errors import BuildMissing, OutputError, Problem, UsageError, ValidationError
from kg.gc_pause import without_gc
from kg.graph import KnowledgeGraph, Provenance
from kg.ontology import SHAPES_FILE, load_ontology
from kg.output import manifest_files, safe_name, staging
from kg.records import RecordChecker, find_record_files
from kg.transform import records_to_keys

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
    notes: list[str] = field(default_factory=list)  # what the user should know (e.g. extras not written)


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
    keys, provenance = _checked_keys(Path(data), ontology, say)
    graph = KnowledgeGraph.from_keys(keys, provenance)
    problems = check_graph(graph, ontology, shapes=shapes, checks=checks, queries=queries, progress=say)
    if problems:
        raise ValidationError(problems)
    return graph


@without_gc
def _checked_keys(data: Path, ontology: Path, say: Progress) -> tuple[list[str], dict[str, Provenance]]:
    """The sort keys of the graph's triples (the ontology's and the records'), and where each
    record and entry was curated; :class:`ValidationError` with every problem of the records."""
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
        raise ValidationError(checker.problems)
    say(f"building the graph from {len(records):,} records")
    provenance: dict[str, Provenance] = {}
    for r in records:
        provenance[r.iri] = Provenance(r.file, r.line, r.id)
        for e in r.entries:
            provenance[e.iri] = Provenance(e.file or r.file, e.line, f"{r.id} {e.spec.key}[{e.index}]")
    # The triples as their sort keys (strings; a Python triple takes 450 bytes), and the records
    # let go before the store takes its memory.
    keys = export.keys_of(onto.triples) + records_to_keys(records, onto)
    return keys, provenance


def check_graph(graph: KnowledgeGraph, ontology: str | Path = "ontology", *, shapes: bool = True,
                checks: bool = True, queries: str | Path | None = None,
                progress: Progress | None = None) -> list[Problem]:
    """The problems the SHACL shapes (``ontology/shapes.ttl``) find in ``graph``, or when there
    are none, those of the catalogue's quality checks."""
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
        # SHACL Core as SPARQL on Oxigraph (kg.shacl_core): 0.15 s at 100k triples, where pyshacl over an
        # rdflib copy took 45 s; the tests keep it in agreement with pyshacl.
        problems: list[Problem] = validate_shapes(graph, shapes_file, display_path(shapes_file))
        found = quality.result() if quality is not None else []
    return problems or found


def run_checks(graph: KnowledgeGraph, queries: str | Path | None = None) -> list[Problem]:
    """Run every ``checks/*-violation.rq`` of the catalogue; each row is a problem, located at the
    record of its ``?entity`` when the graph knows where that was curated."""
    from kg.catalogue import default_root, load_catalogue
    from kg.namespaces import shorten

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
    """Run every check a build runs and write nothing; return the counts of the valid graph."""
    return load(data, ontology, progress=progress).counts()


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


def open_build(out: str | Path = "build", data: str | Path = "data", ontology: str | Path = "ontology"
               ) -> OpenedBuild:
    """The graph of the build in ``out``, read from its ``kg.nt`` (no records are read).

    Raises :class:`BuildMissing` when there is no build or its file does not match the manifest
    (an interrupted or edited build). When the records or the ontology changed since the build,
    the answer still comes from the build and ``warnings`` says which files changed.
    """
    out, data, ontology = Path(out), Path(data), Path(ontology)
    if (out / PENDING).is_dir():
        try:
            with build_lock(out):
                recover(out)
        except (OutputError, OSError):
            pass  # a folder we cannot write in: the checks below refuse what is there
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
    graph = KnowledgeGraph.from_file(path, "nt")
    warnings = []
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


#: Triples up to which ``kg build`` also writes the network files and the HTML overview ("auto").
EXTRAS_LIMIT = 250_000


def build(data: str | Path = "data", ontology: str | Path = "ontology", out: str | Path = "build", *,
          formats: tuple[str, ...] = DEFAULT_FORMATS, progress: Progress | None = None,
          extras: str = "auto") -> BuildResult:
    """Build the graph and write ``kg.ttl``, ``kg.nt`` and ``kg.jsonld`` (and a manifest) to ``out``.

    ``extras`` says whether the network files (``network/``) and the HTML overview are written too:
    ``always``, ``never``, or ``auto`` (up to :data:`EXTRAS_LIMIT` triples; above, the analysis would
    dominate the build, and ``kg analyze``, ``kg export`` and ``kg viz`` make them on demand).
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
    keys, provenance = _checked_keys(data, ontology, say)
    graph = KnowledgeGraph.awaiting_store(keys, provenance)
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
        problems = check_graph(graph, ontology)
        if problems:
            raise ValidationError(problems)
        manifest["counts"] = graph.counts()

    files = write_atomically(out, {f"{OUTPUT_NAME}.{export.FORMATS[f][0]}": f for f in formats},
                             graph, manifest, progress,
                             folders={NETWORK_FOLDER: _network_files} if with_extras else None,
                             pages={"overview.html": _overview} if with_extras else None,
                             fill=fill_and_check)
    counts = manifest["counts"]
    notes = [] if with_extras or extras == "never" else [
        f"network/ and overview.html were not written: {len(graph):,} triples is over {EXTRAS_LIMIT:,} "
        "(kg analyze, kg export and kg viz make them on demand; kg build --extras always forces them)"]
    return BuildResult(graph, counts, files, notes)


NETWORK_FOLDER = "network"


def _overview(graph: KnowledgeGraph, path: Path) -> None:
    from kg.viz import overview

    overview(graph).save(path)


def _network_files(graph: KnowledgeGraph, folder: Path) -> list[Path]:
    from kg.network import write_network_files

    return write_network_files(graph, folder)


#: Inside the output folder: the lock that serialises builds, and the complete next build while
#: it is moved into place (its presence means "finish moving me in"; see :func:`recover`).
LOCK_NAME = ".kg-build.lock"
PENDING = ".pending"
#: A build's temporary folder inside the output folder (``tempfile.mkdtemp``: the prefix and 8 random
#: characters). Only folders named exactly so are ever removed as stale.
STAGING_PREFIX = ".kg-tmp-"
_STAGING = re.compile(re.escape(STAGING_PREFIX) + r"[a-z0-9_]{8}")
#: ``kg serve``'s temporary store inside a build folder (removed when it stops); a build leaves it alone.
_SERVING = re.compile(r"\.serve-[a-z0-9_]{8}")
#: Inside a pending build: the files of the build it replaces, which are removed when it is moved in.
REPLACES = ".replaces.json"


def check_output_folder(out: Path, data: Path, ontology: Path) -> None:
    """:class:`UsageError` when ``out`` cannot be a build's output folder: it is, lies inside or contains
    the data or the ontology folder (a build would write into its own inputs, or replace them), or it
    holds files that no build of kg wrote (:func:`foreign_files`). Writes nothing."""
    where = out.resolve()
    for folder, name in ((data.resolve(), "data"), (ontology.resolve(), "ontology")):
        if where == folder:
            problem = f"is the {name} folder"
        elif folder in where.parents:
            problem = f"lies inside the {name} folder ({display_path(folder)})"
        elif where in folder.parents:
            problem = f"contains the {name} folder ({display_path(folder)})"
        else:
            continue
        raise UsageError(f"the output folder {problem}: a build would write into its inputs",
                         file=display_path(out), hint="choose another --out (the default is build/)")
    # With the build lock there, a build of ours may be at work: the check is made again, under the
    # lock, once any interrupted build is finished (write_atomically).
    if out.is_dir() and not (out / LOCK_NAME).exists():
        _refuse_foreign(out)


def _refuse_foreign(out: Path) -> None:
    found = foreign_files(out)
    if found:
        shown = ", ".join(found[:3]) + (" and more" if len(found) > 3 else "")
        raise UsageError(f"the output folder holds files that kg did not write: {shown}",
                         file=display_path(out),
                         hint="kg build writes into an empty folder or an earlier build's folder (with its "
                              "manifest.json) and replaces only the files it wrote; choose another --out, "
                              "or move those files away")


def foreign_files(out: Path, limit: int = 4) -> list[str]:
    """Up to ``limit`` entries of ``out`` (relative paths, folders with a ``/``) that no build of kg
    wrote: anything but the files its manifest lists, the manifest, the lock, a pending build, a
    build's temporary folder and ``kg serve``'s store. Empty folders are not counted."""
    listed = manifest_files(out)
    files = listed or set()
    parents = {p for name in files for p in _prefixes(PurePosixPath(name).parent.as_posix())}
    found: list[str] = []

    def walk(folder: Path, rel: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            found.append(rel or ".")
            return
        for entry in entries:
            if len(found) >= limit:
                return
            name = rel + entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if not rel and _ours(entry.name, is_dir, listed is not None):
                continue
            if is_dir:
                if name + "/" in parents:
                    walk(Path(entry.path), name + "/")
                elif _holds_anything(Path(entry.path)):
                    found.append(name + "/")
            elif name not in files:
                found.append(name)

    walk(out, "")
    return found


def _prefixes(folder: str) -> list[str]:
    """``a/b`` -> ``a/``, ``a/b/`` (``.`` -> nothing)."""
    parts = [p for p in folder.split("/") if p and p != "."]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def _ours(name: str, is_dir: bool, has_manifest: bool) -> bool:
    """Whether a top-level entry of an output folder is one of kg's own names."""
    if is_dir:
        return name == PENDING or bool(_STAGING.fullmatch(name) or _SERVING.fullmatch(name))
    return name == LOCK_NAME or (name == MANIFEST and has_manifest)


def _holds_anything(folder: Path) -> bool:
    """Whether ``folder`` holds anything but (nested) empty folders."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return True
    return any(not e.is_dir(follow_symlinks=False) or _holds_anything(Path(e.path)) for e in entries)


@contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Hold the output folder's build lock (an advisory ``flock``, released by the kernel even when the
    process is killed), so that two builds on one folder take turns instead of mixing files."""
    try:
        fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(f"cannot create the build lock: {exc.strerror}", file=display_path(out),
                          hint="check the folder's permissions") from exc
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def recover(out: str | Path) -> bool:
    """Finish a build that was killed while its files were being moved into ``out``.

    A build first writes everything (manifest included) into a temporary folder, then renames that
    folder to ``out/.pending``: that rename is the commit. Whatever happens after it, the pending
    build is complete, so it is moved in (again) here; a build killed before it left ``out`` as it
    was, and its temporary folder is removed. Returns whether anything was done. The caller must hold
    :func:`build_lock`. Only kg's own names are removed: a build's temporary folders (exactly
    ``.kg-tmp-`` and 8 characters), ``.pending``, and the files a manifest lists.
    """
    out = Path(out)
    done = False
    for stale in out.glob(STAGING_PREFIX + "*"):
        if _STAGING.fullmatch(stale.name) and stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
            done = True
    pending = out / PENDING
    if pending.is_dir():
        if manifest_files(pending) is not None:
            _move_in(pending, out)
        else:  # cannot happen (the manifest is written before the commit); never trust it
            shutil.rmtree(pending, ignore_errors=True)
        done = True
    return done


def _move_in(pending: Path, out: Path) -> None:
    """Move a complete build from ``pending`` into ``out``, manifest last: the files of the build it
    replaces that it does not have are removed, its files are moved in one by one, and nothing else in
    ``out`` is touched. Every step can be repeated, so a second run after a kill finishes the job."""
    new = manifest_files(pending) or set()
    try:
        old = {name for name in json.loads((pending / REPLACES).read_text(encoding="utf-8"))
               if isinstance(name, str) and safe_name(name)}
    except (OSError, ValueError, TypeError):
        old = set()  # a pending build of an older kg: it replaces the files it has
    # Without a manifest no reader trusts the folder while old and new files are mixed.
    (out / MANIFEST).unlink(missing_ok=True)
    for name in sorted(old - new):
        gone = out / name
        if gone.is_symlink() or gone.is_file():
            gone.unlink(missing_ok=True)
        for parent in PurePosixPath(name).parents:  # folders it leaves empty, deepest first
            if parent.name:
                with suppress(OSError):
                    (out / parent).rmdir()
    for name in sorted(new):
        item = pending / name
        if not (item.is_file() or item.is_symlink()):
            continue  # moved in by an earlier run
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            target.rmdir()  # an empty folder in the way; one holding anything is not ours and stays
        os.replace(item, target)
    _fsync_dir(out)
    os.replace(pending / MANIFEST, out / MANIFEST)
    _fsync_dir(out)
    shutil.rmtree(pending, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the renames are still atomic
    finally:
        os.close(fd)


class _Abandoned(Exception):
    """The writer of a feed failed: what was fed is incomplete."""


class _Feed:
    """Bytes handed from the thread that writes them to the thread that reads them, in pieces of
    about ``size`` bytes that end where a write ended; at most ``depth`` pieces wait at a time."""

    def __init__(self, size: int = 16 << 20, depth: int = 4) -> None:
        self._pieces: queue.Queue[bytes | type[_Abandoned] | None] = queue.Queue(depth)
        self._parts: list[bytes] = []
        self._size, self._held = size, 0
        self._closed = self._ended = False

    def write(self, data: bytes) -> int:
        self._parts.append(data)
        self._held += len(data)
        if self._held >= self._size:
            self._pieces.put(b"".join(self._parts))
            self._parts, self._held = [], 0
        return len(data)

    def close(self, *, failed: bool = False) -> None:
        """No more bytes; ``failed``: the writer failed, and the reader gets :class:`_Abandoned`.
        Closing twice is closing once."""
        if not self._closed:
            self._closed = True
            if self._parts and not failed:
                self._pieces.put(b"".join(self._parts))
            self._parts = []
            self._pieces.put(_Abandoned if failed else None)

    def __iter__(self) -> Iterator[bytes]:
        while not self._ended:
            piece = self._pieces.get()
            if piece is None or piece is _Abandoned:
                self._ended = True
                if piece is _Abandoned:
                    raise _Abandoned
                return
            yield piece  # type: ignore[misc]


#: Triples from which a build writes Turtle and JSON-LD in a forked process (below, one process is
#: quicker than starting another).
FORK_WRITERS_FROM = 200_000


class _ChildWriter:
    """Writes ``name -> format`` of ``graph`` into ``folder`` in a forked process (no thread may
    run when it is made); :meth:`result` waits for their manifest entries."""

    def __init__(self, graph: KnowledgeGraph, jobs: dict[str, str], folder: Path) -> None:
        read_end, write_end = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: write, report, and leave without running anything else
            code = 1
            try:
                os.close(read_end)
                report: dict = {"files": {name: _write_hashed(graph, fmt, folder / name)
                                          for name, fmt in jobs.items()}}
                code = 0
            except BaseException as exc:  # reported to the parent, which raises it
                report = {"errno": getattr(exc, "errno", None) or 0,
                          "message": getattr(exc, "strerror", None) or f"{exc.__class__.__name__}: {exc}"}
            try:
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(json.dumps(report).encode("utf-8"))
            finally:
                os._exit(code)
        os.close(write_end)
        self._read_end = read_end

    def result(self) -> dict[str, dict[str, object]]:
        """The manifest entries of the files written; ``OSError`` as the child met it."""
        with os.fdopen(self._read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self._pid, 0)
        self._pid = 0
        report: dict = json.loads(data) if data else {"errno": 0, "message": "the writing process died"}
        if "files" not in report:
            raise OSError(report["errno"], report["message"])
        return report["files"]

    def stop(self) -> None:
        """End the child if it still runs (when the build failed first)."""
        if self._pid:
            with suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            with suppress(OSError):
                os.waitpid(self._pid, 0)
            with suppress(OSError):
                os.close(self._read_end)
            self._pid = 0


class _Background:
    """``func(*args)`` in a thread of its own; :meth:`result` waits for it and raises its error.

    A daemon: when the caller fails first, the process may exit without waiting for it."""

    def __init__(self, func: Callable[..., None], *args: object) -> None:
        self._error: BaseException | None = None

        def work() -> None:
            try:
                func(*args)
            except BaseException as exc:  # raised in the caller's thread by result()
                self._error = exc
            finally:
                for arg in args:  # a feed not read to its end would block its writer
                    if isinstance(arg, _Feed):
                        for _piece in arg:
                            pass

        self._thread = threading.Thread(target=work, name="kg-build-check", daemon=True)
        self._thread.start()

    def result(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


class _HashingWriter:
    """A binary file that hashes what is written through it."""

    def __init__(self, fh: IO[bytes], also: _Feed | None = None) -> None:
        self._fh, self._also = fh, also
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        if self._also is not None:
            self._also.write(data)
        return self._fh.write(data)


def _write_hashed(graph: KnowledgeGraph, fmt: str, path: Path, feed: _Feed | None = None) -> dict[str, object]:
    """Write ``graph`` as ``fmt`` to ``path`` (and to ``feed``), synced; its manifest entry
    (SHA-256 and size)."""
    with path.open("wb") as fh:
        writer = _HashingWriter(fh, feed)
        graph.serialize(fmt, writer)  # type: ignore[arg-type]
        if feed is not None:
            feed.close()  # its reader gets the last piece now, not after the sync
        fh.flush()
        os.fsync(fh.fileno())
    return {"sha256": writer.sha256.hexdigest(), "bytes": writer.size}


def _hash_entry(path: Path) -> dict[str, object]:
    return {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "bytes": path.stat().st_size}


def write_atomically(out: Path, outputs: dict[str, str], graph: KnowledgeGraph, manifest: dict,
                     progress: Progress | None = None,
                     folders: dict[str, Callable[[KnowledgeGraph, Path], list[Path]]] | None = None,
                     pages: dict[str, Callable[[KnowledgeGraph, Path], None]] | None = None,
                     fill: Callable[[Iterable[bytes]], None] | None = None) -> list[Path]:
    """Write each ``name -> format`` of ``graph`` into ``out`` all-or-nothing, then the manifest.

    ``folders`` maps a sub-folder name to a function that fills it (the network files); every file
    it holds is in the manifest. ``pages`` maps a file name to a function that writes it (the HTML
    overview). The files of the previous build that the new one does not have are removed when it is
    moved in; nothing else in ``out`` is touched, and a folder holding files that no build wrote is
    refused (:class:`UsageError`, see :func:`foreign_files`).

    ``fill``, when given, is called in a thread with the graph's N-Triples (pieces of bytes that
    end at line ends) as they are written, first, and goes on while the other formats are
    written: a build fills its store from them and checks it there. If it raises, nothing is
    committed and its error is raised; the pages and folders are written after it returns.

    Builds on one folder take turns (:func:`build_lock`). A build killed at any moment leaves either
    the previous build or, once committed, the new one, which the next build or reader finishes
    moving in (:func:`recover`); never a mix that a reader would take for good.
    """
    say = progress or (lambda _msg: None)
    if out.exists() and not out.is_dir():
        raise OutputError("the output path exists and is not a folder", file=display_path(out),
                          hint="choose another --out")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", file=display_path(out),
                          hint="check the path and its permissions") from exc
    committed = False
    with build_lock(out):
        try:
            recover(out)
            _refuse_foreign(out)  # under the lock: no build of ours is halfway through here
            tmp = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        except OSError as exc:
            raise OutputError(f"cannot write in the output folder: {exc.strerror}", file=display_path(out),
                              hint="check the path and its permissions") from exc
        try:
            feed = _Feed() if fill is not None else None
            here = dict(outputs)
            # Turtle and JSON-LD by a second process, forked before any thread starts: the store's
            # filling and checking keep this process's cores busy as it is (1M triples: -1 s).
            aside = {name: fmt for name, fmt in outputs.items() if fmt != "nt"} if (
                fill is not None and hasattr(os, "fork") and len(graph) >= FORK_WRITERS_FROM) else {}
            writer = _ChildWriter(graph, aside, tmp) if aside else None
            try:
                if writer is not None:
                    say(f"writing {' and '.join(aside)} in a second process")
                    here = {name: fmt for name, fmt in outputs.items() if name not in aside}
                filler = _Background(fill, feed) if fill is not None else None
                try:
                    if feed is not None and "nt" not in outputs.values():
                        graph.serialize("nt", feed)  # type: ignore[arg-type]  # for the store only
                        feed.close()
                    for name, fmt in sorted(here.items(), key=lambda item: item[1] != "nt"):  # N-Triples first
                        say(f"writing {name}")
                        manifest["files"][name] = _write_hashed(graph, fmt, tmp / name,
                                                                feed if fmt == "nt" else None)
                        if feed is not None and fmt == "nt":
                            feed.close()
                            say("checking the SHACL shapes and running the quality checks while the files "
                                "are written")
                except BaseException:
                    if feed is not None:
                        feed.close(failed=True)  # the filler stops, and its error is not the one to report
                    raise
                if filler is not None:
                    filler.result()  # first: a failed check stops the writer rather than wait for it
                if writer is not None:
                    manifest["files"].update(writer.result())
            finally:
                if writer is not None:
                    writer.stop()  # when something failed first; nothing to do when it has ended
            with staging(tmp):  # the page and network writers may write below the build folder here
                for name, write_page in (pages or {}).items():
                    say(f"writing {name}")
                    write_page(graph, tmp / name)
                    manifest["files"][name] = _hash_entry(tmp / name)
                for folder, fill_folder in (folders or {}).items():
                    say(f"writing {folder}/")
                    fill_folder(graph, tmp / folder)
                    for path in sorted(p for p in (tmp / folder).rglob("*") if p.is_file()):
                        manifest["files"][path.relative_to(tmp).as_posix()] = _hash_entry(path)
            # The files of the build this one replaces: those it does not have go when it is moved in.
            with (tmp / REPLACES).open("w", encoding="utf-8") as fh:
                fh.write(json.dumps(sorted(manifest_files(out) or ())))
                fh.flush()
                os.fsync(fh.fileno())
            with (tmp / MANIFEST).open("w", encoding="utf-8") as fh:
                fh.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            _fsync_dir(tmp)
            os.replace(tmp, out / PENDING)  # the commit: from here on, the new build is the build
            committed = True
            _move_in(out / PENDING, out)
        except OSError as exc:
            raise OutputError(f"cannot write the build: {exc.strerror}", file=display_path(out),
                              hint="check free space and permissions; the previous files were kept") from exc
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            if created and not committed:  # a first build that failed leaves no folder behind
                (out / LOCK_NAME).unlink(missing_ok=True)
                with suppress(OSError):
                    out.rmdir()
    return [out / name for name in [*outputs, *(pages or {})]] + [out / folder for folder in folders or {}]
