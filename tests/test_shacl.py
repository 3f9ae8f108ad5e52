"""`kg build` runs the SHACL shapes and names the record behind each violation."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ONTOLOGY, run_kg

BASE = Path(__file__).parent / "bad_input" / "_base"

EXTRA_SHAPE = """
@prefix ex: <https://example.org/test-shapes#> .
ex:PersonNeedsBirthDate a sh:NodeShape ;
    sh:targetClass kgo:Person ;
    sh:property [ sh:path schema:birthDate ; sh:minCount 1 ; sh:message "a person needs a birth date" ] .
"""


def test_shape_violation_names_the_record_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(ONTOLOGY, tmp_path / "ontology")
    shutil.copytree(BASE, tmp_path / "data")
    shapes = tmp_path / "ontology" / "shapes.ttl"
    text = shapes.read_text(encoding="utf-8")
    for prefix, ns in (("sh", "http://www.w3.org/ns/shacl#"), ("kgo", "https://w3id.org/coprod-kg/ontology#"),
                       ("schema", "http://schema.org/")):
        if f"@prefix {prefix}:" not in text:
            text = f"@prefix {prefix}: <{ns}> .\n" + text
    shapes.write_text(text + EXTRA_SHAPE, encoding="utf-8")
    result = run_kg("build", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "Traceback" not in err
    assert "data/base.yaml:6: schema:birthDate: someone: a person needs a birth date" in err
    assert not (tmp_path / "build").exists()


def test_the_curated_data_conforms_to_the_shapes(graph) -> None:
    from kg.shacl import check_shapes

    assert check_shapes(graph, ONTOLOGY / "shapes.ttl", "ontology/shapes.ttl") == []
