"""Questions on the graph: the catalogue of analyst questions and the analyst's own SPARQL, asked on the
build, a graph or a remote store, their parameters bound as RDF terms, their answers named and written.

- :mod:`kg.questions.catalogue`: the questions under ``queries/`` and their headers.
- :mod:`kg.questions.ask`: asking one (``kg.query`` is :func:`kg.questions.ask.query`).
- :mod:`kg.questions.params`: parameter values as RDF terms; :mod:`kg.questions.resolve`: the entity a
  text names; :mod:`kg.questions.labels`: display labels, by the one label rule.
- :mod:`kg.questions.answer`: the :class:`~kg.questions.answer.Answer` and its names;
  :mod:`kg.questions.results`: answers written out (table, CSV, TSV, JSON, Turtle).

Nothing is imported here: each caller imports the module it needs (``kg --help`` loads none of them).
"""
