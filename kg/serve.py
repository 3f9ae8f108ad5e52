"""A read-only SPARQL endpoint over the built graph: the Oxigraph server (the ``oxigraph`` package on
PyPI), not a home-made one.

The build's ``kg.nt`` is loaded into a fresh Oxigraph store in a temporary folder beside the build
(into the named graph :data:`kg.namespaces.GRAPH`, queried as the union default graph, so queries work
with or without ``default-graph-uri``); the server then runs ``serve-read-only`` on it, so the
protocol's update operations are refused. The folder is removed when the server stops.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from kg.errors import BuildMissing, KgError, UsageError
from kg.namespaces import GRAPH


class ServerError(KgError):
    """The Oxigraph server could not be found, prepared or started."""


def oxigraph_binary() -> str:
    """The ``oxigraph`` command: beside this Python (a virtual environment) or on the PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServerError("the Oxigraph server is not installed", hint="pip install oxigraph")


class Server:
    """A running read-only Oxigraph server over a build. Use as a context manager, or call
    :meth:`stop`."""

    def __init__(self, build: str | Path = "build", host: str = "127.0.0.1", port: int = 7878,
                 startup_timeout: float = 60.0) -> None:
        build = Path(build)
        data = build / "kg.nt"
        if not (build / "manifest.json").is_file() or not data.is_file():
            raise BuildMissing("there is no build here", file=str(build), hint="run kg build first")
        if not 0 < port < 65536:
            raise UsageError(f"port {port} is out of range", "give a port between 1 and 65535")
        binary = oxigraph_binary()
        self.host, self.port = host, port
        self.location = Path(tempfile.mkdtemp(prefix=".serve-", dir=build))
        self.process: subprocess.Popen[bytes] | None = None
        try:
            loaded = subprocess.run([binary, "load", "--location", str(self.location), "--file", str(data),
                                     "--graph", GRAPH], capture_output=True)
            if loaded.returncode != 0:
                raise ServerError("Oxigraph could not load the build",
                                  hint=loaded.stderr.decode("utf-8", "replace").strip()[-300:])
            shown_host = f"[{host}]" if ":" in host else host
            self.process = subprocess.Popen(
                [binary, "serve-read-only", "--location", str(self.location), "--bind", f"{shown_host}:{port}",
                 "--union-default-graph"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self._wait_until_ready(startup_timeout)
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        """The server's base address (its query UI)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return self.url + "query"

    def _wait_until_ready(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        probe = self.query_url + "?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                err = (self.process.stderr.read() if self.process.stderr else b"").decode("utf-8", "replace")
                hint = "is the port already in use? try --port" if "in use" in err.lower() else err.strip()[-300:]
                raise ServerError(f"the Oxigraph server stopped at start (exit {self.process.returncode})",
                                  hint=hint or "see the message above")
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
        """Stop the server and remove its store."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.location, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
