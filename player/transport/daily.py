"""The Daily transport: daily-python's CallClient bridged into asyncio.

daily-core calls completions and EventHandler callbacks on its own threads. Nothing here blocks
in them: each one stamps the time and hands over to the loop with call_soon_threadsafe, where
futures are resolved and `events` is fed, in arrival order. The same class drives the local
replica through player.simulator.daily, which has daily's signatures.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .. import protocol
from .._threads import in_thread
from ..errors import EchoPlayerError, JoinError, PlaybackError
from ._bridge import LoopBridge, bridge_for
from ._daily_microphone import DailyMicrophone
from .base import APP_MESSAGE, REPLICA_JOINED, REPLICA_LEFT, ROOM_ERROR, Microphone, RoomEvent, Transport

__all__ = ["DailyTransport", "init_daily", "summarize_daily_error"]

_ERROR_HEADS = (("Failed to parse url", "not a valid room URL"), ("RoomLookup", "room lookup failed"))
_initialized: "weakref.WeakSet[Any]" = weakref.WeakSet()
_UNJOINED_LEAVE = 0.2  # seconds to wait for a leave while the join has not completed
_RELEASE_WAIT = 0.5  # seconds to wait for release() before leaving it to its daemon worker
_init_lock = threading.Lock()


def init_daily(daily_module: Any) -> None:
    """Daily.init once per process and module: a second call aborts the real process."""
    with _init_lock:
        if daily_module in _initialized:
            return
        # daily-core logs JSON lines to stderr at ERROR whatever log_level says; RUST_LOG=off
        # silences it. A user's own RUST_LOG wins, for debugging.
        os.environ.setdefault("RUST_LOG", "off")
        daily_module.Daily.init(log_level=daily_module.LogLevel.Off)
        _initialized.add(daily_module)


def _real_daily() -> Any:
    import daily  # imported late: loading daily-core costs time and threads

    return daily


def summarize_daily_error(error: Any) -> str:
    """Daily's nested Rust error reprs, made into one readable line."""
    text = " ".join(str(error).split())
    detail = re.findall(r'error: "([^"]*)"', text) or re.findall(r'\("([^"]*)"', text)
    head = next((h for key, h in _ERROR_HEADS if key in text), None)
    if head is None:
        line = text
    else:
        line = f"{head} ({detail[-1]})" if detail else head
    return line if len(line) <= 240 else line[:237] + "..."


class DailyTransport(Transport):
    def __init__(
        self,
        daily_module: Any = None,
        *,
        join_timeout: float = 60.0,
        leave_timeout: float = 5.0,
        microphone_piece: float = 0.02,
        replica_name: str | None = None,
    ) -> None:
        """`replica_name`: the persona name, if known; then only a participant whose userName
        is exactly that counts as the replica (pipecat's match: a person joining first is not
        taken for it), else the first remote participant does."""
        self.events: asyncio.Queue[RoomEvent] = asyncio.Queue()
        self._daily = daily_module
        self._join_timeout = join_timeout
        self._leave_timeout = leave_timeout
        self._piece = microphone_piece
        self._replica_name = replica_name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bridge: LoopBridge | None = None  # daily-core's threads -> the loop, once joined
        self._client: Any = None
        self._joined = False
        self._closed = False
        self._pending: list[Mapping[str, Any]] = []
        self._replica_joined = asyncio.Event()  # set with _replica_event
        self._replica_event: RoomEvent | None = None
        self._others: list[str] = []  # userNames of remote participants that are not the replica
        self._executor: ThreadPoolExecutor | None = None

    @property
    def replica(self) -> Mapping[str, Any] | None:
        """The replica participant, once in."""
        return None if self._replica_event is None else self._replica_event.participant

    # -- the bridge (daily-core threads -> loop) -------------------------------------------
    def _post(self, fn: Callable[..., None], *args: Any) -> None:
        if self._bridge is not None:
            self._bridge.post(fn, *args)  # in order, one wake-up for a burst; dropped once closed

    def _client_for(self, loop: asyncio.AbstractEventLoop) -> Any:
        if self._client is None:
            self._loop = loop
            self._bridge = bridge_for(loop)
            if self._daily is None:
                self._daily = _real_daily()
            init_daily(self._daily)
            self._client = self._daily.CallClient(event_handler=_make_handler(self._daily.EventHandler, self))
        return self._client

    # -- Transport -------------------------------------------------------------------------
    async def join(self, url: str, *, meeting_token: str | None = None, user_name: str = "echo-player") -> None:
        if self._closed:
            raise JoinError("the transport is closed")
        loop = asyncio.get_running_loop()
        client = self._client_for(loop)
        client.set_user_name(user_name)
        done: asyncio.Future[tuple[Any, Any]] = loop.create_future()
        settings = {"inputs": {"camera": False, "microphone": False}}
        client.join(
            url,
            meeting_token=meeting_token,
            client_settings=settings,
            completion=lambda data, error: self._post(_resolve, done, (data, error)),
        )
        try:
            _, error = await asyncio.wait_for(done, self._join_timeout)
        except asyncio.TimeoutError:
            raise JoinError(f"could not join {url}: no answer within {self._join_timeout:g} s") from None
        if error:
            raise JoinError(f"could not join {url}: {summarize_daily_error(error)}")
        self._joined = True
        for participant in client.participants().values():  # a replica already in the room
            self._participant_joined(time.monotonic(), participant)
        pending, self._pending = self._pending, []
        for message in pending:
            self._send_now(message)

    async def wait_for_replica(self, timeout: float) -> RoomEvent:
        if self._replica_event is None:
            if self._loop is None:
                raise JoinError("wait_for_replica before join")
            try:
                await asyncio.wait_for(self._replica_joined.wait(), timeout)
            except asyncio.TimeoutError:
                message = f"the replica did not join the room within {timeout:g} s"
                if self._replica_name is not None:
                    seen = ", ".join(repr(n) for n in self._others) or "nobody"
                    message += f" (looked for a participant named {self._replica_name!r}; saw {seen})"
                raise JoinError(message) from None
        assert self._replica_event is not None
        return self._replica_event

    def send(self, message: Mapping[str, Any]) -> None:
        if self._closed:
            return
        if not self._joined:
            self._pending.append(message)  # app messages before the join are refused by Daily
        else:
            self._send_now(message)

    def _send_now(self, message: Mapping[str, Any]) -> None:
        def completion(error: object) -> None:
            # Daily reports a failed send as a string; the local replica's refusal arrives as
            # the ProtocolViolation itself, so nothing downstream parses text.
            if error:
                self._post(self._put, _failed_send(message, error))

        # Never pass serialize_none: the stub lists it, the real call rejects it.
        self._client.send_app_message(dict(message), completion=completion)

    async def open_microphone(self, sample_rate: int, *, track: str = "microphone") -> Microphone:
        loop = asyncio.get_running_loop()
        client = self._client_for(loop)
        source = self._daily.CustomAudioSource(sample_rate, 1)
        audio_track = self._daily.CustomAudioTrack(source)
        done: asyncio.Future[Any] = loop.create_future()
        complete = lambda error: self._post(_resolve, done, error)  # noqa: E731
        if track == "microphone":
            settings = {"microphone": {"isEnabled": True, "settings": {"customTrack": {"id": audio_track.id}}}}
            client.update_inputs(settings, completion=complete)
        else:  # pipecat's old track echo: a custom track Tavus listened to by name
            client.add_custom_audio_track(track, audio_track, completion=complete)
        try:
            error = await asyncio.wait_for(done, self._join_timeout)
        except asyncio.TimeoutError:
            error = "no answer"
        if error:
            raise PlaybackError(f"could not publish the microphone track: {summarize_daily_error(error)}")
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="echo-player-mic")
        return DailyMicrophone(source, sample_rate, self._piece, self._executor)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        client, self._client = self._client, None
        if client is None:
            return
        try:
            left: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            client.leave(completion=lambda error: self._post(_resolve, left, error))
            # A join still in progress answers the leave only once it gives up (~19 s offline).
            await asyncio.wait_for(left, self._leave_timeout if self._joined else _UNJOINED_LEAVE)
        except Exception:
            pass  # leaving is best effort; release below frees the call either way
        # release() blocks until daily-core lets go of the call, which a join in progress does
        # only when it gives up: on a daemon worker (reused: a Thread.start per close blocked the
        # loop a few ms each when 100 playbacks ended together, issue 13), waited for briefly, so
        # a Ctrl-C during the join exits at once.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(in_thread(_release, client)), _RELEASE_WAIT)

    # -- callbacks, on the loop ------------------------------------------------------------
    def _put(self, event: RoomEvent) -> None:
        self.events.put_nowait(event)

    def _app_message(self, t: float, message: Any, sender: str | None = None) -> None:
        event_type = protocol.event_type_of(message)
        if event_type is None:  # not an interactions-protocol event: still seen, and logged
            self._put(RoomEvent(t, APP_MESSAGE, message=message if isinstance(message, Mapping) else {"data": message}, sender=sender))
            return
        props = message.get("properties")
        self._put(
            RoomEvent(
                t,
                event_type,
                inference_id=protocol.inference_id_of(message),
                properties=props if isinstance(props, Mapping) else {},
                message=message,
                seq=protocol.seq_of(message),
                sender=sender,
            )
        )

    def _participant_joined(self, t: float, participant: Mapping[str, Any]) -> None:
        info = participant.get("info") or {}
        if info.get("isLocal") or self._replica_event is not None:
            return  # us, or someone after the replica
        if self._replica_name is not None and info.get("userName") != self._replica_name:
            self._others.append(str(info.get("userName", "")))
            return  # a human guest, say
        self._replica_event = RoomEvent(t, REPLICA_JOINED, participant=participant)
        self._put(self._replica_event)
        self._replica_joined.set()

    def _participant_left(self, t: float, participant: Mapping[str, Any]) -> None:
        if self.replica is not None and participant.get("id") == self.replica.get("id"):
            self._put(RoomEvent(t, REPLICA_LEFT, participant=participant))

    def _room_error(self, t: float, error: str) -> None:
        if self._joined and not self._closed:  # before the join, join() reports the failure
            self._put(RoomEvent(t, ROOM_ERROR, error=error))


def _release(client: Any) -> None:
    try:
        client.release()
    except Exception:
        pass


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _failed_send(message: Mapping[str, Any], error: object) -> RoomEvent:
    return RoomEvent(
        time.monotonic(),
        ROOM_ERROR,
        inference_id=protocol.inference_id_of(message),
        message=message,
        error=f"{type(error).__name__}: {error}" if isinstance(error, EchoPlayerError) else str(error),
        cause=error if isinstance(error, EchoPlayerError) else None,
    )


def _make_handler(base: type, transport: DailyTransport) -> Any:
    """An EventHandler of the given module's class that only stamps and forwards."""

    class _Handler(base):
        def on_app_message(self, message: Any, sender: str) -> None:
            transport._post(transport._app_message, time.monotonic(), message, sender)

        def on_participant_joined(self, participant: Mapping[str, Any]) -> None:
            transport._post(transport._participant_joined, time.monotonic(), participant)

        def on_participant_left(self, participant: Mapping[str, Any], reason: str) -> None:
            transport._post(transport._participant_left, time.monotonic(), participant)

        def on_error(self, message: str) -> None:
            transport._post(transport._room_error, time.monotonic(), str(message))

        def on_call_state_updated(self, state: str) -> None:
            if state == "left":
                transport._post(transport._room_error, time.monotonic(), "the call left the room")

    return _Handler()
