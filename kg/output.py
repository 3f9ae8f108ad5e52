"""Writing one output that a user named (``-o FILE``, ``Page.save``, the network exports): the one writer.

:func:`write_output` decides by what the name is, never by guessing from the name:

- ``-`` is standard output, written as a stream;
- a regular file (or a name that does not exist yet) is written atomically: a temporary file in the same
  folder (``.<name>.<random>.kg-tmp``), synced, then renamed over the file with ``os.replace``, so a reader
  sees the old file or the new one, never half of one;
- a FIFO or a character device (``/dev/stdout``, ``/dev/null``, a terminal) is opened and written as a
  stream: it is never replaced by a file, and a write error (``/dev/full``: no space left) is an
  :class:`~kg.errors.OutputError`;
- a symbolic link is followed: the file it points to is written as above, and the link stays;
- a folder, a block device or a socket is refused;
- a file inside a build folder (one holding a kg ``manifest.json`` or the build lock) is refused: the
  build owns those files, and the next build would replace or remove what was written there.

This module is light (no RDF stack) so that the command line can import it at no cost.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import IO, cast

from kg.build_dir.layout import current_staging, is_build_folder
from kg.errors import OutputError, UsageError

#: The name that means standard output.
STDOUT = "-"
#: The ending of the temporary file beside an output while it is written.
TEMP_SUFFIX = ".kg-tmp"

Writer = Callable[[IO[bytes]], object]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula: one that starts with ``= + - @``, a tab or a
    carriage return gets a leading ``'``, unless it is a plain number."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def is_stdout(path: str | Path) -> bool:
    """Whether ``path`` names standard output (``-``)."""
    return str(path) == STDOUT


def write_output(path: str | Path, data: bytes | Writer) -> int:
    """Write ``data`` (bytes, or a function that writes to a binary file) to ``path`` as the module says;
    return the number of bytes written. :class:`OutputError` when it cannot be written (nothing is left
    half-written in a regular file), :class:`UsageError` for a file inside a build folder.
    ``BrokenPipeError`` (the reader of a pipe went away) is raised as it is."""
    if is_stdout(path):
        return _to_stdout(data)
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode: int | None = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None  # a new file: its folder is made, or the error says why it cannot be
    except OSError as exc:
        raise OutputError(f"cannot reach the output: {exc.strerror}", file=path,
                          hint="check the path and its permissions") from exc
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError("the output is a folder", file=path, hint="give a file name")
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        kind = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file"
        raise OutputError(f"the output is {kind}", file=path,
                          hint="give a file, a FIFO, a character device or - (standard output)")
    _refuse_build_folder(path, target)
    if mode is not None and not stat.S_ISREG(mode):
        return _to_stream(path, target, data)
    return _replace(path, target, data, mode)


def _refuse_build_folder(path: Path, target: Path) -> None:
    """:class:`UsageError` when ``target`` lies in a build folder (unless it is in the staging folder of
    the build being written)."""
    resolved = target.resolve()
    staged = current_staging()
    if staged is not None and (resolved == staged or staged in resolved.parents):
        return
    for folder in resolved.parents:
        if is_build_folder(folder):
            raise UsageError("the output lies in a build folder, whose files each build replaces or removes",
                             file=path, hint=f"write it outside {folder}")


class _Counted(io.BufferedIOBase):
    """A binary file that passes writes on to ``fh`` and counts their bytes."""

    def __init__(self, fh: IO[bytes]) -> None:
        super().__init__()
        self._fh = fh
        self.count = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._fh.write(data)
        size = memoryview(data).nbytes
        self.count += size
        return size

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:  # the underlying file is closed by its owner
        pass


def _fill(fh: IO[bytes], data: bytes | Writer) -> int:
    counted = _Counted(fh)
    if isinstance(data, (bytes, bytearray, memoryview)):
        counted.write(data)
    else:
        data(cast(IO[bytes], counted))  # a binary file in all but its static type
    counted.flush()
    return counted.count


def _to_stdout(data: bytes | Writer) -> int:
    sys.stdout.flush()  # what was printed as text comes first
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        raise OutputError("standard output takes no bytes here", hint="give -o FILE")
    try:
        return _fill(out, data)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}",
                          hint="what was written so far is incomplete") from exc


def _to_stream(path: Path, target: Path, data: bytes | Writer) -> int:
    """Write to a FIFO or a character device as it is: opened for writing, never created, truncated or
    replaced."""
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise OutputError(f"cannot open the output: {exc.strerror}", file=path,
                          hint="check the path and its permissions") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            if stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # it was replaced by a file since it was looked at
                raise OutputError("the output changed while it was opened", file=path, hint="try again")
            return _fill(fh, data)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to the output: {exc.strerror or exc}", file=path,
                          hint="what was written so far is incomplete") from exc


def _replace(path: Path, target: Path, data: bytes | Writer, mode: int | None) -> int:
    """Write a regular file all or nothing: a temporary file beside it, synced, then ``os.replace``."""
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = -1
        while fd < 0:
            tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
            with suppress(FileExistsError):
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                with suppress(OSError):  # keep the permissions of the file it replaces
                    os.fchmod(fh.fileno(), stat.S_IMODE(mode) & 0o777)
            size = _fill(fh, data)
            os.fsync(fh.fileno())
        now = os.lstat(target).st_mode if os.path.lexists(target) else None
        if now is not None and not stat.S_ISREG(now):
            raise OutputError("the output changed while it was written: it is no longer a file", file=path,
                              hint="nothing was replaced; try again")
        assert tmp is not None  # set by the loop above
        os.replace(tmp, target)
        tmp = None
        return size
    except OSError as exc:
        raise OutputError(f"cannot write the file: {exc.strerror or exc}", file=path,
                          hint="check the path, its permissions and free space; a previous file was kept") from exc
    finally:
        if tmp is not None:
            with suppress(OSError):
                tmp.unlink()
