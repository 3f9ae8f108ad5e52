"""The fast paths of a build give exactly what the general ones give.

1. The line reader of plainly written YAML (``fast_tree``) gives the composer's tree, with the same
   lines, whenever it reads a document, and gives up on everything outside its subset.
2. Sort keys order triples as the tuples did, and the writers working from them (N-Triples, Turtle,
   JSON-LD) write byte for byte what Oxigraph's serialisers and ``json.dumps`` write.
3. Records turned straight into sort keys give the keys of the records' triples.
"""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
import pytest
import yaml
from conftest import DATA, ONTOLOGY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import export
from kg.graph import KnowledgeGraph
from kg.namespaces import KG, PREFIXES, RDF, RDF_TYPE, SCHEMA, XSD, split
from kg.ontology import load_ontology
from kg.readers import yaml_reader
from kg.readers.nodes import Seq
from kg.records import RecordChecker, find_record_files
from kg.transform import records_to_keys, records_to_triples


def composed(text: str):
    """The tree and problems of ``text`` by PyYAML's composer (the reader's general path)."""
    root = yaml.compose(text, Loader=yaml_reader._LOADER)
    if root is None:
        return Seq([], 1), []
    problems: list = []
    tree = yaml_reader._convert(root, "f", problems, 0, set())
    if "*" in text:
        problems.extend(yaml_reader._aliases(text, "f"))
    return tree, problems


def assert_same_as_composer(text: str) -> bool:
    """The fast reader's tree is the composer's (when it reads ``text`` at all); True if it read it."""
    fast = yaml_reader.fast_tree(text)
    if fast is None:
        return False
    tree, problems = composed(text)
    assert problems == [], text
    assert fast == tree, text
    return True


# -- 1. the YAML line reader ----------------------------------------------------------------------

SCALARS = ["x", "Malcolm Clarke", "syn-1", "2024-07-30", "2024", "12", "007", "0x1F", "1_000", "1.5", ".5", "1e3",
           ".inf", "yes", "No", "on", "OFF", "y", "null", "~", "Null", "true", "FALSE", "190:20:30", "a#b", "a:b",
           "http://x.org/a?b=c#d", "a, b", "a [b]", 'say "hi"', "it's", "柴米油盐之上", "é", "Q42", "zh-Hans", "a-b",
           "<<", "=", "-", "- x", "-1", "?", "? x", ":x", "&a x", "*a", "!x", "%x", "@x", "`x", "|", ">", "a: b",
           "ends:", "a #c", "", " lead", "trail ", "a\\b", "a\tb", "a\x85b", "a\u2028b", "\ufeffx", "x\u00a0"]


def plain(text: str) -> str:
    return text


def double(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def single(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


ESCAPES = ["\\n", "\\t", "\\x41", "\\u00e9", "\\U0001F600", "\\/", "\\e", "\\q", "\\uD800", "\\ ", "\\0", "\\N", "\\"]
CLEAN = ["x", "Malcolm Clarke", "syn-1", "2024-07-30", "12", "yes", "Q42", "a, b", 'say "hi"', "柴米油盐之上", "null"]
clean = st.builds(lambda s, q: q(s), st.sampled_from(CLEAN), st.sampled_from([plain, double, double, single]))
scalars = st.one_of(
    clean, clean, clean,
    st.builds(lambda s, q: q(s), st.sampled_from(SCALARS), st.sampled_from([plain, double, single])),
    st.builds(lambda s, e: '"' + s + e + '"', st.sampled_from(["x", "", "a b"]), st.sampled_from(ESCAPES)),
)
flows = st.one_of(
    st.builds(lambda items, sep, end: "[" + sep.join(items) + end,
              st.lists(scalars, max_size=3), st.sampled_from([", ", ",", " , "]), st.sampled_from(["]", " ]", ",]"])),
    st.builds(lambda pairs, colon: "{" + ", ".join(f"{k}{colon}{v}" for k, v in pairs) + "}",
              st.lists(st.tuples(st.sampled_from(["en", "zh", "zh-Hans", "a", "yes"]), scalars), max_size=3),
              st.sampled_from([": ", ":", " : "])),
)
KEYS = ["id", "type", "label", "who", "role", "sources", "a", "yes", "null", "zh-Hans", "_x", "on", "x1", '"q"', "<<",
        "? k", "a b", "-a"]
comments = st.sampled_from(["", "", "", " # c", "  #c", "#c", " #"])
gaps = st.sampled_from(["", "", "", "", "   ", "# x", "  # y", "\t", "---", "..."])


@st.composite
def blocks(draw, indent: int = 0, depth: int = 0) -> list[str]:
    lines: list[str] = []
    if draw(st.booleans()) or depth > 2:
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.sampled_from(KEYS))
            if depth < 3 and draw(st.integers(0, 3)) == 0:
                lines.append(" " * indent + f"{key}:" + draw(comments))
                lines += draw(blocks(indent + draw(st.sampled_from([0, 1, 2, 4])), depth + 1))
            else:
                lines.append(" " * indent + f"{key}: " + draw(st.one_of(scalars, flows)) + draw(comments))
            if draw(st.integers(0, 9)) == 0:
                lines.append(draw(gaps))
    else:
        for _ in range(draw(st.integers(1, 3))):
            pad = " " * draw(st.sampled_from([1, 1, 1, 2, 3]))
            if draw(st.booleans()):
                lines.append(" " * indent + "-" + pad + draw(st.one_of(scalars, flows)) + draw(comments))
            else:
                column = indent + 1 + len(pad)
                lines.append(" " * indent + "-" + pad + f"{draw(st.sampled_from(KEYS))}: {draw(scalars)}")
                for _ in range(draw(st.integers(0, 2))):
                    shift = draw(st.sampled_from([0, 0, 0, 1, -1]))
                    lines.append(" " * (column + shift) + f"{draw(st.sampled_from(KEYS))}: {draw(scalars)}")
    return lines


documents = st.builds(lambda head, lines, end: head + "\n".join(lines) + end,
                      st.sampled_from(["", "# header\n", "  "]), blocks(), st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents)
def test_the_line_reader_gives_the_composers_tree_or_gives_up(text: str) -> None:
    assert_same_as_composer(text)


def test_the_line_reader_reads_records_written_plainly() -> None:
    text = """# works
- id: a-work   # a comment
  type: Film
  label: {en: A Work, zh: 作品}
  released: 2021-07-15
  duration_minutes: 120
  sources: [src-1, "src-2", 'src-3']
  participants:
    - who: "someone"
      role: director
      sources: []
  quantities:
  - measure: episodes
    value: "4"

- id: another
  type: Person
  label: "Say \\"hi\\" \\u00e9"
"""
    assert assert_same_as_composer(text)
    tree = yaml_reader.fast_tree(text)
    assert tree.items[0].items["participants"].items[0].line == 9
    assert tree.items[0].key_lines["quantities"] == 12


@pytest.mark.parametrize("text", [
    "- id: x\n  label: >-\n    folded\n",         # a block scalar
    "- id: x\n  label: two\n    lines\n",          # a plain value over two lines
    "- id: x\n  id: y\n",                          # a duplicate key: the composer reports it
    "- &a id: x\n",                                # an anchor
    "- id: *a\n",                                  # an alias
    "- id: !!str x\n",                             # a tag
    "- <<: {a: b}\n",                              # a merge key
    "- id: x\n  label:\n",                         # an empty value
    "---\n- id: x\n",                              # a document marker
    "- id: x\n\tlabel: y\n",                       # a tab
    "- id: x\n  label: a\u2028b\n",                # a line separator inside a value
    "- id: x\n  label: [a,\n    b]\n",             # a flow list over two lines
    "- id: x\n  label: \"\\/\"\n",                 # an escape libyaml versions disagree on
    "- - x\n",                                     # a list in a list
])
def test_the_line_reader_gives_up_outside_its_subset(text: str) -> None:
    assert yaml_reader.fast_tree(text) is None


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.name)
def test_the_curated_files_read_the_same_either_way(path) -> None:
    text, _ = yaml_reader.decode(path, path.name)
    assert_same_as_composer(text)


# -- 2. sort keys and writers ------------------------------------------------------------------------

def old_sorted(triples) -> list[ox.Triple]:
    return sorted(set(triples), key=export.sort_key)


def old_compact(iri: str) -> str:
    parts = split(iri)
    return f"{parts[0]}:{parts[1]}" if parts and not parts[1].startswith("//") else iri


def old_value(term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"@id": old_compact(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD + "string":
        return {"@value": term.value}
    return {"@value": term.value, "@type": old_compact(term.datatype.value)}


def old_jsonld(triples: list[ox.Triple]) -> bytes:
    """JSON-LD as the export wrote it before it wrote from sort keys."""
    nodes: list[dict] = []
    current: dict = {}
    subject = None
    for t in triples:
        if t.subject != subject:
            subject = t.subject
            named = isinstance(subject, ox.NamedNode)
            current = {"@id": old_compact(subject.value) if named else f"_:{subject.value}"}
            nodes.append(current)
        if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            current.setdefault("@type", []).append(old_compact(t.object.value))
        else:
            current.setdefault(old_compact(t.predicate.value), []).append(old_value(t.object))
    doc = {"@context": dict(PREFIXES), "@graph": nodes}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"


def oxigraph_turtle(triples: list[ox.Triple]) -> bytes:
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    start = 0
    while body.startswith(b"@prefix ", start):
        start = body.index(b"\n", start) + 1
    return export._TURTLE_HEAD + body[start:]


def edge_triples(with_blank_nodes: bool) -> list[ox.Triple]:
    s, p, q = ox.NamedNode(KG + "s"), ox.NamedNode(SCHEMA + "name"), ox.NamedNode(KG + "p")
    iri = ox.NamedNode
    objects = [
        iri(KG + "a"), iri(KG + "a--x"), iri(KG + "a-"), iri(KG + "a."), iri(KG + "-a"), iri(KG + "a%20b"),
        iri(KG + "·"), iri(KG + ""), iri(KG + "中文"), iri("http://example.org/x"), iri("http://schema.org//x"),
        ox.Literal("plain"), ox.Literal(""), ox.Literal('quo"te \\ back\nnew\ttab\r\x00nul\x01\x7f\ufffe\u2028é'),
        ox.Literal("a\x00"), ox.Literal("a\x00b"), ox.Literal("a"), ox.Literal("a\x01"),
        ox.Literal("x", language="en"), ox.Literal("x", language="zh-hans"), ox.Literal("x", language="ar"),
        ox.Literal("x", language="ar", direction=ox.BaseDirection.RTL),
        ox.Literal("120", datatype=iri(XSD + "integer")), ox.Literal("01", datatype=iri(XSD + "integer")),
        ox.Literal("+1", datatype=iri(XSD + "integer")), ox.Literal("1.5", datatype=iri(XSD + "integer")),
        ox.Literal("1.0", datatype=iri(XSD + "decimal")), ox.Literal("1e3", datatype=iri(XSD + "double")),
        ox.Literal("true", datatype=iri(XSD + "boolean")), ox.Literal("1", datatype=iri(XSD + "boolean")),
        ox.Literal("2021-07", datatype=iri(XSD + "gYearMonth")), ox.Literal("x", datatype=iri("http://example.org/dt")),
        ox.Literal("x", datatype=iri(KG + "a.")),
    ]
    triples = [ox.Triple(s, p, o) for o in objects]
    triples += [ox.Triple(s, iri(RDF_TYPE), iri(KG + "C")), ox.Triple(s, iri(RDF_TYPE), ox.Literal("not a class")),
                ox.Triple(q, q, s), ox.Triple(iri(KG + "a"), iri(KG + "p."), s), ox.Triple(s, p, objects[0]),
                ox.Triple(iri("http://example.org/x"), iri(RDF + "value"), ox.Literal("v"))]
    if with_blank_nodes:
        b = ox.BlankNode("b1")
        triples += [ox.Triple(b, p, s), ox.Triple(s, p, b), ox.Triple(b, iri(RDF_TYPE), iri(KG + "C"))]
    return triples


@pytest.mark.parametrize("with_blank_nodes", [False, True])
def test_sort_keys_order_as_the_tuples_and_give_back_the_triples(with_blank_nodes: bool) -> None:
    triples = edge_triples(with_blank_nodes)
    expected = old_sorted(triples)
    keys = export.sorted_keys(triples)
    assert list(export.key_triples(keys)) == expected
    assert list(export.key_triples(export.PackedKeys(keys, size=3))) == expected
    assert export.sorted_triples(triples) == expected


@pytest.mark.parametrize("with_blank_nodes", [False, True])
def test_writers_write_what_oxigraph_and_json_dumps_write(with_blank_nodes: bool) -> None:
    expected = old_sorted(edge_triples(with_blank_nodes))
    keys = export.sorted_keys(expected)
    for fmt, want in (("nt", ox.serialize(expected, format=ox.RdfFormat.N_TRIPLES)),
                      ("ttl", oxigraph_turtle(expected)), ("jsonld", old_jsonld(expected))):
        out = io.BytesIO()
        export.write_keys(keys, fmt, out)
        assert out.getvalue() == want, fmt
        out = io.BytesIO()
        export.write(expected, fmt, out)
        assert out.getvalue() == want, fmt


def test_an_empty_graph_is_written_as_before() -> None:
    for fmt, want in (("nt", b""), ("ttl", oxigraph_turtle([])), ("jsonld", old_jsonld([]))):
        out = io.BytesIO()
        export.write_keys([], fmt, out)
        assert out.getvalue() == want, fmt


def test_strings_are_escaped_as_oxigraph_escapes_them_for_every_character() -> None:
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    for start in range(0, 0x110000, 0x1000):
        text = "".join(chr(c) for c in range(start, start + 0x1000) if not 0xD800 <= c <= 0xDFFF)
        if not text:
            continue
        line = "<urn:s> <urn:p> " + export.nt_quote(text) + " .\n"
        for fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
            assert ox.serialize([ox.Triple(s, p, ox.Literal(text))], format=fmt).decode() == line, hex(start)


def test_a_graph_from_triples_and_one_from_keys_write_the_same(graph) -> None:
    triples = graph.triples()
    again = KnowledgeGraph(reversed(triples))
    from_keys = KnowledgeGraph.from_keys(export.keys_of(triples))
    again.jsonld_context = from_keys.jsonld_context = graph.jsonld_context  # the build's, from fields.yaml
    for fmt in ("ttl", "nt", "jsonld"):
        assert again.serialize(fmt) == graph.serialize(fmt) == from_keys.serialize(fmt), fmt
    assert len(again) == len(from_keys) == len(graph) == len(triples)


# -- 3. records straight to keys ---------------------------------------------------------------------

def test_records_give_the_keys_of_their_triples() -> None:
    onto = load_ontology(ONTOLOGY, "ontology")
    checker = RecordChecker(onto)
    records = checker.check_files([(p, p.name) for p in find_record_files(DATA)])
    assert not checker.problems
    assert records_to_keys(records, onto) == export.keys_of(records_to_triples(records, onto))


def test_rows_taken_by_position_keep_their_columns_and_leave_unbound_ones_out(graph) -> None:
    # Rows are built by zipping a solution's values with the variables (kg/graph.py: _evaluate).
    rows = graph.select("SELECT ?b ?a ?c WHERE { VALUES (?a ?b ?c) { (1 UNDEF 5) (UNDEF 2 UNDEF) (3 4 6) } }").rows
    assert [{k: int(v.value) for k, v in row.items()} for row in rows] == [
        {"a": 1, "c": 5}, {"b": 2}, {"b": 4, "a": 3, "c": 6}]
    assert [list(row) for row in rows] == [["a", "c"], ["b"], ["b", "a", "c"]]
