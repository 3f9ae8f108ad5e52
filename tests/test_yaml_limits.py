"""Our nesting limit is ours: decided by kg.readers.yaml_limits before PyYAML parses, so the message does
not depend on the PyYAML version (6.0.4's LibYAML stops at 1,000 levels with a message of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kg.readers import yaml_reader
from kg.readers.yaml_limits import BLOCK_LIMIT, FLOW_CAP, MAX_DEPTH, limit_nesting


def _max_flow_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


@pytest.mark.parametrize("depth", [FLOW_CAP + 1, 999, 1000, 100_000])
def test_a_deep_flow_list_reaches_the_parser_cut_to_the_cap(tmp_path: Path, monkeypatch, depth: int) -> None:
    seen: list[str] = []
    real = yaml.compose

    def spy(text, Loader):
        seen.append(text)
        return real(text, Loader=Loader)

    monkeypatch.setattr(yaml_reader.yaml, "compose", spy)
    path = tmp_path / "deep.yaml"
    path.write_text("- id: x\n  note: " + "[" * depth + "x" + "]" * depth + "\n  label: after\n", encoding="utf-8")
    tree, problems = yaml_reader.read_yaml(path, "deep.yaml")
    assert seen and _max_flow_depth(seen[0]) == FLOW_CAP + 1
    assert [(p.line, p.message) for p in problems] == [(2, "nesting is too deep")]
    assert tree is not None and tree.items[0].items["label"].text == "after"  # the rest is still read


def test_deep_block_nesting_is_refused_at_its_line_before_parsing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(yaml_reader.yaml, "compose", lambda *a, **k: pytest.fail("parsed a too-deep file"))
    path = tmp_path / "deep.yaml"
    path.write_text("- id: x\n  note:\n" + "    " + "- " * (BLOCK_LIMIT + 5) + "x\n", encoding="utf-8")
    tree, problems = yaml_reader.read_yaml(path, "deep.yaml")
    assert tree is None
    assert [(p.line, p.message, p.hint) for p in problems] == [
        (3, "nesting is too deep", f"records need at most {MAX_DEPTH} levels")]


@pytest.mark.parametrize("text", [
    "a: '" + "[" * 50 + "'\nb: [x]\n",                      # brackets in a single-quoted value
    'a: "' + "{" * 50 + '\\" [["\nb: [x]\n',                # ... in a double-quoted one, with an escape
    "a: |\n  " + "[" * 50 + "\nb: [x]\n",                   # ... in a block scalar
    "a: [x] # " + "[" * 50 + "\nb: [x]\n",                  # ... in a comment
    "a: text [with] brackets " + "[" * 50 + "\nb: [x]\n",   # ... inside a plain value
    "- {a: [" + "[" * 20 + "]" * 20 + "]}\n" * 3,           # nesting within the cap
])
def test_brackets_that_do_not_nest_leave_the_text_as_it_is(text: str) -> None:
    assert limit_nesting(text) == (text, 0)


def test_a_cut_keeps_every_line_in_its_place() -> None:
    text = "a: [\n" + "[\n" * 40 + "x\n" + "]\n" * 41 + "b: [y]\n"
    cut, refused = limit_nesting(text)
    assert refused == 0 and len(cut) == len(text) and cut.count("\n") == text.count("\n")
    assert _max_flow_depth(cut) == FLOW_CAP + 1
    assert yaml.safe_load(cut)["b"] == ["y"]
