"""The options of ``kg viz`` and the library call they map to, for :mod:`kg.cli` to wire in::

    p = sub.add_parser("viz", help="write an interactive HTML graph ...", description=command.DESCRIPTION)
    command.add_arguments(p)
    ...
    result = command.run(args)            # -> VizResult: the file written, its spec, warnings
    print(result.summary())

Nothing here prints or exits: bad options raise :class:`kg.errors.UsageError`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import UsageError

if TYPE_CHECKING:
    from kg.viz.spec import VisualSpec

# The library's values (kg.viz.spec.MAX_NODES, kg.viz.views.MEASURES and PROJECTIONS, kg.viz.legend.COLOUR_BY;
# a test keeps them equal), repeated so that building the parser loads neither the RDF stack nor networkx.
MAX_NODES = 5000
MEASURES = ("degree", "weighted_degree", "betweenness", "pagerank")
PROJECTIONS = ("person", "organisation", "country")
COLOUR_BY = ("community", "country")

DESCRIPTION = (
    "Write an interactive graph as one HTML file that opens in any browser, offline: the whole graph, the "
    "neighbourhood of an entity (--focus), a collaboration network (--projection) or the graph a query "
    "returns (--query: a CONSTRUCT, or a SELECT whose first two entity columns are drawn as pairs). "
    "It answers from the last build (kg build), like kg query.")
DEFAULT_OUTPUT = Path("graph.html")


@dataclass
class VizResult:
    """What ``kg viz`` did: the file it wrote, what it drew, and what the user should know."""

    path: Path
    spec: VisualSpec
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal: the file and what it holds."""
        spec = self.spec
        shown = f"{len(spec.nodes):,} nodes, {len(spec.edges):,} edges"
        if spec.total_nodes > len(spec.nodes):
            shown += f" (the best connected of {spec.total_nodes:,} nodes)"
        return f"Wrote {self.path}: {spec.title}; {shown}"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``kg viz``."""
    view = p.add_mutually_exclusive_group()
    view.add_argument("--focus", metavar="ENTITY", help="the neighbourhood of an entity (label, id or IRI)")
    view.add_argument("--projection", choices=PROJECTIONS, help="a collaboration network")
    view.add_argument("--query", metavar="NAME|FILE.rq", help="the graph a catalogue question or a query returns")
    p.add_argument("--depth", type=int, default=1, metavar="N", help="with --focus: links to follow (default: 1)")
    p.add_argument("--role", help="with --projection: keep ties where one side held this role (mentor, or "
                                  "mentor:director)")
    p.add_argument("--edition", help="with --projection: only this programme edition (label, id or IRI)")
    p.add_argument("--since", metavar="DATE", help="with --projection: from this date (YYYY, YYYY-MM, YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="with --projection: up to this date")
    p.add_argument("--include-uncertain", action="store_true",
                   help="with --projection: keep participations marked uncertain")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="with --query: a parameter value (repeatable)")
    p.add_argument("--columns", metavar="A,B", help="with --query (a SELECT): the two columns to draw as pairs")
    p.add_argument("--sources", action="store_true", help="draw the sources as nodes too")
    p.add_argument("--size-by", choices=MEASURES, help="node size: degree (default), or with kg.network "
                                                      "weighted_degree (default of projections), betweenness, "
                                                      "pagerank")
    p.add_argument("--colour-by", choices=COLOUR_BY, help="with --projection: node colour by community (default) "
                                                         "or country; other views are coloured by class")
    p.add_argument("--max-nodes", type=int, default=MAX_NODES, metavar="N",
                   help=f"above this, draw the N best connected nodes and say so (default: {MAX_NODES})")
    p.add_argument("--title", help="the page's title")
    p.add_argument("--styles", type=Path, metavar="FILE", help="styles file (default: viz/styles.toml)")
    p.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, metavar="FILE.html",
                   help=f"the page to write (default: {DEFAULT_OUTPUT})")
    p.add_argument("--build", type=Path, default=Path("build"), help="the build to draw (default: build)")
    p.add_argument("--data", type=Path, default=Path("data"),
                   help="records folder, to tell when the build is older (default: data)")
    p.add_argument("--ontology", type=Path, default=Path("ontology"), help="ontology folder (default: ontology)")
    p.add_argument("--queries", type=Path, help="the catalogue folder (default: queries)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="with --query: stop a query that runs longer (default: 60)")


def parse_params(values: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` options as a dict; a :class:`UsageError` for one without ``=``."""
    params: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {item!r} is not NAME=VALUE", field="--param",
                             hint="e.g. --param person='Malcolm Clarke'")
        params[name.strip()] = value
    return params


def run(args: argparse.Namespace) -> VizResult:
    """Make the page that ``kg viz``'s options ask for and write it (see :func:`kg.viz.visualise`)."""
    from kg.build_dir.reading import open_build
    from kg.viz.api import visualise

    if args.output.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"the output {args.output} is not an .html file", field="--output",
                         hint="e.g. -o graph.html")
    checks = (("--depth", args.depth != 1 and args.focus is None, "--focus"),
              ("--param", bool(args.param) and args.query is None, "--query"),
              ("--columns", args.columns is not None and args.query is None, "--query"),
              ("--colour-by", args.colour_by is not None and args.projection is None, "--projection"))
    for option, wrong, needs in checks:
        if wrong:
            raise UsageError(f"{option} goes with {needs}", field=option, hint=f"add {needs}, or leave {option} out")
    columns = None
    if args.columns is not None:
        parts = [c.strip().lstrip("?$") for c in args.columns.split(",")]
        if len(parts) != 2 or not all(parts):
            raise UsageError(f"--columns {args.columns!r} is not two column names", field="--columns",
                             hint="e.g. --columns person,collaborator")
        columns = (parts[0], parts[1])
    opened = open_build(args.build, args.data, args.ontology)
    page = visualise(
        opened.graph, focus=args.focus, depth=args.depth, projection=args.projection, query=args.query,
        params=parse_params(args.param) or None, role=args.role, edition=args.edition, since=args.since,
        until=args.until, include_sources=args.sources, include_uncertain=args.include_uncertain, columns=columns,
        size_by=args.size_by, colour_by=args.colour_by, max_nodes=args.max_nodes, styles=args.styles, title=args.title,
        queries=args.queries,
        timeout=args.timeout)
    path = page.save(args.output)
    return VizResult(path, page.spec, list(opened.warnings))
