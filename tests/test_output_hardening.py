"""What `-o` and `--out` may write, and what they must leave alone (issue 15, items 1, 2 and 16).

Each test is named after what broke: `-o /dev/full` printed "Wrote" and replaced the device by a file;
`-o` into a build folder wrote a file the next build removed; `--out ontology` rewrote the ontology;
`--out data` put outputs among the inputs; a user's file in the output folder was deleted; the pages were
written 0600 while the other outputs were 0644.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest
from conftest import ONTOLOGY, SMALL_WORLD, build_files, run_kg

from kg.build_dir.layout import STAGING_PREFIX
from kg.errors import OutputError, UsageError
from kg.output import write_output
from kg.pipeline import build

QUERY = ("query", "-e", "SELECT ?s WHERE { ?s a kgo:Person } ORDER BY ?s LIMIT 2", "--format", "csv")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The small world as data/, with ontology/ beside it, not built."""
    shutil.copytree(SMALL_WORLD, tmp_path / "data", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ONTOLOGY, tmp_path / "ontology")
    return tmp_path


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- item 1: -o names a file, a FIFO, a device or standard output -----------------------------------------


def test_o_dev_full_is_an_error_and_the_device_stays_a_device(small_built: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("this system has no /dev/full")
    result = run_kg(*QUERY, "-o", "/dev/full", cwd=small_built)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "Wrote" not in err and "/dev/full" in err and "No space left on device" in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_o_dev_null_is_written_as_a_stream_not_replaced(small_built: Path) -> None:
    result = run_kg(*QUERY, "-o", "/dev/null", cwd=small_built)
    assert result.returncode == 0, result.stderr.decode()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("command", [QUERY, ("export", "--format", "nt"),
                                     ("analyze", "--format", "csv"), ("path", "ada-moss", "dong-wei")])
def test_a_fifo_given_to_o_is_streamed_into_and_stays_a_fifo(small_built: Path, tmp_path: Path,
                                                             command: tuple[str, ...]) -> None:
    fifo = tmp_path / "answer.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_kg(*command, "-o", str(fifo), cwd=small_built)
    reader.join(30)
    assert result.returncode == 0, result.stderr.decode()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0], "nothing came through the FIFO"


def test_o_a_regular_file_is_replaced_whole_and_keeps_its_permissions(small_built: Path, tmp_path: Path) -> None:
    target = tmp_path / "answer.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    result = run_kg(*QUERY, "-o", str(target), cwd=small_built)
    assert result.returncode == 0, result.stderr.decode()
    assert target.read_bytes().startswith(b"s,s_label\r\nhttps:")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["answer.csv"]  # no temporary file left


def test_o_through_a_link_writes_the_file_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_output(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_o_into_a_build_folder_is_refused(small_built: Path) -> None:
    before = _tree(small_built / "build")
    for name in ("kg.nt", "mine.csv", "network/mine.csv"):
        result = run_kg(*QUERY, "-o", f"build/{name}", cwd=small_built)
        err = result.stderr.decode()
        assert result.returncode == 2, err
        assert "lies in a build folder" in err and "Wrote" not in err
    assert _tree(small_built / "build") == before


def test_o_a_folder_or_a_socket_is_refused(tmp_path: Path) -> None:
    import socket

    with pytest.raises(OutputError, match="is a folder"):
        write_output(tmp_path, b"x")
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(OutputError, match="is a socket"):
            write_output(path, b"x")
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_o_dash_is_standard_output(small_built: Path) -> None:
    result = run_kg(*QUERY, "-o", "-", cwd=small_built)
    assert result.returncode == 0 and result.stdout.startswith(b"s,s_label\r\n")
    assert not (small_built / "-").exists()


# -- item 2: --out is never an input, and a user's files in it are kept -----------------------------------


@pytest.mark.parametrize("out,where", [("ontology", "is the ontology folder"), ("data", "is the data folder"),
                                       ("data/build", "lies inside the data folder"),
                                       (".", "contains the data folder")])
def test_out_is_never_an_input_folder(project: Path, out: str, where: str) -> None:
    before = _tree(project)
    result = run_kg("build", "--out", out, cwd=project)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert where in err and "a build would write into its inputs" in err
    assert _tree(project) == before


def test_a_users_files_in_the_output_folder_are_kept_and_the_build_refused(project: Path) -> None:
    out = project / "build"
    build(project / "data", project / "ontology", out, extras="always")
    mine = {"network/my-analysis.gephi": b"mine", ".tmp-mine/notes.txt": b"notes"}
    for name, content in mine.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(content)
    before = _tree(out)
    with pytest.raises(UsageError, match="holds files that kg did not write") as caught:
        build(project / "data", project / "ontology", out, extras="always")
    assert ".tmp-mine/" in str(caught.value.hint) + caught.value.message
    assert _tree(out) == before


def test_a_folder_that_is_not_a_build_is_not_written_into(project: Path) -> None:
    out = project / "elsewhere"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"years of work")
    result = run_kg("build", "--out", "elsewhere", cwd=project)
    assert result.returncode == 2 and "thesis.docx" in result.stderr.decode()
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_a_second_build_removes_only_the_files_the_first_one_wrote(project: Path) -> None:
    out = project / "build"
    build(project / "data", project / "ontology", out, extras="always")
    first = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert "overview.html" in first and any(name.startswith("network/") for name in first)
    assert "site/index.html" in first and "site/model.html" in first
    build(project / "data", project / "ontology", out, extras="never")  # writes neither of them
    second = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert "overview.html" not in second and not (out / "overview.html").exists()
    assert not (out / "network").exists() and not (out / "site").exists()
    assert set(build_files(out)) == set(second) | {"manifest.json", ".kg-build.lock", "kg.oxigraph/kg-store.json"}
    assert not list(out.glob(STAGING_PREFIX + "*"))


# -- item 16: every output is written with the same permissions ------------------------------------------


def test_the_pages_are_written_with_the_permissions_of_the_other_outputs(project: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = project / "build"
        build(project / "data", project / "ontology", out, extras="always")
        modes = {name: stat.S_IMODE((out / name).stat().st_mode) for name in ("kg.ttl", "kg.nt", "overview.html")}
        assert modes == {"kg.ttl": 0o644, "kg.nt": 0o644, "overview.html": 0o644}
        result = run_kg("viz", "--build", str(out), "-o", str(tmp_path / "graph.html"), cwd=project)
        assert result.returncode == 0, result.stderr.decode()
        assert stat.S_IMODE((tmp_path / "graph.html").stat().st_mode) == 0o644
    finally:
        os.umask(old)
