"""Writing a build all or nothing: every file into a temporary folder inside the output folder, the
manifest last, then one rename commits it and the files are moved into place (see
:mod:`kg.build_dir.layout` for the lock and the recovery)."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO

from kg.build_dir.layout import (
    LOCK_NAME,
    MANIFEST,
    PENDING,
    REPLACES,
    STAGING_PREFIX,
    STORE_NAME,
    Progress,
    _fsync_dir,
    _move_in,
    _refuse_foreign,
    build_lock,
    display_path,
    manifest_files,
    recover,
    staging,
)
from kg.build_dir.store import StoreWriter
from kg.errors import OutputError
from kg.graph import KnowledgeGraph


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

    The N-Triples file, once written, is also bulk-loaded into an on-disk store (the folder
    ``kg.oxigraph``, :mod:`kg.build_dir.store`) by Oxigraph's loader, in a process of its own, while the
    rest is written; it is committed with the files, described by the manifest's ``store`` entry, and
    moved into place by one rename. A loader that fails fails the build (:class:`OutputError`).

    ``fill``, when given, is called in a thread with the graph's N-Triples (pieces of bytes that
    end at line ends) as they are written, first, and goes on while the other formats are
    written: a build fills its store from them and checks it there. If it raises, nothing is
    committed and its error is raised; the pages and folders are written after it returns.

    Returns what was written: the files, the pages, the folders, then the store's folder.

    Builds on one folder take turns (:func:`build_lock`). A build killed at any moment leaves either
    the previous build or, once committed, the new one, which the next build or reader finishes
    moving in (:func:`recover`); never a mix that a reader would take for good.
    """
    say = progress or (lambda _msg: None)
    created = _output_folder(out)
    committed = False
    with build_lock(out):
        tmp = _staging_folder(out)
        try:
            _write_formats(graph, outputs, tmp, manifest, say, fill)
            _write_extras(graph, tmp, manifest, say, pages or {}, folders or {})
            _write_manifest(out, tmp, manifest)
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
    return [out / name for name in [*outputs, *(pages or {})]] + [out / folder for folder in folders or {}] \
        + ([out / STORE_NAME] if "store" in manifest else [])


def _output_folder(out: Path) -> bool:
    """Make the output folder ``out`` if it is missing; whether it was made."""
    if out.exists() and not out.is_dir():
        raise OutputError("the output path exists and is not a folder", file=display_path(out),
                          hint="choose another --out")
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", file=display_path(out),
                          hint="check the path and its permissions") from exc
    return created


def _staging_folder(out: Path) -> Path:
    """Under the lock: finish or undo what an earlier build left, refuse foreign files, and make the
    temporary folder the new build is written into."""
    try:
        recover(out)
        _refuse_foreign(out)  # under the lock: no build of ours is halfway through here
        return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    except OSError as exc:
        raise OutputError(f"cannot write in the output folder: {exc.strerror}", file=display_path(out),
                          hint="check the path and its permissions") from exc


def _write_formats(graph: KnowledgeGraph, outputs: dict[str, str], tmp: Path, manifest: dict,
                   say: Progress, fill: Callable[[Iterable[bytes]], None] | None) -> None:
    """Write the serialisations into ``tmp`` (N-Triples first, fed to ``fill`` in a thread as they
    are written; Turtle and JSON-LD in a forked process when the graph is large), then wait for
    ``fill`` and the forked writer, and raise the first error."""
    feed = _Feed() if fill is not None else None
    here = dict(outputs)
    # Turtle and JSON-LD by a second process, forked before any thread starts: the store's
    # filling and checking keep this process's cores busy as it is (1M triples: -1 s).
    aside = {name: fmt for name, fmt in outputs.items() if fmt != "nt"} if (
        fill is not None and hasattr(os, "fork") and len(graph) >= FORK_WRITERS_FROM) else {}
    writer = _ChildWriter(graph, aside, tmp) if aside else None
    store: StoreWriter | None = None
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
                manifest["files"][name] = _write_hashed(graph, fmt, tmp / name, feed if fmt == "nt" else None)
                if fmt == "nt" and store is None:  # the store, from the file just written, by a process
                    say(f"loading {name} into the store {STORE_NAME}/ while the other files are written")
                    store = StoreWriter(tmp / name, manifest["files"][name], tmp / STORE_NAME, len(graph))
                if feed is not None and fmt == "nt":
                    feed.close()
                    say("checking the SHACL shapes and running the quality checks while the files are written")
        except BaseException:
            if feed is not None:
                feed.close(failed=True)  # the filler stops, and its error is not the one to report
            raise
        if filler is not None:
            filler.result()  # first: a failed check stops the writer rather than wait for it
        if writer is not None:
            manifest["files"].update(writer.result())
        if store is not None:
            manifest["store"] = store.result()
            store = None
    finally:
        if writer is not None:
            writer.stop()  # when something failed first; nothing to do when it has ended
        if store is not None:
            store.stop()  # idem: the loader is killed and the folder it was writing removed


def _write_extras(graph: KnowledgeGraph, tmp: Path, manifest: dict, say: Progress,
                  pages: dict[str, Callable[[KnowledgeGraph, Path], None]],
                  folders: dict[str, Callable[[KnowledgeGraph, Path], list[Path]]]) -> None:
    """Write the pages and fill the folders in ``tmp``, each file in the manifest."""
    with staging(tmp):  # the page and network writers may write below the build folder here
        for name, write_page in pages.items():
            say(f"writing {name}")
            write_page(graph, tmp / name)
            manifest["files"][name] = _hash_entry(tmp / name)
        for folder, fill_folder in folders.items():
            say(f"writing {folder}/")
            fill_folder(graph, tmp / folder)
            for path in sorted(p for p in (tmp / folder).rglob("*") if p.is_file()):
                manifest["files"][path.relative_to(tmp).as_posix()] = _hash_entry(path)


def _write_manifest(out: Path, tmp: Path, manifest: dict) -> None:
    """Write, synced, the list of the files of the build this one replaces (those it does not have
    go when it is moved in), then the manifest, and sync ``tmp``: it is ready to be committed."""
    with (tmp / REPLACES).open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(sorted(manifest_files(out) or ())))
        fh.flush()
        os.fsync(fh.fileno())
    with (tmp / MANIFEST).open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(tmp)
