"""YAML structure errors reported where the mistake is, with a hint that says what to change:
an option indented more or less than its action key, a quote left open or closed early, an
unclosed `[`, a `: ` inside plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader_support import only, run_cli, write
from player.scenario._yaml import YamlError, parse_yaml
from player.scenario._yaml_hints import explain

STEPS = "version: 1\nsteps:\n"


def diagnostic(text: str) -> tuple[int, int, str, str | None]:
    with pytest.raises(YamlError) as caught:
        parse_yaml(text, "f.yaml")
    d = caught.value.diagnostic
    assert d.code == "yaml"
    return d.pos.line, d.pos.col, d.message, d.hint


ALIGN = "in line with `say`: the keys of one step (or mapping) start in the same column"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "  - say: hi\n   wait: none\n",
            (4, 4, "invalid YAML: `wait` is indented less than `say` on line 3", f"indent `wait` to column 5, {ALIGN}"),
        ),
        (
            "  - say: hi\n wait: none\n",
            (4, 2, "invalid YAML: `wait` is indented less than `say` on line 3", f"indent `wait` to column 5, {ALIGN}"),
        ),
        (
            "  - say: hi\n     wait: none\n",
            (4, 6, "invalid YAML: `wait` is indented more than `say` on line 3", f"indent `wait` to column 5, {ALIGN}"),
        ),
        (
            "- say: hi\n   wait: none\n",
            (4, 4, "invalid YAML: `wait` is indented more than `say` on line 3", f"indent `wait` to column 3, {ALIGN}"),
        ),
        # a comment line between them does not count as the line above
        (
            "  - say: hi\n  # the pause\n   wait: none\n",
            (5, 4, "invalid YAML: `wait` is indented less than `say` on line 3", f"indent `wait` to column 5, {ALIGN}"),
        ),
    ],
)
def test_an_option_indented_more_or_less_than_its_action_key(body: str, expected: tuple[int, int, str, str]) -> None:
    assert diagnostic(STEPS + body) == expected


def test_an_option_at_the_top_level_is_a_schema_error_with_the_same_advice(tmp_path: Path) -> None:
    from loader_support import diagnose

    d = only(diagnose(tmp_path, STEPS + "  - say: hi\nwait: none\n"))
    assert (d.pos.line, d.pos.col, d.message) == (4, 1, "unknown key 'wait' in the top level")
    assert d.hint == "if `wait` belongs to the step above, indent it in line with that step's action key"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('  - say: "hello\n  - say: bye\n', (3, 10, 'invalid YAML: this " is never closed', 'end the text with " on line 3')),
        ("  - say: 'hello\n", (3, 10, "invalid YAML: this ' is never closed", "end the text with ' on line 3")),
        (
            '  - say: "hello\n  - say: "bye"\n',
            (3, 10, 'invalid YAML: the " opened here is closed only on line 4', 'end the text with " on line 3'),
        ),
        (
            "  - say: 'hello\n    wait: none\n  - say: 'bye'\n",
            (3, 10, "invalid YAML: the ' opened here is closed only on line 5", "end the text with ' on line 3"),
        ),
        (
            "  - say: 'it's fine'\n",
            (
                3,
                13,
                "invalid YAML: the quoted text ends at this ', before the rest of the value",
                "write '' for a ' inside single quotes (it''s), or use double quotes",
            ),
        ),
    ],
)
def test_quotes_are_reported_where_they_open(body: str, expected: tuple[int, int, str, str]) -> None:
    assert diagnostic(STEPS + body) == expected


def test_a_text_meant_to_run_over_lines_is_not_blamed(tmp_path: Path) -> None:
    body = '  - say: "hello\n      there"\n  - say: hi\n   wait: none\n'
    assert diagnostic(STEPS + body)[:3] == (6, 4, "invalid YAML: `wait` is indented less than `say` on line 5")


def test_an_unclosed_bracket(tmp_path: Path) -> None:
    line, col, message, hint = diagnostic(STEPS + "  - say: [a, b\n  - say: c\n")
    assert (line, col, message) == (3, 10, "invalid YAML: the [ opened here is never closed")
    assert hint and hint.startswith("close it with ] on line 3")


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("Note: this is it", 'put the text in quotes: say: "Note: this is it"'),
        ('He said: "go"', "put the text in quotes: say: 'He said: \"go\"'"),
    ],
)
def test_a_colon_inside_plain_text(value: str, hint: str) -> None:
    assert diagnostic(STEPS + f"  - say: {value}\n") == (3, 10, "invalid YAML: a `: ` inside this text starts a mapping", hint)


def test_the_cli_shows_the_excerpt_where_the_quote_opened(tmp_path: Path) -> None:
    path = write(tmp_path, "q.scenario.yaml", STEPS + '  - say: "hello\n  - pause: 1s\n  - say: "bye"\n')
    result = run_cli(["validate", str(path)])
    assert result.code == 1
    assert f'{path}:3:10: error: invalid YAML: the " opened here is closed only on line 5\n' in result.out
    assert ' 3 |   - say: "hello\n   |          ^' in result.out
    assert 'hint: end the text with " on line 3' in result.out


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "'", '"', "- '\n", "a: 'b'c'\n", "[", "{a: [\n", "a: b: c\n", "  x\ny: 1\n", '"\\', "'''\n'"],
)
def test_explain_never_fails_on_odd_text(text: str) -> None:
    lines = text.split("\n")
    for line in range(len(lines) + 1):
        for column in (0, 1, 5):
            explain(text, line, column, None, None)
            explain(text, line, column, "while scanning a quoted scalar", (0, 0))
            explain(text, line, column, "while parsing a flow sequence", (0, 0))
