"""The HTML of the site's pages: escaping, addresses, tables and the page template (``viz/site/page.html``).

Every string from the data goes through :func:`esc` (``html.escape`` with quotes), so a label can never
become markup; an address from the data becomes an ``href`` only when it is an ``http(s)`` URL
(:func:`safe_url`). Pages live in the site's folder or one folder below it, and link to each other by
relative paths (:func:`rel`), so the site works from disk and under any path of a static host.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kg.errors import UsageError
from kg.resources import resource_dir

#: The site's own files in the ``viz/`` resource, and where each goes in the site.
TEMPLATE = "site/page.html"
ASSETS = {"site/site.css": "assets/site.css", "site/site.js": "assets/site.js"}
_MARKER = re.compile(r"<!--KG:(TITLE|ROOT|BODY|SCRIPTS)-->")
_NAMES = ("TITLE", "ROOT", "BODY", "SCRIPTS")
_UNSAFE_URL = re.compile(r"[\s<>\"'`\\\x00-\x1f\x7f]")

UNCERTAIN = '<span class="kg-uncertain">uncertain</span>'


def esc(text: object) -> str:
    """Text as HTML text or attribute value: ``& < > " '`` escaped."""
    return html.escape(str(text), quote=True)


def safe_url(url: str) -> str | None:
    """``url`` when it is an absolute ``http`` or ``https`` address with a host and nothing that could
    end an attribute or hide a character; else None (shown as text, never a link)."""
    if not url or _UNSAFE_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def root_of(path: str) -> str:
    """The relative way from the page at ``path`` (``entity/x.html``) back to the site's folder."""
    return "../" * path.count("/")


def rel(here: str, target: str) -> str:
    """The relative address of the site path ``target`` from the page at ``here``."""
    return root_of(here) + target


def link(href: str, text: str, cls: str = "") -> str:
    """An ``<a>`` to a relative site address (built from ids only) with escaped text."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{esc(href)}"{attr}>{esc(text)}</a>'


def external(url: str, text: str) -> str:
    """A link to an outside address when it is safe (:func:`safe_url`), else the text alone."""
    safe = safe_url(url)
    if safe is None:
        return f"<span>{esc(text)}</span>"
    return f'<a href="{esc(safe)}" rel="noopener noreferrer" target="_blank">{esc(text)}</a>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int] = ()) -> str:
    """A table whose header cells are escaped here and whose cells are HTML already (built with
    :func:`esc`, :func:`link` ...); ``numeric`` columns are right-aligned."""
    right = set(numeric)

    def cls(i: int) -> str:
        return ' class="kg-num"' if i in right else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "\n".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    thead = f"<thead><tr>{head}</tr></thead>\n" if any(headers) else ""
    return f"<table>\n{thead}<tbody>\n{body}\n</tbody>\n</table>"


def section(title: str, content: str, ident: str = "") -> str:
    """A titled part of a page (nothing when ``content`` is empty)."""
    if not content:
        return ""
    anchor = f' id="{esc(ident)}"' if ident else ""
    return f"<section{anchor}>\n<h2>{esc(title)}</h2>\n{content}\n</section>"


@dataclass(frozen=True)
class Template:
    """The page template, read once from the ``viz/`` resource."""

    text: str

    @classmethod
    def load(cls, assets: Path | None = None) -> Template:
        """Read ``viz/site/page.html`` and check that it holds every marker."""
        folder = assets if assets is not None else resource_dir("viz")
        path = folder / TEMPLATE
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read the site template: {exc.strerror}", file=path,
                             hint="the viz/ folder of the project must be complete") from None
        missing = [n for n in _NAMES if f"<!--KG:{n}-->" not in text]
        if missing:
            raise UsageError("the site template lacks " + ", ".join(f"<!--KG:{n}-->" for n in missing),
                             file=path, hint="see viz/site/page.html")
        return cls(text)

    def render(self, path: str, title: str, body: str, scripts: Sequence[str] = ()) -> bytes:
        """The page at site path ``path``: ``title`` (text, escaped here), ``body`` (HTML) and local
        ``scripts`` (site paths) loaded before the site's script."""
        root = root_of(path)
        parts = {"TITLE": esc(title), "ROOT": root, "BODY": body,
                 "SCRIPTS": "".join(f'<script src="{esc(root + s)}"></script>\n' for s in scripts)}
        # One pass: the text put in is never searched for markers.
        return _MARKER.sub(lambda m: parts[m.group(1)], self.text).encode("utf-8")


def asset_files(assets: Path | None = None) -> dict[str, bytes]:
    """The site's style and script, by their path in the site."""
    folder = assets if assets is not None else resource_dir("viz")
    found: dict[str, bytes] = {}
    for name, target in ASSETS.items():
        try:
            found[target] = (folder / name).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read the site asset: {exc.strerror}", file=folder / name,
                             hint="the viz/ folder of the project must be complete") from None
    return found
