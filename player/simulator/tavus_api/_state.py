"""The fake Tavus server's memory: replicas, personas and conversations, the views it answers
with (in the personas or the PALs vocabulary), and the errors and pages its endpoints return.

Shapes (shared/reference/tavus-echo.md): 400 `{"error": ...}`; 404 `{"error": "... not found"}`;
lists `{"data": [...], "total_count": n}`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

__all__ = ["STOCK_REPLICAS", "FakeState", "HttpError", "bad_request", "page", "timestamp"]

STOCK_REPLICAS: tuple[Mapping[str, Any], ...] = (
    {"replica_id": "r90bbd427f71", "replica_name": "Anna", "status": "completed", "replica_type": "system"},
    {"replica_id": "rf4e9d9790f0", "replica_name": "Carter", "status": "completed", "replica_type": "system"},
    {"replica_id": "r79e1c033f", "replica_name": "Nathan", "status": "completed", "replica_type": "system"},
    {"replica_id": "r6ae5b6efc9d", "replica_name": "Still training", "status": "started", "replica_type": "user"},
)


class HttpError(Exception):
    """An error answer: the endpoint stops and the server sends `status` with `body`."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def bad_request(message: str) -> HttpError:
    return HttpError(400, {"error": message})


def timestamp() -> str:
    """A timestamp as Tavus writes them: UTC, milliseconds, a Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def page(items: list[dict[str, Any]], query: Mapping[str, list[str]]) -> dict[str, Any]:
    """One page of a list, as `limit` and `page` in the query ask (100 and 1 by default)."""
    try:
        limit = max(1, int((query.get("limit") or ["100"])[0]))
        number = max(1, int((query.get("page") or ["1"])[0]))
    except ValueError:
        raise bad_request("limit and page must be integers") from None
    return {"data": items[(number - 1) * limit : number * limit], "total_count": len(items)}


def _found(store: Mapping[str, dict[str, Any]], key: str, noun: str) -> dict[str, Any]:
    item = store.get(key)
    if item is None:
        raise HttpError(404, {"error": f"{noun} not found"})
    return item


class FakeState:
    """Everything the fake knows. Tests read it; the handler changes it under `lock`."""

    def __init__(self, replicas: Iterable[Mapping[str, Any]], max_concurrent: int) -> None:
        self.lock = threading.RLock()
        self.max_concurrent = max_concurrent
        self.replicas: dict[str, dict[str, Any]] = {r["replica_id"]: dict(r) for r in replicas}
        self.personas: dict[str, dict[str, Any]] = {}
        self.conversations: dict[str, dict[str, Any]] = {}

    def active_conversations(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self.conversations.values() if c["status"] == "active"]

    def live_count(self) -> int:
        with self.lock:
            return sum(1 for c in self.conversations.values() if c["status"] == "active" and not c["test_mode"])

    # Lookups by id, for the endpoints (under `lock`): the record, or Tavus's 404.

    def replica(self, replica_id: str) -> dict[str, Any]:
        return _found(self.replicas, replica_id, "Replica")

    def persona(self, persona_id: str) -> dict[str, Any]:
        return _found(self.personas, persona_id, "Persona")

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        return _found(self.conversations, conversation_id, "Conversation")

    def persona_view(self, persona: Mapping[str, Any], vocab: str) -> dict[str, Any]:
        pals = vocab == "pals"
        return {
            "pal_id" if pals else "persona_id": persona["id"],
            "pal_name" if pals else "persona_name": persona["name"],
            "default_face_id" if pals else "default_replica_id": persona["default_replica_id"],
            "pipeline_mode": persona["pipeline_mode"],
            "layers": persona["layers"],
            "persona_type": "user",
            "created_at": persona["created_at"],
            "updated_at": persona["updated_at"],
        }

    def conversation_view(self, conv: Mapping[str, Any]) -> dict[str, Any]:
        pals = conv["vocab"] == "pals"
        view = {
            "conversation_id": conv["id"],
            "conversation_name": conv["name"],
            "conversation_url": conv["url"],
            "status": conv["status"],
            "callback_url": conv["callback_url"],
            "pal_id" if pals else "persona_id": conv["persona_id"],
            "face_id" if pals else "replica_id": conv["replica_id"],
            "properties": conv["properties"],
            "created_at": conv["created_at"],
            "updated_at": conv["updated_at"],
        }
        if conv["meeting_token"]:
            view["meeting_token"] = conv["meeting_token"]
        return view

    def check_replica(self, replica_id: Any, field: str) -> None:
        """The 400 Tavus gives for `field` unless `replica_id` names a trained replica."""
        replica = self.replicas.get(replica_id) if isinstance(replica_id, str) else None
        if replica is None or replica.get("status") != "completed":
            raise bad_request(f"Invalid {field}")
