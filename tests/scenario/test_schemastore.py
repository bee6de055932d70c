"""The schema ready for SchemaStore: a stable `$id` in its URL scheme, the catalog entry (also in
README), and the positive and negative test files it asks for (src/test/<name>/ and
src/negative_test/<name>/), kept identical to the schema cases the loader tests use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from loader_support import REPO
from player.scenario._schema import load_schema
from player.scenario._yaml import parse_yaml

STORE = REPO / "schemas" / "schemastore"
NAME = "echo-player-scenario"
CASES = REPO / "tests" / "scenario" / "schema_cases"
POSITIVE = sorted((STORE / "test" / NAME).glob("*.yaml"))
NEGATIVE = sorted((STORE / "negative_test" / NAME).glob("*.yaml"))
VALIDATOR = jsonschema.Draft7Validator(load_schema())


def _data(path: Path) -> object:
    return parse_yaml(path.read_bytes(), path.name).data


def test_the_id_and_the_catalog_entry_agree_and_readme_shows_the_entry() -> None:
    entry = json.loads((STORE / "catalog-entry.json").read_text())
    assert load_schema()["$id"] == entry["url"] == f"https://json.schemastore.org/{NAME}.json"
    assert entry["fileMatch"] == ["*.scenario.yaml"] and entry["name"] and entry["description"]
    readme = (REPO / "README.md").read_text()
    blocks = [json.loads(b) for b in re.findall(r"```json\n(\{.*?\})\n```", readme, re.S)]
    assert entry in blocks


def test_the_test_files_are_the_schema_cases() -> None:
    assert [p.name for p in POSITIVE] == sorted(p.name for p in (CASES / "valid").glob("*.yaml"))
    assert [p.name for p in NEGATIVE] == sorted(p.name for p in (CASES / "invalid").glob("*.yaml"))
    for path in POSITIVE:
        assert path.read_bytes() == (CASES / "valid" / path.name).read_bytes(), path.name
    for path in NEGATIVE:
        assert path.read_bytes() == (CASES / "invalid" / path.name).read_bytes(), path.name


@pytest.mark.parametrize("path", POSITIVE, ids=lambda p: p.stem)
def test_positive_files_validate(path: Path) -> None:
    assert list(VALIDATOR.iter_errors(_data(path))) == []


@pytest.mark.parametrize("path", NEGATIVE, ids=lambda p: p.stem)
def test_negative_files_fail(path: Path) -> None:
    assert list(VALIDATOR.iter_errors(_data(path))) != []
