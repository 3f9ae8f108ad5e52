"""The styles of the graph pages: colour, shape and label per class, role and relation, read from
``viz/styles.toml``, with a fallback for anything not listed (so a new ontology class or role is
drawn without a code change)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import UsageError
from kg.namespaces import PREFIXES
from kg.resources import resource_dir

#: The folder of styles, page template and vendored scripts: the project's ``viz/`` (packaged in a wheel).
ASSETS = resource_dir("viz")
STYLES_FILE = "styles.toml"

SHAPES = ("dot", "square", "triangle", "triangleDown", "diamond", "star", "hexagon")
#: A colour-blind-safe palette (Okabe & Ito, then Paul Tol's muted) for communities and countries.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#332288", "#999933", "#882255",
           "#44aa99")
PALETTE_OTHER = "#bbbbbb"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CURIE = re.compile(r"^([A-Za-z][\w-]*):(.*)$")


@dataclass(frozen=True)
class NodeStyle:
    """How the nodes of one class are drawn."""

    key: str  # the IRI of the styled class ("" for the fallback)
    colour: str
    shape: str
    label: str = ""


@dataclass(frozen=True)
class EdgeStyle:
    """How the edges of one role or relation are drawn."""

    key: str  # the IRI of the styled role or property, a kind of tie, or "" for the fallback
    colour: str
    width: float
    dashes: bool | tuple[int, ...]
    label: str = ""


@dataclass
class Styles:
    """Every style of ``styles.toml``, by full IRI (or tie kind), with the fallbacks."""

    classes: dict[str, NodeStyle] = field(default_factory=dict)
    roles: dict[str, EdgeStyle] = field(default_factory=dict)
    relations: dict[str, EdgeStyle] = field(default_factory=dict)
    fallback_class: NodeStyle = NodeStyle("", "#79706e", "dot")
    fallback_role: EdgeStyle = EdgeStyle("", "#7f7f7f", 2.0, False)
    fallback_relation: EdgeStyle = EdgeStyle("", "#b8b8b8", 1.0, True)
    palette: tuple[str, ...] = PALETTE  # colours of categories (communities, countries), in order
    palette_other: str = PALETTE_OTHER  # the colour of the categories beyond the palette

    def for_class(self, cls: str, ancestors: Callable[[str], Iterable[str]]) -> NodeStyle:
        """The style of the nearest styled class among ``cls`` and ``ancestors(cls)`` (nearest first)."""
        for c in (cls, *ancestors(cls)):
            if c in self.classes:
                return self.classes[c]
        return self.fallback_class

    def for_role(self, role: str, broader: Callable[[str], Iterable[str]]) -> EdgeStyle:
        """The style of the nearest styled role among ``role`` and ``broader(role)`` (nearest first)."""
        for r in (role, *broader(role)):
            if r in self.roles:
                return self.roles[r]
        return self.fallback_role

    def for_relation(self, key: str) -> EdgeStyle:
        """The style of a property, a qualified relation class or a kind of tie."""
        return self.relations.get(key, self.fallback_relation)


def expand(name: str) -> str:
    """A full IRI for a prefixed name of the project's prefixes; anything else unchanged."""
    m = _CURIE.match(name)
    if m and m.group(1) in PREFIXES and not name.startswith(("http:", "https:")):
        return PREFIXES[m.group(1)] + m.group(2)
    return name


def load_styles(path: str | Path | None = None) -> Styles:
    """Read a styles file (default ``viz/styles.toml``); a :class:`UsageError` names what is wrong."""
    path = Path(path) if path is not None else ASSETS / STYLES_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the styles file: {exc.strerror}", file=path,
                         hint="give an existing styles file (see viz/styles.toml)") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"the styles file is not valid TOML: {exc}", file=path, hint="see viz/styles.toml") from None
    styles = Styles()
    fallback = _table(raw.get("fallback", {}), "fallback", path)
    if "class" in fallback:
        styles.fallback_class = _node_style("", _table(fallback["class"], "fallback.class", path), path)
    if "role" in fallback:
        styles.fallback_role = _edge_style("", _table(fallback["role"], "fallback.role", path), path,
                                           styles.fallback_role)
    if "relation" in fallback:
        styles.fallback_relation = _edge_style("", _table(fallback["relation"], "fallback.relation", path), path,
                                               styles.fallback_relation)
    if "palette" in raw:
        styles.palette, styles.palette_other = _palette(_table(raw["palette"], "palette", path), path)
    for name, entry in _table(raw.get("classes", {}), "classes", path).items():
        key = expand(name)
        styles.classes[key] = _node_style(key, _table(entry, f"classes.{name}", path), path, styles.fallback_class)
    for name, entry in _table(raw.get("roles", {}), "roles", path).items():
        key = expand(name)
        styles.roles[key] = _edge_style(key, _table(entry, f"roles.{name}", path), path, styles.fallback_role)
    for name, entry in _table(raw.get("relations", {}), "relations", path).items():
        key = expand(name)
        styles.relations[key] = _edge_style(key, _table(entry, f"relations.{name}", path), path,
                                            styles.fallback_relation)
    return styles


def _table(value: Any, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a table", file=path, hint="see viz/styles.toml")
    return value


def _colour(entry: dict[str, Any], default: str, where: str, path: Path) -> str:
    colour = entry.get("colour", default)
    if not isinstance(colour, str) or not _COLOUR.match(colour):
        raise UsageError(f"{where}: colour {colour!r} is not #rrggbb", file=path,
                         hint='write e.g. colour = "#4e79a7"')
    return colour.lower()


def _palette(entry: dict[str, Any], path: Path) -> tuple[tuple[str, ...], str]:
    colours = entry.get("colours", list(PALETTE))
    if not isinstance(colours, list) or not colours:
        raise UsageError("palette.colours must be a list of #rrggbb colours", file=path,
                         hint='write e.g. colours = ["#0072b2", "#e69f00"]')
    found = tuple(_colour({"colour": c}, "", f"palette.colours[{i}]", path) for i, c in enumerate(colours))
    return found, _colour({"colour": entry.get("other", PALETTE_OTHER)}, "", "palette.other", path)


def _label(entry: dict[str, Any], where: str, path: Path) -> str:
    label = entry.get("label", "")
    if not isinstance(label, str):
        raise UsageError(f"{where}: label must be text", file=path, hint="write label = \"...\"")
    return label


def _node_style(key: str, entry: dict[str, Any], path: Path, base: NodeStyle | None = None) -> NodeStyle:
    base = base or NodeStyle("", "#79706e", "dot")
    where = f"classes.{key}" if key else "fallback.class"
    shape = entry.get("shape", base.shape)
    if shape not in SHAPES:
        raise UsageError(f"{where}: unknown shape {shape!r}", file=path, hint="one of " + ", ".join(SHAPES))
    return NodeStyle(key, _colour(entry, base.colour, where, path), shape, _label(entry, where, path))


def _edge_style(key: str, entry: dict[str, Any], path: Path, base: EdgeStyle) -> EdgeStyle:
    where = key or "fallback"
    width = entry.get("width", base.width)
    if isinstance(width, bool) or not isinstance(width, int | float) or not 0 < width <= 20:
        raise UsageError(f"{where}: width {width!r} is not a number of pixels", file=path, hint="write e.g. width = 2")
    dashes = entry.get("dashes", base.dashes)
    if isinstance(dashes, list) and dashes and all(isinstance(d, int) and not isinstance(d, bool) and d > 0
                                                   for d in dashes):
        dashes = tuple(dashes)
    elif not isinstance(dashes, bool | tuple):
        raise UsageError(f"{where}: dashes must be true, false or a list of lengths", file=path,
                         hint="write dashes = true or dashes = [2, 4]")
    return EdgeStyle(key, _colour(entry, base.colour, where, path), float(width), dashes, _label(entry, where, path))
