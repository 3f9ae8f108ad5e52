"""The graph over HTTP: the SPARQL endpoint ``kg serve`` runs, and the remote stores ``kg query --endpoint``
asks and ``kg push`` loads.

- Serving: :mod:`kg.endpoint.serve` (the Oxigraph server's process and its store), :mod:`kg.endpoint.front`
  (the front that checks each request), :mod:`kg.endpoint.limits` (its limits).
- Remote stores: :mod:`kg.endpoint.remote` (:class:`~kg.endpoint.remote.RemoteGraph`, answering as the
  embedded graph does), :mod:`kg.endpoint.checks` (the options, checked before anything is sent),
  :mod:`kg.endpoint.exchange` (one bounded exchange with a store), :mod:`kg.endpoint.push` (loading a graph).

Nothing is imported here: each caller imports the module it needs.
"""
