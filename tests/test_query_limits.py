"""A query's time limit stops it for real and its memory is bounded (issue 15, item 15): the engine
cannot be cancelled, so a query with a limit runs in a forked child that is killed (kg.isolated)."""

from __future__ import annotations

import os
import time

import pyoxigraph as ox
import pytest
from conftest import run_kg

from kg.errors import QueryError, QueryTimeout
from kg.graph import KnowledgeGraph
from kg.isolated import parse_size, run_limited

EX = "http://example.org/"
#: Every pair of every triple: 40,000 ** 2 rows, far more than any limit lets through.
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c"


@pytest.fixture(scope="module")
def wide() -> KnowledgeGraph:
    return KnowledgeGraph(ox.Triple(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p{i % 7}"), ox.Literal(str(i)))
                          for i in range(40_000))


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def test_a_timed_out_query_stops_using_the_cpu(wide: KnowledgeGraph) -> None:
    # Before: the query was abandoned in a thread and kept a core busy after the "stopped" message.
    own = time.process_time()
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="ran longer than 1 s and was stopped"):
        wide.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=1)
    assert time.monotonic() - started < 5
    children = _children_cpu()
    time.sleep(1.5)
    assert time.process_time() - own < 1.0  # this process did not evaluate it
    assert _children_cpu() == children  # the child is gone: it uses no more CPU


def test_a_query_over_its_memory_bound_is_stopped_with_a_message(wide: KnowledgeGraph) -> None:
    with pytest.raises(QueryError, match="needed more than 200 MiB of memory and was stopped"):
        wide.query(CROSS, timeout=120, max_memory=200 * 1024**2)


def test_a_limited_query_gives_the_same_answer_and_errors_as_an_unlimited_one(wide: KnowledgeGraph) -> None:
    sparql = "SELECT ?s WHERE { ?s ?p ?o FILTER(?o IN ('1', '2')) } ORDER BY ?s"
    assert wide.query(sparql, timeout=30).rows == wide.query(sparql).rows
    with pytest.raises(SyntaxError):
        wide.query("SELEC ?x", timeout=30)
    with pytest.raises(ZeroDivisionError):
        run_limited(lambda: 1 / 0, 5)


@pytest.mark.parametrize(("text", "size"), [("512M", 512 * 1024**2), ("4G", 4 * 1024**3), ("1.5GiB", 3 * 1024**3 // 2),
                                           ("1000", 1000)])
def test_sizes_are_read_with_their_unit(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "-1G", "nan", "0", "1e30G", "lots"])
def test_a_size_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises((ValueError, IndexError)):
        parse_size(text)


def test_kg_query_max_memory_is_checked_before_the_query_runs(built) -> None:
    result = run_kg("query", "-e", "SELECT * WHERE { ?s ?p ?o }", "--max-memory", "lots", cwd=built)
    assert result.returncode == 2, result.stderr
    assert "--max-memory 'lots' is not a size" in result.stderr.decode()
