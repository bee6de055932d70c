"""The registry of local rooms: the fake Tavus server opens and closes them, clients find them.

Room URLs have the form `local://echo-player/<conversation_id>`: no Daily room looks like that,
and daily-python refuses it quickly instead of trying the network, so a local URL handed to the
real transport by mistake fails at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from ._room import LocalRoom, RoomSettings
from ._runner import ReplicaRunner

__all__ = ["RoomRegistry", "LOCAL_URL_PREFIX", "is_local_url"]

LOCAL_URL_PREFIX = "local://echo-player/"


def is_local_url(url: str) -> bool:
    return url.startswith(LOCAL_URL_PREFIX)


class RoomRegistry:
    """Local rooms by conversation id. Thread-safe: the fake server and clients share it.

    `on_ended(conversation_id)` is called when a room ends by itself (its last participant
    left, per `participant_left_timeout`), so the fake server can mark the conversation ended.
    """

    def __init__(self, settings: RoomSettings | None = None, *, on_ended: Callable[[str], None] | None = None) -> None:
        self.settings = settings or RoomSettings()
        self.on_ended = on_ended
        self._rooms: dict[str, LocalRoom] = {}
        self._lock = threading.Lock()
        self._runner = ReplicaRunner()  # one thread for every replica of these rooms

    def open_room(
        self,
        conversation_id: str,
        *,
        persona: Mapping[str, Any],
        properties: Mapping[str, Any],
        meeting_token: str | None = None,
        max_participants: int | None = None,
        audio_only: bool = False,
    ) -> str:
        """Create the room of a new conversation; returns its conversation_url. With a
        `meeting_token` (require_auth) only a join with it gets in; `max_participants` counts
        the replica, as Tavus does."""
        url = LOCAL_URL_PREFIX + conversation_id
        with self._lock:
            if conversation_id in self._rooms:
                raise ValueError(f"conversation {conversation_id} already has a room")
            self._rooms[conversation_id] = LocalRoom(
                conversation_id,
                url,
                persona=persona,
                properties=properties,
                settings=self.settings,
                on_ended=self._ended,
                meeting_token=meeting_token,
                max_participants=max_participants,
                audio_only=audio_only,
                runner=self._runner,
            )
        return url

    def close_room(self, conversation_id: str) -> None:
        """The conversation ended: its replica leaves. Idempotent; unknown ids are ignored."""
        room = self.find(conversation_id)
        if room is not None:
            room.close()

    def find(self, key: str) -> LocalRoom | None:
        """The room of a conversation id or conversation_url, ended or not."""
        if is_local_url(key):
            key = key[len(LOCAL_URL_PREFIX) :].split("?", 1)[0].rstrip("/")
        with self._lock:
            return self._rooms.get(key)

    def get(self, key: str) -> LocalRoom:
        room = self.find(key)
        if room is None:
            raise KeyError(key)
        return room

    @property
    def rooms(self) -> list[LocalRoom]:
        with self._lock:
            return list(self._rooms.values())

    def close_all(self) -> None:
        """End every room and stop its replica thread (tests, shutdown)."""
        for room in self.rooms:
            room.close()

    def _ended(self, conversation_id: str) -> None:
        if self.on_ended is not None:
            self.on_ended(conversation_id)
