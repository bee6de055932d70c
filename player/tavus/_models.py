"""What the API returns, parsed from either vocabulary (persona/replica or PAL/face), and the
name tag that marks every resource echo-player creates.

Tag: echo-player appends ` [echo-player <run-tag>.<n>]` to the name of each persona and
conversation it creates: unique per create (so a create whose answer was lost can be looked up
before it is retried) and recognisable (so `cleanup` finds what a lost ledger forgot).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import UnexpectedResponseError

__all__ = ["Persona", "Conversation", "Replica", "TAG_PREFIX", "make_tag", "is_tagged", "strip_tag", "tag_run"]

TAG_PREFIX = "[echo-player "
_TAG = re.compile(r"\s*\[echo-player (?P<run>[0-9a-z]+)(?:\.\d+)?\]$")


def make_tag(run_tag: str, n: int) -> str:
    return f"{TAG_PREFIX}{run_tag}.{n}]"


def is_tagged(name: str | None) -> bool:
    return bool(name) and _TAG.search(name or "") is not None


def tag_run(name: str | None) -> str | None:
    """The run tag in a tagged name."""
    match = _TAG.search(name or "")
    return match.group("run") if match else None


def strip_tag(name: str | None) -> str:
    """The name as the user wrote it."""
    return _TAG.sub("", name or "")


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = data.get(key)
        if value is not None:
            return value
    return None


def _require_id(data: Mapping[str, Any], what: str, *keys: str) -> str:
    value = _first(data, *keys)
    if not isinstance(value, str) or not value:
        raise UnexpectedResponseError(f"Tavus API returned a {what} without {' or '.join(keys)}")
    return value


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class Replica:
    """A replica as the API returns it."""

    id: str
    name: str | None = None
    status: str | None = None  # started | completed | error
    training_progress: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Replica:
        return cls(
            id=_require_id(data, "replica", "replica_id", "face_id"),
            name=_opt_str(_first(data, "replica_name", "face_name")),
            status=_opt_str(data.get("status")),
            training_progress=_opt_str(data.get("training_progress")),
            raw=dict(data),
        )

    @property
    def usable(self) -> bool:
        """Ready for conversations (an unknown status is given the benefit of the doubt)."""
        return self.status in (None, "completed")


@dataclass(frozen=True, slots=True)
class Persona:
    """A persona as the API returns it."""

    id: str
    name: str | None = None
    pipeline_mode: str | None = None
    default_replica_id: str | None = None
    layers: Mapping[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Persona:
        layers = data.get("layers")
        return cls(
            id=_require_id(data, "persona", "persona_id", "pal_id"),
            name=_opt_str(_first(data, "persona_name", "pal_name")),
            pipeline_mode=_opt_str(data.get("pipeline_mode")),
            default_replica_id=_opt_str(_first(data, "default_replica_id", "default_face_id")),
            layers=dict(layers) if isinstance(layers, Mapping) else {},
            created_at=_opt_str(data.get("created_at")),
            raw=dict(data),
        )

    @property
    def tagged(self) -> bool:
        return is_tagged(self.name)


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation as the API returns it."""

    id: str
    url: str | None = None
    name: str | None = None
    status: str | None = None  # active | ended (| error)
    meeting_token: str | None = None
    persona_id: str | None = None
    replica_id: str | None = None
    created_at: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Conversation:
        return cls(
            id=_require_id(data, "conversation", "conversation_id"),
            url=_opt_str(data.get("conversation_url")),
            name=_opt_str(data.get("conversation_name")),
            status=_opt_str(data.get("status")),
            meeting_token=_opt_str(data.get("meeting_token")),
            persona_id=_opt_str(_first(data, "persona_id", "pal_id")),
            replica_id=_opt_str(_first(data, "replica_id", "face_id")),
            created_at=_opt_str(data.get("created_at")),
            raw=dict(data),
        )

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def tagged(self) -> bool:
        return is_tagged(self.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "conversation_id": self.id,
            "conversation_name": self.name,
            "status": self.status,
            "conversation_url": self.url,
            "persona_id": self.persona_id,
            "replica_id": self.replica_id,
            "created_at": self.created_at,
        }
