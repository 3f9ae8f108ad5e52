"""Finding the record files of a data folder: regular files, links inside the folder, and every
other thing named like a record file (a link out, a dangling link, a FIFO, a device) refused by name.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from kg.errors import Problem, ValidationError

RECORD_SUFFIXES = (".yaml", ".yml", ".csv")


def find_record_files(directory: Path) -> list[Path]:
    """Every record file under ``directory``, in a stable order: each regular file named ``*.yaml``,
    ``*.yml`` or ``*.csv``, and each link to a regular file inside ``directory`` (a file linked twice is
    read once). Folders are walked, not links to folders.

    Nothing named like a record file is skipped silently: a link out of ``directory`` (it would bring
    any file of the machine into the graph and its messages), a dangling link or a loop of links, a
    named pipe (reading it would wait forever), a device or a socket, and an upper-case extension
    (``.YAML``: some systems would read it, others not) are refused, and so is a link to a folder
    outside ``directory``. They raise :class:`ValidationError`, all at once, before any record is read.
    """
    root = directory.resolve()
    found: dict[Path, Path] = {}  # the file's real path -> the path it is read by
    problems: list[Problem] = []

    def refuse(path: Path, message: str, hint: str) -> None:
        problems.append(Problem(_display(path), 0, "", message, hint))

    folders = [directory]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            refuse(folder, f"cannot read the folder: {exc.strerror}", "check its permissions")
            continue
        for entry in entries:
            path = Path(entry.path)
            suffix = path.suffix
            named = suffix.lower() in RECORD_SUFFIXES
            try:
                if not entry.is_symlink():
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(path)
                    elif named:  # (its real path: no link is followed on the way down)
                        real = root / path.relative_to(directory)
                        _vet(path, real, entry.stat(follow_symlinks=False).st_mode, found, refuse)
                    continue
                try:
                    target = path.resolve(strict=True)
                except (RuntimeError, OSError) as exc:  # a loop is a RuntimeError up to Python 3.12
                    if not isinstance(exc, RuntimeError) and exc.errno not in (errno.ENOENT, errno.ELOOP):
                        raise
                    if named and isinstance(exc, FileNotFoundError):
                        refuse(path, f"is a dangling link (to {os.readlink(path)}): the file it leads to "
                               "does not exist",
                               "remove the link, or restore the file it names")
                    elif named:
                        refuse(path, "is a link in a loop of links: it never reaches a file", "remove the link")
                    continue
                inside = target.is_relative_to(root)
                mode = target.stat().st_mode
                if stat.S_ISDIR(mode):
                    if not inside:
                        refuse(path, f"is a link to a folder outside the data folder ({target}); its files are "
                               "not read", "copy the folder into the data folder, or remove the link")
                    continue  # else its files are read where they are
                if not named:
                    continue
                if not inside:
                    refuse(path, f"is a link to a file outside the data folder ({target}); it is not read",
                           "copy the file into the data folder, or remove the link")
                    continue
                _vet(path, target, mode, found, refuse)
            except OSError as exc:
                refuse(path, f"cannot read it: {exc.strerror}", "check its permissions")
    if problems:
        raise ValidationError(problems)
    return sorted(found.values())


def _vet(path: Path, real: Path, mode: int, found: dict[Path, Path],
         refuse: Callable[[Path, str, str], None]) -> None:
    """Add ``path`` (whose real path is ``real``, of ``mode``) to ``found`` if it is a record file."""
    kind = ("" if stat.S_ISREG(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    if kind:
        what = kind if kind.startswith("not") else f"{kind}, not a file"
        refuse(path, f"is {what}; it is not read", "record files are regular files: remove it or replace it")
    elif path.suffix not in RECORD_SUFFIXES:
        refuse(path, f"the extension {path.suffix} is not read: record files end in .yaml, .yml or .csv, "
               "in lower case", f"rename it to {path.stem}{path.suffix.lower()}")
    elif real not in found or found[real].is_symlink():
        found[real] = path  # a file linked twice (or linked and present) is read once, by its own name


def _display(path: Path) -> str:
    """``path`` as messages name it: relative to the working directory when it lies below it (a
    link is named as itself, not as its target)."""
    try:
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)
