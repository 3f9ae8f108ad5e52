"""`kg analyze`, `kg path`, the network exports and the network files of `kg build`, as a user runs them.

Rankings and exact answers are checked on a build of the small world (tests/small_world, `small_built`); on
a build of the curated data (`built`), only what stays true when a curator adds a source.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest
from conftest import run_kg

from kg.build_dir.layout import STAGING_PREFIX


def test_build_writes_the_network_files_into_the_manifest(built: Path) -> None:
    manifest = json.loads((built / "build" / "manifest.json").read_text(encoding="utf-8"))
    network = {name for name in manifest["files"] if name.startswith("network/")}
    assert {"network/person.graphml", "network/person.gexf", "network/person/nodes.csv",
            "network/person/edges.csv", "network/summary.json", "network/typed.graphml"} <= network
    summary = json.loads((built / "build" / "network" / "summary.json").read_text(encoding="utf-8"))
    assert summary["person"]["summary"]["betweenness_method"] == "exact"
    person = nx.read_graphml(built / "build" / "network" / "person.graphml")
    assert person.has_edge("kg:malcolm-clarke", "kg:vikram-channa")


def test_a_build_keeps_a_file_it_did_not_write_in_the_network_folder_and_says_so(built: Path) -> None:
    # Issue 15, item 2: a build once deleted a user's network/my-analysis.gephi with the old folder.
    stray = built / "build" / "network" / "my-analysis.gephi"
    stray.write_text("an analyst's work", encoding="utf-8")
    before = (built / "build" / "manifest.json").read_bytes()
    refused = run_kg("build", cwd=built)
    assert refused.returncode == 2
    assert "holds files that kg did not write: network/my-analysis.gephi" in refused.stderr.decode()
    assert stray.read_text(encoding="utf-8") == "an analyst's work"
    assert (built / "build" / "manifest.json").read_bytes() == before
    stray.unlink()
    assert run_kg("build", cwd=built).returncode == 0
    assert not list((built / "build").glob(STAGING_PREFIX + "*"))


def test_analyze_table_names_the_most_central_people(small_built: Path) -> None:
    result = run_kg("analyze", "--top", "2", cwd=small_built)
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert lines[0].startswith("person network: ") and "betweenness exact" in lines[0]
    # Weighted degree: Ada Moss 8, then Dong Wei 7 (five ties; Ben Rao, also 7, has four).
    assert [line.split()[1:3] for line in lines[3:5]] == [["Ada", "Moss"], ["Dong", "Wei"]]
    assert lines[-1] == "(2 rows)"


def test_analyze_table_of_the_curated_data_has_the_rows_asked_for(built: Path) -> None:
    result = run_kg("analyze", "--top", "2", cwd=built)
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert lines[0].startswith("person network: ")
    assert lines[-1] == "(2 rows)"


def test_analyze_json_and_csv_with_filters(small_built: Path) -> None:
    result = run_kg("analyze", "--edition", "First Lab (2022-2023)", "--role", "mentor", "--format", "json",
                    cwd=small_built)
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert doc["summary"]["filters"]["edition"].endswith("/edition-1")
    assert {row["label"] for row in doc["rows"]} == {"Ada Moss", "Ben Rao"}
    csv_result = run_kg("analyze", "--projection", "organisation", "--format", "csv", cwd=small_built)
    rows = list(csv.DictReader(io.StringIO(csv_result.stdout.decode())))
    assert rows[0]["label"] == "Lab Group"  # weighted degree 7: six partners, South Channel twice


def test_analyze_json_of_the_curated_data_includes_the_first_mentors(built: Path) -> None:
    result = run_kg("analyze", "--edition", "First IP Plan (2022-2023)", "--role", "mentor", "--format", "json",
                    cwd=built)
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert doc["summary"]["filters"]["edition"].endswith("/ip-plan-edition-1")
    assert {row["label"] for row in doc["rows"]} >= {"Malcolm Clarke", "Vikram Channa"}
    csv_result = run_kg("analyze", "--projection", "organisation", "--format", "csv", cwd=built)
    rows = list(csv.DictReader(io.StringIO(csv_result.stdout.decode())))
    assert "China International Communications Group" in {r["label"] for r in rows}


def test_analyze_by_edition(small_built: Path) -> None:
    result = run_kg("analyze", "--by", "edition", "--format", "csv", cwd=small_built)
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode())))
    assert [r["period"] for r in rows] == ["First Lab (2022-2023)", "Second Lab (2024-2025)", "Third Lab (2026)"]


def test_analyze_by_edition_of_the_curated_data_includes_the_three_editions(built: Path) -> None:
    result = run_kg("analyze", "--by", "edition", "--format", "csv", cwd=built)
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode())))
    assert [r["period"] for r in rows][:3] == ["First IP Plan (2022-2023)", "Second IP Plan (2024-2025)",
                                              "Third IP Plan (2026)"]


def test_analyze_bad_arguments(built: Path) -> None:
    result = run_kg("analyze", "--role", "mentr", cwd=built)
    assert result.returncode == 2 and "mentor" in result.stderr.decode()
    result = run_kg("analyze", "--edition", "Fourth IP Plan", cwd=built)
    assert result.returncode == 2 and "no ProgrammeEdition is called 'Fourth IP Plan'" in result.stderr.decode()


def test_path_between_two_people_with_sources(small_built: Path) -> None:
    # Cai Jones spoke at the 2024 launch with Ada Moss, who shared the Golden Reel for Number Six with Hana Reed.
    result = run_kg("path", "Cai Jones", "Hana Reed", "--format", "json", cwd=small_built)
    assert result.returncode == 0, result.stderr.decode()
    steps = json.loads(result.stdout)["rows"]
    assert [step["label"] for step in steps] == [
        "Cai Jones", "Launch of the second Lab", "Ada Moss", "Golden Reel for Short Documentary", "Hana Reed"]
    assert all(step["sources"] for step in steps[:-1])
    table = run_kg("path", "cai-jones", "hana-reed", cwd=small_built).stdout.decode()
    assert "Ada Moss" in table


def test_a_path_between_two_people_of_the_curated_data_gives_its_sources(built: Path) -> None:
    result = run_kg("path", "Arthur Jones", "Nicholas Reed", "--format", "json", cwd=built)
    assert result.returncode == 0, result.stderr.decode()
    steps = json.loads(result.stdout)["rows"]
    assert steps[0]["label"] == "Arthur Jones" and steps[-1]["label"] == "Nicholas Reed"
    assert all(step["sources"] for step in steps[:-1])


def test_no_path_is_a_clear_error(built: Path) -> None:
    # Two people are never one link apart: people are tied through what they took part in.
    result = run_kg("path", "Arthur Jones", "Nicholas Reed", "--max-length", "1", cwd=built)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr.decode()


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_export_network_formats(built: Path, fmt: str) -> None:
    result = run_kg("export", "--format", fmt, "--projection", "person", "-o", f"out/person.{fmt}", cwd=built)
    assert result.returncode == 0, result.stderr.decode()
    read = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    net = read(built / "out" / f"person.{fmt}")
    assert net.number_of_nodes() >= 19


def test_export_csv_needs_a_folder(built: Path) -> None:
    result = run_kg("export", "--format", "csv", "-o", "out/typed", cwd=built)
    assert result.returncode == 0, result.stderr.decode()
    assert (built / "out" / "typed" / "nodes.csv").is_file() and (built / "out" / "typed" / "edges.csv").is_file()
    missing = run_kg("export", "--format", "csv", cwd=built)
    assert missing.returncode == 2 and "needs -o" in missing.stderr.decode()
