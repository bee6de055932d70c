"""jsonschema errors -> one-line Diagnostics at the offending key or value, in the words of
the scenario format ("unknown key 'sya' in a step", "did you mean 'say'?"), one per problem."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._durations import DurationError, parse_duration
from ._model import Diagnostic
from ._yaml import Document

if TYPE_CHECKING:
    from jsonschema import ValidationError  # its fields are typed loosely (Unset): read as Any below

__all__ = ["ACTIONS", "describe_errors", "did_you_mean"]

ACTIONS = ("say", "play", "interrupt", "pause", "wait_for", "cue", "repeat", "include", "send")
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "empty",
}
_Found = tuple[Diagnostic, str, tuple[Any, ...]]  # the diagnostic, its kind, the path it is about


def did_you_mean(word: object, choices: Sequence[str]) -> str | None:
    import difflib  # deferred: only a mistake gets here, and a valid file's cold start skips it

    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def describe_errors(errors: Iterable[tuple[ValidationError, tuple[Any, ...]]], doc: Document) -> list[Diagnostic]:
    """Diagnostics for (error, path prefix of the instance it was raised on) pairs, without the
    follow-on noise: a misspelled action is not also "a step needs an action"."""
    found = [item for error, prefix in errors for item in _translate(error, doc, prefix)]
    unknown = {path for _, kind, path in found if kind == "unknown"}
    many_actions = {path for _, kind, path in found if kind == "actions"}
    out: list[Diagnostic] = []
    for diag, kind, path in found:
        if kind == "no-action" and any(p[:-1] == path for p in unknown):
            continue
        if kind == "not-allowed" and (path[:-1] in many_actions or path in unknown):
            continue
        if diag not in out:
            out.append(diag)
    return out


def _translate(error: Any, doc: Document, prefix: tuple[Any, ...]) -> list[_Found]:
    path = prefix + tuple(error.absolute_path)
    value, schema, kind = error.instance, error.schema, error.validator
    name = _name(path)
    pos = doc.pos(path)
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        where = "a step" if _is_step(path) else ("the top level" if not path else f"`{path[-1]}`")
        return [
            (
                Diagnostic(
                    doc.key_pos(path + (key,)),
                    f"unknown threshold metric '{key}'" if path == ("thresholds",) else f"unknown key '{key}' in {where}",
                    did_you_mean(key, allowed) or _outdented(doc, path, key) or f"allowed: {', '.join(allowed)}",
                    code="schema",
                ),
                "unknown",
                path + (key,),
            )
            for key in value
            if key not in allowed
        ]
    if "propertyNames" in error.schema_path:
        return [_property_name(error, doc, path)]
    if kind == "oneOf" and _is_step(path):
        present = [a for a in ACTIONS if a in value]
        if present:
            message, hint, tag = f"a step has more than one action: {', '.join(present)}", "split it into separate steps", "actions"
        else:
            message, hint, tag = "a step needs an action", f"add one of: {', '.join(ACTIONS)}", "no-action"
        return [(Diagnostic(pos, message, hint, code="schema"), tag, path)]
    if kind == "const" and _is_step(path) and isinstance(value, str):
        hint = did_you_mean(value, ["interrupt"]) or (
            f"write `{value}: ...`" if value in ACTIONS else "a step is a mapping with one action key, or `interrupt`"
        )
        return [(Diagnostic(pos, f"'{value}' is not a step", hint, code="schema"), "value", path)]
    if kind == "required":
        missing = next((k for k in error.validator_value if k not in value), "?")
        where = "the scenario" if not path else name
        return [(Diagnostic(pos, f"{where} is missing the required key '{missing}'", code="schema"), "value", path)]
    if kind == "pattern":
        return [(_pattern(path, value, name, doc), "value", path)]
    text, advice = _describe(error, value, name)
    return [(Diagnostic(pos, text, advice, code="schema"), "value", path)]


def _describe(error: Any, value: Any, name: str) -> tuple[str, str | None]:
    kind, expected, schema = error.validator, error.validator_value, error.schema
    if "errorMessage" in schema and kind in ("not", "anyOf", "const", "oneOf"):
        return str(schema["errorMessage"]), None
    if kind == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_TYPE_NAMES.get(k, k) for k in kinds)
        shown = f"text {_show(value)}" if isinstance(value, str) else _show(value)
        return f"{name} must be {wanted}, not {shown}", None
    if kind == "enum":
        choices = [str(c) for c in expected]
        return f"{name} must be one of {', '.join(choices)}, not {_show(value)}", did_you_mean(value, choices)
    if kind == "const":
        return f"{name} must be {json.dumps(expected)}, not {_show(value)}", None
    if kind in ("minimum", "exclusiveMinimum", "maximum"):
        word = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most"}[kind]
        return f"{name} must be {word} {expected}, not {_show(value)}", None
    if kind in ("minItems", "minLength"):
        return f"{name} must not be empty", None
    return f"{name}: {error.message}", None


def _pattern(path: tuple[Any, ...], value: Any, name: str, doc: Document) -> Diagnostic:
    pos = doc.pos(path)
    if path and path[-1] == "id":
        return Diagnostic(pos, f"invalid id '{value}'", "ids use letters, digits, _, - and ., starting with a letter or _", code="schema")
    if path and path[-1] == "at":
        tail = str(value).rpartition("+")[2]
        hint = "write a time (45s) or a step id with an offset (intro+2s)"
        try:
            parse_duration(tail)
        except DurationError as exc:
            hint = exc.hint or hint
        return Diagnostic(pos, f"{name} must be a time or a step reference, not '{value}'", hint, code="schema")
    try:
        parse_duration(value)
    except DurationError as exc:
        return Diagnostic(pos, f"{name}: {exc}", exc.hint, code="schema")
    return Diagnostic(pos, f"{name} has an invalid form: '{value}'", code="schema")


def _property_name(error: Any, doc: Document, path: tuple[Any, ...]) -> _Found:
    key = error.instance
    pos = doc.key_pos(path + (key,))
    if "errorMessage" in error.schema:
        return Diagnostic(pos, f"invalid name '{key}': {error.schema['errorMessage']}", code="schema"), "value", path
    mapping = _at(doc.data, path)
    action = next((a for a in ACTIONS if isinstance(mapping, dict) and a in mapping), "this")
    allowed = [str(k) for k in error.validator_value if k != action]
    message = f"'{key}' does not apply to a {action} step"
    hint = f"a {action} step takes: {', '.join(allowed)}" if allowed else f"a {action} step takes no other keys"
    return Diagnostic(pos, message, hint, code="schema"), "not-allowed", path + (key,)


def _outdented(doc: Document, path: tuple[Any, ...], key: str) -> str | None:
    """A top-level key below `steps:` is most often a step's option that lost its indentation."""
    steps = doc.root.key_pos.get("steps") if not path and doc.root.kind == "map" else None
    here = doc.key_pos((key,))
    if steps is None or here.line <= steps.line:
        return None
    return f"if `{key}` belongs to the step above, indent it in line with that step's action key"


def _is_step(path: tuple[Any, ...]) -> bool:
    return len(path) >= 2 and path[-2] == "steps" and isinstance(path[-1], int)


def _name(path: tuple[Any, ...]) -> str:
    if not path:
        return "the scenario"
    if _is_step(path):
        return f"step {path[-1] + 1}"
    if isinstance(path[-1], int):
        return f"item {path[-1] + 1} of `{path[-2]}`"
    return f"`{path[-1]}`"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return repr(text[:40] + "..." if len(text) > 40 else text) if isinstance(value, str) else text


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data
