"""The scenario schema itself (draft-07, described, packaged) and its checking: jsonschema on the
positive and negative cases, the fast compiled check agreeing with it, and the translated
messages with their line:col."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loader_support import REPO, run_cli
from player.scenario._schema import ACTIONS, check_document, load_schema, schema_path
from player.scenario._schema_compile import SchemaCompileError, compile_schema
from player.scenario._yaml import parse_yaml

CASES = Path(__file__).parent / "schema_cases"
VALID = sorted((CASES / "valid").glob("*.yaml"))
INVALID = sorted((CASES / "invalid").glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (\d+):(\d+) (.+)$", re.M)
VALIDATOR = jsonschema.Draft7Validator(load_schema())
FAST = compile_schema(load_schema())


def _data(path: Path) -> Any:
    return parse_yaml(path.read_bytes(), str(path)).data


def test_schema_is_draft7_and_the_repo_copy() -> None:
    schema = load_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema_path().resolve() == (REPO / "schemas" / "scenario.schema.json").resolve()


def _properties(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, subschema) declared under a `properties` keyword, at any depth."""
    if isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, f"{where}/{i}")
    elif isinstance(node, dict):
        for key, sub in node.items():
            if key in ("properties", "definitions") and isinstance(sub, dict):
                for name, schema in sub.items():
                    if key == "properties":
                        yield f"{where}/{name}", schema
                    yield from _properties(schema, f"{where}/{key}/{name}")
            elif key not in ("enum", "const", "required"):
                yield from _properties(sub, f"{where}/{key}")


def test_every_property_has_a_description() -> None:
    missing = [where for where, sub in _properties(load_schema()) if "description" not in sub]
    assert missing == []


def test_only_draft7_keywords_and_known_annotations() -> None:
    draft7 = set(jsonschema.Draft7Validator.META_SCHEMA["properties"]) | {"errorMessage"}
    used: set[str] = set()

    def walk(node: Any, in_properties: bool = False) -> None:
        if isinstance(node, dict):
            for key, sub in node.items():
                if not in_properties:
                    used.add(key)
                walk(sub, key in ("properties", "definitions") and not in_properties)
        elif isinstance(node, list):
            for sub in node:
                walk(sub)

    walk(load_schema())
    assert used - draft7 == set()


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_valid_cases_pass_jsonschema_and_the_fast_check(case: Path) -> None:
    data = _data(case)
    assert [e.message for e in VALIDATOR.iter_errors(data)] == []
    assert FAST(data) is True


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_cases_fail_with_the_expected_message_and_position(case: Path) -> None:
    text = case.read_text()
    data = _data(case)
    assert list(VALIDATOR.iter_errors(data)), "jsonschema accepts it"
    assert FAST(data) is False
    diagnostics = check_document(parse_yaml(text, case.name))
    expectations = _EXPECT.findall(text)
    assert expectations, "an invalid case needs an `# expect: L:C message` line"
    for line, col, message in expectations:
        assert any((d.pos.line, d.pos.col) == (int(line), int(col)) and message in d.message for d in diagnostics), (
            f"expected {line}:{col} {message!r}, got:\n" + "\n".join(map(str, diagnostics))
        )


def test_did_you_mean_for_unknown_keys_and_values() -> None:
    doc = parse_yaml("version: 1\nsteps:\n  - sya: hi\n    wiat: none\n  - say: x\n    wait: spech\n", "f.yaml")
    hints = {d.message: d.hint for d in check_document(doc)}
    assert hints["unknown key 'sya' in a step"] == "did you mean 'say'?"
    assert hints["unknown key 'wiat' in a step"] == "did you mean 'wait'?"
    assert hints["`wait` must be one of speech, sent, none, not 'spech'"] == "did you mean 'speech'?"


def test_misspelled_action_reports_only_the_key() -> None:
    doc = parse_yaml("version: 1\nsteps:\n  - paus: 1s\n", "f.yaml")
    assert [d.message for d in check_document(doc)] == ["unknown key 'paus' in a step"]


# Hypothesis: the fast check and jsonschema agree on shapes close to real steps.
_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 30000),
    st.floats(allow_nan=False),
    st.sampled_from(["hi", "1s", "1:30", "speech", "none", "interrupt", "intro+2s", "", "a b", "conversation.x"]),
    st.lists(st.sampled_from(["hi", 3]), max_size=2),
)
_keys = st.sampled_from(list(ACTIONS) + ["id", "at", "note", "wait", "from", "chunk", "timeout", "steps", "vars", "auto", "bogus"])
_steps = st.one_of(st.just("interrupt"), st.sampled_from(["pause", 3]), st.dictionaries(_keys, _values, max_size=3))
_docs = st.fixed_dictionaries(
    {"version": st.sampled_from([1, 2, "1"]), "steps": st.lists(_steps, max_size=3)},
    optional={"defaults": st.dictionaries(st.sampled_from(["gap", "wait", "sample_rate", "x"]), _values, max_size=2)},
)


@settings(max_examples=300, deadline=None)
@given(_docs)
def test_fast_check_agrees_with_jsonschema(doc: dict[str, Any]) -> None:
    assert FAST(doc) == VALIDATOR.is_valid(doc)


def test_fast_check_refuses_keywords_it_does_not_know() -> None:
    with pytest.raises(SchemaCompileError, match="uniqueItems"):
        compile_schema({"uniqueItems": True})


def test_schema_command_prints_the_schema() -> None:
    result = run_cli(["schema"])
    assert result.code == 0
    assert json.loads(result.out) == load_schema()


def test_the_packaged_schema_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from player.scenario import _schema

    # A wheel's layout: player/_data/ beside player/scenario/, and the repo's copy there too.
    packaged = tmp_path / "site" / "player" / "_data" / "scenario.schema.json"
    packaged.parent.mkdir(parents=True)
    packaged.write_text("{}")
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "scenario.schema.json").write_text("{}")
    monkeypatch.setattr(_schema, "__file__", str(tmp_path / "site" / "player" / "scenario" / "_schema.py"))
    assert schema_path() == packaged


def test_a_package_not_on_disk_finds_its_schema_through_importlib_resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.resources

    from player.scenario import _schema

    (tmp_path / "_data").mkdir()
    packaged = tmp_path / "_data" / "scenario.schema.json"
    packaged.write_text("{}")
    monkeypatch.setattr(_schema, "__file__", str(tmp_path / "in.zip" / "player" / "scenario" / "_schema.py"))
    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path)
    assert schema_path() == packaged
