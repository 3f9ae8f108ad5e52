"""The build's graph kept as an on-disk Oxigraph store (:data:`~kg.build_dir.layout.STORE_NAME`), so that
a reader opens it in milliseconds instead of parsing ``kg.nt``.

The build bulk-loads the store from the ``kg.nt`` it has just written, with the Oxigraph server's
loader (``oxigraph load``, a Rust program: its memory is not the build's) in a process of its own, while
the other formats are written and the graph is checked (:class:`StoreWriter`); it lies in the build's temporary
folder and is committed and moved into place with the rest (:mod:`kg.build_dir.commit`,
:mod:`kg.build_dir.layout`). Its triples are in the named graph :data:`kg.namespaces.GRAPH`, as ``kg
serve`` has always served them.

A RocksDB folder cannot be fingerprinted by hashing its files (they differ from one load to the next),
so the manifest's ``store`` entry records what the store was made from and holds: the SHA-256 of the
``kg.nt`` it was loaded from, its number of triples, its named graph and the engine. The same entry,
without the folder's name, is written into the folder itself (:data:`~kg.build_dir.layout.STORE_STAMP`)
once the store is complete. A reader uses the store only when the two agree and the ``kg.nt`` of the
manifest is the one it was loaded from; otherwise it says so and reads ``kg.nt`` (:func:`open_store`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kg.build_dir.layout import OUTPUT_NAME, STORE_NAME, STORE_STAMP, _fsync_dir, display_path
from kg.errors import OutputError
from kg.graph import KnowledgeGraph
from kg.namespaces import GRAPH
from kg.oxigraph_cli import child_setup, oxigraph_binary


class StoreWriter:
    """Loads ``nt`` (whose manifest entry is ``nt_entry``, holding ``triples`` triples) into a new store
    in ``folder``, by the Oxigraph server's bulk loader (``oxigraph load``) in a process of its own,
    which dies with this one; :meth:`result` waits for it and gives the manifest's ``store`` entry."""

    def __init__(self, nt: Path, nt_entry: dict[str, object], folder: Path, triples: int) -> None:
        self._folder, self._nt_name = folder, nt.name
        self._stamp = {"loaded_from": {"file": nt.name, "sha256": nt_entry["sha256"]}, "graph": GRAPH,
                       "engine": _engine(), "triples": triples}
        binary = oxigraph_binary()
        if binary is None:
            raise OutputError("cannot make the build's store: the Oxigraph server is not installed",
                              file=display_path(folder), hint="pip install oxigraph (kg depends on it)")
        self._log = tempfile.TemporaryFile()
        try:
            # --lenient: the file is the build's own N-Triples, checked as it was made; parsing it
            # again strictly only costs time.
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [binary, "load", "--location", str(folder), "--file", str(nt), "--format", "nt",
                 "--graph", GRAPH, "--lenient"],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                preexec_fn=child_setup(None))
        except OSError as exc:
            self._log.close()
            raise OutputError(f"cannot start the Oxigraph loader: {exc.strerror}", file=binary,
                              hint="reinstall oxigraph (pip install oxigraph)") from exc

    def result(self) -> dict[str, object]:
        """The manifest entry of the complete store (its stamp written, synced); :class:`OutputError`
        with the loader's last words when it failed."""
        process = self._process
        assert process is not None, "result() after stop()"
        code = process.wait()
        self._process = None
        self._log.seek(0)
        said = self._log.read().decode("utf-8", "replace").strip()
        self._log.close()
        if code != 0:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise OutputError(f"Oxigraph could not load {self._nt_name} into the build's store "
                              f"(exit {code})", file=display_path(self._folder),
                              hint=said[-300:] or "check free space and permissions")
        with (self._folder / STORE_STAMP).open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(self._stamp, indent=2, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_dir(self._folder)
        return {"folder": self._folder.name, **self._stamp}

    def stop(self) -> None:
        """Kill the loader if it is still running (the build failed first), wait for it, and remove
        the folder it was writing."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
            self._log.close()
        shutil.rmtree(self._folder, ignore_errors=True)


def _engine() -> str:
    """The engine that writes the store, as the stamp names it."""
    from importlib import metadata  # here: 20-30 ms to import, and only a build needs it

    try:
        return f"oxigraph {metadata.version('oxigraph')} (RocksDB)"
    except metadata.PackageNotFoundError:
        return "oxigraph (RocksDB)"


def store_problem(folder: Path, manifest: dict) -> str | None:
    """Why the store in ``folder`` (a build's :data:`~kg.build_dir.layout.STORE_NAME`, or a link of its
    files) cannot stand for the ``manifest``'s ``kg.nt`` (None: it can; '' when the manifest lists no
    store: a build of an older kg, read from ``kg.nt`` silently)."""
    entry = manifest.get("store")
    if not isinstance(entry, dict):
        return ""
    nt = manifest.get("files", {}).get(f"{OUTPUT_NAME}.nt", {})
    expected = {k: v for k, v in entry.items() if k != "folder"}
    if entry.get("folder") != STORE_NAME or not isinstance(nt, dict) \
            or expected.get("loaded_from") != {"file": f"{OUTPUT_NAME}.nt", "sha256": nt.get("sha256")}:
        return "is not the one its manifest's kg.nt was loaded into"
    try:
        stamp = json.loads((folder / STORE_STAMP).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "is missing" if not folder.exists() else "is incomplete (it has no stamp)"
    except (OSError, ValueError) as exc:
        return f"cannot be read ({exc.__class__.__name__})"
    if stamp != expected:
        return "does not match its manifest"
    return None


def open_store(out: Path, manifest: dict, warnings: list[str]) -> KnowledgeGraph | None:
    """The graph of the build in ``out`` read from its store, when that matches ``manifest``; None
    (and a line in ``warnings`` when the manifest lists a store that cannot be used) to read ``kg.nt``.

    Checked again once opened: a build that moved a new store in meanwhile makes it None (the caller
    then reads the new build's ``kg.nt``, which it checks as ever)."""
    folder = out / STORE_NAME
    problem = store_problem(folder, manifest)
    if problem is None:
        entry = manifest["store"]
        try:
            graph = KnowledgeGraph.from_store(folder, entry["graph"], int(entry["triples"]),
                                              (out / f"{OUTPUT_NAME}.nt", entry["loaded_from"]["sha256"]))
        except (OSError, ValueError, TypeError) as exc:
            problem = f"cannot be opened ({str(exc)[:200]})"
        else:
            return graph if store_problem(folder, manifest) is None else None
    if problem:
        warnings.append(f"the store {display_path(folder)} {problem}; answering from {OUTPUT_NAME}.nt "
                        "(slower to start): run kg build to remake it")
    return None
