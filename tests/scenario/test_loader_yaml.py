"""player.yamlload: positions, the YAML 1.1 traps, and the safety limits."""

from __future__ import annotations

import time

import pytest

from player.scenario._model import Pos
from player.scenario._yaml import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, SourceError, YamlError, parse_yaml, read_source


def parse_error(text: str | bytes) -> YamlError:
    with pytest.raises(YamlError) as info:
        parse_yaml(text, "f.yaml")
    return info.value


def test_positions_of_values_and_keys_are_one_based() -> None:
    doc = parse_yaml("version: 1\nsteps:\n  - say: hi\n    id: x\n", "f.yaml")
    assert doc.pos(("steps", 0, "say")) == Pos("f.yaml", 3, 10)
    assert doc.key_pos(("steps", 0, "say")) == Pos("f.yaml", 3, 5)
    assert doc.key_pos(("steps", 0, "id")) == Pos("f.yaml", 4, 5)
    assert doc.pos(("steps", 0)) == Pos("f.yaml", 3, 5)


def test_missing_path_falls_back_to_the_nearest_ancestor() -> None:
    doc = parse_yaml("steps:\n  - say: hi\n", "f.yaml")
    assert doc.pos(("steps", 0, "nope", 3)) == Pos("f.yaml", 2, 5)
    assert doc.pos(("steps", 7)) == Pos("f.yaml", 2, 3)


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "On", "YES", "y", "n"])
def test_yaml11_booleans_stay_strings(word: str) -> None:
    assert parse_yaml(f"a: {word}\n", "f.yaml").data == {"a": word}


def test_core_schema_scalars() -> None:
    data = parse_yaml(
        "a: true\nb: false\nc: ~\nd:\ne: 12\nf: -1.5\ng: 1e3\nh: 2024-01-02\ni: 1:30\nj: 0x1F\nk: '12'\nl: .inf\n",
        "f.yaml",
    ).data
    assert data == {
        "a": True,
        "b": False,
        "c": None,
        "d": None,
        "e": 12,
        "f": -1.5,
        "g": 1000.0,
        "h": "2024-01-02",
        "i": "1:30",
        "j": "0x1F",
        "k": "12",
        "l": float("inf"),
    }


def test_explicit_tags() -> None:
    assert parse_yaml("a: !!str 12\nb: !!float 3\nc: !!int '7'\n", "f.yaml").data == {"a": "12", "b": 3.0, "c": 7}
    assert "unsupported YAML tag" in parse_error("a: !!binary aGk=\n").diagnostic.message
    assert "unsupported YAML tag !python/object" in parse_error("a: !python/object {}\n").diagnostic.message
    assert "not a valid !!int" in parse_error("a: !!int abc\n").diagnostic.message


def test_duplicate_keys_are_refused_at_the_second() -> None:
    diag = parse_error("say: a\nid: x\nsay: b\n").diagnostic
    assert (diag.pos.line, diag.pos.col, diag.message) == (3, 1, "duplicate key 'say'")
    assert diag.hint == "first at line 1"


def test_merge_keys_and_aliases() -> None:
    doc = parse_yaml("base: &b {wait: none, gap: 1}\nstep:\n  <<: *b\n  gap: 2\n", "f.yaml")
    assert doc.data["step"] == {"wait": "none", "gap": 2}


def test_syntax_error_has_position_and_tab_hint() -> None:
    diag = parse_error("steps:\n\t- say: hi\n").diagnostic
    assert diag.pos.line == 2 and diag.code == "yaml"
    assert diag.message.startswith("invalid YAML:")
    assert "tabs" in (diag.hint or "")


def test_non_utf8_bytes_are_located() -> None:
    diag = parse_error(b"a: 1\nb: caf\xe9\n").diagnostic
    assert (diag.pos.line, diag.pos.col) == (2, 7)
    assert "not UTF-8" in diag.message and diag.hint == "save the file as UTF-8"


def test_utf8_bom_is_accepted_and_utf16_refused() -> None:
    assert parse_yaml(b"\xef\xbb\xbfa: 1\n", "f.yaml").data == {"a": 1}
    assert parse_error("a: 1\n".encode("utf-16")).diagnostic.message == "file is UTF-16"


def test_control_characters_are_refused() -> None:
    diag = parse_error("a: b\x00c\n").diagnostic
    assert diag.message.startswith("not valid YAML text") and diag.pos.line == 1


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    assert parse_error(text).diagnostic.message == "the file is empty"


def test_multiple_documents() -> None:
    diag = parse_error("a: 1\n---\nb: 2\n").diagnostic
    assert diag.message == "more than one YAML document in the file"
    assert diag.pos.line == 2


def test_billion_laughs_fails_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    diag = parse_error("\n".join(lines) + "\n").diagnostic
    assert time.perf_counter() - start < 1.0
    assert diag.message == "YAML aliases expand to too many nodes" and diag.code == "limit"


def test_too_many_aliases() -> None:
    text = "a: &x 1\nb: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    diag = parse_error(text).diagnostic
    assert diag.message == f"more than {MAX_ALIASES} YAML aliases" and diag.pos.line == 2


def test_recursive_alias_is_refused() -> None:
    assert "has no complete anchor" in parse_error("a: &x [*x]\n").diagnostic.message


@pytest.mark.parametrize("open_, close", [("[", "]"), ("{a: ", "}")])
def test_deep_nesting_is_refused(open_: str, close: str) -> None:
    depth = 100_000
    diag = parse_error(open_ * depth + close * depth).diagnostic
    assert diag.message == f"nested more than {MAX_DEPTH} levels deep"


def test_read_source_limits(tmp_path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(SourceError, match="larger than 1024 KiB"):
        read_source(big)
    with pytest.raises(SourceError, match="no such file"):
        read_source(tmp_path / "missing.yaml")
    with pytest.raises(SourceError, match="is a directory"):
        read_source(tmp_path)


def test_non_string_keys_are_refused() -> None:
    assert parse_error("? [a]\n: 1\n").diagnostic.message == "mapping keys must be plain text"
