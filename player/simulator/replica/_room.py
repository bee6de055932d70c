"""A local conversation room: participants, app-message fan-out, and the records tests read.

The room is what a Daily room is to its clients: it admits participants, tells each about the
others, and broadcasts app messages. The simulated replica (player.local.replica) joins it
`join_delay` seconds after the first client, and leaves when the conversation ends. Messages
sent while the replica is absent are lost, as on Daily: nothing is stored or replayed. The room
counts every message but remembers only the last `message_window`, so memory is flat in length.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ._protocol_check import Nonstandard, ProtocolChecker
from ._replica import Replica, Utterance
from ._runner import ReplicaRunner
from ._window import MessageWindow

__all__ = ["LocalRoom", "RoomSettings", "RoomClient"]


@dataclass(frozen=True, slots=True)
class RoomSettings:
    """How the local replica behaves; the defaults resemble the real one."""

    join_delay: float = 0.3  # replica joins this long after the first participant
    tts_latency: float = 0.2  # text echo: first sound this long after the text arrives
    words_per_minute: float = 150.0  # text echo speaking rate
    max_message_bytes: int = 4096  # larger app messages are violations
    done_timeout: float = 1.0  # an utterance silent this long without `done: true` ends
    mic_silence: float = 0.3  # microphone echo: stopped_speaking after this much silence
    voice_threshold: int = 100  # microphone echo: a 10 ms frame with a larger peak is voice
    message_window: int = 100  # messages the room remembers (each list); counts cover them all
    utterance_window: int = 20  # utterances the replica remembers (underruns are counted for all)


class RoomClient(Protocol):
    """A connected participant as the room sees it (fakedaily's CallClient)."""

    participant_id: str

    def participant(self, local: bool = True) -> dict[str, Any]: ...  # local=False: as others see it
    def deliver(self, callback: str, *args: Any) -> None: ...  # an EventHandler callback


class LocalRoom:
    def __init__(
        self,
        conversation_id: str,
        url: str,
        *,
        persona: Mapping[str, Any],
        properties: Mapping[str, Any],
        settings: RoomSettings,
        on_ended: Callable[[str], None] | None = None,
        meeting_token: str | None = None,
        max_participants: int | None = None,
        audio_only: bool = False,
        runner: ReplicaRunner | None = None,
    ) -> None:
        self.conversation_id = conversation_id
        self.url = url
        self.persona = dict(persona)
        self.properties = dict(properties)
        self.settings = settings
        self.meeting_token = meeting_token
        self.max_participants = max_participants
        self.audio_only = audio_only
        self.replica_id = str(uuid.uuid4())
        # The last `message_window` of each, for tests and inspection, and counts of all: a long
        # clip sends tens of thousands of audio messages, and keeping every one grew memory by
        # 0.09 MB/s of playback (issue 13).
        window = settings.message_window
        self.received = MessageWindow(window)  # app messages, heard or not
        self.unheard = MessageWindow(window)  # sent while the replica was away
        self.emitted = MessageWindow(window)  # the replica's events
        self.received_count = self.unheard_count = self.emitted_count = 0
        self.violations: list[str] = []
        self.notes: list[tuple[float, Nonstandard]] = []  # accepted, off the documented schema
        self.microphone_seconds = 0.0  # custom-track audio received
        self.replica_present = False
        self.ended = False
        self._on_ended = on_ended
        self._clients: dict[str, RoomClient] = {}
        self._cond = threading.Condition()
        self._watchers = 0  # threads in wait_until (only they need a notify)
        self._left_timer: threading.Timer | None = None
        checker = ProtocolChecker(
            conversation_id,
            max_message_bytes=settings.max_message_bytes,
            echo_mode=self.persona.get("pipeline_mode") == "echo",
            microphone=self.microphone_input,
        )
        self.replica = Replica(conversation_id=conversation_id, settings=settings, checker=checker, sink=self, runner=runner)

    # -- what the room is -------------------------------------------------------------------
    @property
    def persona_name(self) -> str:
        return str(self.persona.get("persona_name") or self.persona.get("pal_name") or "Replica")

    @property
    def microphone_input(self) -> bool:
        """Microphone echo: the persona field is unsettled (a pipecat draft wrote
        `{"isEnabled": true}`, Tavus's own check wanted the string "enabled"); both count."""
        mic = _dig(self.persona, "layers", "transport", "input_settings", "microphone")
        return mic == "enabled" or (isinstance(mic, Mapping) and mic.get("isEnabled") is True)

    @property
    def utterances(self) -> list[Utterance]:
        return list(self.replica.utterances)

    @property
    def underruns(self) -> int:
        return len(self.replica.underrun_times)

    @property
    def underrun_times(self) -> list[float]:
        """When each underrun happened (time.monotonic), for the run log and the timeline."""
        return sorted(self.replica.underrun_times)

    def replica_participant(self) -> dict[str, Any]:
        return {
            "id": self.replica_id,
            "info": {"userName": self.persona_name, "isLocal": False, "isOwner": True, "joinedAt": int(time.time())},
            "media": {"microphone": {"state": "playable"}, "camera": {"state": "off" if self.audio_only else "playable"}},
        }

    def events(self, event_type: str | None = None) -> list[Mapping[str, Any]]:
        return [m for _, m in self.emitted if event_type is None or m.get("event_type") == event_type]

    def wait_until(self, predicate: Callable[["LocalRoom"], bool], timeout: float) -> bool:
        """Block until predicate(room) holds (re-checked on every change); False on timeout."""
        with self._cond:
            self._watchers += 1
            try:
                return self._cond.wait_for(lambda: predicate(self), timeout)
            finally:
                self._watchers -= 1

    # -- clients (fakedaily, on their caller's thread) ---------------------------------------
    def connect(self, client: RoomClient, meeting_token: str | None = None) -> dict[str, dict[str, Any]]:
        """Admit a participant; returns the others already in the room. PermissionError when
        the room is private and the token is not its own, or when it is full."""
        with self._cond:
            if self.ended:
                raise LookupError(f"conversation {self.conversation_id} has ended")
            if self.meeting_token is not None and meeting_token != self.meeting_token:
                raise PermissionError("this room requires a valid meeting token (require_auth)")
            count = len(self._clients) + (1 if self.replica_present else 0)
            if self.max_participants is not None and count >= self.max_participants:
                raise PermissionError(f"the room is full (max_participants {self.max_participants}, the replica counts)")
            if self._left_timer is not None:
                self._left_timer.cancel()
                self._left_timer = None
            others = self.participants_for(client)  # the condition's lock is reentrant
            for other in self._clients.values():
                other.deliver("on_participant_joined", client.participant(local=False))
            self._clients[client.participant_id] = client
            self._changed()
        self.replica.participant_joined()
        return others

    def disconnect(self, client: RoomClient) -> None:
        with self._cond:
            if self._clients.pop(client.participant_id, None) is None:
                return
            for other in self._clients.values():
                other.deliver("on_participant_left", client.participant(local=False), "leftCall")
            if not self._clients and not self.ended:
                # Tavus ends a conversation participant_left_timeout (default 0) s after we leave.
                delay = float(self.properties.get("participant_left_timeout") or 0)
                self._left_timer = threading.Timer(delay, self._end, kwargs={"by_itself": True})
                self._left_timer.daemon = True
                self._left_timer.start()
            self._changed()

    def participants_for(self, client: RoomClient) -> dict[str, dict[str, Any]]:
        with self._cond:
            others = {c.participant_id: c.participant(local=False) for c in self._clients.values() if c is not client}
            if self.replica_present:
                others[self.replica_id] = self.replica_participant()
            return others

    def receive(
        self, sender: RoomClient, message: Mapping[str, Any], to: str | None, reply: Callable[[Any], None], text: str | None = None
    ) -> None:
        """An app message from a client (`text`: its JSON, as sent); `reply` gets the send's
        completion error (or None)."""
        now = time.monotonic()
        with self._cond:
            self.received.append(now, message, text)
            self.received_count += 1
            heard = self.replica_present and to in (None, self.replica_id)
            if not heard:
                self.unheard.append(now, message, text)
                self.unheard_count += 1
            for other in self._clients.values():
                if other is not sender and to in (None, other.participant_id):
                    other.deliver("on_app_message", message, sender.participant_id)
            self._changed()
        if heard:
            self.replica.hear_message(message, reply)
        else:
            reply(None)  # Daily delivered it to the room; nobody was there to hear it

    def microphone_audio(self, sender: RoomClient, pcm: bytes, sample_rate: int, channels: int, start: float) -> None:
        with self._cond:
            self.microphone_seconds += len(pcm) / 2 / channels / sample_rate
            heard = self.replica_present
        if heard:
            self.replica.hear_microphone(pcm, sample_rate, channels, start)

    # -- the conversation ends ----------------------------------------------------------------
    def close(self) -> None:
        """The conversation ended: the replica stops (mid-sentence if need be) and leaves."""
        self._end(by_itself=False)

    def _end(self, *, by_itself: bool) -> None:
        with self._cond:
            if self.ended:
                return
            self.ended = True
            if self._left_timer is not None:
                self._left_timer.cancel()
        self.replica.stop()
        with self._cond:
            if self.replica_present:
                self.replica_present = False
                for client in self._clients.values():
                    client.deliver("on_participant_left", self.replica_participant(), "leftCall")
            self._changed()
        if by_itself and self._on_ended is not None:
            self._on_ended(self.conversation_id)  # tell the Tavus side, which did not ask

    # -- ReplicaSink (the replica's thread) ---------------------------------------------------
    def replica_joined(self) -> None:
        with self._cond:
            if self.ended or self.replica_present:
                return
            self.replica_present = True
            for client in self._clients.values():
                client.deliver("on_participant_joined", self.replica_participant())
            self._changed()

    def replica_event(self, message: dict[str, Any]) -> None:
        with self._cond:
            self.emitted.append(time.monotonic(), message)
            self.emitted_count += 1
            for client in self._clients.values():
                client.deliver("on_app_message", message, self.replica_id)
            self._changed()

    def _changed(self) -> None:
        """Under the lock: wake wait_until's threads, if any (the replica's hot path calls this
        for every event; a Condition's notify_all costs even with nobody waiting)."""
        if self._watchers:
            self._cond.notify_all()

    def violation(self, reason: str) -> None:
        with self._cond:
            self.violations.append(reason)
            self._changed()

    def nonstandard(self, note: Nonstandard) -> None:
        with self._cond:
            self.notes.append((time.monotonic(), note))
            self._changed()


def _dig(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj
