"""Schema-valid YAML data -> model objects (steps, defaults, conversation).

Runs after the schema check, so shapes are known; what is left is meaning: `${vars}` (names are
letters, digits, `_` and `-` as `--var` takes them; `$${` writes a literal `${`), durations,
effective defaults, `at` references and the few rules a schema cannot say. Problems become
Diagnostics in the list it is given.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._durations import DurationError, parse_duration
from ._model import (
    EVENT_ALIASES,
    REPLICA_SILENT,
    SPEECH_EVENTS,
    At,
    ConversationSpec,
    Cue,
    Defaults,
    Diagnostic,
    Interrupt,
    MicrophoneSpec,
    Pause,
    PersonaSpec,
    Play,
    Pos,
    Say,
    Send,
    Step,
    WaitFor,
    normalize_event,
)
from ._schema_messages import did_you_mean
from ._thresholds import ThresholdError, parse_threshold
from ._yaml import Document

__all__ = ["Frame", "Builder", "id_suffix", "safe_resolve", "substitute", "stringify", "DEFAULTS"]

DEFAULTS: Mapping[str, Any] = dataclasses.asdict(Defaults())
_DURATIONS = frozenset({"chunk", "lead", "gap", "timeout"})  # the `defaults` keys that are durations
_AT_REF = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.#-]*)\s*(?:\+(.*))?\Z")
_MIN_CHUNK, _MAX_CHUNK = 0.01, 1.0
_VAR = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_VAR_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")
Path_ = tuple[Any, ...]


def substitute(text: str, scope: Mapping[str, str]) -> tuple[str, list[tuple[str, int]]]:
    """The text with every `${name}` replaced, and the names that are not defined (or invalid)."""
    if "$" not in text:  # the common case, kept cheap for large scenarios
        return text, []
    missing: list[tuple[str, int]] = []  # (name as written, offset of its `${`)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "${"
        if _VAR_NAME.match(name) and name in scope:
            return scope[name]
        missing.append((name, match.start()))
        return match.group(0)

    return _VAR.sub(replace, text), missing


def stringify(value: Any) -> str:
    """A `vars` value as text; booleans as YAML writes them (true, false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Frame:
    """Where steps are being built: which file, its folder, variables and defaults in force."""

    doc: Document
    base: Path  # folder that relative paths start from
    scope: Mapping[str, str]
    defaults: Mapping[str, Any]
    via: tuple[Pos, ...] = ()
    iteration: tuple[int, ...] = ()  # repeat iteration numbers, outermost first


def id_suffix(iteration: tuple[int, ...]) -> str:
    """`#k` for iteration k >= 2 of a repeat; nested repeats chain them (`#2#3`)."""
    trimmed = list(iteration)
    while trimmed and trimmed[-1] == 1:
        trimmed.pop()
    return "".join(f"#{n}" for n in trimmed)


class Builder:
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        # The scenario's folder (symlink-free) and how messages name it: `play` stays inside it,
        # as `include` does. None: no such limit (a builder used on its own).
        self.root: tuple[Path, str] | None = None

    def error(self, pos: Pos, message: str, hint: str | None = None, code: str = "invalid") -> None:
        self.diagnostics.append(Diagnostic(pos, message, hint, code=code))

    def text(self, frame: Frame, path: Path_, value: Any) -> str:
        text, missing = substitute(str(value), frame.scope)
        for name, _ in missing:
            pos = _token_pos(frame.doc, path, "${" + name + "}")
            if not _VAR_NAME.match(name):
                self.error(
                    pos, f"invalid variable name ${{{name}}}", "names are letters, digits, _ and -; write $${ for a literal ${", code="var"
                )
                continue
            hint = did_you_mean(name, sorted(frame.scope)) or f"define it under `vars:` or pass --var {name}=..."
            self.error(pos, f"undefined variable ${{{name}}}", hint, code="var")
        return text

    def duration(self, doc: Document, path: Path_, value: Any) -> float:
        try:
            return parse_duration(value)
        except DurationError as exc:
            self.error(doc.pos(path), f"`{path[-1]}`: {exc}", exc.hint, code="schema")
            return 0.0

    def defaults(self, doc: Document, raw: Mapping[str, Any] | None, base: Mapping[str, Any]) -> dict[str, Any]:
        """`base` with a file's `defaults:` laid over it."""
        out = dict(base)
        for key, value in (raw or {}).items():
            path = ("defaults", key)
            out[key] = self._value(doc, path, key, value)
        return out

    def thresholds(self, doc: Document, raw: Mapping[str, Any] | None) -> dict[str, float]:
        """`thresholds:` as limits; the schema already refused unknown metrics, this parses values."""
        out: dict[str, float] = {}
        for name, value in (raw or {}).items():
            try:
                out[name] = parse_threshold(name, value)
            except ThresholdError as exc:
                self.error(doc.pos(("thresholds", name)), str(exc), exc.hint, code="schema")
        return out

    def _value(self, doc: Document, path: Path_, key: str, value: Any) -> Any:
        if key not in _DURATIONS:
            return float(value) if key == "words_per_minute" else value
        seconds = self.duration(doc, path, value)
        if key == "chunk" and not _MIN_CHUNK <= seconds <= _MAX_CHUNK:
            self.error(doc.pos(path), f"`chunk` must be between 10ms and 1s, not {value}", code="schema")
        return seconds

    def option(self, frame: Frame, path: Path_, raw: Mapping[str, Any], key: str) -> Any:
        """A step's own value for `key`, else the default in force."""
        if key in raw:
            return self._value(frame.doc, path + (key,), key, raw[key])
        return frame.defaults[key]

    def conversation(self, frame: Frame, raw: Mapping[str, Any] | None) -> ConversationSpec:
        if raw is None:
            return ConversationSpec()
        path: Path_ = ("conversation",)
        persona = None
        if "persona" in raw:
            p = raw["persona"]
            persona = PersonaSpec(
                frame.doc.pos(path + ("persona",)),
                self.text(frame, path + ("persona", "name"), p["name"]),
                p.get("replica_id", p.get("face_id")),
                dict(p.get("layers", {})),
            )
        name = raw.get("name")
        return ConversationSpec(
            pos=frame.doc.pos(path),
            persona=persona,
            persona_id=raw.get("persona_id", raw.get("pal_id")),
            replica_id=raw.get("replica_id", raw.get("face_id")),
            name=None if name is None else self.text(frame, path + ("name",), name),
            properties=dict(raw.get("properties", {})),
            input=raw.get("input", "messages"),
            start=raw.get("start", "on-join"),
            join_timeout=self.duration(frame.doc, path + ("join_timeout",), raw.get("join_timeout", 60.0)),
            end=raw.get("end", "always"),
            microphone=MicrophoneSpec(**raw.get("microphone", {})),
            callback_url=None if raw.get("callback_url") is None else self.text(frame, path + ("callback_url",), raw["callback_url"]),
            test_mode=raw.get("test_mode", False),
            require_auth=raw.get("require_auth"),
            audio_only=raw.get("audio_only"),
            max_participants=raw.get("max_participants"),
        )

    def step(self, frame: Frame, path: Path_, raw: Any, index: int) -> Step:
        if raw == "interrupt":
            return Interrupt(pos=frame.doc.pos(path), index=index, gap=frame.defaults["gap"], via=frame.via)
        action = next(a for a in _ACTIONS if a in raw)
        common: dict[str, Any] = {
            "pos": frame.doc.key_pos(path + (action,)),
            "index": index,
            "via": frame.via,
            "id": raw["id"] + id_suffix(frame.iteration) if "id" in raw else None,
            "at": self._at(frame, path + ("at",), raw["at"]) if "at" in raw else None,
            "note": self.text(frame, path + ("note",), raw["note"]) if "note" in raw else None,
            "gap": self.option(frame, path, raw, "gap"),
        }
        return _ACTIONS[action](self, frame, path, raw, common)

    def _at(self, frame: Frame, path: Path_, value: Any) -> At:
        pos = frame.doc.pos(path)
        try:
            return At(pos, parse_duration(value))
        except DurationError:
            pass
        match = _AT_REF.match(str(value))
        if match is None:  # the schema's pattern already refused it; keep going without
            return At(pos, 0.0)
        offset = self.duration(frame.doc, path, match.group(2)) if match.group(2) else 0.0
        return At(pos, offset, match.group(1))


def _say(b: Builder, f: Frame, path: Path_, raw: Mapping[str, Any], common: dict[str, Any]) -> Step:
    value = raw["say"]
    items = [(path + ("say", i), v) for i, v in enumerate(value)] if isinstance(value, list) else [(path + ("say",), value)]
    return Say(
        texts=tuple(b.text(f, p, v) for p, v in items),
        wait=b.option(f, path, raw, "wait"),
        words_per_minute=b.option(f, path, raw, "words_per_minute"),
        max_message_bytes=b.option(f, path, raw, "max_message_bytes"),
        overlap=raw.get("overlap"),
        **common,
    )


def _play(b: Builder, f: Frame, path: Path_, raw: Mapping[str, Any], common: dict[str, Any]) -> Step:
    source = b.text(f, path + ("play",), raw["play"])
    start = b.duration(f.doc, path + ("from",), raw["from"]) if "from" in raw else None
    end = b.duration(f.doc, path + ("to",), raw["to"]) if "to" in raw else None
    if start is not None and end is not None and end <= start:
        b.error(f.doc.pos(path + ("to",)), f"`to` ({raw['to']}) must be after `from` ({raw['from']})", code="schema")
    resolved = safe_resolve(f.base / source)
    if resolved is None:
        b.error(f.doc.pos(path + ("play",)), f"'{source}' is not a usable file path", code="audio")
    elif b.root is not None and not resolved.is_relative_to(b.root[0]):
        # Never opened (check_scenario probes only what is inside): `play: /etc/shadow` must not
        # reach ffmpeg, nor a scenario someone sent you read your files into a conversation.
        b.error(
            f.doc.pos(path + ("play",)),
            f"play '{source}' is outside the scenario's folder",
            f"audio files must be under {b.root[1]}/",
            code="audio",
        )
    options = {k: b.option(f, path, raw, k) for k in ("wait", "sample_rate", "chunk", "lead", "max_message_bytes")}
    return Play(
        path=resolved or f.base / source,
        source=source,
        start=start,
        end=end,
        gain_db=float(raw.get("gain_db", 0.0)),
        overlap=raw.get("overlap"),
        **options,
        **common,
    )


def _wait_for(b: Builder, f: Frame, path: Path_, raw: Mapping[str, Any], common: dict[str, Any]) -> Step:
    event = str(raw["wait_for"])
    if event not in EVENT_ALIASES and not event.startswith("conversation."):
        b.error(
            f.doc.pos(path + ("wait_for",)),
            f"unknown event '{event}'",
            did_you_mean(event, list(EVENT_ALIASES)) or "use replica.stopped_speaking or a full conversation.* event_type",
            code="event",
        )
    event = normalize_event(event)
    text = b.text(f, path + ("text",), raw["text"]) if "text" in raw else None
    pattern = b.text(f, path + ("match",), raw["match"]) if "match" in raw else None
    for key in ("text", "match"):
        if key in raw and event not in SPEECH_EVENTS:
            b.error(f.doc.key_pos(path + (key,)), f"`{key}` works with `wait_for: replica.said` (or utterance events)", code="event")
    if "text" in raw and "match" in raw:
        b.error(f.doc.key_pos(path + ("match",)), "give `text` or `match`, not both", code="event")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            b.error(f.doc.pos(path + ("match",)), f"`match` is not a valid regular expression: {exc}", code="event")
    if "for" in raw and event != REPLICA_SILENT:
        b.error(f.doc.key_pos(path + ("for",)), "`for` works with `wait_for: replica.silent`", code="event")
    silence = b.duration(f.doc, path + ("for",), raw["for"]) if "for" in raw else 1.0
    return WaitFor(
        event=event,
        timeout=b.option(f, path, raw, "timeout"),
        on_timeout=raw.get("on_timeout", "fail"),
        text=text,
        match=pattern,
        silence=silence,
        **common,
    )


def _send(b: Builder, f: Frame, path: Path_, raw: Mapping[str, Any], common: dict[str, Any]) -> Step:
    def walk(value: Any, at: Path_) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, at + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, at + (i,)) for i, v in enumerate(value)]
        return b.text(f, at, value) if isinstance(value, str) else value

    return Send(message=walk(raw["send"], path + ("send",)), **common)


_ACTIONS: dict[str, Callable[[Builder, Frame, Path_, Mapping[str, Any], dict[str, Any]], Step]] = {
    "say": _say,
    "play": _play,
    "interrupt": lambda b, f, p, raw, c: Interrupt(**c),
    "pause": lambda b, f, p, raw, c: Pause(seconds=b.duration(f.doc, p + ("pause",), raw["pause"]), **c),
    "wait_for": _wait_for,
    "cue": lambda b, f, p, raw, c: Cue(
        text=b.text(f, p + ("cue",), raw["cue"]), auto=b.duration(f.doc, p + ("auto",), raw.get("auto", 0)), **c
    ),
    "send": _send,
}


def safe_resolve(path: Path) -> Path | None:
    """The absolute, symlink-free path, or None when the OS cannot say (NUL byte, loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def _token_pos(doc: Document, path: Path_, token: str) -> Pos:
    """The token's own column when it sits on the scalar's first line, else the scalar's start."""
    pos = doc.pos(path)
    column = doc.source_line(pos.line).find(token, pos.col - 1)
    return Pos(pos.file, pos.line, column + 1) if column >= 0 else pos
