"""A stand-in for the `daily` module that connects to local rooms instead of Daily's servers.

Only the network-bound part of daily-python is replaced. What the transport relies on is kept:
the exact call signatures (tests/test_room_fakedaily.py checks them against the real module),
completions and EventHandler callbacks delivered on a core thread of its own, exceptions raised
in them printed and swallowed, `ChannelNotOpen` before the join completes, `serialize_none`
rejected, and CustomAudioSource.write_frames paced in real time in 10 ms steps. Two deliberate
differences: a second Daily.init or a CallClient before init raise RuntimeError where the real
module aborts the process, and joining an unknown room fails after `join_failure_delay`
(default 0 s) rather than Daily's ~19 s.
"""

from __future__ import annotations

import enum
import heapq
import itertools
import json
import threading
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..replica import RoomRegistry
from ._audio import CustomAudioSource, CustomAudioTrack

__all__ = ["FakeDaily", "LogLevel", "EventHandler", "CHANNEL_NOT_OPEN"]

CHANNEL_NOT_OPEN = "AppMessage(Signalling(ChannelNotOpen))"


class LogLevel(enum.Enum):
    Off = 0
    Error = 1
    Warn = 2
    Info = 3
    Debug = 4
    Trace = 5


class EventHandler:
    """The callbacks a CallClient makes; subclass and override, as with daily.EventHandler."""

    def on_app_message(self, message: Any, sender: str) -> None: ...
    def on_call_state_updated(self, state: str) -> None: ...
    def on_error(self, message: str) -> None: ...
    def on_inputs_updated(self, input_settings: Any) -> None: ...
    def on_participant_joined(self, participant: Any) -> None: ...
    def on_participant_left(self, participant: Any, reason: str) -> None: ...
    def on_participant_updated(self, participant: Any) -> None: ...


class _Core:
    """daily-core's context: one thread runs every completion and callback, in order.

    Calls for now go on a FIFO, timed ones on a heap; the thread runs everything ready in one
    go, and is notified only when it sleeps. (One heap push and notify per event, and one pop
    per lock hold, made this thread and the replica's contend for its lock and the GIL ~90,000
    times a run at 100 conversations; issue 13.) Order is as before: every call for now runs
    before a timed call that falls due later, in the order it was made.
    """

    def __init__(self, registry: RoomRegistry, join_failure_delay: float) -> None:
        self.registry = registry
        self.join_failure_delay = join_failure_delay
        self.tracks: dict[str, CustomAudioSource] = {}  # by track id, for update_inputs
        self.log_level = LogLevel.Off
        self._heap: list[tuple[float, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._ready: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._seq = itertools.count()
        self._cond = threading.Condition(threading.Lock())
        self._sleeping = False  # the thread waits on _cond: a new call must notify it
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                raise RuntimeError("Execution context already exists!")
            self._thread = threading.Thread(target=self._run, name="fakedaily-core", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._thread = None
            self._cond.notify_all()

    def require(self) -> None:
        if self._thread is None:
            raise RuntimeError("Execution context is not initialized. Call Daily.init() first.")

    def call(self, fn: Callable[..., Any] | None, *args: Any) -> None:
        if fn is None:
            return
        with self._cond:
            self._ready.append((fn, args))
            self._wake()

    def call_at(self, t: float, fn: Callable[..., Any] | None, *args: Any) -> None:
        if fn is None:
            return
        with self._cond:
            heapq.heappush(self._heap, (t, next(self._seq), fn, args))
            self._wake()

    def _wake(self) -> None:
        """Under the lock: notify the thread if it sleeps (the rest of a burst finds it awake)."""
        if self._sleeping:
            self._sleeping = False
            self._cond.notify()

    def _take(self) -> list[tuple[Callable[..., Any], tuple[Any, ...]]]:
        """Under the lock: every call for now, else the one timed call due first (a call for
        now that it makes runs before the next timed one, as on a single heap)."""
        if self._ready:
            calls = list(self._ready)
            self._ready.clear()
            return calls
        if self._heap and self._heap[0][0] <= time.monotonic():
            _, _, fn, args = heapq.heappop(self._heap)
            return [(fn, args)]
        return []

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            with self._cond:
                calls = self._take()
                while self._thread is me and not calls:
                    self._sleeping = True
                    self._cond.wait(None if not self._heap else self._heap[0][0] - time.monotonic())
                    self._sleeping = False
                    calls = self._take()
                if self._thread is not me:
                    return
            for fn, args in calls:
                try:
                    fn(*args)
                except Exception:
                    traceback.print_exc()  # daily prints exceptions from callbacks and carries on


class _Daily:
    _core: _Core

    @classmethod
    def init(cls, worker_threads: int = 2, log_level: LogLevel = LogLevel.Off) -> None:
        cls._core.log_level = log_level
        cls._core.start()

    @classmethod
    def deinit(cls) -> None:
        cls._core.stop()

    @classmethod
    def set_log_level(cls, log_level: LogLevel) -> None:
        cls._core.log_level = log_level


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    if isinstance(obj, (bytes, bytearray)):
        raise Exception("invalid type: byte array, expected any valid JSON value")
    raise TypeError(f"unsupported type {type(obj).__name__}")


class _CallClient:
    _core: _Core

    def __init__(self, event_handler: EventHandler | None = None) -> None:
        self._core.require()
        self._handler = event_handler
        self.participant_id = str(uuid.uuid4())
        self._user_name: str | None = None
        self._state = "initialized"
        self._room: Any = None
        self._released = False
        self._joined_at = int(time.time())
        self._inputs: dict[str, Any] = {"camera": {"isEnabled": False}, "microphone": {"isEnabled": False}}

    # -- the room's view of us (RoomClient) -------------------------------------------------
    def participant(self, local: bool = True) -> dict[str, Any]:
        info: dict[str, Any] = {"isLocal": local, "isOwner": False, "joinedAt": self._joined_at}
        if self._user_name is not None:
            info["userName"] = self._user_name
        return {"id": self.participant_id, "info": info, "media": {}}

    def deliver(self, callback: str, *args: Any) -> None:
        self._core.call(self._invoke, callback, args)

    def _invoke(self, callback: str, args: tuple[Any, ...]) -> None:
        if self._handler is not None and not self._released:
            getattr(self._handler, callback)(*args)

    def _alive(self) -> None:
        if self._released:
            raise RuntimeError("this object has already been released")

    # -- daily-python's API -----------------------------------------------------------------
    def release(self) -> None:
        if not self._released and self._state == "joined":
            self._room.disconnect(self)
            self._state = "left"
        self._released = True

    def join(
        self,
        meeting_url: str,
        meeting_token: str | None = None,
        client_settings: Any = None,
        completion: Callable[[Any, str | None], None] | None = None,
    ) -> None:
        self._alive()
        if not isinstance(meeting_url, str):
            raise TypeError(f"'{type(meeting_url).__name__}' object is not an instance of 'str'")
        if isinstance(client_settings, dict) and isinstance(client_settings.get("inputs"), dict):
            self._merge_inputs(client_settings["inputs"])
        self._core.call(self._join, meeting_url, completion, meeting_token)

    def _join(self, url: str, completion: Callable[[Any, str | None], None] | None, token: str | None = None) -> None:
        parts = urlsplit(url)
        if not parts.scheme or not parts.netloc:
            self._core.call(completion, None, f'Failed to parse url: InvalidUrl("{url}", RelativeUrlWithoutBase)')
            return
        if self._state in ("joining", "joined"):
            self._core.call(completion, None, "AlreadyJoined")
            return
        self._set_state("joining")
        room = self._core.registry.find(url)
        try:
            if room is None:
                raise LookupError(f"no room at {url}")
            room.connect(self, token)
        except PermissionError as exc:  # a private room without its token, or a full one
            self._core.call(self._invoke, "on_error", (f"Join refused: {exc}",))
            self._core.call(self._set_state, "left")
            self._core.call(completion, None, f"Join(Refused({exc!s}))")
            return
        except LookupError as exc:
            error = f'Connection(Api(RoomLookup(RoomInfoFetchFailed(NotFound("{exc}")))))'
            t = time.monotonic() + self._core.join_failure_delay
            self._core.call_at(t, self._invoke, "on_error", (f"Failed to fetch room information: {exc}",))
            self._core.call_at(t, self._set_state, "leaving")
            self._core.call_at(t, completion, None, error)
            self._core.call_at(t, self._set_state, "left")
            return
        self._room = room
        self._set_state("joined")
        data = {"meetingSession": {"id": room.conversation_id}, "participants": {"local": self.participant()}}
        self._core.call(completion, data, None)

    def _set_state(self, state: str) -> None:
        self._state = state
        self.deliver("on_call_state_updated", state)

    def leave(self, completion: Callable[[str | None], None] | None = None) -> None:
        self._alive()
        self._core.call(self._leave, completion)

    def _leave(self, completion: Callable[[str | None], None] | None) -> None:
        if self._state == "joined":
            self._set_state("leaving")
            self._room.disconnect(self)
            self._set_state("left")
        self._core.call(completion, None)

    def set_user_name(self, user_name: str) -> None:
        self._alive()
        self._user_name = user_name

    def participants(self) -> dict[str, Any]:
        self._alive()
        others = self._room.participants_for(self) if self._state == "joined" else {}
        return {"local": self.participant(), **others}

    def inputs(self) -> dict[str, Any]:
        self._alive()
        return json.loads(json.dumps(self._inputs))

    def update_inputs(self, input_settings: Any, completion: Callable[[str | None], None] | None = None) -> None:
        self._alive()
        track = (((input_settings.get("microphone") or {}).get("settings") or {}).get("customTrack") or {}).get("id")
        if track is not None and track not in self._core.tracks:
            self._core.call(completion, f"InputsUpdate(CustomTrackNotFound({track!r}))")
            return
        self._merge_inputs(input_settings)
        if track is not None:
            self._core.tracks[track]._publisher = self
        self.deliver("on_inputs_updated", self.inputs())
        self._core.call(completion, None)

    def add_custom_audio_track(
        self,
        track_name: str,
        audio_track: Any,
        ignore_audio_level: bool | None = None,
        completion: Callable[[str | None], None] | None = None,
    ) -> None:
        """A named custom track (pipecat's old track echo published one named `stream`)."""
        self._alive()
        source = self._core.tracks.get(str(getattr(audio_track, "id", "")))
        if source is None:
            self._core.call(completion, "CustomTrackNotFound")
            return
        source._publisher, source._track_name = self, track_name
        self._core.call(completion, None)

    def _merge_inputs(self, settings: dict[str, Any]) -> None:
        for device, value in settings.items():
            value = {"isEnabled": value} if isinstance(value, bool) else dict(value)
            self._inputs[device] = {**self._inputs.get(device, {}), **value}

    def send_app_message(
        self, message: Any, participant_id: str | None = None, completion: Callable[[str | None], None] | None = None
    ) -> None:
        self._alive()
        text = json.dumps(message, default=_json_default)
        wire = json.loads(text)  # what the peer receives
        if self._state != "joined":
            self._core.call(completion, CHANNEL_NOT_OPEN)
            return
        self._room.receive(self, wire, participant_id, lambda error: self._core.call(completion, error), text)

    def _microphone(self, pcm: bytes, sample_rate: int, channels: int, start: float, track: str | None = None) -> None:
        """Audio from a published track: the microphone input, or a named custom track."""
        published = track is not None or self._inputs.get("microphone", {}).get("isEnabled")
        if self._state == "joined" and not self._released and published:
            self._room.microphone_audio(self, pcm, sample_rate, channels, start)


class FakeDaily:
    """Module-like: `FakeDaily(registry).CallClient(event_handler=...)` and so on. Each instance
    is one daily-core context (call Daily.init on it once) whose rooms come from `registry`."""

    def __init__(self, registry: RoomRegistry, *, join_failure_delay: float = 0.0) -> None:
        self.registry = registry
        core = _Core(registry, join_failure_delay)
        self.LogLevel = LogLevel
        self.EventHandler = EventHandler
        bind = {"_core": core, "__module__": __name__}
        self.Daily = type("Daily", (_Daily,), bind)
        self.CallClient = type("CallClient", (_CallClient,), bind)
        self.CustomAudioSource = type("CustomAudioSource", (CustomAudioSource,), bind)
        self.CustomAudioTrack = type("CustomAudioTrack", (CustomAudioTrack,), bind)
