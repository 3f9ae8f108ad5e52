"""kg: who works with whom in international documentary co-production, as a knowledge graph.

The Python API, which the ``kg`` command only wraps::

    import kg
    graph = kg.load("data", "ontology")         # checked records -> graph in the embedded store
    graph.select("SELECT ?p WHERE { ?p a kgo:Person }").to_dicts()
    kg.build("data", "ontology", "build")        # ... and write kg.ttl, kg.nt, kg.jsonld
    kg.query("collaborators", person="Malcolm Clarke").to_dicts()   # a catalogue question, on the build
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.lazy import lazy_attributes

__version__ = "0.1.0"
__all__ = ["KgError", "KnowledgeGraph", "ValidationError", "__version__", "build", "load", "open_build", "query",
           "validate"]

if TYPE_CHECKING:
    from kg.build_dir.reading import open_build
    from kg.errors import KgError, ValidationError
    from kg.graph import KnowledgeGraph
    from kg.pipeline import build, load, validate
    from kg.questions.ask import query

_LAZY = {
    "build": "kg.pipeline", "load": "kg.pipeline", "validate": "kg.pipeline", "open_build": "kg.build_dir.reading",
    "query": "kg.questions.ask", "viz": "kg.viz",
    "KgError": "kg.errors", "ValidationError": "kg.errors", "KnowledgeGraph": "kg.graph",
}

# Imported on first use so that `kg --help` does not pay for the RDF stack.
__getattr__ = lazy_attributes(__name__, _LAZY)
