"""Running the SHACL shapes of ``ontology/shapes.ttl`` over the built graph.

Every violation is reported against the record (file and line) that produced its focus node.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import Problem
from kg.graph import KnowledgeGraph
from kg.namespaces import SH, shorten


def check_shapes(graph: KnowledgeGraph, shapes: Path, display: str) -> list[Problem]:
    """The SHACL violations of ``graph`` against the shapes file, as located problems."""
    import pyshacl  # imported here: it costs a second at start-up, and only builds need it
    import rdflib

    shapes_graph = rdflib.Graph()
    try:
        shapes_graph.parse(shapes, format="turtle")
    except Exception as exc:  # rdflib raises many types for bad Turtle
        return [Problem(display, 0, "", f"cannot read the SHACL shapes: {exc}", "fix the Turtle syntax")]
    data = rdflib.Graph()
    data.parse(data=graph.serialize("nt"), format="nt")
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes_graph, inference="none", abort_on_first=False, allow_warnings=True,
        meta_shacl=False, advanced=True,
    )
    sh = rdflib.Namespace(SH)
    problems = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        if results.value(result, sh.resultSeverity) != sh.Violation:
            continue
        focus = results.value(result, sh.focusNode)
        path = results.value(result, sh.resultPath)
        message = results.value(result, sh.resultMessage) or "violates a shape"
        value = results.value(result, sh.value)
        prov = graph.provenance.get(str(focus))
        where_file, where_line = (prov.file, prov.line) if prov else ("<graph>", 0)
        field = shorten(str(path)) if isinstance(path, rdflib.URIRef) else ""
        detail = f"{message}" + (f" (value: {value})" if value is not None else "")
        subject = prov.record if prov else shorten(str(focus))
        problems.append(Problem(where_file, where_line, field, f"{subject}: {detail}",
                                f"see the shape {shorten(str(results.value(result, sh.sourceShape)))} in {display}"
                                if isinstance(results.value(result, sh.sourceShape), rdflib.URIRef)
                                else f"see {display}"))
    return problems
