"""`kg query` as a user runs it: on a build, with its messages and exit codes.

Exact answers are checked on a build of the small world (tests/small_world, `small_built`); on a build of
the curated data (`built`), only what stays true when a curator adds a source.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import run_kg


def query(root: Path, *args: str):
    return run_kg("query", *args, cwd=root)


def test_list_names_every_question(built: Path) -> None:
    result = query(built, "list")
    assert result.returncode == 0
    out = result.stdout.decode()
    for name in ("collaborators", "mentors", "timeline", "works-without-role-holder-violation"):
        assert name in out


def test_a_question_with_a_label_parameter_prints_a_table_of_labels(small_built: Path) -> None:
    result = query(small_built, "mentors", "--param", "edition=First Lab (2022-2023)")
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "Ada Moss" in out and "Ben Rao" in out
    assert "https://" not in out.splitlines()[2].split("  ")[0]
    assert out.rstrip().endswith("(2 rows)")
    assert result.stderr == b""


def test_the_mentors_table_of_the_curated_data_includes_clarke_and_channa(built: Path) -> None:
    result = query(built, "mentors", "--param", "edition=First IP Plan (2022-2023)")
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "Malcolm Clarke" in out and "Vikram Channa" in out
    assert result.stderr == b""


def test_csv_to_a_file(small_built: Path) -> None:
    result = query(small_built, "speakers", "-p", "event=launch-2024", "--format", "csv", "-o", "out/s.csv")
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader(io.StringIO((small_built / "out" / "s.csv").read_text(encoding="utf-8"))))
    assert [r["speaker"].rsplit("/", 1)[1] for r in rows] == ["ada-moss", "ben-rao", "cai-jones", "dong-wei"]
    assert not list((small_built / "out").glob(".*tmp*"))


def test_csv_of_the_curated_data_includes_the_speakers_of_the_2024_launch(built: Path) -> None:
    result = query(built, "speakers", "-p", "event=ip-plan-2024-launch", "--format", "csv", "-o", "out/s.csv")
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader(io.StringIO((built / "out" / "s.csv").read_text(encoding="utf-8"))))
    assert {r["speaker"].rsplit("/", 1)[1] for r in rows} >= {
        "malcolm-clarke", "du-zhanyuan", "vikram-channa", "arthur-jones", "yang-haodong"}


def test_own_query_with_json_output_and_a_dollar_parameter(small_built: Path) -> None:
    # Ben Rao: attendee of the 2024 launch and of the premiere, mentor of edition 1, speaker at the 2024
    # launch; one row per participation, in role order.
    result = query(small_built, "-e", "SELECT $who ?role WHERE { ?p kgo:agent $who ; kgo:role ?role } ORDER BY ?role",
                   "-p", "who=Ben Rao", "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"] == ["who", "role"]
    bindings = doc["results"]["bindings"]
    assert [b["role"]["value"].rsplit("/", 1)[1] for b in bindings] == ["attendee", "attendee", "mentor", "speaker"]
    assert {b["who"]["value"].rsplit("/", 1)[1] for b in bindings} == {"ben-rao"}


def test_own_query_on_the_curated_data_includes_arthur_jones_as_a_speaker(built: Path) -> None:
    result = query(built, "-e", "SELECT $who ?role WHERE { ?p kgo:agent $who ; kgo:role ?role } ORDER BY ?role",
                   "-p", "who=Arthur Jones", "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    roles = [b["role"]["value"].rsplit("/", 1)[1] for b in doc["results"]["bindings"]]
    assert "speaker" in roles and roles == sorted(roles)


def test_own_query_file_and_construct_as_turtle(built: Path) -> None:
    (built / "mine.rq").write_text("CONSTRUCT { ?e a kgo:Person } WHERE { ?e a kgo:Person }\n", encoding="utf-8")
    result = query(built, "mine.rq")
    assert result.returncode == 0, result.stderr.decode()
    triples = list(ox.parse(result.stdout, format=ox.RdfFormat.TURTLE))
    assert len(triples) >= 20
    assert result.stdout.startswith(b"@prefix kg: ")


def test_syntax_error_shows_line_and_column(built: Path) -> None:
    (built / "broken.rq").write_text("SELECT ?x WHERE {\n  ?x a kgo:Person\n  FILTER(?x = }\n", encoding="utf-8")
    result = query(built, "broken.rq")
    assert result.returncode == 1
    err = result.stderr.decode()
    assert err.startswith("broken.rq:3: column ") and "syntax error" in err
    assert "Traceback" not in err


def test_a_hostile_parameter_is_data(small_built: Path) -> None:
    result = query(small_built, "-e", "SELECT $name ?e WHERE { ?e skos:prefLabel ?l FILTER(STR(?l) = $name) }",
                   "-p", 'name="x" } ; DROP ALL ; #"', "--format", "csv")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().splitlines()[1:] == []
    again = query(small_built, "mentors", "--format", "csv")
    assert len(again.stdout.decode().splitlines()) == 4  # the header and the three mentors: nothing dropped


def test_an_ambiguous_or_unknown_label_is_a_clear_error(built: Path) -> None:
    result = query(built, "collaborators", "-p", "person=Malcom Clarke")
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "--param person: no Person is called 'Malcom Clarke'" in err and "kg:malcolm-clarke" in err


def test_unknown_question_suggests_the_nearest(built: Path) -> None:
    result = query(built, "mentor")
    assert result.returncode == 2
    assert "did you mean mentors?" in result.stderr.decode()


def test_timeout(built: Path) -> None:
    result = query(built, "--timeout", "0.3", "-e",
                   "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }")
    assert result.returncode == 1
    assert "the query ran longer than 0.3 s and was stopped" in result.stderr.decode()


def test_missing_build(tmp_path: Path) -> None:
    result = query(tmp_path, "mentors")
    assert result.returncode == 1
    assert "build: there is no build here (run kg build first" in result.stderr.decode()


def test_a_build_whose_file_does_not_match_its_manifest_is_refused(built: Path, tmp_path: Path) -> None:
    shutil.copytree(built / "build", tmp_path / "build")
    # kg.nt is read (and checked) when there is no store to open: the store is answered from as it
    # matches the manifest, whatever was done to kg.nt (tests/test_build_store.py).
    shutil.rmtree(tmp_path / "build" / "kg.oxigraph")
    with (tmp_path / "build" / "kg.nt").open("ab") as fh:
        fh.write(b"<http://x/a> <http://x/b> <http://x/c> .\n")
    result = query(tmp_path, "mentors")
    assert result.returncode == 1
    assert "kg.nt does not match its manifest" in result.stderr.decode()


def test_a_stale_build_answers_with_a_warning(built: Path, tmp_path: Path) -> None:
    for name in ("data", "ontology", "build"):
        shutil.copytree(built / name, tmp_path / name)
    people = tmp_path / "data" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    result = query(tmp_path, "mentors")
    assert result.returncode == 0
    assert "warning: the build in build is older than its inputs (data/people.yaml changed)" in \
        result.stderr.decode()
    assert "Malcolm Clarke" in result.stdout.decode()


def test_python_api_on_the_build(small_built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg

    monkeypatch.chdir(small_built)
    answer = kg.query("mentors", edition="edition-1")
    assert {d["mentor"].rsplit("/", 1)[1] for d in answer.to_dicts()} == {"ada-moss", "ben-rao"}
    assert answer.warnings == []


def test_python_api_on_the_curated_build_includes_clarke_and_channa(built: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import kg

    monkeypatch.chdir(built)
    answer = kg.query("mentors", edition="ip-plan-edition-1")
    assert {d["mentor"].rsplit("/", 1)[1] for d in answer.to_dicts()} >= {"malcolm-clarke", "vikram-channa"}
    assert answer.warnings == []


# -- names in every answer -------------------------------------------------------------------------------


def test_csv_has_a_label_column_after_each_iri_column(small_built: Path) -> None:
    result = query(small_built, "mentors", "-p", "edition=edition-1", "--format", "csv")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode("utf-8").split("\r\n")
    assert lines[0] == "edition,edition_label,mentor,mentor_label,stated_title,sources,sources_label"
    assert lines[2] == ("https://w3id.org/coprod-kg/id/edition-1,First Lab (2022-2023),"
                        "https://w3id.org/coprod-kg/id/ben-rao,Ben Rao,,release-2024,"
                        "The second Lab calls for proposals")


def test_no_labels_gives_the_plain_w3c_csv_tsv_and_json(small_built: Path) -> None:
    args = ("mentors", "-p", "edition=edition-1", "--no-labels", "--format")
    csv_out = query(small_built, *args, "csv").stdout.decode()
    assert csv_out.split("\r\n")[0] == "edition,mentor,stated_title,sources"
    assert "Ada Moss" not in csv_out
    tsv_out = query(small_built, *args, "tsv").stdout.decode()
    assert tsv_out.splitlines()[0] == "?edition\t?mentor\t?stated_title\t?sources"
    doc = json.loads(query(small_built, *args, "json").stdout)
    assert list(doc) == ["head", "results"]


def test_json_names_the_iris_and_the_ids_of_the_sources(small_built: Path) -> None:
    result = query(small_built, "mentors", "-p", "edition=edition-1", "--format", "json")
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert list(doc) == ["head", "labels", "results"]
    assert doc["labels"]["https://w3id.org/coprod-kg/id/ada-moss"] == "Ada Moss"
    assert doc["labels"]["https://w3id.org/coprod-kg/id/news-2024"] == "Second Lab launched in Harbour City"


def test_csv_of_the_curated_data_names_the_speakers(built: Path) -> None:
    result = query(built, "speakers", "-p", "event=ip-plan-2024-launch", "--format", "csv")
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode())))
    assert {r["speaker_label"] for r in rows} >= {"Malcolm Clarke", "Vikram Channa", "Arthur Jones"}
    assert all(r["sources_label"] for r in rows)
