"""Loading a scenario file into the model: read, schema-check, then resolve.

Resolution substitutes `${vars}`, inlines `include`s (relative to the including file, inside the
scenario's folder tree, no cycles), expands `repeat`s and applies defaults, collecting every
problem as a Diagnostic. Variables: a file's own `vars` are defaults; `--var` overrides the top
file's; an include passes its scope on, its `vars:` overriding. An included file's `defaults`
apply to its own steps; its `conversation` is ignored.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._build import DEFAULTS, Builder, Frame, id_suffix, safe_resolve, stringify
from ._model import Defaults, Diagnostic, Pos, Scenario, Step
from ._schema import check_document, prune
from ._schema_messages import did_you_mean
from ._yaml import Document, SourceError, YamlError, parse_yaml, read_source

__all__ = ["resolve_file", "MAX_STEPS", "MAX_INCLUDE_DEPTH"]

MAX_STEPS = 20_000  # after expanding repeat and include
MAX_INCLUDE_DEPTH = 16
_REFERENCE = re.compile(r"(?<!\$)\$\{([A-Za-z0-9_-]+)\}")  # `${name}`, not `$${literal}`
_LISTED = 10  # variable names a hint lists


def resolve_file(path: str | Path, *, vars: Mapping[str, str] | None = None) -> tuple[Scenario | None, list[Diagnostic]]:
    """The model built from the file (schema and resolution only, no semantic checks) and what
    was found. With errors the model may be partial (steps the schema refused are left out,
    kept only to look for more problems); None when the file cannot be read or parsed. A problem
    inside a repeat is found once per iteration (validate_file reports it once)."""
    return _Resolver(Path(path), dict(vars or {})).run()


class _Resolver:
    def __init__(self, path: Path, cli_vars: dict[str, str]) -> None:
        self.path = path
        self.cli_vars = cli_vars
        self.diagnostics: list[Diagnostic] = []
        self.builder = Builder(self.diagnostics)
        self.steps: list[Step] = []
        self.ids: dict[str, Pos] = {}
        self.files: list[Path] = []
        self.stack: list[tuple[Path, str]] = []  # the include chain, for cycles
        self.docs: dict[Path, Document | None] = {}
        self.root = Path("/")
        self.pending_at: list[tuple[int, tuple[int, ...]]] = []
        self.full = False
        self.declared: set[str] = set()  # every `vars:` name, in any file or include step

    def run(self) -> tuple[Scenario | None, list[Diagnostic]]:
        display = str(self.path)
        top = safe_resolve(self.path)
        doc = self._open(top or self.path, display, None)
        if doc is None or top is None:
            return None, self.diagnostics
        self.root, data = top.parent, doc.data
        self.builder.root = (self.root, os.path.dirname(display) or ".")
        scope = _own_vars(data) | self.cli_vars
        frame = Frame(doc, top.parent, scope, self.builder.defaults(doc, data.get("defaults"), DEFAULTS))
        conversation = self.builder.conversation(frame, data.get("conversation"))
        name = self.builder.text(frame, ("name",), data["name"]) if "name" in data else _default_name(self.path)
        self.files.append(top)
        self.stack.append((top, display))
        self.declared.update(data.get("vars", {}))
        self._walk(frame, ("steps",), data["steps"])
        self._rewrite_at_refs()
        self._unused_cli_vars(doc)
        scenario = Scenario(
            path=self.path,
            name=name,
            description=data.get("description"),
            conversation=conversation,
            defaults=Defaults(**frame.defaults),
            vars=scope,
            steps=tuple(self.steps),
            files=tuple(self.files),
            thresholds=self.builder.thresholds(doc, data.get("thresholds")),
            threshold_pos={name: doc.key_pos(("thresholds", name)) for name in data.get("thresholds") or {}},
        )
        return scenario, self.diagnostics

    def _open(self, path: Path, display: str, site: Pos | None, written: str = "") -> Document | None:
        if path in self.docs:
            return self.docs[path]
        doc = None
        try:
            doc = parse_yaml(read_source(path), display)
        except SourceError as exc:
            message = f"cannot include {written}: {exc}" if site else f"cannot read {display}: {exc}"
            self.diagnostics.append(Diagnostic(site or Pos(display, 1, 1), message, exc.hint, code="file"))
        except YamlError as exc:
            self.diagnostics.append(exc.diagnostic)
        if doc is not None and (problems := check_document(doc)):
            self.diagnostics.extend(problems)
            pruned = prune(doc.data)
            doc = None if pruned is None else dataclasses.replace(doc, data=pruned)
        self.docs[path] = doc
        return doc

    def _walk(self, frame: Frame, path: tuple[Any, ...], items: list[Any]) -> None:
        for i, raw in enumerate(items):
            here = path + (i,)
            if self.full:
                return
            if raw is None:  # a step the schema refused (see prune)
                continue
            if isinstance(raw, dict) and "repeat" in raw:
                site = frame.doc.key_pos(here + ("repeat",))
                for k in range(1, raw["repeat"] + 1):
                    inner = dataclasses.replace(frame, via=frame.via + (site,), iteration=frame.iteration + (k,))
                    self._walk(inner, here + ("steps",), raw["steps"])
            elif isinstance(raw, dict) and "include" in raw:
                self._include(frame, here, raw)
            else:
                self._add(frame, here, raw)

    def _add(self, frame: Frame, here: tuple[Any, ...], raw: Any) -> None:
        if len(self.steps) >= MAX_STEPS:
            self.full = True
            self.builder.error(
                frame.doc.pos(here), f"more than {MAX_STEPS} steps after expanding repeat and include", "repeat fewer times", code="limit"
            )
            return
        step = self.builder.step(frame, here, raw, len(self.steps))
        if step.id is not None:
            where = frame.doc.pos(here + ("id",))
            first = self.ids.get(step.id)
            if first is None:
                self.ids[step.id] = where
            else:
                hint = "the file holding it is included more than once" if first == where else f"first used at {first}"
                self.builder.error(where, f"duplicate id '{step.id}'", hint, code="id")
        if step.at is not None and step.at.ref is not None and frame.iteration:
            self.pending_at.append((step.index, frame.iteration))
        self.steps.append(step)

    def _include(self, frame: Frame, here: tuple[Any, ...], raw: Mapping[str, Any]) -> None:
        value_pos = frame.doc.pos(here + ("include",))
        before = len(self.diagnostics)
        written = self.builder.text(frame, here + ("include",), raw["include"])
        if len(self.diagnostics) > before:  # an undefined variable in the path: already reported
            return
        display = os.path.normpath(os.path.join(os.path.dirname(frame.doc.file), written))
        target = safe_resolve(frame.base / written)
        if target is None:
            self.builder.error(value_pos, f"cannot include '{written}': not a usable file path", code="include")
            return
        if not target.is_relative_to(self.root):
            folder = os.path.dirname(self.stack[0][1]) or "."
            self.builder.error(
                value_pos,
                f"include '{written}' is outside the scenario's folder",
                f"included files must be under {folder}/",
                code="include",
            )
            return
        if any(target == p for p, _ in self.stack):
            chain = [os.path.relpath(p, self.root) for p, _ in self.stack] + [os.path.relpath(target, self.root)]
            self.builder.error(
                value_pos, f"include cycle: {' -> '.join(chain)}", "a file cannot include itself, directly or not", code="include"
            )
            return
        if len(self.stack) > MAX_INCLUDE_DEPTH:
            self.builder.error(value_pos, f"includes nested more than {MAX_INCLUDE_DEPTH} deep", code="include")
            return
        doc = self._open(target, display, value_pos, written)
        if doc is None:
            return
        passed = {k: self.builder.text(frame, here + ("vars", k), stringify(v)) for k, v in raw.get("vars", {}).items()}
        self.declared.update(passed, doc.data.get("vars", {}))
        defaults = self.builder.defaults(doc, doc.data.get("defaults"), frame.defaults)
        site = frame.doc.key_pos(here + ("include",))
        child = Frame(doc, target.parent, _own_vars(doc.data) | dict(frame.scope) | passed, defaults, frame.via + (site,), frame.iteration)
        if target not in self.files:
            self.files.append(target)
        self.stack.append((target, display))
        self._walk(child, ("steps",), doc.data["steps"])
        self.stack.pop()

    def _unused_cli_vars(self, top: Document) -> None:
        """A `--var` no file declares or refers to is a typo until shown otherwise: warn (an
        error with --strict). References are read from the text, so a `${name}` in a step the
        schema refused still counts."""
        unknown = [name for name in self.cli_vars if name not in self.declared]
        if not unknown:
            return
        known = set(self.declared)
        for doc in self.docs.values():
            if doc is not None:
                known.update(m.group(1) for m in _REFERENCE.finditer(doc.text))
        names = sorted(known)
        listed = ", ".join(names[:_LISTED]) + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")
        where = top.key_pos(("vars",)) if "vars" in top.data else Pos(top.file, 1, 1)
        for name in unknown:
            if name in known:
                continue
            hint = did_you_mean(name, names) or (f"its variables are {listed}" if names else "it uses no variables")
            self.diagnostics.append(
                Diagnostic(where, f"--var {name} is not a variable of this scenario", hint, severity="warning", code="var")
            )

    def _rewrite_at_refs(self) -> None:
        """Inside a repeat, `at: x+1s` means the `x` of the same iteration when there is one."""
        for index, iteration in self.pending_at:
            step = self.steps[index]
            assert step.at is not None and step.at.ref is not None
            for n in range(len(iteration), 0, -1):
                candidate = step.at.ref + id_suffix(iteration[:n])
                if candidate in self.ids:
                    at = dataclasses.replace(step.at, ref=candidate)
                    self.steps[index] = dataclasses.replace(step, at=at)
                    break


def _own_vars(data: Mapping[str, Any]) -> dict[str, str]:
    """A file's `vars:` as text: the defaults of its scope."""
    return {k: stringify(v) for k, v in data.get("vars", {}).items()}


def _default_name(path: Path) -> str:
    name = path.name
    for suffix in (".scenario.yaml", ".scenario.yml", ".yaml", ".yml"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
