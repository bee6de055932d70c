"""The scenario JSON schema: where it lives, and checking a document against it.

The schema ships inside the wheel as player/_data/scenario.schema.json; an editable install
reads the repo's schemas/ copy. A compiled yes/no check (player.schemacompile) answers for valid
documents; jsonschema, slow to import and to run, only explains what is wrong, and only for the
steps that fail.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._model import Diagnostic
from ._schema_compile import compile_schema
from ._schema_messages import ACTIONS, describe_errors
from ._yaml import Document

__all__ = ["ACTIONS", "schema_path", "schema_text", "load_schema", "check_document", "prune"]


def schema_path() -> Path:
    """The schema file: packaged copy when installed from a wheel, else the repo's."""
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "_data" / "scenario.schema.json"  # the wheel's copy, on disk
    if packaged.is_file():
        return packaged
    repo = here.parents[2] / "schemas" / "scenario.schema.json"
    if repo.is_file():
        return repo
    # Neither on disk (the package imported from a zip): importlib.resources finds it. Only
    # here, as importing it costs ~8 ms of every validate's cold start.
    from importlib.resources import files

    return Path(str(files("player") / "_data" / "scenario.schema.json"))


@functools.lru_cache(maxsize=1)
def schema_text() -> str:
    return schema_path().read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text())
    return schema


@functools.cache
def _validator(ref: str | None = None) -> Any:
    from jsonschema import Draft7Validator  # deferred: importing it costs ~150 ms

    schema = load_schema()
    return Draft7Validator({"$ref": ref, "definitions": schema["definitions"]} if ref else schema)


@functools.cache
def _fast_check(ref: str | None = None) -> Callable[[Any], bool]:
    return compile_schema(load_schema(), ref)


def check_document(doc: Document) -> list[Diagnostic]:
    """Every schema violation in the document, at its key or value, one per problem."""
    data = doc.data
    if _fast_check()(data):
        return []  # the common case, without importing jsonschema
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, list) or not steps:
        return describe_errors(((e, ()) for e in _validator().iter_errors(data)), doc)
    # Explain only the failing steps: jsonschema costs about a millisecond per step.
    is_step = _fast_check("#/definitions/step")
    bad = [i for i, step in enumerate(steps) if not is_step(step)]
    top = {**data, "steps": ["interrupt"] * len(steps)}  # valid stand-ins keep the indexes
    errors: list[tuple[Any, tuple[Any, ...]]] = [(e, ()) for e in _validator().iter_errors(top)]
    errors += [(e, ("steps", i)) for i in bad for e in _validator("#/definitions/step").iter_errors(steps[i])]
    return describe_errors(errors, doc)


def prune(data: Any) -> dict[str, Any] | None:
    """The parts of a schema-invalid document that pass on their own, so resolution can still
    find the other problems in them: invalid steps become None (positions stay), invalid
    sections and variables are dropped. None when there is nothing to resolve."""
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        return None
    out = {
        k: v
        for k, v in data.items()
        if k in ("name", "description", "conversation", "defaults", "thresholds") and _fast_check(f"#/properties/{k}")(v)
    }
    is_step = _fast_check("#/definitions/step")
    out["steps"] = [step if is_step(step) else None for step in data["steps"]]
    if isinstance(data.get("vars"), dict):
        is_vars = _fast_check("#/definitions/vars")
        out["vars"] = {k: v for k, v in data["vars"].items() if is_vars({k: v})}
    return out
