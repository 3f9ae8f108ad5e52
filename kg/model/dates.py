"""Dates as the records write them (``2022``, ``2024-07``, ``2024-07-30``, with an optional zone): the one
place they are parsed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(Z|[+-]\d{2}:\d{2})?$")


@dataclass(frozen=True)
class Span:
    """A stretch of time, both ends inclusive; ``None`` is an open end."""

    lo: date | None
    hi: date | None

    def overlaps(self, lo: date | None, hi: date | None) -> bool:
        """True when this span and ``[lo, hi]`` (open ends allowed) share at least one day."""
        return (hi is None or self.lo is None or self.lo <= hi) and (lo is None or self.hi is None or self.hi >= lo)

    def years(self, first: int, last: int) -> tuple[int, ...]:
        """The calendar years this span touches, open ends clipped to ``[first, last]``."""
        lo = self.lo.year if self.lo is not None else first
        hi = self.hi.year if self.hi is not None else last
        return tuple(range(lo, hi + 1))

    def width(self) -> float:
        """Its length in days (infinite when an end is open): the narrower span is the more precise."""
        if self.lo is None or self.hi is None:
            return float("inf")
        return float((self.hi - self.lo).days)


def parse_date(text: str) -> tuple[date, date] | None:
    """The first and last day a lexical date covers: ``2022`` -> 1 Jan .. 31 Dec 2022, ``2024-07`` ->
    the month, ``2024-07-30`` -> that day. ``None`` when ``text`` is not such a date."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        mon = int(month)
        if day is None:
            nxt = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
            return date(year, mon, 1), date.fromordinal(nxt.toordinal() - 1)
        d = date(year, mon, int(day))
        return d, d
    except ValueError:
        return None


def is_day(text: str) -> bool:
    """True when ``text`` is written as one day, ``YYYY-MM-DD`` without a zone (a real day or not)."""
    m = _DATE.match(text)
    return m is not None and m.group(3) is not None and m.group(4) is None


def parse_day(text: str) -> date | None:
    """The day ``text`` (``YYYY-MM-DD``, no zone) names, or ``None`` when it is not written so or no such
    day exists."""
    if not text.isascii() or not is_day(text):  # other scripts' digits are no day
        return None
    parsed = parse_date(text)
    return parsed[0] if parsed is not None else None


def span_of(point: Iterable[str] = (), start: Iterable[str] = (), end: Iterable[str] = (),
            earliest: Iterable[str] = (), latest: Iterable[str] = ()) -> Span | None:
    """The span of a point date or of a start/end pair; a start alone is open towards the future and an
    end alone towards the past. Without them, the span of a date known only as a range
    (``kgo:earliestDate``/``kgo:latestDate``: it lies somewhere in it), open where a bound is missing.
    ``None`` when nothing parses."""
    points = [p for p in (parse_date(t) for t in point) if p]
    if points:
        return Span(min(p[0] for p in points), max(p[1] for p in points))
    starts = [p for p in (parse_date(t) for t in start) if p]
    ends = [p for p in (parse_date(t) for t in end) if p]
    if not starts and not ends:
        starts = [p for p in (parse_date(t) for t in earliest) if p]
        ends = [p for p in (parse_date(t) for t in latest) if p]
        if not starts and not ends:
            return None
    return Span(min(p[0] for p in starts) if starts else None, max(p[1] for p in ends) if ends else None)


def date_text(point: Iterable[str] = (), start: Iterable[str] = (), end: Iterable[str] = (),
              earliest: Iterable[str] = (), latest: Iterable[str] = ()) -> str:
    """Dates as the source gave them, for display: ``2024-07-30``, ``2024-07-30/2024-08-31``, ``2022/``;
    a date known only as a range as ``2015-02-25..2015-02-26``."""
    point, start, end = sorted(point), sorted(start), sorted(end)
    if point:
        return "; ".join(point)
    if start or end:
        return f"{'; '.join(start)}/{'; '.join(end)}"
    earliest, latest = sorted(earliest), sorted(latest)
    if earliest or latest:
        return f"{'; '.join(earliest)}..{'; '.join(latest)}"
    return ""
