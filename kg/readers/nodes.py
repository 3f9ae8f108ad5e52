"""Format-neutral parsed values, each with its line."""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import quoted

#: ``Scalar.implicit`` of a value the reader refused (a tag, an alias): later checks skip it.
INVALID = "invalid"


@dataclass(slots=True)
class Scalar:
    """A single value, always kept as the text written.

    ``implicit`` names what a YAML 1.1 reader would turn an unquoted value into ("bool", "int",
    "float", "null", "timestamp"), or is empty when the value is unambiguously text.
    """

    text: str
    line: int
    implicit: str = ""


@dataclass(slots=True)
class Seq:
    """A list of values."""

    items: list[Node]
    line: int


@dataclass(slots=True)
class Map:
    """Keys (text) to values, in the order written; ``key_lines`` has the line of each key.

    ``file`` is the file the mapping was written in when that is not the file of the record that
    holds it (an entry of a qualified list given in a CSV entries file); empty otherwise.
    """

    items: dict[str, Node]
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)
    file: str = ""


Node = Scalar | Seq | Map


def describe(node: Node) -> str:
    """A few words for what a node is, for messages."""
    if isinstance(node, Scalar):
        return f"the value {quoted(node.text)}"
    if isinstance(node, Seq):
        return "a list"
    return "a mapping"
