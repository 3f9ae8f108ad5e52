"""Writing the site's folder whole or not at all.

The files are written into a temporary folder beside the target (``.<name>.<random>.kg-tmp``), the
manifest (``kg-site.json``: the SHA-256 of every file) last; then a previous site is moved aside, the new
one renamed into place and the old one removed. A reader sees the old site or the new one, except for
the instant between the two renames, when there is none. Only an empty folder or a folder holding a
site's manifest is replaced: ``-o`` naming any other folder (a home folder, a build) is refused before
anything is written.

Inside a build (``kg build`` writes the site as ``build/site/``), :func:`write_files` fills the folder the
build gives, in its staging folder: the build's own manifest lists every file and its all-or-nothing commit
replaces or removes them, so that copy has no ``kg-site.json`` and none of the rules above.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from pathlib import Path, PurePosixPath

from kg.build_dir.layout import is_build_folder
from kg.errors import OutputError, UsageError

#: The file that marks a folder as a site written by ``kg site``.
MANIFEST = "kg-site.json"
GENERATOR = "kg site"


def is_site_folder(folder: Path) -> bool:
    """Whether ``folder`` holds the manifest of a site written by ``kg site``."""
    try:
        found = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(found, dict) and found.get("generator") == GENERATOR


def check_target(folder: Path) -> None:
    """Refuse a target that is not a folder the site may replace (see the module documentation)."""
    if folder.is_symlink():
        raise UsageError("the output folder is a symbolic link", file=folder, hint="give the folder itself")
    resolved = folder.resolve()
    for inside in (resolved, *resolved.parents):
        if is_build_folder(inside):
            raise UsageError("the output lies in a build folder, whose files each build replaces or removes",
                             file=folder, hint=f"write the site outside {inside}, e.g. -o site")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UsageError("the output exists and is not a folder", file=folder, hint="give a new folder, e.g. -o site")
    if any(folder.iterdir()) and not is_site_folder(folder):
        raise UsageError(f"the output folder is not empty and holds no {MANIFEST} (it is not a site of kg site)",
                         file=folder, hint="give a new or empty folder, or the folder of a previous site")


def manifest(files: dict[str, bytes]) -> bytes:
    """The site's manifest: what wrote it and the SHA-256 of every file (no date: a build gives the same
    site, byte for byte)."""
    hashes = {path: hashlib.sha256(content).hexdigest() for path, content in sorted(files.items())}
    return (json.dumps({"generator": GENERATOR, "format": 1, "files": hashes}, indent=1, sort_keys=True)
            + "\n").encode("utf-8")


def _checked(path: str) -> PurePosixPath:
    # Paths are made by the site's code from ids; this is a second guard against leaving the folder.
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in pure.parts) or path == MANIFEST:
        raise ValueError(f"not a path inside the site: {path!r}")
    return pure


def write_files(folder: str | Path, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` (site path -> content) into ``folder``, which must be new or empty (a build's
    staging folder, or the temporary folder of :func:`write_site_folder`); return the files written, in
    path order. Nothing else is checked or added: no manifest."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"not a new or empty folder: {folder}")
    written = []
    for path, content in sorted(files.items()):
        target = folder.joinpath(*_checked(path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written


def write_site_folder(folder: str | Path, files: dict[str, bytes]) -> int:
    """Write ``files`` (site path -> content) and the manifest as the folder ``folder``, replacing a
    previous site there; return the bytes written."""
    folder = Path(folder)
    check_target(folder)
    parent = folder.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(6)
        temp = parent / f".{folder.name}.{token}.kg-tmp"
        temp.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot write beside the output folder: {exc.strerror}", file=folder,
                          hint="check the path and its permissions") from None
    old = parent / f".{folder.name}.{token}.kg-old"
    try:
        write_files(temp, files)
        (temp / MANIFEST).write_bytes(manifest(files))
        if folder.exists():
            folder.rename(old)
        try:
            temp.rename(folder)
        except OSError:
            if old.exists():
                old.rename(folder)
            raise
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise OutputError(f"cannot write the site: {exc.strerror}", file=folder,
                          hint="check the free space and the permissions") from None
    shutil.rmtree(old, ignore_errors=True)
    return sum(len(c) for c in files.values()) + os.path.getsize(folder / MANIFEST)
