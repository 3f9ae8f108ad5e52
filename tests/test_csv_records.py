"""CSV records: the same records written as CSV (records files + entries files) build the same graph as
YAML; language columns, many-valued cells, multi-line values and spreadsheet formulas are read as text.
The CSV mistakes a curator can make are in tests/bad_input/csv-*."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import pyoxigraph as ox
from conftest import ONTOLOGY, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
from kg.namespaces import KG, KGO, PROV, SCHEMA, SKOS
from kg.readers.csv_reader import read_csv
from kg.readers.nodes import Map, Scalar, Seq
from kg.records.values import _CONTROL
from kg.schema_file import load_schema

RECORD_SCHEMA = load_schema(ONTOLOGY / "fields.yaml")

YAML_RECORDS = """\
- id: src
  type: NewsArticle
  label: A news item
  url: https://example.org/news/1
  published: 2024-07-30
  language: [en, zh]
- id: a-country
  type: Country
  label: {en: A Country, zh: 一国}
  sources: [src]
- id: a-city
  type: City
  label: A City
  located_in: a-country
  sources: [src]
- id: ana
  type: Person
  label: {en: Ana Li, zh: 李安娜}
  alt_labels: [A. Li, {zh: 安娜}]
  nationality: [a-country]
  born: 1970
  sources: [src]
  claims:
    - field: born
      value: "1971"
      certainty: uncertain
      note: One source says 1971.
      sources: [src]
- id: studio
  type: Company
  label: Studio, Ltd.
  based_in: [a-city]
  sources: [src]
- id: prize
  type: Award
  label: A Prize
  sources: [src]
- id: film
  type: DocumentaryFilm
  label: The River, "Again"
  description: "A film in two parts:\\nthe river | the road."
  released: 2021-05
  duration_minutes: 90
  countries: [a-country]
  sources: [src]
  participants:
    - who: ana
      role: director
      sources: [src]
    - who: studio
      role: producer
      as: {en: lead producer, zh: 主要制片}
      sources: [src]
  awards:
    - award: prize
      outcome: won
      recipients: [ana, studio]
      sources: [src]
- id: launch
  type: LaunchCeremony
  label: Launch
  date: 2024-07-30
  place: [a-city]
  online: false
  unstated: [part_of]
  sources: [src]
  participants:
    - who: ana
      role: speaker
      quote: {zh: 你好}
      sources: [src]
  quantities:
    - measure: attendees
      value: 300
      comparator: over
      sources: [src]
  quotes:
    - text: We need trust, and films.
      speaker: ana
      about: [film]
      sources: [src]
    - text: {zh: 纪录片}
      speaker: ana
      sources: [src]
"""

CSV_FILES = {
    "sources.csv": '''\
id,type,label,url,published,language
src,NewsArticle,A news item,https://example.org/news/1,2024-07-30,en | zh
''',
    "places.csv": '''\
id,type,label,label@zh,located_in,sources
a-country,Country,A Country,一国,,src
a-city,City,A City,,a-country,src
''',
    "agents.csv": '''\
id,type,label,label@zh,alt_labels,alt_labels@zh,nationality,born,based_in,sources
ana,Person,Ana Li,李安娜,A. Li,安娜,a-country,1970,,src
studio,Company,"Studio, Ltd.",,,,,,a-city,src
prize,Award,A Prize,,,,,,,src
''',
    "works.csv": (
        'id,type,label,description,released,duration_minutes,countries,sources\n'
        'film,DocumentaryFilm,"The River, ""Again""","A film in two parts:\n'
        'the river | the road.",2021-05,90,a-country,src\n'
    ),
    "events.csv": '''\
id,type,label,date,place,online,unstated,sources
launch,LaunchCeremony,Launch,2024-07-30,a-city,false,part_of,src
''',
    "participants.csv": '''\
of,participants.who,participants.role,participants.as,participants.as@zh,participants.quote@zh,participants.sources
film,ana,director,,,,src
film,studio,producer,lead producer,主要制片,,src
launch,ana,speaker,,,你好,src
''',
    "quantities.csv": '''\
of,quantities.measure,quantities.value,quantities.comparator,quantities.sources
launch,attendees,300,over,src
''',
    "quotes.csv": '''\
of,quotes.text,quotes.text@zh,quotes.speaker,quotes.about,quotes.sources
launch,"We need trust, and films.",,ana,film,src
launch,,纪录片,ana,,src
''',
    "awards.csv": '''\
of,awards.award,awards.outcome,awards.recipients,awards.sources
film,prize,won,ana|studio,src
''',
    "claims.csv": '''\
of,claims.field,claims.value,claims.certainty,claims.note,claims.sources
ana,born,1971,uncertain,One source says 1971.,src
''',
}


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _triples(data: Path) -> set[ox.Triple]:
    return set(kg.load(data, ONTOLOGY, shapes=False).triples())


def test_the_same_records_in_yaml_and_in_csv_build_the_same_graph(tmp_path: Path) -> None:
    from_yaml = _triples(_write(tmp_path / "yaml", {"records.yaml": YAML_RECORDS}))
    from_csv = _triples(_write(tmp_path / "csv", CSV_FILES))
    assert len({t for t in from_yaml if t.subject.value.startswith(KG)}) > 90  # the records' own
    # No blank nodes in the data: equal triple sets are isomorphic graphs.
    assert from_csv == from_yaml


def test_csv_entries_come_after_the_entries_written_in_the_record(tmp_path: Path) -> None:
    """A record in YAML with one quote, and a CSV entries file adding a second: the same graph (and the
    same quote IRIs, which number the entries) as the record with both quotes in YAML."""
    both = YAML_RECORDS
    first_only = both.replace("    - text: {zh: 纪录片}\n      speaker: ana\n      sources: [src]\n", "")
    assert first_only != both
    extra = "of,quotes.text@zh,quotes.speaker,quotes.sources\nlaunch,纪录片,ana,src\n"
    mixed = _triples(_write(tmp_path / "mixed", {"records.yaml": first_only, "more-quotes.csv": extra}))
    assert mixed == _triples(_write(tmp_path / "yaml", {"records.yaml": both}))
    assert ox.NamedNode(KG + "launch--quote-2") in {t.subject for t in mixed}


def test_entries_of_a_csv_file_are_located_in_it(tmp_path: Path) -> None:
    graph = kg.load(_write(tmp_path / "data", CSV_FILES), ONTOLOGY, shapes=False)
    where = graph.provenance[KG + "film--producer--studio"]
    assert (Path(where.file).name, where.line) == ("participants.csv", 3)
    assert Path(graph.provenance[KG + "film"].file).name == "works.csv"
    assert graph.provenance[KG + "film"].line == 2


def test_language_columns_and_many_valued_cells(tmp_path: Path) -> None:
    files = {
        "base.yaml": (ROOT / "tests" / "bad_input" / "_base" / "base.yaml").read_text(encoding="utf-8"),
        "extra.yaml": "- id: src2\n  type: WebPage\n  label: Another page\n  url: https://example.org/2\n",
        "people.csv": (
            "id,type,label@zh,description,sources,based_in\n"
            "zhou,Person,周,Works between Beijing | Paris.,src | src2,a-city\n"
        ),
    }
    triples = _triples(_write(tmp_path / "data", files))
    zhou = ox.NamedNode(KG + "zhou")

    def objects(predicate: str) -> set:
        return {t.object for t in triples if t.subject == zhou and t.predicate == ox.NamedNode(predicate)}

    assert objects(SKOS + "prefLabel") == {ox.Literal("周", language="zh")}  # no English label is made up
    # A many-valued field is split on |, spaces around it ignored; a single-valued one never is.
    assert objects(PROV + "wasDerivedFrom") == {ox.NamedNode(KG + "src"), ox.NamedNode(KG + "src2")}
    assert objects(SCHEMA + "description") == {ox.Literal("Works between Beijing | Paris.", language="en")}
    assert objects(KGO + "basedIn") == {ox.NamedNode(KG + "a-city")}


def test_formulas_and_yaml_lookalikes_are_kept_as_text(tmp_path: Path) -> None:
    files = {
        "base.yaml": (ROOT / "tests" / "bad_input" / "_base" / "base.yaml").read_text(encoding="utf-8"),
        "people.csv": (
            "id,type,label,description,note,alt_labels,sources\n"
            "f,Person,=1+1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",no,007|2024-07-30|@SUM(A1),src\n"
        ),
    }
    triples = _triples(_write(tmp_path / "data", files))
    f = ox.NamedNode(KG + "f")

    def objects(predicate: str) -> set:
        return {t.object.value for t in triples if t.subject == f and t.predicate == ox.NamedNode(predicate)}

    assert objects(SKOS + "prefLabel") == {"=1+1"}
    assert objects(SCHEMA + "description") == {'=HYPERLINK("http://x","y")'}
    assert objects(SKOS + "editorialNote") == {"no"}
    assert objects(SKOS + "altLabel") == {"007", "2024-07-30", "@SUM(A1)"}


def test_a_row_is_located_at_the_line_it_starts_on(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('id,label,description\n\na,"one\ntwo\n\nthree",x\nb,B,"y\r\nz"\r\nc,C,\n', encoding="utf-8")
    root, attached, problems = read_csv(path, "r.csv", RECORD_SCHEMA)
    assert problems == [] and attached == []
    assert isinstance(root, Seq)
    rows = [item for item in root.items if isinstance(item, Map)]
    assert [(r.items["id"].text, r.line) for r in rows if isinstance(r.items["id"], Scalar)] == [
        ("a", 3), ("b", 7), ("c", 9)]
    assert "description" not in rows[2].items  # an empty cell is an absent field, not an empty string
    label = rows[0].items["label"]
    assert isinstance(label, Scalar) and label.text == "one\ntwo\n\nthree" and label.implicit == ""


def test_an_empty_file_and_a_header_alone_hold_no_records(tmp_path: Path) -> None:
    for text in ("", "id,type,label,sources\n", "of,participants.who,participants.role\n"):
        path = tmp_path / "r.csv"
        path.write_text(text, encoding="utf-8")
        root, attached, problems = read_csv(path, "r.csv", RECORD_SCHEMA)
        assert (problems, attached) == ([], []) and isinstance(root, Seq) and root.items == []


def test_the_readme_example_works(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"`data/([\w.-]+\.csv)`:\n\n```csv\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2, "README's CSV example is missing"
    graph = kg.load(_write(tmp_path / "data", dict(blocks)), ONTOLOGY)  # every check, SHACL included
    assert graph.query("ASK { kg:example-film schema:director kg:example-person }") is True


# Any text a curator may write (as in test_properties.py), written by a spreadsheet (csv.writer quotes
# what needs quoting: commas, quotes, newlines).
texts = st.text(min_size=1, max_size=40).filter(lambda s: s == s.strip() and s.strip() and not _CONTROL.search(s))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=texts, quote=texts)
def test_any_text_survives_a_csv_file(tmp_path_factory, label: str, quote: str) -> None:
    data = tmp_path_factory.mktemp("data")
    (data / "base.yaml").write_text((ROOT / "tests" / "bad_input" / "_base" / "base.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    records, entries = io.StringIO(), io.StringIO()
    csv.writer(records).writerows([["id", "type", "label@zh", "sources"], ["hostile", "Person", label, "src"]])
    csv.writer(entries).writerows([["of", "participants.who", "participants.role", "participants.quote",
                                    "participants.sources"], ["an-event", "hostile", "speaker", quote, "src"]])
    (data / "people.csv").write_text(records.getvalue(), encoding="utf-8", newline="")
    (data / "speakers.csv").write_text(entries.getvalue(), encoding="utf-8", newline="")
    triples = _triples(data)
    nfc = unicodedata.normalize
    assert ox.Triple(ox.NamedNode(KG + "hostile"), ox.NamedNode(SKOS + "prefLabel"),
                     ox.Literal(nfc("NFC", label), language="zh")) in triples
    assert ox.Triple(ox.NamedNode(KG + "an-event--speaker--hostile"), ox.NamedNode(KGO + "quote"),
                     ox.Literal(nfc("NFC", quote), language="en")) in triples
