"""The four views (graph -> draft -> spec): the whole graph, the neighbourhood of an entity, a
collaboration network (projection) and the result of a query."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import UsageError
from kg.graph import KnowledgeGraph
from kg.model.drawing import SCHEMA_NAMESPACES, Model, model_of, prefixed
from kg.model.index import ALT_LABEL, LABEL, PREF_LABEL, index_of
from kg.namespaces import shorten
from kg.viz.layout import SEED
from kg.viz.legend import COLOUR_BY, by_community, by_country, communities
from kg.viz.spec import MAX_NODES, Draft, DraftEdge, VisualSpec, draft_edge, make_spec
from kg.viz.styles import Styles, load_styles

#: Size measures: ``degree`` is counted on the drawing; the others come from kg.network.
MEASURES = ("degree", "weighted_degree", "betweenness", "pagerank")
PROJECTIONS = ("person", "organisation", "country")
#: Rows of a SELECT shown in the tooltip of one pair.
MAX_ROWS_SHOWN = 12


def _styles(styles: Styles | str | Path | None) -> Styles:
    return styles if isinstance(styles, Styles) else load_styles(styles)


def _check_size_by(size_by: str) -> str:
    if size_by not in MEASURES:
        raise UsageError(f"unknown size measure {size_by!r}", field="size_by", hint="one of " + ", ".join(MEASURES))
    return size_by


def _check_colour_by(colour_by: str) -> str:
    if colour_by not in COLOUR_BY:
        raise UsageError(f"unknown colouring {colour_by!r}", field="colour_by", hint="one of " + ", ".join(COLOUR_BY))
    return colour_by


def other_names(graph: KnowledgeGraph, model: Model, nodes: Iterable[str]) -> dict[str, list[str]]:
    """Every name of each node besides its label (preferred names in other languages, alternative names),
    sorted: what the page's search matches too."""
    index = index_of(graph)
    out = {}
    for n in nodes:
        props = index.nodes.get(n, {})
        names = {o.value for prop in (PREF_LABEL, ALT_LABEL, LABEL) for o in props.get(prop, ())} - {model.label(n)}
        if names:
            out[n] = sorted(names)
    return out


def _measures(draft: Draft, size_by: str) -> tuple[dict[str, float] | None, dict[str, list[str]]]:
    """The size measure of every node of a draft, and tooltip lines with the measures (None: degree,
    which :func:`kg.viz.spec.make_spec` computes itself)."""
    if _check_size_by(size_by) == "degree":
        return None, {}
    import networkx as nx

    from kg.network.measures import measure

    g = nx.Graph()
    g.add_nodes_from(sorted(draft.nodes))
    weights: dict[tuple[str, str], float] = defaultdict(float)
    for e in draft.edges:
        if e.source != e.target and e.source in g and e.target in g:
            weights[tuple(sorted((e.source, e.target)))] += e.weight  # type: ignore[index]
    g.add_edges_from((a, b, {"weight": w}) for (a, b), w in sorted(weights.items()))
    analysis = measure(g)
    values = {m.iri: float(getattr(m, size_by)) for m in analysis.nodes}
    return values, {m.iri: _measure_lines(m) for m in analysis.nodes}


def _measure_lines(m: Any) -> list[str]:
    lines = [f"degree: {m.degree}", f"weighted degree: {m.weighted_degree:g}", f"betweenness: {m.betweenness:.4f}",
             f"PageRank: {m.pagerank:.4f}", f"community: {m.community}"]
    if getattr(m, "countries", None):
        lines.append("countries: " + "; ".join(m.countries))
    if getattr(m, "broker", False):
        lines.append("broker between: " + ", ".join(m.broker_of))
    return lines


def _finish(graph: KnowledgeGraph, model: Model, draft: Draft, styles: Styles | str | Path | None, size_by: str,
            max_nodes: int, seed: int) -> VisualSpec:
    draft.names = other_names(graph, model, draft.nodes)
    measures, lines = _measures(draft, size_by)
    for iri, extra in lines.items():
        draft.extra.setdefault(iri, []).extend(extra)
    return make_spec(model, draft, _styles(styles), size_by=size_by, measures=measures, max_nodes=max_nodes, seed=seed)


# --- the whole graph ---------------------------------------------------------------------------------


def graph_spec(graph: KnowledgeGraph, *, include_sources: bool = False, styles: Styles | str | Path | None = None,
               size_by: str = "degree", max_nodes: int = MAX_NODES, seed: int = SEED,
               title: str | None = None) -> VisualSpec:
    """The whole graph: every entity (sources only with ``include_sources``) and every link."""
    model = model_of(graph, include_sources=include_sources)
    draft = Draft(title or f"Knowledge graph: {len(model.entities):,} entities, {len(model.links):,} relations",
                  "graph", sorted(model.entities), [draft_edge(model, ln) for ln in model.links])
    return _finish(graph, model, draft, styles, size_by, max_nodes, seed)


# --- a neighbourhood ---------------------------------------------------------------------------------


def entity_iri(graph: KnowledgeGraph, entity: str, *, include_sources: bool = False) -> str:
    """The IRI of the entity ``entity`` names (a label, an id, a prefixed name or an IRI), checked to be
    one the pages draw; a :class:`UsageError` lists candidates otherwise."""
    from kg.questions.resolve import resolve

    iri = resolve(graph, str(entity)).value
    model = model_of(graph, include_sources=include_sources)
    if iri not in model.entities:
        hint = ("sources are drawn only with include_sources (--sources)" if iri in model.source_text
                else "give a person, organisation, work, event, edition, programme, place or award")
        raise UsageError(f"{shorten(iri)} is not an entity the graph pages draw", field="focus", hint=hint)
    return iri


def neighbourhood_spec(graph: KnowledgeGraph, entity: str, depth: int = 1, *, include_sources: bool = False,
                       styles: Styles | str | Path | None = None, size_by: str = "degree",
                       max_nodes: int = MAX_NODES, seed: int = SEED, title: str | None = None) -> VisualSpec:
    """The entities within ``depth`` links of ``entity`` (label, id or IRI), and every link among them."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise UsageError(f"depth must be a whole number of at least 0 (got {depth!r})", field="depth",
                         hint="1 shows the entity and its direct neighbours")
    focus = entity_iri(graph, entity, include_sources=include_sources)
    model = model_of(graph, include_sources=include_sources)
    adjacent: dict[str, set[str]] = defaultdict(set)
    for ln in model.links:
        adjacent[ln.source].add(ln.target)
        adjacent[ln.target].add(ln.source)
    seen = {focus: 0}
    queue = deque([focus])
    while queue:
        x = queue.popleft()
        if seen[x] == depth:
            continue
        for y in sorted(adjacent[x]):
            if y not in seen:
                seen[y] = seen[x] + 1
                queue.append(y)
    links = [ln for ln in model.links if ln.source in seen and ln.target in seen]
    label = model.label(focus)
    draft = Draft(title or f"Neighbourhood of {label} (depth {depth})", "neighbourhood", sorted(seen),
                  [draft_edge(model, ln) for ln in links], focus=focus)
    for x, hops in seen.items():
        draft.extra[x] = [f"hops from {label}: {hops}"] if x != focus else ["the focus of this view"]
    return _finish(graph, model, draft, styles, size_by, max_nodes, seed)


# --- a projection ------------------------------------------------------------------------------------


def projection_spec(graph: KnowledgeGraph, projection: str = "person", *, role: str | None = None,
                    edition: str | None = None, since: str | date | None = None, until: str | date | None = None,
                    include_uncertain: bool = False, styles: Styles | str | Path | None = None,
                    size_by: str | None = None, colour_by: str = "community", max_nodes: int = MAX_NODES,
                    seed: int = SEED, title: str | None = None) -> VisualSpec:
    """A collaboration network: ``person``, ``organisation`` or ``country`` (kg.network's projections and
    measures; see :func:`kg.network.project`). ``role``, ``edition`` (label, id or IRI), ``since`` and
    ``until`` filter it as they do there. Nodes are coloured by ``colour_by``: ``community`` (the
    network's communities, largest first) or ``country``."""
    if projection not in PROJECTIONS:
        raise UsageError(f"unknown projection {projection!r}", field="projection",
                         hint="choose one of " + ", ".join(PROJECTIONS))
    model = model_of(graph)
    edition_iri = entity_iri(graph, edition) if edition else None
    if edition_iri is not None and model.entities[edition_iri].family != "edition":
        raise UsageError(f"{shorten(edition_iri)} is not a programme edition", field="edition",
                         hint="editions: " + ", ".join(f"{model.label(e)} ({shorten(e)})" for e in model.editions))
    from kg.network.measures import analyze

    filters = ", ".join(f"{k} {v}" for k, v in (("role", role), ("edition", model.label(edition_iri) if edition_iri
                                                                   else None), ("since", since), ("until", until))
                        if v)
    name = {"person": "people", "organisation": "organisations", "country": "countries"}[projection]
    heading = title or f"Collaboration between {name}" + (f" ({filters})" if filters else "")
    size_by = _check_size_by(size_by or "weighted_degree")
    _check_colour_by(colour_by)
    analysis = analyze(graph, projection, role=role, edition=edition_iri, since=since, until=until,
                               include_uncertain=include_uncertain)
    net = analysis.graph
    draft = Draft(heading, "projection", sorted(net.nodes), [], directed=False)
    values = {m.iri: float(getattr(m, size_by)) for m in analysis.nodes}
    _projection_nodes(graph, model, draft, analysis, values, projection, colour_by, _styles(styles))
    node_editions: dict[str, set[str]] = {n: set(model.membership.get(n, ())) for n in net.nodes}
    for u, v, d in sorted(net.edges(data=True), key=lambda e: tuple(sorted(e[:2]))):
        a, b = sorted((u, v))
        kinds = list(d.get("kinds", ())) or ["tie"]
        contexts = list(d.get("contexts", ()))
        editions = sorted({e for c in contexts for e in model.membership.get(c, ())})
        lines = [f"{model.label(a)} — {model.label(b)}", "ties: " + ", ".join(kinds),
                 f"weight: {d.get('weight', 1)} (shared {'ties' if projection == 'country' else 'contexts'})"]
        lines += _listed("through", [model.label(c) for c in contexts])
        if d.get("years"):
            lines.append("years: " + ", ".join(str(y) for y in d["years"]))
        lines += _sources(model, d.get("sources", ()))
        draft.edges.append(DraftEdge(f"{a} {b}", a, b, " + ".join(kinds), "", "tie", lines, editions,
                                     float(d.get("weight", 1)), style_key=kinds[0]))
    if projection == "country":
        for iri in net.nodes:
            node_editions[iri] = set()
    draft.node_editions = {k: sorted(v) for k, v in node_editions.items()}
    return make_spec(model, draft, _styles(styles), size_by=size_by, measures=values, max_nodes=max_nodes, seed=seed)


def _projection_nodes(graph: KnowledgeGraph, model: Model, draft: Draft, analysis: Any, values: Mapping[str, float],
                      projection: str, colour_by: str, styles: Styles) -> None:
    """The tooltip lines, other names and colours of a projection's nodes."""
    net = analysis.graph
    number = {x: i + 1 for i, group in enumerate(communities({m.iri: m.community for m in analysis.nodes}))
              for x in group}
    for m in analysis.nodes:
        d = net.nodes[m.iri]
        # The community as the legend numbers it.
        extra = [f"community: {number[m.iri]}" if ln.startswith("community: ") else ln for ln in _measure_lines(m)]
        for key, what in (("members", "members"), ("domestic_ties", "ties within the country"),
                          ("contexts", "contexts")):
            if key in d:
                extra.append(f"{what}: {d[key]}")
        draft.extra[m.iri] = extra
    draft.names = other_names(graph, model, draft.nodes)
    if colour_by == "community":
        draft.colouring = by_community({m.iri: m.community for m in analysis.nodes}, values, model.label,
                                       styles.palette, styles.palette_other)
    else:
        draft.colouring = by_country({m.iri: [model.label(m.iri)] if projection == "country" else list(m.countries)
                                      for m in analysis.nodes}, styles.palette, styles.palette_other)


def _listed(title: str, items: list[str], limit: int = 15) -> list[str]:
    if not items:
        return []
    shown = [f"• {x}" for x in items[:limit]]
    if len(items) > limit:
        shown.append(f"• … and {len(items) - limit} more")
    return [f"{title}:", *shown]


def _sources(model: Model, sources: Any) -> list[str]:
    return _listed("sources", [model.source_text.get(s) or model.label(s) for s in sorted(sources)])


# --- a query -----------------------------------------------------------------------------------------


def query_spec(graph: KnowledgeGraph, query: str | Path, params: Mapping[str, Any] | None = None, *,
               columns: tuple[str, str] | None = None, queries: str | Path | None = None,
               include_sources: bool = False, styles: Styles | str | Path | None = None, size_by: str = "degree",
               max_nodes: int = MAX_NODES, seed: int = SEED, timeout: float | None = None,
               title: str | None = None) -> VisualSpec:
    """The graph a query returns: a catalogue name, a ``.rq`` file or SPARQL text, with ``params`` bound
    as in :func:`kg.query`. A CONSTRUCT or DESCRIBE draws the entities its triples name and the links
    they state (a participation when its agent and target triples are there); a SELECT draws one edge per
    pair of the first two columns that hold entities (or ``columns``), the other columns in its tooltip."""
    from kg.questions.ask import query as ask

    kwargs = dict(params or {})
    answer = ask(query, graph=graph, queries=queries, timeout=timeout, **kwargs)
    model = model_of(graph, include_sources=include_sources)
    if answer.question is not None:
        name = answer.question.title
    elif isinstance(query, Path) or str(query).endswith(".rq"):
        name = Path(query).name
    else:
        name = "your SPARQL"
    if answer.form in ("construct", "describe"):
        draft = _triples_draft(model, answer.result, title or f"Query: {name}")  # type: ignore[arg-type]
    elif answer.form == "select":
        draft = _pairs_draft(model, answer.variables, answer.rows, columns, title or f"Query: {name}")
    else:
        raise UsageError("an ASK query returns a boolean, not a graph", field="query",
                         hint="use a CONSTRUCT, or a SELECT with two columns of entities")
    return _finish(graph, model, draft, styles, size_by, max_nodes, seed)


def _triples_draft(model: Model, triples: list[ox.Triple], title: str) -> Draft:
    stated = {(t.subject.value, t.predicate.value, t.object.value) for t in triples
              if not isinstance(t.object, ox.Literal | ox.Triple) and not isinstance(t.subject, ox.Triple)}
    nodes = {x for s, _p, o in stated for x in (s, o) if x in model.entities}
    covered: set[tuple[str, str, str]] = set()
    edges = []
    for ln in model.links:
        if ln.triples and all(t in stated for t in ln.triples):
            edges.append(draft_edge(model, ln))
            covered.update(ln.triples)
            nodes.update((ln.source, ln.target))
    for s, p, o in sorted(stated - covered):
        if s in model.entities and o in model.entities and s != o and not p.startswith(SCHEMA_NAMESPACES):
            lines = [f"{model.label(s)} → {model.label(o)}", f"relation: {model.label(p)} ({prefixed(p)})",
                     "(stated by the query)"]
            edges.append(DraftEdge(f"{s} {p} {o}", s, o, p, model.label(p), "relation", lines,
                                   sorted(model.membership.get(s, frozenset()) & model.membership.get(o, frozenset()))))
    notes = [] if nodes else ["The query's triples name no entity that the graph pages draw."]
    return Draft(title, "query", sorted(nodes), edges, notes=notes)


def _pairs_draft(model: Model, variables: list[str], rows: list[dict[str, Any]], columns: tuple[str, str] | None,
                 title: str) -> Draft:
    if columns is not None:
        missing = [c for c in columns if c not in variables]
        if len(columns) != 2 or missing:
            raise UsageError(f"columns must name two of the query's columns ({', '.join(variables)})",
                             field="columns", hint="e.g. columns=('person', 'collaborator')")
        pair = tuple(columns)
    else:
        candidates = [v for v in variables
                      if all(isinstance(r[v], ox.NamedNode) for r in rows if v in r)
                      and any(v in r and r[v].value in model.entities for r in rows)]
        if len(candidates) < 2:
            raise UsageError("the SELECT has no two columns of entities to draw as pairs", field="query",
                             hint="return two columns of entity IRIs (e.g. ?person ?collaborator), or use a "
                                  "CONSTRUCT")
        pair = (candidates[0], candidates[1])
    first, second = pair
    key = f"{first} – {second}"
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    skipped = 0
    for r in rows:
        a, b = r.get(first), r.get(second)
        if a is None or b is None or a.value not in model.entities or b.value not in model.entities \
                or a.value == b.value:
            skipped += 1
            continue
        grouped[tuple(sorted((a.value, b.value)))].append(r)  # type: ignore[index]
    others = [v for v in variables if v not in pair]
    edges = []
    for (a, b), group in sorted(grouped.items()):
        lines = [f"{model.label(a)} — {model.label(b)}", f"rows: {len(group)}"]
        for r in group[:MAX_ROWS_SHOWN]:
            cells = [f"{v}: {_shown(model, r[v])}" for v in others if v in r]
            if cells:
                lines.append("• " + "; ".join(cells))
        if len(group) > MAX_ROWS_SHOWN:
            lines.append(f"• … and {len(group) - MAX_ROWS_SHOWN} more rows")
        edges.append(DraftEdge(f"{a} {b}", a, b, key, "", "pair", lines,
                               sorted(model.membership.get(a, frozenset()) & model.membership.get(b, frozenset())),
                               float(len(group)), style_key="pair"))
    notes = [f"{skipped} row{'s' if skipped != 1 else ''} of the result did not give two different entities in "
             f"{first} and {second} and {'are' if skipped != 1 else 'is'} not drawn."] if skipped else []
    nodes = sorted({x for pair_ in grouped for x in pair_})
    return Draft(title, "query", nodes, edges, directed=False, notes=notes)


def _shown(model: Model, term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return model.labels.get(term.value) or prefixed(term.value)
    return str(term.value)
