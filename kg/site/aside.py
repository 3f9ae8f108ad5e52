"""One piece of the site's work in a forked process, while this one does the rest.

The network drawings (three ``kg viz`` pages: a projection, its measures and a layout each) are a
quarter of the work of a large site and need nothing the other pages make; on a machine with two cores
they cost no time when drawn beside the profiles. The child is forked once the read model is made, so it
shares it rather than reading the graph again; it sends its pages back through a pipe. Where the platform
cannot fork, or when the child fails (its error, or a child killed for memory), the work is done here
instead, which raises the error as it is.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable
from contextlib import suppress
from typing import Generic, TypeVar

T = TypeVar("T")


class Aside(Generic[T]):
    """``work()`` started in a forked process; :meth:`result` waits for its value. Call :meth:`stop` when
    the value is no longer wanted (a failure first): it ends the child if it still runs."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._pid = 0
        self._read_end = -1
        if not hasattr(os, "fork"):
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work, send, and leave without running anything else
            code = 1
            try:
                os.close(read_end)
                try:
                    payload = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException:  # the parent does the work again and raises the error itself
                    payload = b""
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(payload)
                code = 0 if payload else 1
            finally:
                os._exit(code)
        os.close(write_end)
        self._pid, self._read_end = pid, read_end

    def result(self) -> T:
        """The value of ``work()``: the child's, or when it failed or could not be forked, computed here."""
        if not self._pid:
            return self._work()
        with os.fdopen(self._read_end, "rb") as pipe:
            payload = pipe.read()
        _pid, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if payload and os.waitstatus_to_exitcode(status) == 0:
            value: T = pickle.loads(payload)  # our own child's bytes, through our own pipe
            return value
        return self._work()

    def stop(self) -> None:
        """End the child if it still runs; nothing to do once :meth:`result` returned."""
        if self._pid:
            with suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            with suppress(OSError):
                os.waitpid(self._pid, 0)
            with suppress(OSError):
                os.close(self._read_end)
            self._pid = 0
