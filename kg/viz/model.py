"""What the graph pages draw: the read model's drawing view (:mod:`kg.model.drawing`), under the name
the pages' modules use."""

from __future__ import annotations

from kg.model.drawing import SCHEMA_NAMESPACES, Entity, Link, Model, model_of, prefixed, read_model

__all__ = ["SCHEMA_NAMESPACES", "Entity", "Link", "Model", "model_of", "prefixed", "read_model"]
