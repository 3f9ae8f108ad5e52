"""Work in a forked child: one piece with a time limit and a memory bound, stopped for real
(:func:`run_limited`), or one piece beside this process's other work (:class:`Aside`).

The embedded engine cannot be cancelled: a query abandoned in a thread keeps a core busy until it ends.
A forked child shares the parent's store copy-on-write, evaluates the query, and sends its result back
through a pipe (pickled); at the deadline it is killed, and its address space is bounded
(``RLIMIT_AS``), so a query that would take all the memory fails alone. Where ``fork`` is missing (not
Linux or macOS), the work runs in a thread that is abandoned at the deadline, as before.

Forking a process whose other threads hold the engine's locks could leave the child waiting; the
command line runs one query at a time. A library user who queries from several threads at once
should give no timeout and bound the work otherwise.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import select
import signal
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Generic, TypeVar

from kg.errors import QueryError, QueryTimeout

T = TypeVar("T")

#: Memory a query may use beyond what the process already has, unless told otherwise (bytes).
DEFAULT_MAX_MEMORY = 4 * 1024**3
_TIMEOUT_HINT = "raise the limit with --timeout, or narrow the query (LIMIT, filters)"


def parse_size(text: str) -> int:
    """``512M``, ``4G``, ``1.5G`` or a number of bytes, as bytes; ``ValueError`` otherwise."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}.get(text[-1:], 1)
    number = float(text[:-1] if scale != 1 else text)
    if not number > 0 or number * scale > 2**62:
        raise ValueError(text)
    return int(number * scale)


def _address_space() -> int:
    """The process's virtual memory size in bytes (0 when it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_limited(work: Callable[[], T], timeout: float, max_memory: int | None = DEFAULT_MAX_MEMORY) -> T:
    """``work()``, stopped after ``timeout`` seconds (:class:`QueryTimeout`) and bounded to
    ``max_memory`` bytes beyond the current size (:class:`QueryError`); its exceptions are raised here."""
    if not hasattr(os, "fork"):
        return _in_thread(work, timeout)
    limit = _address_space() + max_memory if max_memory else 0
    pid, read_end = _fork(work, limit)
    try:
        data = _read_until(read_end, time.monotonic() + timeout)
    except TimeoutError:
        _kill(pid)
        raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped", hint=_TIMEOUT_HINT) from None
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if not data:
        if max_memory and (os.WIFSIGNALED(status) or os.waitstatus_to_exitcode(status) == 3):
            raise _out_of_memory(max_memory)
        raise QueryError(f"the query stopped unexpectedly (exit status {os.waitstatus_to_exitcode(status)})")
    kind, value = pickle.loads(data)
    if kind == "error":
        if isinstance(value, MemoryError) and max_memory:
            raise _out_of_memory(max_memory) from None
        raise value
    return value  # type: ignore[no-any-return]  # what work() returned, through pickle


def _fork(work: Callable[[], Any], limit: int = 0) -> tuple[int, int]:
    """Fork a child that runs ``work()`` (its address space bounded to ``limit`` bytes when given) and
    writes ``("result", value)`` or ``("error", exception)``, pickled, to a pipe; return the child's pid
    and the pipe's read end. The child leaves with ``os._exit``, running nothing else of the parent."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read_end)
            # The engine reports a failed allocation on stderr before it aborts: the parent says it better.
            faulthandler.disable()  # a parent's handler (pytest's) would print the child's stack on abort
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            try:
                outcome: tuple[str, Any] = ("result", work())
            except BaseException as exc:  # sent to the parent, raised there
                outcome = ("error", exc)
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an unpicklable exception: its text is enough
                data = pickle.dumps(("error", QueryError(f"{type(exc).__name__}: {exc}")))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        except MemoryError:
            code = 3
        except BaseException:
            code = 1
        os._exit(code)
    os.close(write_end)
    return pid, read_end


class Aside(Generic[T]):
    """``work()`` started in a forked child while this process does other work; :meth:`result` waits for
    its value. Where the platform cannot fork, or when the child fails (its error, or a child killed),
    the work is done again here, which raises the error as it is. Call :meth:`stop` when the value is no
    longer wanted (a failure first): it ends the child if it still runs."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._pid, self._read_end = _fork(work) if hasattr(os, "fork") else (0, -1)

    def result(self) -> T:
        """The value of ``work()``: the child's, or when it failed or could not be forked, computed here."""
        if not self._pid:
            return self._work()
        with os.fdopen(self._read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self._pid, 0)
        self._pid = 0
        if data:
            kind, value = pickle.loads(data)  # our own child's bytes, through our own pipe
            if kind == "result":
                return value  # type: ignore[no-any-return]  # what work() returned, through pickle
        return self._work()

    def stop(self) -> None:
        """End the child if it still runs; nothing to do once :meth:`result` returned."""
        if self._pid:
            with suppress(OSError):
                _kill(self._pid)
            with suppress(OSError):
                os.close(self._read_end)
            self._pid = 0


def _out_of_memory(max_memory: int) -> QueryError:
    shown = f"{max_memory / 1024**3:g} GiB" if max_memory >= 1024**3 else f"{max_memory / 1024**2:g} MiB"
    return QueryError(f"the query needed more than {shown} of memory and was stopped",
                      hint="raise the bound with --max-memory, or narrow the query (LIMIT, filters)")


def _read_until(fd: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _in_thread(work: Callable[[], T], timeout: float) -> T:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="kg-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryTimeout(f"the query ran longer than {timeout:g} s and was abandoned", hint=_TIMEOUT_HINT)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]  # type: ignore[no-any-return]
