"""A fast yes/no test of the draft-07 keywords the scenario schema uses, compiled to closures.

jsonschema takes about a millisecond per step (and ~150 ms to import), far over the validate
budget; almost every file people validate is valid. So the schema is first compiled into nested
closures that only answer "valid?", and jsonschema runs, for its precise errors, only when the
answer is no. Its semantics follow jsonschema's Draft7Validator (bool is neither integer nor
number, 1.0 is an integer, `$ref` hides its siblings); tests hold the two to agreement.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["compile_schema", "SchemaCompileError"]

Check = Callable[[Any], bool]
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "errorMessage", "definitions", "default", "examples"})


class SchemaCompileError(ValueError):
    """The schema uses a keyword this compiler does not implement."""


def compile_schema(schema: Mapping[str, Any], ref: str | None = None) -> Check:
    """A function telling whether an instance is valid against `schema` (local `$ref`s only),
    or against the part of it that `ref` (e.g. "#/definitions/step") names."""
    return _Compiler(schema).compile({"$ref": ref} if ref else schema)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or float(v).is_integer()),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b or (_is_number(a) and _is_number(b) and a == b)


def _pattern(pattern: str) -> Check:
    """Compiled on first use: a file that never reaches a pattern (most use one or two of them)
    does not pay for compiling it, which validate's cold start notices."""
    compiled: list[re.Pattern[str]] = []

    def check(v: Any) -> bool:
        if not isinstance(v, str):
            return True
        if not compiled:
            compiled.append(re.compile(pattern))
        return compiled[0].search(v) is not None

    return check


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if "$ref" in schema:
            return self._ref(schema["$ref"])
        compiled = [self._keyword(k, schema[k], schema) for k in schema if k not in _ANNOTATIONS]
        checks = [c for c in compiled if c is not None]
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(check(v) for check in checks)

    def _ref(self, ref: str) -> Check:
        if not ref.startswith("#/"):
            raise SchemaCompileError(f"only local $refs are supported, not {ref}")
        if ref not in self.refs:
            self.refs[ref] = lambda v: True  # placeholder: lets recursive schemas compile
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part]
            compiled = self.compile(target)
            self.refs[ref] = compiled
            return compiled
        return lambda v: self.refs[ref](v)

    def _keyword(self, key: str, value: Any, schema: Mapping[str, Any]) -> Check | None:
        c = self.compile
        if key == "type":
            tests = [_TYPES[t] for t in ([value] if isinstance(value, str) else value)]
            return lambda v: any(t(v) for t in tests)
        if key == "properties":
            props = {name: c(sub) for name, sub in value.items()}
            return lambda v: not isinstance(v, dict) or all(props[k](x) for k, x in v.items() if k in props)
        if key == "additionalProperties":
            known, extra = set(schema.get("properties", {})), c(value)
            return lambda v: not isinstance(v, dict) or all(extra(x) for k, x in v.items() if k not in known)
        if key == "required":
            return lambda v: not isinstance(v, dict) or all(k in v for k in value)
        if key == "propertyNames":
            names = c(value)
            return lambda v: not isinstance(v, dict) or all(names(k) for k in v)
        if key == "items":
            item = c(value)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        if key == "enum":
            if all(isinstance(choice, str) for choice in value):
                choices = frozenset(value)
                return lambda v: isinstance(v, str) and v in choices
            return lambda v: any(_equal(v, choice) for choice in value)
        if key == "const":
            return lambda v: _equal(v, value)
        if key == "pattern":
            return _pattern(value)
        if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            # Written as jsonschema does ("invalid if below"), so NaN passes alike.
            fails = {"minimum": operator.lt, "maximum": operator.gt, "exclusiveMinimum": operator.le, "exclusiveMaximum": operator.ge}[key]
            return lambda v: not _is_number(v) or not fails(v, value)
        if key in ("minLength", "minItems"):
            kind = str if key == "minLength" else list
            return lambda v: not isinstance(v, kind) or len(v) >= value
        if key in ("allOf", "anyOf", "oneOf"):
            subs = [c(s) for s in value]
            if key == "allOf":
                return lambda v: all(s(v) for s in subs)
            if key == "anyOf":
                return lambda v: any(s(v) for s in subs)
            return lambda v: sum(1 for s in subs if s(v)) == 1
        if key == "not":
            sub = c(value)
            return lambda v: not sub(v)
        if key == "if":
            test = c(value)
            then = c(schema.get("then", True))
            otherwise = c(schema.get("else", True))
            return lambda v: then(v) if test(v) else otherwise(v)
        if key in ("then", "else"):
            return None  # compiled with `if`; alone they mean nothing
        raise SchemaCompileError(f"keyword {key!r} is not supported by the fast check")
