"""The Oxigraph server's command (the ``oxigraph`` package on PyPI): where it is, and how a process of it
is started so that it dies with the process that started it. The build loads its on-disk store with
it (:mod:`kg.build_dir.store`) and ``kg serve`` serves with it (:mod:`kg.endpoint.serve`)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path

#: prctl's option that makes the kernel signal a child when the thread that started it ends.
_PR_SET_PDEATHSIG = 1


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command: beside this Python (a virtual environment) or on the PATH; None when
    it is not installed."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which("oxigraph")


def child_setup(max_memory: int | None) -> Callable[[], None]:
    """What a process of the command does between fork and exec: die with this process (with the
    thread that starts it: start it from a thread that outlives it), and bound its memory. Everything
    it needs is looked up here, before the fork."""
    parent = os.getpid()
    prctl = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None

    def setup() -> None:
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above: it will never be told
            os._exit(1)
        if max_memory:
            resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))

    return setup
