"""A read-only SPARQL endpoint over the built graph: the Oxigraph server (the ``oxigraph`` package on
PyPI), not a home-made one, behind a small front in this process.

The build's on-disk store (``build/kg.oxigraph``, :mod:`kg.build_dir.store`, when it matches the
manifest) is served as it is: its files are hard-linked into a temporary folder beside the build, so the
server starts in well under a second, nothing is copied, and a later build that replaces the build's
store leaves this server's files alone (where links cannot be made, the build's folder itself is
served). A build without a store (an older kg's) has its ``kg.nt`` (checked against its manifest, as
every reader does) loaded into a fresh store in that folder (or in the system's temporary folder when
the build folder cannot be written). Either way the graph is in the named graph
:data:`kg.namespaces.GRAPH`, queried as the union default graph, so queries work with or without
``default-graph-uri``. The server runs ``serve-read-only`` on it, on a free loopback port, so the
protocol's update operations are refused.

The front listens on the address the user chose and forwards to the server what a read-only endpoint
needs (queries, our own query page (kg/endpoint/page.py), the graph store's reads). It refuses what the server
cannot be told to refuse: a query that calls another endpoint (``SERVICE``: the server would send a
request to any address the query names), a query nested deep enough to overflow the server's stack
(:mod:`kg.sparql_limits`), a request larger than the limit, and an answer that takes longer than the
time limit (the server's own limit is not checked inside every loop of its evaluation).

The server dies with the process that started it (``PR_SET_PDEATHSIG`` on Linux), and each store
folder holds the process id of its ``kg serve``, so a store left by a killed one is removed by the next.

Here: the server's process and its store; the front is :mod:`kg.endpoint.front`, the limits
:mod:`kg.endpoint.limits` (their names used by callers are here too).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from kg.endpoint.front import Front
from kg.endpoint.limits import (
    DEFAULT_MAX_MEMORY,
    DEFAULT_MAX_REQUEST,
    DEFAULT_TIMEOUT,
    Limits,
    ServerError,
    check_limits,
)
from kg.errors import BuildMissing, UsageError
from kg.namespaces import GRAPH
from kg.oxigraph_cli import child_setup as _child_setup
from kg.oxigraph_cli import oxigraph_binary as find_oxigraph

__all__ = [
    "DEFAULT_MAX_MEMORY", "DEFAULT_MAX_REQUEST", "DEFAULT_TIMEOUT", "OWNER_FILE", "SERVE_PREFIX", "Limits",
    "Server", "ServerError", "check_limits", "checked_data", "oxigraph_binary", "remove_stale_stores",
    "store_folder",
]

SERVE_PREFIX = ".serve-"
_SERVE_NAME = re.compile(re.escape(SERVE_PREFIX) + r"[a-z0-9_]{8}")
OWNER_FILE = "owner.pid"
#: A store folder without an owner file is left alone this long: its ``kg serve`` may be writing it.
_UNOWNED_GRACE = 60.0


def oxigraph_binary() -> str:
    """The ``oxigraph`` command: beside this Python (a virtual environment) or on the PATH."""
    found = find_oxigraph()
    if found:
        return found
    raise ServerError("the Oxigraph server is not installed", hint="pip install oxigraph")


def checked_data(build: Path) -> Path:
    """``build/kg.nt`` when it matches the build's manifest (the check every reader of a build makes),
    else :class:`BuildMissing`."""
    from kg.build_dir.layout import OUTPUT_NAME, display_path
    from kg.build_dir.reading import _read_manifest, _sha256_of

    path = build / f"{OUTPUT_NAME}.nt"
    _manifest, expected = _read_manifest(build)
    if _sha256_of(path, build) != expected:
        _manifest, expected = _read_manifest(build)  # a build may have committed in between: look once more
        if _sha256_of(path, build) != expected:
            raise BuildMissing(f"{path.name} does not match its manifest (an interrupted build, or an edited file)",
                               file=display_path(path), hint="run kg build again")
    return path


def _served_store(build: Path, store: Path, binary: str) -> Path:
    """The store folder to serve: the build's own store (:mod:`kg.build_dir.store`), its files linked
    into ``store`` (nothing is copied, and a later build that replaces the build's store leaves them
    to this server), or the build's folder itself where files cannot be linked; for a build without
    a usable store, ``kg.nt`` (checked against the manifest) loaded into ``store``."""
    from kg.build_dir.layout import STORE_NAME
    from kg.build_dir.reading import _read_manifest
    from kg.build_dir.store import store_problem

    for _attempt in range(2):  # a build may move a new store in while its files are linked
        manifest, _sha = _read_manifest(build)
        if store_problem(build / STORE_NAME, manifest) is not None:
            break
        try:
            _link_files(build / STORE_NAME, store)
        except OSError:
            shutil.rmtree(store, ignore_errors=True)
            return build / STORE_NAME  # another file system: served where it is, read-only
        if store_problem(store, manifest) is None:
            return store
        shutil.rmtree(store, ignore_errors=True)
    data = checked_data(build)
    loaded = subprocess.run([binary, "load", "--location", str(store), "--file", str(data), "--graph", GRAPH],
                            capture_output=True, preexec_fn=_child_setup(None))
    if loaded.returncode != 0:
        raise ServerError("Oxigraph could not load the build",
                          hint=loaded.stderr.decode("utf-8", "replace").strip()[-300:])
    checked_data(build)  # the build did not change while it was loaded
    return store


def _link_files(source: Path, target: Path) -> None:
    """Hard links in ``target`` (made) to the files of the store folder ``source``."""
    target.mkdir()
    for entry in os.scandir(source):
        if entry.is_file(follow_symlinks=False) and entry.name != "LOCK":
            os.link(entry.path, target / entry.name)


def _start_time(pid: int) -> str:
    """The start time of process ``pid`` (clock ticks since boot), '' when unknown, 'dead' for a zombie:
    with the pid it names a process, even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return "dead" if fields[0] in ("Z", "X") else fields[19]
    except (OSError, IndexError):
        return ""


def _owner_alive(folder: Path) -> bool:
    try:
        pid_text, _, started = (folder / OWNER_FILE).read_text(encoding="ascii").strip().partition(" ")
        pid = int(pid_text)
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime < _UNOWNED_GRACE
        except OSError:
            return False
    except (OSError, ValueError):
        return True  # unreadable: not ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's live process
    now = _start_time(pid)
    return now != "dead" and not (started and now and now != started)


def remove_stale_stores(*folders: Path) -> list[Path]:
    """Remove the store folders (``.serve-`` and 8 characters) in ``folders`` whose ``kg serve`` is no
    longer running; the folders removed. A folder without an owner file (an earlier kg's) counts as
    stale once it is a minute old, but only in a build folder, never in the system's temporary folder."""
    system = Path(tempfile.gettempdir()).resolve()
    removed = []
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if not _SERVE_NAME.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
                continue
            if folder.resolve() == system and not (entry / OWNER_FILE).is_file():
                continue
            if not _owner_alive(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def store_folder(build: Path) -> Path:
    """A new store folder owned by this process: in ``build``, or in the system's temporary folder
    when ``build`` cannot be written (a read-only build is served all the same)."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=SERVE_PREFIX, dir=build))
    except OSError:
        try:
            folder = Path(tempfile.mkdtemp(prefix=SERVE_PREFIX))
        except OSError as exc:
            raise ServerError(f"cannot create a temporary store: {exc.strerror}", file=str(build),
                              hint="make the build folder or the temporary folder (TMPDIR) writable") from exc
    pid = os.getpid()
    (folder / OWNER_FILE).write_text(f"{pid} {_start_time(pid)}\n", encoding="ascii")
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """A running read-only Oxigraph server over a build, behind the front. Use as a context manager,
    or call :meth:`stop`. Start it from a thread that outlives it (the server is killed when the
    thread that started it ends)."""

    def __init__(self, build: str | Path = "build", host: str = "127.0.0.1", port: int = 7878,
                 startup_timeout: float = 60.0, *, timeout: float | str = DEFAULT_TIMEOUT,
                 max_memory: int | str = DEFAULT_MAX_MEMORY,
                 max_request_bytes: int | str = DEFAULT_MAX_REQUEST) -> None:
        self.limits = check_limits(timeout, max_memory, max_request_bytes)
        if not 0 < port < 65536:
            raise UsageError(f"port {port} is out of range", "give a port between 1 and 65535")
        build = Path(build)
        binary = oxigraph_binary()
        self.host, self.port = host, port
        self.process: subprocess.Popen[bytes] | None = None
        self.front: Front | None = None
        self._thread: threading.Thread | None = None
        self.location: Path | None = None
        remove_stale_stores(build, Path(tempfile.gettempdir()))
        try:
            self.front = Front(host, port, self.limits)  # first: a port in use is said before the load
            self.location = store_folder(build)
            store = _served_store(build, self.location / "store", binary)
            self.upstream = _free_port()
            # Oxigraph's own limit is a backstop: the front answers at the limit, a second earlier.
            self.process = subprocess.Popen(
                [binary, "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{self.upstream}",
                 "--union-default-graph", "--timeout-s", str(math.ceil(self.limits.timeout) + 1)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                preexec_fn=_child_setup(self.limits.max_memory))
            self._wait_until_ready(startup_timeout)
            self.front.upstream = self.upstream
            self._thread = threading.Thread(target=self.front.serve_forever, name="kg-serve-front", daemon=True)
            self._thread.start()
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        """The endpoint's base address (its query UI)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return self.url + "query"

    def _wait_until_ready(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        probe = f"http://127.0.0.1:{self.upstream}/query?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                err = (self.process.stderr.read() if self.process.stderr else b"").decode("utf-8", "replace")
                raise ServerError(f"the Oxigraph server stopped at start (exit {self.process.returncode})",
                                  hint=err.strip()[-300:] or "see the message above")
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    response.read()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise ServerError(f"the Oxigraph server did not answer within {limit:g} s", hint="see its log")

    def wait(self) -> int:
        """Block until the server exits; its exit code."""
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        """Stop the front and the server and remove the store."""
        if self.front is not None:
            if self._thread is not None:
                self.front.shutdown()
            self.front.server_close()
            self.front = None
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.location is not None:
            shutil.rmtree(self.location, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
