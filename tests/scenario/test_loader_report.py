"""The excerpt under a diagnostic: a window around the caret, cut marks, the caret under its
column, however long the line (a 100,000-character line printed 200 KB before)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loader_support import diagnose, run_cli, write
from player.scenario import Diagnostic, Pos, render_github, render_json, render_text
from player.scenario._report import EXCERPT_WIDTH


def excerpt(text: str) -> tuple[str, str]:
    """The source line and the caret line of a one-diagnostic report, without their gutters."""
    lines = text.splitlines()
    source = next(line for line in lines if line.lstrip().split(" ", 1)[0].isdigit())
    caret = lines[lines.index(source) + 1]
    gutter = source.index("|") + 1
    return source[gutter:], caret[gutter:]


def test_a_100000_character_line_prints_a_window_around_the_caret(tmp_path: Path) -> None:
    text = "version: 1\nsteps:\n  - say: " + "x" * 50_000 + " ${nope} " + "y" * 50_000 + "\n"
    path = write(tmp_path, "long.scenario.yaml", text)
    result = run_cli(["validate", str(path)])
    assert result.code == 1
    assert len(result.out) < 3_000  # the whole report, the long-text error included
    found = [d for d in diagnose(tmp_path, text, name="long.scenario.yaml") if "undefined" in d.message]
    source, caret = excerpt(render_text(found))
    assert source.startswith(" …x") and source.endswith("y…")
    assert len(source) <= EXCERPT_WIDTH + 3
    start = caret.index("^")
    assert source[start : start + 7] == "${nope}" and caret[start:] == "^" * 7


def test_an_error_at_the_start_of_a_long_line_is_cut_only_at_the_end(tmp_path: Path) -> None:
    path = write(tmp_path, "s.scenario.yaml", "version: 1\nsteps:\n  - sya: " + "z" * 10_000 + "\n")
    d = Diagnostic(Pos(str(path), 3, 5), "unknown key 'sya' in a step")
    source, caret = excerpt(render_text([d]))
    assert source == " " + ("  - sya: " + "z" * 10_000)[:EXCERPT_WIDTH] + "…"
    assert caret == "     ^^^"


def test_an_error_at_the_end_of_a_long_line_is_cut_only_at_the_start(tmp_path: Path) -> None:
    line = "  - say: " + "a" * 5_000 + " ${end}"
    path = write(tmp_path, "s.scenario.yaml", "version: 1\nsteps:\n" + line + "\n")
    d = Diagnostic(Pos(str(path), 3, len(line) - 5), "undefined variable ${end}")
    source, caret = excerpt(render_text([d]))
    assert source == " …" + line[-EXCERPT_WIDTH:]
    assert caret.index("^") == source.index("${end}") and caret.count("^") == 6


def test_a_caret_past_the_end_of_a_long_line(tmp_path: Path) -> None:
    line = "k" * 300
    path = write(tmp_path, "s.scenario.yaml", line + "\n")
    source, caret = excerpt(render_text([Diagnostic(Pos(str(path), 1, 301), "expected ':'")]))
    assert source == " …" + line[-EXCERPT_WIDTH:] and caret.index("^") == len(source) and caret.count("^") == 1


@pytest.mark.parametrize("width", [EXCERPT_WIDTH - 1, EXCERPT_WIDTH])
def test_lines_that_fit_are_shown_whole(tmp_path: Path, width: int) -> None:
    line = "  - say: " + "b" * (width - 9)
    path = write(tmp_path, "s.scenario.yaml", "version: 1\n" + line + "\n")
    source, _ = excerpt(render_text([Diagnostic(Pos(str(path), 2, width - 2), "boom")]))
    assert source == " " + line


def test_huge_values_in_messages_are_cut_in_text_and_github_but_not_in_json(tmp_path: Path) -> None:
    key = "k" * 1_000
    d = Diagnostic(Pos(str(tmp_path / "gone.yaml"), 1, 1), f"unknown key '{key}' in a step", "h" * 1_000)
    text = render_text([d])
    assert len(text) < 800 and "…" in text and text.splitlines()[0].endswith("' in a step")
    assert len(render_github([d])) < 800
    assert json.loads(render_json({"f": [d]}))["files"][0]["diagnostics"][0]["message"] == d.message
