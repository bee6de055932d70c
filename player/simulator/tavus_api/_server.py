"""A local stand-in for the Tavus REST API: a real HTTP server on 127.0.0.1 (ephemeral port)
with Tavus's endpoints, shapes and status codes, state in memory, and programmable faults.

It serves the tests (the real client over real sockets) and the embedded local default, where
its conversations' rooms are the local replica's rooms (any `RoomProvider`).

    with FakeTavus(max_concurrent=1) as fake:
        fake.faults.lose_response(path="/v2/conversations")  # created, then the answer is lost
        settings = TavusSettings(api_key=fake.api_key, base_url=fake.base_url)

Shapes (shared/reference/tavus-echo.md): 204 deletes; 400 `{"error": ...}`; 401
`{"message": "Invalid access token"}`; the concurrency-limit 400 `{"message": "User has reached
maximum concurrent conversations"}`; lists `{"data": [...], "total_count": n}`. Both
vocabularies: /v2/personas and /v2/pals are one store; a conversation answers in the
vocabulary it was created with. Faults live in _tavus_faults, state and views in _tavus_state,
the HTTP wire in _tavus_http; this module is the server and its endpoints.
"""

from __future__ import annotations

import logging
import re
import secrets
import socketserver
import threading
from collections.abc import Iterable, Mapping
from http.server import ThreadingHTTPServer
from typing import Any, Protocol

from ._faults import Faults
from ._http import RequestHandler
from ._state import STOCK_REPLICAS, FakeState, HttpError, bad_request, page, timestamp

__all__ = ["FakeTavus", "Faults", "FakeState", "RoomProvider", "STOCK_REPLICAS", "CONCURRENCY_MESSAGE"]

log = logging.getLogger("player.local.tavus_server")

CONCURRENCY_MESSAGE = "User has reached maximum concurrent conversations"
MAX_CALL_DURATION = 3600

_Params = dict[str, str]  # the route's named groups: id, vocab
_Query = dict[str, list[str]]
_Answer = tuple[int, Any]  # (status, JSON body or None)


class RoomProvider(Protocol):
    """The local replica's room registry: a room per live (non test_mode) conversation."""

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
        """Returns the conversation_url."""

    def close_room(self, conversation_id: str) -> None: ...


# (method, path pattern, endpoint): a path that matches with another method is a 405
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"/v2/replicas"), "_list_replicas"),
    ("GET", re.compile(r"/v2/replicas/(?P<id>[^/]+)"), "_get_replica"),
    ("POST", re.compile(r"/v2/(?P<vocab>personas|pals)"), "_create_persona"),
    ("GET", re.compile(r"/v2/(?P<vocab>personas|pals)"), "_list_personas"),
    ("GET", re.compile(r"/v2/(?P<vocab>personas|pals)/(?P<id>[^/]+)"), "_get_persona"),
    ("DELETE", re.compile(r"/v2/(?P<vocab>personas|pals)/(?P<id>[^/]+)"), "_delete_persona"),
    ("POST", re.compile(r"/v2/conversations"), "_create_conversation"),
    ("GET", re.compile(r"/v2/conversations"), "_list_conversations"),
    ("GET", re.compile(r"/v2/conversations/(?P<id>[^/]+)"), "_get_conversation"),
    ("DELETE", re.compile(r"/v2/conversations/(?P<id>[^/]+)"), "_delete_conversation"),
    ("POST", re.compile(r"/v2/conversations/(?P<id>[^/]+)/end"), "_end_conversation"),
]


class _Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: 100 playbacks creating their personas at once (one
    # backend, issue 13) had connections reset before the server accepted them. Real API
    # servers queue far more; so does this one.
    request_queue_size = 128

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks reverse DNS for the host's name (socket.getfqdn), which
        # nothing here uses: 3 ms of every `play --local` start, and seconds where the
        # resolver is slow or unreachable. The address is its name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class FakeTavus:
    """Serves once started (or entered); tests program `faults` and read `state` and calls()."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        rooms: RoomProvider | None = None,
        max_concurrent: int = 10,
        replicas: Iterable[Mapping[str, Any]] = STOCK_REPLICAS,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_max_call_duration: bool = True,
    ) -> None:
        self.api_key = api_key or f"fake-tavus-{secrets.token_hex(8)}"
        self.rooms = rooms
        self.state = FakeState(replicas, max_concurrent)
        self.faults = Faults()
        self.requests: list[tuple[str, str, int | None]] = []  # answered: (method, path, status or None if dropped)
        self._arrivals: list[tuple[str, str]] = []  # received, answered or not yet
        self.enforce_max_call_duration = enforce_max_call_duration
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._timers: dict[str, threading.Timer] = {}

    # lifecycle

    def start(self) -> FakeTavus:
        if self._server is None:
            server = _Server(self._address, RequestHandler)
            server.daemon_threads = True
            server.block_on_close = False
            server.fake = self  # type: ignore[attr-defined]
            self._server = server
            self._stopping.clear()
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-tavus", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases handlers held by delay faults
        with self.state.lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeTavus:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTavus is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def end(self, conversation_id: str) -> None:
        """End a conversation from Tavus's side, as a timeout would (closes its room)."""
        self._finish(conversation_id, "ended")

    def calls(self, method: str, path: str) -> int:
        """How many requests reached `path` (exact, without the query) with `method`."""
        return sum(1 for m, p in list(self._arrivals) if m == method and p == path)

    # endpoints (private: reached over HTTP only): each returns (status, body) or raises HttpError

    def _list_replicas(self, _p: _Params, query: _Query, _b: Any) -> _Answer:
        with self.state.lock:
            return 200, page(list(self.state.replicas.values()), query)

    def _get_replica(self, p: _Params, _q: _Query, _b: Any) -> _Answer:
        with self.state.lock:
            replica = self.state.replica(p["id"])
        return 200, dict(replica, training_progress="100/100" if replica["status"] == "completed" else "42/100")

    def _create_persona(self, p: _Params, _q: _Query, body: Any) -> _Answer:
        pals = p["vocab"] == "pals"
        name = body.get("pal_name" if pals else "persona_name")
        mode = body.get("pipeline_mode", "full")
        if mode not in ("full", "echo", "speech-to-speech"):
            raise bad_request("Invalid pipeline_mode")
        if mode == "full" and not body.get("system_prompt"):
            raise bad_request("system_prompt is required for the full pipeline")
        layers = body.get("layers", {})
        if not isinstance(layers, dict) or (name is not None and not isinstance(name, str)):
            raise bad_request("Invalid request body")
        replica_field = "default_face_id" if pals else "default_replica_id"
        if pals and body.get(replica_field) is None:
            # The PAL reference: "default_face_id is required on POST /v2/pals".
            raise bad_request("default_face_id is required")
        with self.state.lock:
            replica = body.get(replica_field)
            if replica is not None:
                self.state.check_replica(replica, replica_field)
            pid = "p" + secrets.token_hex(5)
            now = timestamp()
            self.state.personas[pid] = {
                "id": pid,
                "name": name,
                "pipeline_mode": mode,
                "layers": layers,
                "default_replica_id": replica,
                "created_at": now,
                "updated_at": now,
            }
        return 200, {"pal_id" if pals else "persona_id": pid, "pal_name" if pals else "persona_name": name, "created_at": now}

    def _list_personas(self, p: _Params, query: _Query, _b: Any) -> _Answer:
        with self.state.lock:
            views = [self.state.persona_view(persona, p["vocab"]) for persona in self.state.personas.values()]
        return 200, page(views, query)

    def _get_persona(self, p: _Params, _q: _Query, _b: Any) -> _Answer:
        with self.state.lock:
            return 200, self.state.persona_view(self.state.persona(p["id"]), p["vocab"])

    def _delete_persona(self, p: _Params, _q: _Query, _b: Any) -> _Answer:
        with self.state.lock:
            self.state.persona(p["id"])  # a 404 if there is none
            del self.state.personas[p["id"]]
        return 204, None

    def _create_conversation(self, _p: _Params, _q: _Query, body: Any) -> _Answer:
        vocab = "pals" if "pal_id" in body or "face_id" in body else "personas"
        persona_id = body.get("pal_id", body.get("persona_id"))
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise bad_request("Invalid properties")
        duration = props.get("max_call_duration", MAX_CALL_DURATION)
        valid = isinstance(duration, (int, float)) and not isinstance(duration, bool)
        if not valid or not 0 < duration <= MAX_CALL_DURATION:
            raise bad_request(f"max_call_duration must be between 1 and {MAX_CALL_DURATION} seconds")
        _check_types(body)
        test_mode = body.get("test_mode") is True
        with self.state.lock:
            persona = self.state.personas.get(persona_id) if persona_id is not None else None
            if persona_id is not None and persona is None:
                raise bad_request("Invalid persona_id" if vocab == "personas" else "Invalid pal_id")
            replica = body.get("face_id", body.get("replica_id")) or (persona or {}).get("default_replica_id")
            if replica is None:
                raise bad_request("replica_id is required when the persona has no default replica")
            self.state.check_replica(replica, "face_id" if vocab == "pals" else "replica_id")
            if not test_mode and self.state.live_count() >= self.state.max_concurrent:
                raise HttpError(400, {"message": CONCURRENCY_MESSAGE})
            cid = "c" + secrets.token_hex(5)
            now = timestamp()
            conv = {
                "id": cid,
                "name": body.get("conversation_name") or f"New Conversation {cid}",
                "url": f"https://tavus.daily.co/{cid}",
                "status": "ended" if test_mode else "active",
                "test_mode": test_mode,
                "callback_url": body.get("callback_url"),
                "persona_id": persona_id,
                "replica_id": replica,
                "properties": props,
                "vocab": vocab,
                "created_at": now,
                "updated_at": now,
                "meeting_token": secrets.token_urlsafe(16) if body.get("require_auth") else None,
                "audio_only": body.get("audio_only") is True,
                "max_participants": body.get("max_participants"),
            }
            self.state.conversations[cid] = conv  # holds its concurrency slot while the room opens
            persona_view = self.state.persona_view(persona, "personas") if persona else {}
        if not test_mode and self.rooms is not None:
            try:
                url = self.rooms.open_room(
                    cid,
                    persona=persona_view,
                    properties=dict(props),
                    meeting_token=conv["meeting_token"],
                    max_participants=conv["max_participants"],
                    audio_only=conv["audio_only"],
                )
            except Exception as exc:  # the room could not open: Tavus would fail the create
                log.warning("open_room(%s) failed: %s", cid, exc)
                with self.state.lock:
                    self.state.conversations.pop(cid, None)
                raise HttpError(500, {"error": "Failed to create conversation room"}) from None
            with self.state.lock:
                conv["url"] = url
        if not test_mode and self.enforce_max_call_duration:
            timer = threading.Timer(float(duration), self._finish, args=(cid, "ended"))
            timer.daemon = True
            with self.state.lock:
                self._timers[cid] = timer
            timer.start()
        with self.state.lock:
            view = self.state.conversation_view(conv)
        return 200, {
            k: view[k]
            for k in ("conversation_id", "conversation_name", "conversation_url", "status", "callback_url", "created_at", "meeting_token")
            if k in view
        }

    def _list_conversations(self, _p: _Params, query: _Query, _b: Any) -> _Answer:
        statuses = query.get("status")
        status = statuses[0] if statuses else None
        with self.state.lock:
            views = [self.state.conversation_view(c) for c in self.state.conversations.values() if status is None or c["status"] == status]
        return 200, page(views, query)

    def _get_conversation(self, p: _Params, _q: _Query, _b: Any) -> _Answer:
        with self.state.lock:
            return 200, self.state.conversation_view(self.state.conversation(p["id"]))

    def _end_conversation(self, p: _Params, _q: _Query, _b: Any) -> _Answer:
        with self.state.lock:
            if self.state.conversation(p["id"])["status"] == "ended":
                raise bad_request("Conversation has already ended")
        self._finish(p["id"], "ended")
        return 200, None

    def _delete_conversation(self, p: _Params, _q: _Query, _b: Any) -> _Answer:
        with self.state.lock:
            self.state.conversation(p["id"])  # a 404 if there is none
        self._finish(p["id"], "deleted")
        return 204, None

    def _finish(self, cid: str, how: str) -> None:
        """End (or delete) a conversation and close its room; max_call_duration's timer too."""
        with self.state.lock:
            conv = self.state.conversations.get(cid)
            if conv is None:
                return
            was_live = conv["status"] == "active" and not conv["test_mode"]
            if how == "deleted":
                del self.state.conversations[cid]
            else:
                conv["status"], conv["updated_at"] = "ended", timestamp()
            timer = self._timers.pop(cid, None)
        if timer is not None:
            timer.cancel()
        if was_live and self.rooms is not None:
            try:
                self.rooms.close_room(cid)
            except Exception as exc:  # a room that will not close must not fail the API call
                log.warning("close_room(%s) failed: %s", cid, exc)

    def _dispatch(self, method: str, path: str, query: _Query, body: Any) -> _Answer:
        known_path = False
        for route_method, pattern, handler in _ROUTES:
            match = pattern.fullmatch(path)
            if match:
                known_path = True
                if route_method == method:
                    if handler.startswith("_create_") and not isinstance(body, dict):
                        raise bad_request("Invalid JSON body")
                    return getattr(self, handler)(match.groupdict(), query, body)
        raise HttpError(405 if known_path else 404, {"error": "Method not allowed" if known_path else "Not found"})


_BODY_TYPES: dict[str, tuple[type, ...]] = {
    "callback_url": (str,),
    "test_mode": (bool,),
    "require_auth": (bool,),
    "audio_only": (bool,),
    "max_participants": (int,),
}


def _check_types(body: Mapping[str, Any]) -> None:
    """POST /v2/conversations options, typed as the reference's examples show them."""
    for key, types in _BODY_TYPES.items():
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            raise bad_request(f"Invalid {key}")
    if isinstance(body.get("max_participants"), int) and body["max_participants"] < 1:
        raise bad_request("Invalid max_participants")
