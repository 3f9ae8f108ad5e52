"""The read model: the graph turned into the domain view, once per graph.

- :mod:`kg.model.index`: the one reading pass over the triples (every node's properties, classes and
  their superclasses, the role hierarchy, the shortcut properties, names in every language), cached on
  the graph;
- :mod:`kg.model.facts`: the network's view of it (entities, participations, relations, awards,
  quotations, countries, edition membership), read by :mod:`kg.network`;
- :mod:`kg.model.drawing`: the graph pages' view of it (entities with dates, sources, quantities and
  claims; links with their details), read by :mod:`kg.viz`;
- :mod:`kg.model.labels`: the label rules; :mod:`kg.model.dates`: date parsing.

Nothing here imports a consumer (network, viz, answer, pipeline): the flow is records -> graph -> read
model -> {questions, network, pages, exports}.
"""
