"""What the data folder may hold besides record files, and how names from it are shown (issue 15).

Links, named pipes, devices and hostile file names cannot be committed as bad-input cases: each test
makes them in its own tmp_path. The message cases (long values, escaped column names, cycles, limits)
are folders of tests/bad_input/.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ONTOLOGY

import kg
from kg.errors import MAX_PROBLEMS_PER_FILE, Problem, ValidationError, printable, quoted
from kg.records import find_record_files

BASE = Path(__file__).parent / "bad_input" / "_base"
#: A run that waits on a named pipe would never end: every run here has this many seconds.
TIMEOUT = 60

needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32",
                                 reason="symbolic links are needed")
needs_fifos = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are needed")


def _project(tmp_path: Path) -> Path:
    """A project folder whose data/ holds the valid base records."""
    shutil.copytree(BASE, tmp_path / "data")
    return tmp_path


def _kg(root: Path, *args: str) -> tuple[int, str]:
    """Run the real ``kg ARGS`` in ``root``, bounded in time; its exit code and standard error."""
    env = {k: v for k, v in os.environ.items() if k != "KG_DEBUG"}
    result = subprocess.run([sys.executable, "-m", "kg", *args], cwd=root, capture_output=True, env=env,
                            timeout=TIMEOUT)
    err = result.stderr.decode("utf-8")
    assert "Traceback" not in err and "internal error" not in err, err
    return result.returncode, err


def _validate(root: Path) -> tuple[int, list[str]]:
    code, err = _kg(root, "validate", "--data", "data", "--ontology", str(ONTOLOGY))
    return code, err.splitlines()


def _refused(lines: list[str], count: int) -> list[str]:
    """The problem lines of a failed run, checked to be ``count`` problems and the summary."""
    assert lines[-1] == f"kg validate: {count} problem{'s' if count != 1 else ''} found; nothing was written", lines
    return lines[:-1]


# -- 3. links, pipes and devices --------------------------------------------------------------------

@needs_links
def test_a_link_to_a_record_file_outside_the_data_folder_is_refused_and_never_read(tmp_path: Path) -> None:
    root = _project(tmp_path)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("- id: smuggled\n  type: Person\n  label: TOP SECRET LINE\n  sources: [src]\n",
                       encoding="utf-8")
    (root / "data" / "smuggled.yaml").symlink_to(outside)
    (root / "data" / "passwd.yaml").symlink_to("/etc/passwd")
    code, lines = _validate(root)
    assert code == 1
    problems = _refused(lines, 2)
    assert problems == [
        f"data/passwd.yaml: is a link to a file outside the data folder ({Path('/etc/passwd').resolve()}); it is "
        "not read (copy the file into the data folder, or remove the link)",
        f"data/smuggled.yaml: is a link to a file outside the data folder ({outside.resolve()}); it is not read "
        "(copy the file into the data folder, or remove the link)",
    ]
    assert "SECRET" not in "\n".join(lines) and "root:" not in "\n".join(lines)
    with pytest.raises(ValidationError):  # the library refuses it too: the record never enters a graph
        kg.load(root / "data", ONTOLOGY, shapes=False, checks=False)


@needs_links
def test_a_link_to_a_folder_outside_the_data_folder_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "people.yaml").write_text("- id: more\n", encoding="utf-8")
    (root / "data" / "more").symlink_to(tmp_path / "more", target_is_directory=True)
    code, lines = _validate(root)
    assert code == 1
    assert _refused(lines, 1) == [
        f"data/more: is a link to a folder outside the data folder ({(tmp_path / 'more').resolve()}); its files "
        "are not read (copy the folder into the data folder, or remove the link)"]


@needs_links
def test_a_link_inside_the_data_folder_is_read_once(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "data" / "again.yaml").symlink_to("base.yaml")
    (root / "data" / "sub").mkdir()
    (root / "data" / "sub" / "up").symlink_to("..", target_is_directory=True)  # a folder link inside: not walked
    assert find_record_files(root / "data") == [root / "data" / "base.yaml"]
    code, lines = _validate(root)
    assert code == 0, lines


@needs_links
def test_dangling_links_and_loops_of_links_are_reported(tmp_path: Path) -> None:
    root = _project(tmp_path)
    data = root / "data"
    (data / "gone.csv").symlink_to("deleted.csv")
    (data / "loop.yaml").symlink_to("loop.yaml")
    (data / "notes.txt").symlink_to("nowhere")  # not named like a record file: not ours
    code, lines = _validate(root)
    assert code == 1
    assert _refused(lines, 2) == [
        "data/gone.csv: is a dangling link (to deleted.csv): the file it leads to does not exist "
        "(remove the link, or restore the file it names)",
        "data/loop.yaml: is a link in a loop of links: it never reaches a file (remove the link)",
    ]


@needs_fifos
def test_a_named_pipe_is_reported_and_never_opened(tmp_path: Path) -> None:
    root = _project(tmp_path)
    os.mkfifo(root / "data" / "pipe.yaml")
    os.mkfifo(root / "data" / "pipe")
    (root / "data" / "linked.csv").symlink_to("pipe")  # a link inside, to a pipe
    code, lines = _validate(root)  # opening a pipe for reading would wait here until TIMEOUT
    assert code == 1
    assert _refused(lines, 2) == [
        "data/linked.csv: is a named pipe (FIFO), not a file; it is not read "
        "(record files are regular files: remove it or replace it)",
        "data/pipe.yaml: is a named pipe (FIFO), not a file; it is not read "
        "(record files are regular files: remove it or replace it)",
    ]


@needs_fifos
def test_a_named_pipe_put_where_a_file_was_found_is_not_waited_on(tmp_path: Path) -> None:
    """A file replaced by a pipe between the scan and the read: the reader opens without waiting."""
    os.mkfifo(tmp_path / "pipe.yaml")
    code = ("import sys; from pathlib import Path; from kg.readers.yaml_reader import decode\n"
            "text, problems = decode(Path(sys.argv[1]), 'data/pipe.yaml')\n"
            "assert text is None; print(problems[0])")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "pipe.yaml")], capture_output=True,
                            timeout=TIMEOUT, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("data/pipe.yaml: is not a regular file; it is not read "
                                     "(record files are regular files: remove it or replace it)")


@needs_links
def test_a_device_is_reported_and_a_link_to_one_refused(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "data" / "zero.yaml").symlink_to("/dev/zero")  # outside the folder: refused, never read
    expected = [f"data/zero.yaml: is a link to a file outside the data folder ({Path('/dev/zero').resolve()}); "
                "it is not read (copy the file into the data folder, or remove the link)"]
    try:
        os.mknod(root / "data" / "null.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        expected.insert(0, "data/null.yaml: is a device, not a file; it is not read "
                           "(record files are regular files: remove it or replace it)")
    except (PermissionError, AttributeError, OSError):
        pass  # making a device node needs privileges: the link to one is still checked
    code, lines = _validate(root)
    assert code == 1
    assert _refused(lines, len(expected)) == expected


@needs_fifos
def test_a_query_does_not_wait_on_a_named_pipe_in_the_data_folder(tmp_path: Path) -> None:
    """A command reading a build compares the records with it: a pipe there is named, not read."""
    root = _project(tmp_path)
    code, err = _kg(root, "build", "--ontology", str(ONTOLOGY), "--extras", "never")
    assert code == 0, err
    os.mkfifo(root / "data" / "pipe.yaml")
    code, err = _kg(root, "query", "-e", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "--ontology", str(ONTOLOGY))
    assert "data/pipe.yaml: is a named pipe (FIFO)" in err, err


# -- 4. names are escaped ---------------------------------------------------------------------------

def test_a_file_name_with_a_line_break_cannot_forge_a_line(tmp_path: Path) -> None:
    root = _project(tmp_path)
    try:
        (root / "data" / "x\nkg validate: OK, 0 problems\n.yaml").write_text("- id: Bad\n", encoding="utf-8")
    except OSError:
        pytest.skip("this file system refuses line breaks in names")
    code, lines = _validate(root)
    assert code == 1
    problems = _refused(lines, 2)
    assert all(line.startswith("data/x\\nkg validate: OK, 0 problems\\n.yaml:1: ") for line in problems), lines
    assert "kg validate: OK, 0 problems" not in lines


def test_terminal_escapes_in_a_file_name_are_escaped(tmp_path: Path) -> None:
    root = _project(tmp_path)
    try:
        (root / "data" / "\x1b[2J\u202eevil.csv").write_text("id,type\nBad,Person\n", encoding="utf-8")
    except OSError:
        pytest.skip("this file system refuses such names")
    code, err = _kg(root, "validate", "--data", "data", "--ontology", str(ONTOLOGY))
    assert code == 1
    assert "\x1b" not in err and "\u202e" not in err
    assert "data/\\x1b[2J\\u202eevil.csv:2: id: 'Bad' is not a valid id" in err


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file names that are not UTF-8 are needed")
def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    root = _project(tmp_path)
    try:
        with open(os.fsencode(root / "data") + b"/caf\xe9.yaml", "w", encoding="utf-8") as f:
            f.write("- id: Bad\n")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    code, lines = _validate(root)
    assert code == 1
    assert lines[0].startswith("data/caf\\udce9.yaml:1: id: 'Bad' is not a valid id"), lines


def test_every_part_of_a_problem_is_shown_on_one_line_escaped() -> None:
    problem = Problem("data/a\nb.yaml", 3, "x\x1b[31m", "bad \u2028 value\r", "fix\x00 it")
    assert str(problem) == "data/a\\nb.yaml:3: x\\x1b[31m: bad \\u2028 value\\r (fix\\x00 it)"
    assert printable("plain, 中文, עברית") == "plain, 中文, עברית"  # printable text is left as written
    assert printable("\u202eabc", 2) == "\\u202ea..."
    assert quoted("a\nb") == "'a\\nb'"
    assert quoted("x" * 200) == repr("x" * 80) + "..."


# -- 5. output is bounded ---------------------------------------------------------------------------

def test_at_most_so_many_problems_of_a_file_are_shown() -> None:
    many = [Problem("data/a.csv", line, "sources", "unknown id") for line in range(1, 131)]
    few = [Problem("data/b.yaml", line, "label", "is empty") for line in range(1, 4)]
    error = ValidationError(many + few)
    shown = error.problems
    assert len(shown) == MAX_PROBLEMS_PER_FILE + 1 + 3
    assert shown[MAX_PROBLEMS_PER_FILE] == Problem(
        "data/a.csv", MAX_PROBLEMS_PER_FILE + 1, "", "80 more problems in this file are not shown",
        "fix the ones above and run kg again")
    assert shown[-3:] == few
    assert error.omitted == 80
    assert error.message == "133 problems found; nothing was written"
