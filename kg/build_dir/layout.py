"""The layout of a build folder, and what may be done in it: its names, its manifest, the lock that
serialises builds, the recovery of an interrupted one, and the rule that only a build's own files are ever
replaced or removed.

Light on purpose (the standard library and :mod:`kg.errors` only): :mod:`kg.output` and the command line
use it at no cost.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path, PurePosixPath

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; builds on one folder must not overlap there
    fcntl = None  # type: ignore[assignment]

from kg.errors import OutputError, UsageError

Progress = Callable[[str], None]

#: The base name of the graph files (``kg.ttl``, ``kg.nt``, ``kg.jsonld``).
OUTPUT_NAME = "kg"
#: The manifest: every file of the build with its SHA-256, written last.
MANIFEST = "manifest.json"
#: Inside the output folder: the lock that serialises builds, and the complete next build while
#: it is moved into place (its presence means "finish moving me in"; see :func:`recover`).
LOCK_NAME = ".kg-build.lock"
PENDING = ".pending"
#: A build's temporary folder inside the output folder (``tempfile.mkdtemp``: the prefix and 8 random
#: characters). Only folders named exactly so are ever removed as stale.
STAGING_PREFIX = ".kg-tmp-"
_STAGING_NAME = re.compile(re.escape(STAGING_PREFIX) + r"[a-z0-9_]{8}")
#: ``kg serve``'s temporary store inside a build folder (removed when it stops); a build leaves it alone.
_SERVING = re.compile(r"\.serve-[a-z0-9_]{8}")
#: The graph kept as an on-disk Oxigraph store (a RocksDB folder), which readers open instead of parsing
#: ``kg.nt``; the manifest's ``store`` entry describes it, and :data:`STORE_STAMP` inside it says the same
#: (see :mod:`kg.build_dir.store`). It is moved into place whole, by one rename.
STORE_NAME = "kg.oxigraph"
STORE_STAMP = "kg-store.json"
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
    store = manifest_store(out)
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
            if not rel and (_ours(entry.name, is_dir, listed is not None) or (is_dir and entry.name == store)):
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
        return name == PENDING or bool(_STAGING_NAME.fullmatch(name) or _SERVING.fullmatch(name))
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
        if _STAGING_NAME.fullmatch(stale.name) and stale.is_dir() and not stale.is_symlink():
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
    _move_store_in(pending, out)
    _fsync_dir(out)
    os.replace(pending / MANIFEST, out / MANIFEST)
    _fsync_dir(out)
    shutil.rmtree(pending, ignore_errors=True)


def _move_store_in(pending: Path, out: Path) -> None:
    """Put the pending build's store folder in place of the old one, by one rename (the old one is
    first renamed aside to a temporary folder's name, then removed), so that no reader ever finds a
    mix of two stores. A pending build without a store (an older kg's) removes the old one: it was
    made from another ``kg.nt``. Can be repeated after a kill."""
    new, old = pending / STORE_NAME, out / STORE_NAME
    if not new.is_dir() and manifest_store(pending):
        return  # moved in by an earlier run
    if old.is_symlink() or old.is_file():
        old.unlink()
    elif old.is_dir():
        if not (old / STORE_STAMP).is_file() and _holds_anything(old):
            return  # cannot happen (the folder was refused as foreign before the build); never remove it
        aside = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        os.replace(old, aside)
        shutil.rmtree(aside, ignore_errors=True)
    if new.is_dir():
        os.replace(new, old)


def manifest_store(folder: str | Path) -> str | None:
    """The store folder's name the kg manifest in ``folder`` lists (:data:`STORE_NAME`), or None."""
    entry = _manifest_of(folder).get("store")
    return STORE_NAME if isinstance(entry, dict) and entry.get("folder") == STORE_NAME else None


def _manifest_of(folder: str | Path) -> dict:
    """The manifest in ``folder`` as read, or {} when there is none or it is not a JSON object."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


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



#: The temporary folder of the build being written by this thread (see :func:`staging`).
_WRITING: ContextVar[Path | None] = ContextVar("kg_build_staging", default=None)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, for messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)



def manifest_files(folder: str | Path) -> set[str] | None:
    """The files the kg manifest in ``folder`` lists (relative POSIX paths), or None when ``folder``
    holds no kg manifest (none, unreadable, or a ``manifest.json`` of something else). Names that would
    lead out of the folder (absolute, ``..``) are left out: a manifest never makes kg touch them."""
    files = _manifest_of(folder).get("files")
    if not isinstance(files, dict):
        return None
    return {name for name in files if isinstance(name, str) and safe_name(name)}


def safe_name(name: str) -> bool:
    """Whether ``name`` is a relative POSIX path that stays inside its folder."""
    parts = PurePosixPath(name).parts
    return (bool(parts) and not name.startswith("/") and "\\" not in name and "\x00" not in name
            and all(part not in ("", ".", "..") for part in parts))


def is_build_folder(folder: str | Path) -> bool:
    """Whether ``folder`` is a build folder of kg: it holds a kg manifest or the build lock."""
    folder = Path(folder)
    return manifest_files(folder) is not None or (folder / LOCK_NAME).is_file()


@contextmanager
def staging(folder: Path) -> Iterator[None]:
    """Within this block (in this thread), files below ``folder``, the temporary folder of the build being
    written, may be written although it lies in a build folder."""
    token = _WRITING.set(folder.resolve())
    try:
        yield
    finally:
        _WRITING.reset(token)


def current_staging() -> Path | None:
    """The temporary folder of the build this thread is writing (:func:`staging`), if any."""
    return _WRITING.get()
