"""Duplicates are caught (issue 17): a second source at the same address is an error; a second person of
the same or a near-same name, an organisation labelled like another's name or alternative name, a warning
that ``distinct_from`` (the two are different) silences. The failing forms are cases of tests/bad_input
(duplicate-source-address, distinct-from), the warnings cases of tests/curator_warnings; here: the
confirmed form, the comparison rules, and the cost."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ONTOLOGY, ROOT

import kg
from kg.errors import ValidationError
from kg.hints import nearest, ranked_by_likeness
from kg.namespaces import KG, KGO, OWL
from kg.records.duplicates import address_key, find_namesakes, name_key, near_keys
from kg.records.model import Record, Value

BASE = ROOT / "tests" / "bad_input" / "_base"

CONFIRMED = """\
- id: ana-li
  type: Person
  label: {en: Ana Li, zh: 李安娜}
  sources: [src]
- id: ana-li-painter
  type: Person
  label: ANA  LI
  note: A painter, not the director.
  distinct_from: [ana-li]
  sources: [src]
- id: harbour-films
  type: Company
  label: Harbour Films
  alt_labels: [HF]
  distinct_from: [harbour-films-hk]
  sources: [src]
- id: harbour-studio
  type: Company
  label: Harbour Studio
  alt_labels: [HF]
  sources: [src]
- id: harbour-films-hk
  type: Company
  label: HARBOUR FILMS
  sources: [src]
"""


def _data(tmp_path: Path, text: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(BASE, data / "_base")
    (data / "records.yaml").write_text(text, encoding="utf-8")
    return data


def test_records_confirmed_different_are_valid_and_say_so_in_the_graph(tmp_path: Path) -> None:
    """distinct_from on either record (the later one, or the earlier one naming a later record)
    silences the check, and becomes owl:differentFrom; two organisations sharing only an alternative
    name (an abbreviation) need none."""
    graph = kg.load(_data(tmp_path, CONFIRMED), ONTOLOGY)
    different = {(t.subject.value, t.object.value) for t in graph.triples()
                 if t.predicate.value == OWL + "differentFrom"}
    assert different == {(KG + "ana-li-painter", KG + "ana-li"), (KG + "harbour-films", KG + "harbour-films-hk")}


def test_without_distinct_from_the_same_records_are_built_with_a_warning_each(tmp_path: Path) -> None:
    text = CONFIRMED.replace("  distinct_from: [ana-li]\n", "").replace("  distinct_from: [harbour-films-hk]\n", "")
    graph = kg.load(_data(tmp_path, text), ONTOLOGY)
    warnings = graph.warnings
    assert [(Path(p.file).name, p.line, p.field) for p in warnings] == [("records.yaml", 7, "label"),
                                                                         ("records.yaml", 22, "label")]
    assert warnings[0].message == "'ANA  LI' also names the person 'ana-li'"
    assert warnings[0].hint.startswith("'ana-li' is at ") and ":1: if they are the same person" in warnings[0].hint
    assert warnings[0].hint.endswith("say so with distinct_from: [ana-li]")
    assert warnings[1].message == "'HARBOUR FILMS' also names the organisation 'harbour-films'"


def test_a_second_source_at_the_same_address_stays_an_error(tmp_path: Path) -> None:
    text = CONFIRMED + "- id: src-again\n  type: WebPage\n  label: The same page\n  url: http://example.org/news/1/\n"
    with pytest.raises(ValidationError) as caught:
        kg.load(_data(tmp_path, text), ONTOLOGY)
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("url", "'http://example.org/news/1/' is the address of another source")]


@pytest.mark.parametrize(("a", "b"), [
    ("http://example.org/a", "https://example.org/a"),
    ("https://example.org/a/", "https://example.org/a"),
    ("https://EXAMPLE.org/a", "https://example.org/a"),
    ("https://example.org:443/a", "https://example.org/a"),
    ("http://example.org:80/a", "https://example.org/a"),
    ("https://example.org/a#part", "https://example.org/a"),
    ("https://example.org", "https://example.org/"),
    ("https://example.org/a?b=1#c", "http://example.org/a?b=1"),
])
def test_addresses_compared_as_the_same(a: str, b: str) -> None:
    assert address_key(a) == address_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("https://example.org/a", "https://example.org/A"),  # a path is case-sensitive
    ("https://example.org/a", "https://example.org/a?b=1"),
    ("https://example.org/a?b=1", "https://example.org/a?b=2"),
    ("https://example.org:8443/a", "https://example.org/a"),
    ("https://example.org/a", "https://www.example.org/a"),
])
def test_addresses_compared_as_different(a: str, b: str) -> None:
    assert address_key(a) != address_key(b)


def test_names_ignore_case_spaces_and_compatibility_forms() -> None:
    assert name_key("Ana  Li") == name_key("ana li") == name_key("Ａｎａ\u3000Ｌｉ") == name_key("ANA\tLI")
    assert name_key("Straße") == name_key("STRASSE")
    assert name_key("Ana Li") != name_key("Anali")


def _person(i: int, name: str) -> Record:
    return Record(f"p-{i}", KGO + "Person", "person", "people.yaml", i + 1,
                  values={"label": [Value(ox.Literal(name, language="en"), i + 1)]})


def test_the_check_is_linear_even_when_every_record_has_one_name() -> None:
    """One problem per repeating record, found by a dictionary: 40,000 people of one name cost no more
    than 40,000 of different names (a pairwise comparison would take minutes)."""
    same = [_person(i, "Same Name") for i in range(40_000)]
    started = time.perf_counter()
    warnings = find_namesakes(same)
    assert time.perf_counter() - started < 5
    assert len(warnings) == len(same) - 1
    assert all("'p-0'" in p.message for p in warnings)
    assert find_namesakes([_person(i, f"Name {i:05d}") for i in range(1000)]) == []


@pytest.mark.parametrize(("a", "b"), [
    ("Malcolm Clarke", "Malcom Clarke"),  # a letter dropped
    ("Malcolm Clarke", "Malcolm Clarkes"),  # a letter added
    ("Malcolm Clarke", "Malcolm Clarka"),  # a letter changed
    ("Malcolm Clarke", "Malcolm Clakre"),  # two letters swapped
    ("Hajime Suzuki", "Suzuki Hajime"),  # word order
    ("René Laloux", "Rene La-loux"),  # accents, punctuation
    ("Li Wei", "li-wei"),  # short names: only spelling and punctuation
])
def test_near_same_names_share_a_key(a: str, b: str) -> None:
    assert near_keys(a) & near_keys(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Li Wei", "Li Wen"),  # under eight letters, one letter apart: often two people
    ("Malcolm Clarke", "Malcolm Campbell"),
    ("CCTV", "CCTV-9"),
    ("张同道", "张同导"),
])
def test_different_names_share_no_key(a: str, b: str) -> None:
    assert not near_keys(a) & near_keys(b)


def test_an_unknown_word_lists_the_nearest_choices_first() -> None:
    roles = ["affiliate", "attendee", "co-director", "director", "head", "mentor", "producer", "speaker"]
    assert nearest("mentr", roles) == "did you mean 'mentor'?"
    hint = nearest("directing-lead", roles)
    assert hint.startswith("expected one of, nearest first: director, co-director")
    assert nearest("zzz", [f"r{i:02d}" for i in range(20)]).endswith(" ...")
    assert ranked_by_likeness("foaf:Person", ["Award", "Person", "Place"])[0] == "Person"
    assert ranked_by_likeness("x", ["b", "a"]) == ["a", "b"]  # ties by name


def test_the_data_readme_examples_validate_with_the_curated_data(tmp_path: Path) -> None:
    """data/README.md's example of adding to a record of another file (ip-plan-edition-2, in
    programme.yaml) from a CSV entries file, and its distinct_from example, pass every check."""
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    adding = readme.split("### Adding to an existing record from another file", 1)[1].split("\n## ", 1)[0]
    people = re.findall(r"```yaml\n(.*?)```", adding, re.S)[0]
    entries = re.findall(r"```csv\n(.*?)```", adding, re.S)[0]
    different = re.findall(r"```yaml\n(.*?)```", readme.split("\n## Duplicates", 1)[1], re.S)[0]
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("*.md"))
    (data / "readme-example").mkdir()
    (data / "readme-example" / "people.yaml").write_text(people + different, encoding="utf-8")
    (data / "readme-example" / "ip-plan-additions.csv").write_text(entries, encoding="utf-8")
    graph = kg.load(data, ONTOLOGY)
    assert graph.query("ASK { ?p kgo:participationIn kg:ip-plan-edition-2 ; kgo:agent kg:ana-li ; "
                       "kgo:role role:mentor }") is True
    assert graph.query("ASK { kg:ana-li-painter owl:differentFrom kg:ana-li }") is True
