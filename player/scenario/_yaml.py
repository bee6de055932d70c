"""Safe YAML loading that remembers where every node came from.

PyYAML's parser (libyaml when present) gives the events; composing them is done here, so the
limits hold before anything is built: nesting depth, alias count, nodes added by aliases
(a "billion laughs" file stops at once) and file size. Plain scalars follow the YAML 1.2 core
schema, so `on`/`off`/`yes`/`no`, dates and `1:30` stay strings (durations then refuse `1:30`
with a hint instead of silently reading 90).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from ._model import Diagnostic, Pos

__all__ = [
    "Node",
    "Document",
    "YamlError",
    "SourceError",
    "read_source",
    "parse_yaml",
    "MAX_FILE_BYTES",
    "MAX_DEPTH",
    "MAX_ALIASES",
    "MAX_ALIAS_NODES",
]

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_ALIAS_NODES = 10_000  # nodes that aliases may add beyond the ones written out

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
_TAGGED: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}
_BOMS = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16", b"\x00\x00\xfe\xff": "UTF-32"}
PathKey = Sequence["str | int"]
_SPECIAL_FILES = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


class SourceError(Exception):
    """The file itself cannot be used (missing, unreadable, too large); no position inside it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class YamlError(Exception):
    """The text is not a usable YAML document; carries the positioned diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


@dataclass(eq=False, slots=True)
class Node:
    """A YAML node with its position: a scalar, a map or a sequence."""

    kind: str  # "scalar" | "map" | "seq"
    pos: Pos
    value: Any  # a Python scalar, dict[str, Node] or list[Node]
    key_pos: dict[str, Pos] = field(default_factory=dict)  # maps only: where each key is


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed file: its text, the node tree with positions, and the plain data."""

    file: str  # as shown in messages
    text: str
    root: Node
    data: Any  # plain Python data (dict/list/str/int/float/bool/None) for the schema

    def pos(self, path: PathKey) -> Pos:
        """Where the value at `path` starts; the nearest existing ancestor if it is absent."""
        return self._walk(path)[0].pos

    def key_pos(self, path: PathKey) -> Pos:
        """Where the key of the last path element is (the value's position for list items)."""
        node, rest = self._walk(path[:-1])
        if not rest and path and node.kind == "map" and path[-1] in node.key_pos:
            return node.key_pos[str(path[-1])]
        return self.pos(path)

    def source_line(self, number: int) -> str:
        parts = self.text.split("\n", number)
        return parts[number - 1].rstrip("\r") if 0 < number <= len(parts) else ""

    def _walk(self, path: PathKey) -> tuple[Node, PathKey]:
        node = self.root
        for i, key in enumerate(path):
            if node.kind == "map" and isinstance(key, str) and key in node.value:
                node = node.value[key]
            elif node.kind == "seq" and isinstance(key, int) and 0 <= key < len(node.value):
                node = node.value[key]
            else:
                return node, path[i:]
        return node, ()


def read_source(path: Path) -> bytes:
    """The file's bytes, refusing what is too large to load safely and anything that is not a
    regular file: a named pipe or a device would block the read (or never end)."""
    try:
        with _open_regular(path) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SourceError("no such file") from None
    except IsADirectoryError:
        raise SourceError("is a directory, not a file") from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL byte in the path
        raise SourceError("not a usable file path") from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(f"file is larger than {MAX_FILE_BYTES // 1024} KiB", "split it with `include`")
    return data


def _open_regular(path: Path) -> BinaryIO:
    """Open for reading only if it is a regular file. Checked before opening (opening a FIFO
    blocks until a writer comes) and again on the open descriptor, which O_NONBLOCK keeps from
    blocking, in case the path was swapped in between."""
    _require_regular(os.stat(path).st_mode)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    try:
        _require_regular(os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _require_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError
    what = _SPECIAL_FILES.get(stat.S_IFMT(mode), "a special file")
    raise SourceError(f"is {what}, not a regular file", "name a regular file; echo-player reads no pipes or devices")


def parse_yaml(source: bytes | str, file: str) -> Document:
    """One YAML document with positions; raises YamlError with a one-line reason otherwise."""
    text = _decode(source, file) if isinstance(source, bytes) else source.lstrip("\ufeff")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise YamlError(Diagnostic(Pos(file, 1, 1), "file is too large", code="limit"))
    composer = _Composer(file)
    try:
        root = composer.compose(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise YamlError(_syntax_diagnostic(exc, text, file)) from None
    except yaml.YAMLError as exc:  # reader errors: characters YAML does not allow
        where = getattr(exc, "position", 0) or 0
        line, col = _line_col(text, where)
        message = f"not valid YAML text: {getattr(exc, 'reason', exc)}"
        raise YamlError(Diagnostic(Pos(file, line, col), message, code="yaml")) from None
    return Document(file, text, root, _Materializer().build(root))


def _decode(data: bytes, file: str) -> str:
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            raise YamlError(Diagnostic(Pos(file, 1, 1), f"file is {name}", "save it as UTF-8", code="yaml"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data[: exc.start].decode("utf-8", "replace"), None)
        message = f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded"
        raise YamlError(Diagnostic(Pos(file, line, col), message, "save the file as UTF-8", code="yaml")) from None


def _line_col(text: str, index: int | None) -> tuple[int, int]:
    head = text if index is None else text[:index]
    return head.count("\n") + 1, len(head) - (head.rfind("\n") + 1) + 1


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    pos = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file, 1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    if "nesting depth" in problem:
        # PyYAML >= 6.0.4 (libyaml's scanner) has its own nesting limit, which can fire before
        # ours while it scans ahead: report it as our limit, whatever the library's wording.
        return Diagnostic(pos, f"nested more than {MAX_DEPTH} levels deep", code="limit")
    hint = None
    if mark is not None:
        lines = text.split("\n", mark.line + 1)
        line = lines[mark.line] if mark.line < len(lines) else ""
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent or line[mark.column : mark.column + 1] == "\t":
            hint = "indent with spaces; YAML does not allow tabs for indentation"
        else:
            from ._yaml_hints import explain  # deferred: only a syntax error needs it (regexes to compile)

            context = exc.context_mark if exc.problem_mark is not None else None
            found = explain(text, mark.line, mark.column, exc.context, (context.line, context.column) if context else None)
            if found is not None:  # reported where the mistake is, which may be lines before
                return Diagnostic(Pos(file, found.line + 1, found.column + 1), f"invalid YAML: {found.message}", found.hint, code="yaml")
    return Diagnostic(pos, f"invalid YAML: {problem}", hint, code="yaml")


class _Composer:
    """Events -> Node tree, enforcing depth and alias limits as it goes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.anchors: dict[str, Node] = {}
        self.aliases = 0
        self.events: Iterator[Any] = iter(())

    def compose(self, events: Iterator[Any]) -> Node:
        self.events = events
        next(self.events)  # StreamStart
        start = next(self.events)
        if isinstance(start, yaml.StreamEndEvent):
            raise self._error(start, "the file is empty", "a scenario needs at least `version` and `steps`")
        root = self._node(next(self.events), 1)
        next(self.events)  # DocumentEnd
        extra = next(self.events)
        if not isinstance(extra, yaml.StreamEndEvent):
            raise self._error(extra, "more than one YAML document in the file", "remove the `---` separator")
        return root

    def _pos(self, event: Any) -> Pos:
        return Pos(self.file, event.start_mark.line + 1, event.start_mark.column + 1)

    def _error(self, event: Any, message: str, hint: str | None = None, code: str = "yaml") -> YamlError:
        return YamlError(Diagnostic(self._pos(event), message, hint, code=code))

    def _node(self, event: Any, depth: int) -> Node:
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise self._error(event, f"more than {MAX_ALIASES} YAML aliases", "write the values out", "limit")
            if event.anchor not in self.anchors:
                raise self._error(event, f"alias *{event.anchor} has no complete anchor &{event.anchor} before it")
            return self.anchors[event.anchor]
        if depth > MAX_DEPTH:
            raise self._error(event, f"nested more than {MAX_DEPTH} levels deep", code="limit")
        if isinstance(event, yaml.ScalarEvent):
            node = Node("scalar", self._pos(event), self._scalar(event))
        elif isinstance(event, yaml.SequenceStartEvent):
            self._check_tag(event, "seq")
            node = Node("seq", self._pos(event), [])
            while not isinstance(item := next(self.events), yaml.SequenceEndEvent):
                node.value.append(self._node(item, depth + 1))
        else:
            node = self._mapping(event, depth)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        return node

    def _mapping(self, event: Any, depth: int) -> Node:
        self._check_tag(event, "map")
        node = Node("map", self._pos(event), {})
        merges: list[Node] = []
        while not isinstance(key := next(self.events), yaml.MappingEndEvent):
            if not isinstance(key, yaml.ScalarEvent) or key.anchor is not None:
                raise self._error(key, "mapping keys must be plain text")
            value = self._node(next(self.events), depth + 1)
            if key.value == "<<" and key.implicit[0]:
                merges.extend(value.value if value.kind == "seq" else [value])
                continue
            if key.value in node.value:
                first = node.key_pos[key.value]
                raise self._error(key, f"duplicate key '{key.value}'", f"first at line {first.line}")
            node.value[key.value] = value
            node.key_pos[key.value] = self._pos(key)
        for source in merges:  # YAML 1.1 merge keys: explicit keys win
            if source.kind != "map":
                raise YamlError(Diagnostic(source.pos, "`<<` merges only mappings", code="yaml"))
            for name, child in source.value.items():
                if name not in node.value:
                    node.value[name] = child
                    node.key_pos[name] = source.key_pos[name]
        return node

    def _check_tag(self, event: Any, kind: str) -> None:
        if event.tag not in (None, "!", _TAG + kind):
            raise self._error(event, f"unsupported YAML tag {event.tag}")

    def _scalar(self, event: Any) -> Any:
        value, tag = event.value, event.tag
        if tag is None:
            return _resolve_plain(value) if event.implicit[0] else value
        kind = tag[len(_TAG) :] if tag.startswith(_TAG) else None
        if tag == "!" or kind == "str":
            return value
        resolved: Any = _resolve_plain(value)
        expected = _TAGGED.get(kind or "")
        if expected is None:
            raise self._error(event, f"unsupported YAML tag {tag}")
        valid = isinstance(resolved, expected) and not (kind in ("int", "float") and isinstance(resolved, bool))
        if not valid:
            raise self._error(event, f"'{value}' is not a valid !!{kind}")
        return float(resolved) if kind == "float" else resolved


def _resolve_plain(text: str) -> Any:
    """YAML 1.2 core schema for plain scalars; anything else is a string."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    try:
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
    except ValueError:  # more digits than int() accepts: keep the text
        return text
    return _SPECIAL.get(text.lower(), text)


class _Materializer:
    """Node tree -> plain data, counting what aliases add so shared subtrees cannot explode."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.extra = 0

    def build(self, node: Node) -> Any:
        if id(node) in self.seen:  # a second visit is an alias expansion
            self.extra += 1
            if self.extra > MAX_ALIAS_NODES:
                message = "YAML aliases expand to too many nodes"
                raise YamlError(Diagnostic(node.pos, message, "write the values out", code="limit"))
        self.seen.add(id(node))
        if node.kind == "map":
            return {key: self.build(child) for key, child in node.value.items()}
        if node.kind == "seq":
            return [self.build(child) for child in node.value]
        return node.value
