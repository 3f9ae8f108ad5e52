"""Every bad-input case of tests/bad_input/ fails with exactly its expected messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ONTOLOGY, case_data, run_kg

CASES = Path(__file__).parent / "bad_input"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def test_base_records_are_valid(tmp_path: Path) -> None:
    shutil.copytree(CASES / "_base", tmp_path / "data")
    result = run_kg("validate", "--data", "data", "--ontology", str(ONTOLOGY), cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_case(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    case = CASES / name
    case_data(case, tmp_path)
    result = run_kg("validate", "--data", "data", "--ontology", str(ONTOLOGY), cwd=tmp_path)
    err = result.stderr.decode("utf-8")
    assert "Traceback" not in err
    assert result.returncode == 1, err
    assert result.stdout == b""
    lines = err.splitlines()
    assert lines[-1].startswith("kg validate: ") and "nothing was written" in lines[-1]
    problems = lines[:-1]
    expected_file = case / "expected.txt"
    if request.config.getoption("--generate-snapshots"):
        expected_file.write_text("\n".join(problems) + "\n", encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8").splitlines()
    assert problems == expected
    assert not (tmp_path / "build").exists()
