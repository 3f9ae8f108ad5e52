"""Every case of tests/curator_warnings/ is valid and warns with exactly its expected lines: people and
organisations named the same or near-same, which a curator confirms with ``distinct_from`` (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ONTOLOGY, case_data, run_kg

CASES = Path(__file__).parent / "curator_warnings"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", NAMES)
def test_curator_warnings_case(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    case = CASES / name
    case_data(case, tmp_path)
    result = run_kg("validate", "--data", "data", "--ontology", str(ONTOLOGY), cwd=tmp_path)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 0, err
    warnings = err.splitlines()
    assert all(w.startswith("kg validate: warning: ") for w in warnings)
    assert f"{len(warnings)} to confirm" in result.stdout.decode()
    expected_file = case / "expected.txt"
    if request.config.getoption("--generate-snapshots"):
        expected_file.write_text("\n".join(warnings) + "\n", encoding="utf-8")
    assert warnings == expected_file.read_text(encoding="utf-8").splitlines()


def test_build_writes_the_graph_and_shows_the_warnings(tmp_path: Path) -> None:
    case_data(CASES / "same-person-name", tmp_path)
    result = run_kg("build", "--data", "data", "--ontology", str(ONTOLOGY), "--extras", "never", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "build" / "kg.ttl").is_file()
    assert result.stderr.decode().count("kg build: warning: ") == len(
        (CASES / "same-person-name" / "expected.txt").read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("command", ["validate", "build"])
def test_a_run_with_errors_shows_the_warnings_too(command: str, tmp_path: Path) -> None:
    """Regression: a run with errors showed only them, so the curator saw the namesakes to confirm only
    after fixing every error, in a run of its own."""
    case_data(CASES / "same-person-name", tmp_path)
    broken = tmp_path / "data" / "broken.yaml"
    broken.write_text("- id: broken-person\n  type: Person\n  label: Broken Person\n  sources: [src]\n"
                      "  no_such_field: 1\n", encoding="utf-8")
    extras = ["--extras", "never"] if command == "build" else []
    result = run_kg(command, "--data", "data", "--ontology", str(ONTOLOGY), *extras, cwd=tmp_path)
    err = result.stderr.decode("utf-8").splitlines()
    assert result.returncode == 1, err
    expected = (CASES / "same-person-name" / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in err if ": warning: " in line] == [
        w.replace("kg validate:", f"kg {command}:") for w in expected]
    assert any(line.startswith("data/broken.yaml:5: no_such_field") for line in err), err
    assert err[-1] == f"kg {command}: 1 problem found; nothing was written"
    assert not (tmp_path / "build").exists()
