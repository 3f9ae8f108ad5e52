"""The limits of ``kg serve`` (:mod:`kg.endpoint.serve`): seconds per request, memory of the server, bytes per
request, read and checked from the command line's text."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.errors import KgError, UsageError
from kg.isolated import parse_size

#: Defaults of ``kg serve --timeout``, ``--max-memory`` and ``--max-request-bytes``.
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_MEMORY = "4G"
DEFAULT_MAX_REQUEST = "1M"
MAX_TIMEOUT = 86_400.0
#: The server's address space is bounded (RLIMIT_AS); below this it cannot even open the store.
MIN_MEMORY = 256 * 1024**2
MIN_REQUEST, MAX_REQUEST = 1024, 1024**3


class ServerError(KgError):
    """The Oxigraph server could not be found, prepared or started."""


@dataclass(frozen=True)
class Limits:
    """What the endpoint allows: seconds per request, bytes of memory for the server, bytes per request."""

    timeout: float = DEFAULT_TIMEOUT
    max_memory: int = 4 * 1024**3
    max_request_bytes: int = 1024**2


def check_limits(timeout: float | str = DEFAULT_TIMEOUT, max_memory: int | str = DEFAULT_MAX_MEMORY,
                 max_request_bytes: int | str = DEFAULT_MAX_REQUEST) -> Limits:
    """The limits of ``kg serve`` (sizes as bytes or ``512M``, ``4G``), or a :class:`UsageError`
    naming the option: nan, infinite, negative and absurd values are refused."""
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT:  # also false for nan
        raise UsageError(f"--timeout {str(timeout)[:40]!r} is not a number of seconds above 0 and at most "
                         f"{MAX_TIMEOUT:,.0f}", hint="e.g. --timeout 60")
    memory = _size(max_memory, "--max-memory", MIN_MEMORY, 2**50, "e.g. --max-memory 4G")
    request = _size(max_request_bytes, "--max-request-bytes", MIN_REQUEST, MAX_REQUEST, "e.g. --max-request-bytes 1M")
    return Limits(seconds, memory, request)


def _size(value: int | str, option: str, low: int, high: int, hint: str) -> int:
    try:
        size = value if isinstance(value, int) else parse_size(str(value))
    except (ValueError, IndexError, OverflowError):
        raise UsageError(f"{option} {str(value)[:40]!r} is not a size", hint=hint + " (bytes, or K, M, G)") from None
    if not low <= size <= high:
        raise UsageError(f"{option} {str(value)[:40]!r} is out of range: give {shown_size(low)} to {shown_size(high)}",
                         hint=hint)
    return size


def shown_size(size: int) -> str:
    """``size`` in bytes as the options are written (``4G``, ``512M``), or ``N bytes``."""
    for unit, scale in (("T", 1024**4), ("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale}{unit}"
    return f"{size} bytes"
