"""The options of the ``kg`` command: one argparse parser, built without importing the RDF stack (so that
``kg --help`` and a usage error cost nothing)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

EXPORT_FORMATS = ("ttl", "nt", "jsonld", "graphml", "gexf", "csv")
NETWORK_FORMATS = ("graphml", "gexf", "csv")
PROJECTIONS = ("person", "organisation", "country")
QUERY_FORMATS = ("table", "csv", "tsv", "json", "ttl", "markdown")
GRAPH_IRI = "https://w3id.org/coprod-kg/graph"  # kg.namespaces.GRAPH, without importing the RDF stack
LARGE_INPUT = 8 * 1024 * 1024  # bytes of input above which progress is shown
DEFAULT_MAX_ANSWER = "256M"  # kg.endpoint.checks.MAX_ANSWER_BYTES, without importing the RDF stack
MAX_ANSWER_HELP = (f"refuse a remote store's answer larger than this: bytes, or with a K, M or G suffix "
                   f"(default: {DEFAULT_MAX_ANSWER})")


_ONTOLOGY_HELP = "ontology folder (default: ontology/ here if there is one, else the ontology kg ships)"


def _inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=Path("data"), help="records folder (default: data)")
    p.add_argument("--ontology", type=Path, default=None, help=_ONTOLOGY_HELP)
    p.add_argument("--progress", action="store_true", help="show progress even for small inputs")


def _build_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("--build", type=Path, default=Path("build"), help="the build to read (default: build)")
    p.add_argument("--data", type=Path, default=Path("data"),
                   help="records folder, to tell when the build is older (default: data)")
    p.add_argument("--ontology", type=Path, default=None, help=_ONTOLOGY_HELP)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command and option of ``kg``."""
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Build, check and export the documentary co-production knowledge graph.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_graph_commands, _query_command, _network_commands, _page_commands, _store_commands):
        add(sub)
    return parser


def _graph_commands(sub: Any) -> None:
    """build, validate, export, stats: the commands that read the records."""
    p = sub.add_parser("build", help="check the records and write kg.ttl, kg.nt and kg.jsonld")
    _inputs(p)
    p.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    p.add_argument("--extras", choices=("auto", "always", "never"), default="auto",
                   help="also write network/, overview.html and site/: auto (default; up to 250,000 triples), "
                        "always, never")
    p = sub.add_parser("validate", help="run every check of a build; write nothing")
    _inputs(p)
    p = sub.add_parser("export", help="write the graph (RDF) or a network (GraphML, GEXF, CSV) to a file")
    _inputs(p)
    p.add_argument("--format", choices=EXPORT_FORMATS, default="ttl",
                   help="ttl (default), nt, jsonld; or a network: graphml, gexf, csv (nodes.csv + edges.csv)")
    p.add_argument("--projection", choices=(*PROJECTIONS, "typed"), default="typed",
                   help="for graphml/gexf/csv: the typed graph of entities (default) or a projection")
    p.add_argument("-o", "--output", type=Path,
                   help="file to write (default: standard output); a folder for csv")
    p = sub.add_parser("stats", help="count the entities and triples of the graph")
    _inputs(p)


def _query_command(sub: Any) -> None:
    """query: a catalogue question or the user's own SPARQL."""
    p = sub.add_parser(
        "query", help="answer a catalogue question or your own SPARQL on the built graph",
        description="Answer a question on the graph of the last build (kg build): 'kg query list' shows the "
                    "catalogue; 'kg query NAME --param name=value' runs a question; 'kg query FILE.rq' or "
                    "-e 'SELECT ...' runs your own SPARQL (the project's prefixes are declared for you; "
                    "write $name for a parameter).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs="?", metavar="NAME|FILE.rq|list",
                   help="a catalogue question, a SPARQL file, or 'list'")
    p.add_argument("-e", "--expression", metavar="SPARQL", help="the SPARQL query itself")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter value: an entity's label, id or IRI, or a literal (repeatable)")
    p.add_argument("--format", choices=QUERY_FORMATS, help="table (default), csv, tsv, json; ttl for CONSTRUCT")
    p.add_argument("--no-labels", dest="labels", action="store_false",
                   help="csv, tsv, json: the plain W3C result, without the <column>_label columns (csv, tsv) "
                        "or the \"labels\" member (json); table: IRIs instead of labels")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="stop a query that runs longer; with --endpoint, the whole exchange, answer included "
                        "(default: 60; at most 86400)")
    p.add_argument("--max-memory", default="4G", metavar="SIZE",
                   help="memory a query on the build may use before it is stopped, e.g. 512M, 8G (default: 4G)")
    p.add_argument("--build", type=Path, default=Path("build"), help="the build to answer from (default: build)")
    p.add_argument("--data", type=Path, default=Path("data"),
                   help="records folder, to tell when the build is older (default: data)")
    p.add_argument("--ontology", type=Path, default=None, help=_ONTOLOGY_HELP)
    p.add_argument("--queries", type=Path, help="the catalogue folder (default: queries)")
    p.add_argument("--endpoint", metavar="URL",
                   help="ask a remote SPARQL query endpoint instead of the build (credentials: KG_ENDPOINT_USER, "
                        "KG_ENDPOINT_PASSWORD, KG_ENDPOINT_AUTH=basic|digest)")
    p.add_argument("--graph", metavar="IRI", default=None,
                   help=f"with --endpoint: the named graph to query (default: {GRAPH_IRI}; 'default' for the "
                        "store's default graph)")
    p.add_argument("--max-answer-bytes", metavar="SIZE", help=MAX_ANSWER_HELP)


def _network_commands(sub: Any) -> None:
    """analyze, path: the collaboration network."""
    p = sub.add_parser("analyze", help="measure the collaboration network (centrality, communities, brokers)")
    p.add_argument("--projection", choices=PROJECTIONS, default="person", help="who is tied to whom (default: person)")
    p.add_argument("--role", help="keep ties where one side held this role, or ROLE:ROLE for both sides "
                                  "(e.g. mentor:director)")
    p.add_argument("--edition", help="only contexts of this programme edition (label, id or IRI)")
    p.add_argument("--since", metavar="DATE", help="only participations from this date (YYYY, YYYY-MM, YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="only participations up to this date")
    p.add_argument("--by", choices=("year", "edition"), help="the measures per year or per edition, with who "
                                                              "entered and left and which ties are new")
    p.add_argument("--top", type=int, metavar="N", help="the N most central nodes only")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="table (default), csv, json")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    _build_input(p)

    p = sub.add_parser("path", help="how two entities are connected, step by step with the sources")
    p.add_argument("a", metavar="A", help="an entity (label, id or IRI)")
    p.add_argument("b", metavar="B", help="another entity")
    p.add_argument("--max-length", type=int, default=6, metavar="N", help="longest chain to look for (default: 6)")
    p.add_argument("--via-places", action="store_true", help="also connect through shared places")
    p.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    _build_input(p)


def _page_commands(sub: Any) -> None:
    """viz, site: the pages."""
    from kg.viz import command as viz_command  # cheap: loads neither the RDF stack nor networkx

    p = sub.add_parser("viz", help="write an interactive HTML graph (whole graph, neighbourhood, network, query)",
                       description=viz_command.DESCRIPTION)
    viz_command.add_arguments(p)

    p = sub.add_parser("site", help="write the whole graph as a folder of static pages that open offline",
                       description="Write the graph of the last build as a folder of static pages: a profile per "
                                   "entity, a page per catalogue question, a timeline, charts, the networks and a "
                                   "search over every name; they open from disk or any static host and make no "
                                   "request. The folder is replaced only if it is empty or a previous site.")
    p.add_argument("-o", "--output", type=Path, default=Path("site"), metavar="FOLDER",
                   help="the folder to write (default: site)")
    p.add_argument("--queries", type=Path, help="the catalogue folder (default: the toolkit's queries)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="stop a catalogue question that runs longer (default: 60)")
    _build_input(p)


def _store_commands(sub: Any) -> None:
    """serve, push: the endpoint and remote stores."""
    p = sub.add_parser("serve", help="serve the build as a read-only SPARQL endpoint (the Oxigraph server)")
    p.add_argument("--port", type=int, default=7878, help="port (default: 7878)")
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--build", type=Path, default=Path("build"), help="the build to serve (default: build)")
    p.add_argument("--timeout", default="60", metavar="SECONDS",
                   help="answer a query that runs longer with an error (default: 60; at most 86400)")
    p.add_argument("--max-memory", default="4G", metavar="SIZE",
                   help="address space the Oxigraph server may use, e.g. 2G (default: 4G)")
    p.add_argument("--max-request-bytes", default="1M", metavar="SIZE",
                   help="refuse a request (URL or body) larger than this, e.g. 64K (default: 1M)")

    p = sub.add_parser("push", help="load the build into a remote store (Graph Store Protocol or SPARQL Update)")
    p.add_argument("--endpoint", required=True, metavar="URL", help="the store's SPARQL query endpoint")
    p.add_argument("--graph", metavar="IRI", default=GRAPH_IRI, help=f"the named graph (default: {GRAPH_IRI})")
    p.add_argument("--replace", action="store_true", help="replace the graph's content instead of adding to it")
    p.add_argument("--update-endpoint", metavar="URL", help="SPARQL Update endpoint (default: guessed from --endpoint)")
    p.add_argument("--store-endpoint", metavar="URL", help="Graph Store endpoint (default: guessed from --endpoint)")
    p.add_argument("--protocol", choices=("auto", "gsp", "update"), default="auto",
                   help="Graph Store Protocol, SPARQL Update, or auto (the first, else the second)")
    p.add_argument("--batch", type=int, default=None,
                   help="triples per request (default: 50000 by the Graph Store Protocol, 2000 by SPARQL Update)")
    p.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                   help="for each request, its answer included (default: 300; at most 86400)")
    p.add_argument("--max-answer-bytes", metavar="SIZE", help=MAX_ANSWER_HELP)
    p.add_argument("--build", type=Path, default=Path("build"), help="the build to push (default: build)")
