"""Spec -> HTML: one self-contained page (the second of the two stages).

The page is ``viz/page.html`` with ``viz/page.css``, the vendored vis-network build and ``viz/page.js``
inlined, and the spec as JSON in a ``<script type="application/json">`` block, with ``<``, ``>``, ``&``
and U+2028/U+2029 escaped so that no string of the data can end the block or be read as markup. A
Content-Security-Policy forbids every request, so the page works offline and cannot leak anything.

pyvis is not used to write the page: its templates load vis-network from a CDN (also in its ``local`` and
``in_line`` modes), build tooltips as HTML and switch to raw-HTML tooltips when a title contains ``href``,
and its ``add_edge`` is quadratic. :meth:`Page.to_pyvis` gives a pyvis network of the same spec for those
who want pyvis's API.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import OutputError, UsageError
from kg.output import write_output
from kg.viz.spec import VisualSpec
from kg.viz.styles import ASSETS

TEMPLATE = "page.html"
STYLE = "page.css"
SCRIPT = "page.js"
VIS_NETWORK = "vendor/vis-network.min.js"
VIS_NETWORK_VERSION = "10.1.5"
VIS_NETWORK_SHA256 = "b427322ad953d70ab75d1b798ebb8349863502f244e02de3e12a4ab7dfeddf2c"
_MARKER = re.compile(r"/\*KG:(STYLE|DATA|VIS|SCRIPT)\*/")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_CLOSERS = re.compile(r"</(script|style)|<!--", re.I)


#: Where a text column may be cut into parts that repeat (tooltip lines, the words of an edge id).
_SEPARATORS = ("\n", " ")


def pack(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec's node and edge lists as columns over one table of strings, for the page.

    A large graph repeats most of its strings (colours, roles, IRIs in edge ids, source lines in
    tooltips); written once and referred to by number, a 5,000-node page shrinks by half or more. A
    text column is stored as one string number per row, or, where that is shorter, as the numbers
    of its parts between a separator (``"\n"``, ``" "``). :func:`unpack` (and the page's script)
    give the spec back exactly.
    """
    strings: dict[str, int] = {}

    def intern(text: str) -> int:
        return strings.setdefault(text, len(strings))

    def cost(values: list[str], sep: str | None) -> int:
        parts = [v.split(sep) if sep else [v] for v in values]
        new = {x for ps in parts for x in ps if x not in strings}
        return sum(len(ps) for ps in parts) * 5 + sum(len(x) + 3 for x in new)

    def columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
        keys = list(dict.fromkeys(k for row in rows for k in row))
        cols: dict[str, Any] = {}
        for key in keys:
            values = [row[key] for row in rows]
            if not all(isinstance(v, str) for v in values):
                cols[key] = {"v": values}
                continue
            sep = min((None, *_SEPARATORS), key=lambda s: cost(values, s))
            if sep is None:
                cols[key] = {"s": "", "v": [intern(v) for v in values]}
            else:
                cols[key] = {"s": sep, "v": [[intern(x) for x in v.split(sep)] for v in values]}
        return {"n": len(rows), "cols": cols}

    packed = {k: v for k, v in spec.items() if k not in ("nodes", "edges")}
    for name in ("nodes", "edges"):
        rows = spec[name]
        if any(set(row) != set(rows[0]) for row in rows):
            raise ValueError(f"the spec's {name} do not all have the same fields")
        packed[name] = columns(rows)
    packed["strings"] = list(strings)
    packed["packed"] = 1
    return packed


def unpack(packed: dict[str, Any]) -> dict[str, Any]:
    """The spec :func:`pack` was given (the page's script does the same in JavaScript)."""
    strings = packed["strings"]
    spec = {k: v for k, v in packed.items() if k not in ("nodes", "edges", "strings", "packed")}
    for name in ("nodes", "edges"):
        table = packed[name]
        rows: list[dict[str, Any]] = [{} for _ in range(table["n"])]
        for key, col in table["cols"].items():
            sep = col.get("s")
            for row, v in zip(rows, col["v"], strict=True):
                row[key] = v if sep is None else strings[v] if sep == "" else sep.join(strings[i] for i in v)
        spec[name] = rows
    return spec


def script_json(value: Any) -> str:
    """JSON text that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` (escaped as
    ``\\u003c`` ...), and no U+2028/U+2029 line separators."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text)


def _read(assets: Path, name: str) -> str:
    return _read_bytes(assets, name).decode("utf-8")


def _read_bytes(assets: Path, name: str) -> bytes:
    path = assets / name
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the page asset: {exc.strerror}", file=path,
                         hint="the viz/ folder of the project must be complete") from None


def render(spec: VisualSpec, assets: str | Path | None = None) -> str:
    """The HTML page of a spec, with every script and style inline."""
    assets = Path(assets) if assets is not None else ASSETS
    raw = _read_bytes(assets, VIS_NETWORK)
    if assets == ASSETS and hashlib.sha256(raw).hexdigest() != VIS_NETWORK_SHA256:
        raise UsageError("viz/vendor/vis-network.min.js is not the vendored version", file=assets / VIS_NETWORK,
                         hint=f"restore vis-network {VIS_NETWORK_VERSION} (see viz/vendor/README.md)")
    parts = {"STYLE": _read(assets, STYLE), "VIS": raw.decode("utf-8"), "SCRIPT": _read(assets, SCRIPT)}
    for name, text in parts.items():
        if _CLOSERS.search(text):
            raise UsageError(f"the page asset for {name.lower()} contains </script, </style or <!--",
                             hint="it would end its element early; the page cannot inline it")
    parts["DATA"] = script_json(pack(spec.to_dict()))
    template = _read(assets, TEMPLATE)
    found = _MARKER.findall(template)
    if sorted(found) != sorted(parts):
        raise UsageError("the page template must hold each marker once: " + ", ".join(
            f"/*KG:{k}*/" for k in sorted(parts)), file=assets / TEMPLATE, hint="see viz/page.html")
    # One pass over the template only: inserted text is never searched for markers.
    return _MARKER.sub(lambda m: parts[m.group(1)], template)


@dataclass
class Page:
    """A graph page: its spec and its HTML. Displays inline in Jupyter; :meth:`save` writes it."""

    spec: VisualSpec
    assets: Path | None = None
    _html: str | None = field(default=None, repr=False)

    @property
    def html(self) -> str:
        """The page's HTML (rendered once)."""
        if self._html is None:
            self._html = render(self.spec, self.assets)
        return self._html

    def _repr_html_(self) -> str:
        # An iframe keeps the page's script, styles and CSP apart from the notebook's; srcdoc is an
        # attribute, so the page is escaped as one (html.escape also escapes quotes).
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
                f'style="width: 100%; height: 640px; border: 1px solid #ddd" '
                f'title="{html.escape(self.spec.title, quote=True)}"></iframe>')

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` with :func:`kg.output.write_output`: a file through a temporary
        file beside it, then moved into place; a FIFO or a device as a stream."""
        path = Path(path)
        if path.is_dir():
            raise OutputError("the output path is a folder", file=path, hint="give a file name, e.g. graph.html")
        write_output(path, self.html.encode("utf-8"))
        return path

    def to_pyvis(self) -> Any:
        """A ``pyvis.network.Network`` of the same nodes, edges, positions and styles (pyvis must be
        installed). Its nodes and edges lists are set directly (``add_edge`` is quadratic), and titles are
        left out: pyvis would show them as HTML. Its own ``show``/``write_html`` load scripts from a CDN;
        for a page that works offline use :meth:`save`."""
        try:
            from pyvis.network import Network
        except ImportError as exc:
            raise UsageError("pyvis is not installed", hint="pip install pyvis, or use save()") from exc
        net = Network(directed=self.spec.directed, cdn_resources="remote")
        net.nodes = [{"id": n.id, "label": n.label, "shape": n.shape, "size": n.size, "color": n.colour,
                      "group": n.group, **({"x": n.x, "y": n.y} if n.x is not None else {})}
                     for n in self.spec.nodes]
        net.node_ids = [n.id for n in self.spec.nodes]
        net.node_map = {n["id"]: n for n in net.nodes}
        net.edges = [{"id": e.id, "from": e.source, "to": e.target, "label": e.label, "color": e.colour,
                      "width": e.width, "dashes": e.dashes} for e in self.spec.edges]
        net.toggle_physics(False)
        return net
