"""Writing networks: GraphML (Cytoscape, Gephi), GEXF (Gephi, with year spells where edges are dated) and
CSV (``nodes.csv`` + ``edges.csv`` with the sources of every edge).

Every export is deterministic (nodes and edges sorted, no timestamps) and written by
:func:`kg.output.write_output`: a regular file through a temporary file in the target folder, then moved
into place, so a reader never sees half a file; a FIFO or a device as a stream. Node ids are the prefixed
names of the IRIs (``kg:malcolm-clarke``), which are valid XML name tokens as GraphML requires; the full
IRI is the ``iri`` attribute. Lists become strings: lists of plain values joined by ``; ``, anything
structured (the evidence) as compact JSON.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from kg.errors import OutputError
from kg.graph import KnowledgeGraph
from kg.namespaces import shorten
from kg.output import neutralise, write_output

_NMTOKEN = re.compile(r"^[\w.:-]+$")

#: Leading columns of the CSV files, in this order when present; other attributes follow, sorted.
NODE_COLUMNS = ("id", "iri", "label", "type", "family", "countries", "country_labels")
EDGE_COLUMNS = ("source", "target", "source_label", "target_label", "key", "weight", "kinds", "kind", "relation",
                "relation_label", "via", "date", "contexts", "context_labels", "sources", "source_urls")


def export_id(iri: str) -> str:
    """The id of a node in every export: its prefixed name when that is an XML name token, else a hash."""
    short = shorten(iri)
    if _NMTOKEN.match(short):
        return short
    return "n" + hashlib.sha256(iri.encode()).hexdigest()[:20]


def flatten(value: Any) -> str | int | float | bool | None:
    """A scalar for an attribute value: lists of plain values joined by ``; ``, structures as JSON."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (bool, int, float, str)) for v in value):
        return "; ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _flat(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: f for k, v in attrs.items() if (f := flatten(v)) is not None}


def _spells(years: Iterable[int]) -> list[tuple[str, str]]:
    """Consecutive years merged into (first day, last day) spells."""
    spells: list[list[int]] = []
    for y in sorted(set(years)):
        if spells and spells[-1][1] == y - 1:
            spells[-1][1] = y
        else:
            spells.append([y, y])
    return [(f"{a:04d}-01-01", f"{b:04d}-12-31") for a, b in spells]


def export_graph(net: nx.Graph, *, spells: bool = False) -> nx.Graph:
    """The graph as it is exported: export ids, flat attributes, sorted nodes and edges; multigraph edges
    keyed ``e0``, ``e1`` ... With ``spells``, nodes and edges whose every tie is dated get GEXF ``spells``
    (one per run of consecutive years) from their ``years``."""
    ids = {n: export_id(n) for n in net}
    if len(set(ids.values())) != len(ids):
        raise OutputError("two nodes would get the same id in the export", hint="please report this")
    out = net.__class__()
    out.graph.update(_flat(dict(net.graph)))
    for n in sorted(net, key=lambda x: ids[x]):
        d = net.nodes[n]
        attrs = {"iri": n, **_flat(d)}
        if spells and d.get("dated") and d.get("years"):
            attrs["spells"] = _spells(d["years"])
        out.add_node(ids[n], **attrs)
    if net.is_multigraph():
        rows = [(ids[u], ids[v], str(k), d) for u, v, k, d in net.edges(keys=True, data=True)]
    else:
        rows = [(ids[u], ids[v], "", d) for u, v, d in net.edges(data=True)]
    if not net.is_directed():
        rows = [(min(u, v), max(u, v), k, d) for u, v, k, d in rows]
    for i, (u, v, _k, d) in enumerate(sorted(rows, key=lambda r: r[:3])):
        attrs = _flat(d)
        if spells and d.get("dated") and d.get("years"):
            attrs["spells"] = _spells(d["years"])
        if net.is_multigraph():
            out.add_edge(u, v, key=f"e{i}", **attrs)
        else:
            out.add_edge(u, v, **attrs)
    return out


def _write(path: str | Path, write: Callable[[IO[bytes]], object]) -> Path:
    write_output(path, write)
    return Path(path)


def write_graphml(net: nx.Graph, path: str | Path) -> Path:
    """Write ``net`` (a projection, an analysed projection or the typed multigraph) as GraphML."""
    g = export_graph(net)
    # The ElementTree writer, not lxml's, so that the bytes do not depend on whether lxml is installed.
    return _write(path, lambda fh: nx.write_graphml_xml(g, fh, encoding="utf-8", prettyprint=True))


def write_gexf(net: nx.Graph, path: str | Path) -> Path:
    """Write ``net`` as GEXF 1.2; dated nodes and edges get year spells, which makes the graph dynamic."""
    g = export_graph(net, spells=True)
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(g)
    meta = writer.xml.find("meta")
    if meta is not None:
        # No modification date: the same input must give the same bytes on any day.
        meta.attrib.pop("lastmodifieddate", None)
        creator = meta.find("creator")
        if creator is not None:
            creator.text = "kg"
        desc = Element("description")
        desc.text = f"{net.graph.get('projection', 'network')} network"
        meta.append(desc)
    graph_element = writer.xml.find("graph")
    if graph_element is not None:
        graph_element.attrib.pop("name", None)  # not an attribute of GEXF 1.2's graph element
    return _write(path, writer.write)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return neutralise(str(value))


def _csv_bytes(header: list[str], rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    # CRLF, as RFC 4180 says; it also makes the writer quote any cell that holds a CR or an LF.
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow([_cell(row.get(c)) for c in header])
    return buf.getvalue().encode("utf-8")


def _columns(lead: Iterable[str], keys: set[str], last: Iterable[str] = ()) -> list[str]:
    lead, last = [c for c in lead if c in keys], [c for c in last if c in keys]
    return lead + sorted(keys - set(lead) - set(last)) + last


def write_csv(net: nx.Graph, directory: str | Path) -> tuple[Path, Path]:
    """Write ``nodes.csv`` and ``edges.csv`` into ``directory`` (created if missing). Every edge row names
    the sources that support it (``sources``, ``source_urls``) and, for projections, its ``evidence``."""
    g = export_graph(net)
    directory = Path(directory)
    nodes = [{"id": n, **d} for n, d in g.nodes(data=True)]
    if g.is_multigraph():
        edges = [{"source": u, "target": v, "key": k, **d} for u, v, k, d in g.edges(keys=True, data=True)]
    else:
        edges = [{"source": u, "target": v, **d} for u, v, d in g.edges(data=True)]
    for e in edges:
        e["source_label"] = g.nodes[e["source"]].get("label", "")
        e["target_label"] = g.nodes[e["target"]].get("label", "")
    node_cols = _columns(NODE_COLUMNS, {k for n in nodes for k in n} | {"id"})
    edge_cols = _columns(EDGE_COLUMNS, {k for e in edges for k in e} | {"source", "target"}, ("evidence",))
    node_bytes, edge_bytes = _csv_bytes(node_cols, nodes), _csv_bytes(edge_cols, edges)
    return (_write(directory / "nodes.csv", lambda fh: fh.write(node_bytes)),
            _write(directory / "edges.csv", lambda fh: fh.write(edge_bytes)))


def write_network_files(graph: KnowledgeGraph, directory: str | Path) -> list[Path]:
    """Everything ``kg build`` can add to its output: for the typed graph and each projection a GraphML, a
    GEXF and a CSV pair (``<name>.graphml``, ``<name>.gexf``, ``<name>/nodes.csv``, ``<name>/edges.csv``),
    the projections with their measures, and ``summary.json`` with each projection's summary and top 10."""
    from kg.network.measures import analyze
    from kg.network.projections import PROJECTIONS, typed_graph

    directory = Path(directory)
    written: list[Path] = []
    summary: dict[str, Any] = {}
    nets: list[tuple[str, nx.Graph]] = [("typed", typed_graph(graph))]
    for projection in PROJECTIONS:
        analysis = analyze(graph, projection)
        nets.append((projection, analysis.graph))
        summary[projection] = {"summary": analysis.summary(), "top": analysis.rows()[:10]}
    for name, net in nets:
        written.append(write_graphml(net, directory / f"{name}.graphml"))
        written.append(write_gexf(net, directory / f"{name}.gexf"))
        written.extend(write_csv(net, directory / name))
    text = json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    written.append(_write(directory / "summary.json", lambda fh: fh.write(text.encode("utf-8"))))
    return written
