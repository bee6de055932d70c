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
vocabulary it was created with.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable, Mapping, Protocol
from urllib.parse import parse_qs, urlsplit

__all__ = ["FakeTavus", "Faults", "FakeState", "RoomProvider", "STOCK_REPLICAS", "CONCURRENCY_MESSAGE"]

log = logging.getLogger("player.local.tavus_server")

CONCURRENCY_MESSAGE = "User has reached maximum concurrent conversations"
MAX_CALL_DURATION = 3600
STOCK_REPLICAS: tuple[Mapping[str, Any], ...] = (
    {"replica_id": "r90bbd427f71", "replica_name": "Anna", "status": "completed", "replica_type": "system"},
    {"replica_id": "rf4e9d9790f0", "replica_name": "Carter", "status": "completed", "replica_type": "system"},
    {"replica_id": "r79e1c033f", "replica_name": "Nathan", "status": "completed", "replica_type": "system"},
    {"replica_id": "r6ae5b6efc9d", "replica_name": "Still training", "status": "started", "replica_type": "user"},
)


class RoomProvider(Protocol):
    """The local replica's room registry: a room per live (non test_mode) conversation."""

    def open_room(self, conversation_id: str, *, persona: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
        """Returns the conversation_url."""

    def close_room(self, conversation_id: str) -> None: ...


class HttpError(Exception):
    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _bad(message: str) -> HttpError:
    return HttpError(400, {"error": message})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- faults ---------------------------------------------------------------------------------


@dataclass
class _Fault:
    kind: str  # status | drop | lose | delay
    remaining: int
    method: str | None
    path: str | None  # a prefix of the request path
    status: int = 500
    body: Mapping[str, Any] | None = None
    retry_after: str | None = None
    seconds: float = 0.0
    after: bool = False  # delay: handle the request first, then hold the answer back


class Faults:
    """Programmed failures. Each request takes the first matching fault with calls left;
    `latency` delays every answer. `method`/`path` (a prefix) narrow what a fault matches."""

    def __init__(self) -> None:
        self.latency = 0.0
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []

    def fail(self, times: int = 1, *, status: int = 500, message: str = "Internal Server Error",
             method: str | None = None, path: str | None = None) -> None:
        """Answer `status` (a 5xx by default) with `{"error": message}` for `times` calls."""
        self._add(_Fault("status", times, method, path, status, {"error": message}))

    def rate_limit(self, times: int = 1, *, retry_after: float | str | None = 1,
                   method: str | None = None, path: str | None = None) -> None:
        """429 with `Retry-After` (seconds, or None to omit it)."""
        ra = None if retry_after is None else (retry_after if isinstance(retry_after, str) else f"{retry_after:g}")
        self._add(_Fault("status", times, method, path, 429, {"message": "Too Many Requests"}, ra))

    def drop(self, times: int = 1, *, method: str | None = None, path: str | None = None) -> None:
        """Close the connection without answering and without handling the request."""
        self._add(_Fault("drop", times, method, path))

    def lose_response(self, times: int = 1, *, method: str | None = "POST", path: str | None = None) -> None:
        """Handle the request (a create succeeds), then close the connection unanswered."""
        self._add(_Fault("lose", times, method, path))

    def delay(self, seconds: float, times: int = 1, *, after: bool = False,
              method: str | None = None, path: str | None = None) -> None:
        """Hold the request `seconds` before handling it, or (after=True) handle it at once and
        hold the answer: a client timing out then faces a create whose outcome is unknown."""
        self._add(_Fault("delay", times, method, path, seconds=seconds, after=after))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.latency = 0.0

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and (fault.method in (None, method)) and path.startswith(fault.path or ""):
                    fault.remaining -= 1
                    return fault
        return None


# -- state ----------------------------------------------------------------------------------


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

    def check_replica(self, replica_id: Any, field: str) -> str:
        replica = self.replicas.get(replica_id) if isinstance(replica_id, str) else None
        if replica is None or replica.get("status") != "completed":
            raise _bad(f"Invalid {field}")
        return replica_id


# -- the server -----------------------------------------------------------------------------

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


class FakeTavus:
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
            server = ThreadingHTTPServer(self._address, _Handler)
            server.daemon_threads = True
            server.block_on_close = False
            server.fake = self  # type: ignore[attr-defined]
            self._server = server
            self._stopping.clear()
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="fake-tavus", daemon=True)
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
        return f"http://{host}:{port}"

    def end(self, conversation_id: str) -> None:
        """End a conversation from Tavus's side, as a timeout would (closes its room)."""
        self._finish(conversation_id, "ended")

    def calls(self, method: str, path: str) -> int:
        """How many requests reached `path` (exact, without the query) with `method`."""
        return sum(1 for m, p in list(self._arrivals) if m == method and p == path)

    # endpoints (private: reached over HTTP only): each returns (status, body) or raises HttpError

    def _list_replicas(self, _m: dict[str, str], query: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        with self.state.lock:
            return 200, _page(list(self.state.replicas.values()), query)

    def _get_replica(self, m: dict[str, str], _q: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        with self.state.lock:
            replica = self.state.replicas.get(m["id"])
        if replica is None:
            raise HttpError(404, {"error": "Replica not found"})
        return 200, dict(replica, training_progress="100/100" if replica["status"] == "completed" else "42/100")

    def _create_persona(self, m: dict[str, str], _q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        pals = m["vocab"] == "pals"
        name = body.get("pal_name" if pals else "persona_name")
        mode = body.get("pipeline_mode", "full")
        if mode not in ("full", "echo", "speech-to-speech"):
            raise _bad("Invalid pipeline_mode")
        if mode == "full" and not body.get("system_prompt"):
            raise _bad("system_prompt is required for the full pipeline")
        layers = body.get("layers", {})
        if not isinstance(layers, dict) or (name is not None and not isinstance(name, str)):
            raise _bad("Invalid request body")
        replica_field = "default_face_id" if pals else "default_replica_id"
        with self.state.lock:
            replica = body.get(replica_field)
            if replica is not None:
                self.state.check_replica(replica, replica_field)
            pid = "p" + secrets.token_hex(5)
            now = _now()
            self.state.personas[pid] = {"id": pid, "name": name, "pipeline_mode": mode, "layers": layers,
                                        "default_replica_id": replica, "created_at": now, "updated_at": now}
        return 200, {"pal_id" if pals else "persona_id": pid, "pal_name" if pals else "persona_name": name,
                     "created_at": now}

    def _list_personas(self, m: dict[str, str], query: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        with self.state.lock:
            views = [self.state.persona_view(p, m["vocab"]) for p in self.state.personas.values()]
        return 200, _page(views, query)

    def _get_persona(self, m: dict[str, str], _q: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        with self.state.lock:
            persona = self.state.personas.get(m["id"])
            if persona is None:
                raise HttpError(404, {"error": "Persona not found"})
            return 200, self.state.persona_view(persona, m["vocab"])

    def _delete_persona(self, m: dict[str, str], _q: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        with self.state.lock:
            if self.state.personas.pop(m["id"], None) is None:
                raise HttpError(404, {"error": "Persona not found"})
        return 204, None

    def _create_conversation(self, _m: dict[str, str], _q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        vocab = "pals" if "pal_id" in body or "face_id" in body else "personas"
        persona_id = body.get("pal_id", body.get("persona_id"))
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise _bad("Invalid properties")
        duration = props.get("max_call_duration", MAX_CALL_DURATION)
        valid = isinstance(duration, (int, float)) and not isinstance(duration, bool)
        if not valid or not 0 < duration <= MAX_CALL_DURATION:
            raise _bad(f"max_call_duration must be between 1 and {MAX_CALL_DURATION} seconds")
        test_mode = body.get("test_mode") is True
        with self.state.lock:
            persona = self.state.personas.get(persona_id) if persona_id is not None else None
            if persona_id is not None and persona is None:
                raise _bad("Invalid persona_id" if vocab == "personas" else "Invalid pal_id")
            replica = body.get("face_id", body.get("replica_id")) or (persona or {}).get("default_replica_id")
            if replica is None:
                raise _bad("replica_id is required when the persona has no default replica")
            self.state.check_replica(replica, "face_id" if vocab == "pals" else "replica_id")
            if not test_mode and self.state.live_count() >= self.state.max_concurrent:
                raise HttpError(400, {"message": CONCURRENCY_MESSAGE})
            cid = "c" + secrets.token_hex(5)
            now = _now()
            conv = {"id": cid, "name": body.get("conversation_name") or f"New Conversation {cid}",
                    "url": f"https://tavus.daily.co/{cid}", "status": "ended" if test_mode else "active",
                    "test_mode": test_mode, "callback_url": body.get("callback_url"), "persona_id": persona_id,
                    "replica_id": replica, "properties": props, "vocab": vocab, "created_at": now, "updated_at": now,
                    "meeting_token": secrets.token_urlsafe(16) if body.get("require_auth") else None}
            self.state.conversations[cid] = conv  # holds its concurrency slot while the room opens
            persona_view = self.state.persona_view(persona, "personas") if persona else {}
        if not test_mode and self.rooms is not None:
            try:
                url = self.rooms.open_room(cid, persona=persona_view, properties=dict(props))
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
        return 200, {k: view[k] for k in ("conversation_id", "conversation_name", "conversation_url", "status",
                                          "callback_url", "created_at", "meeting_token") if k in view}

    def _list_conversations(self, _m: dict[str, str], query: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        status = (query.get("status") or [None])[0]
        with self.state.lock:
            views = [self.state.conversation_view(c) for c in self.state.conversations.values()
                     if status is None or c["status"] == status]
        return 200, _page(views, query)

    def _get_conversation(self, m: dict[str, str], _q: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        with self.state.lock:
            conv = self.state.conversations.get(m["id"])
            if conv is None:
                raise HttpError(404, {"error": "Conversation not found"})
            return 200, self.state.conversation_view(conv)

    def _end_conversation(self, m: dict[str, str], _q: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        with self.state.lock:
            conv = self.state.conversations.get(m["id"])
            if conv is None:
                raise HttpError(404, {"error": "Conversation not found"})
            if conv["status"] == "ended":
                raise _bad("Conversation has already ended")
        self._finish(m["id"], "ended")
        return 200, None

    def _delete_conversation(self, m: dict[str, str], _q: dict[str, list[str]], _b: Any) -> tuple[int, Any]:
        with self.state.lock:
            if m["id"] not in self.state.conversations:
                raise HttpError(404, {"error": "Conversation not found"})
        self._finish(m["id"], "deleted")
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
                conv["status"], conv["updated_at"] = "ended", _now()
            timer = self._timers.pop(cid, None)
        if timer is not None:
            timer.cancel()
        if was_live and self.rooms is not None:
            try:
                self.rooms.close_room(cid)
            except Exception as exc:  # a room that will not close must not fail the API call
                log.warning("close_room(%s) failed: %s", cid, exc)

    def _dispatch(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        known_path = False
        for route_method, pattern, handler in _ROUTES:
            match = pattern.fullmatch(path)
            if match:
                known_path = True
                if route_method == method:
                    if handler.startswith("_create_") and not isinstance(body, dict):
                        raise _bad("Invalid JSON body")
                    return getattr(self, handler)(match.groupdict(), query, body)
        raise HttpError(405 if known_path else 404, {"error": "Method not allowed" if known_path else "Not found"})


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
    try:
        limit = max(1, int((query.get("limit") or ["100"])[0]))
        page = max(1, int((query.get("page") or ["1"])[0]))
    except ValueError:
        raise _bad("limit and page must be integers") from None
    return {"data": items[(page - 1) * limit : page * limit], "total_count": len(items)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API: exercises connection reuse
    server_version = "FakeTavus/1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _handle(self) -> None:
        fake: FakeTavus = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        fake._arrivals.append((self.command, path))
        fault = fake.faults._take(self.command, path)
        if fake.faults.latency:
            fake._stopping.wait(fake.faults.latency)
        if fault and fault.kind == "drop":
            return self._drop(fake, path)
        if fault and fault.kind == "delay" and not fault.after:
            fake._stopping.wait(fault.seconds)
        if fault and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return self._answer(fake, path, fault.status, fault.body, headers)
        if self.headers.get("x-api-key") != fake.api_key:
            return self._answer(fake, path, 401, {"message": "Invalid access token"})
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = ...  # not JSON: refused by _dispatch for POST
        try:
            status, payload = fake._dispatch(self.command, path, parse_qs(url.query), body)
        except HttpError as exc:
            status, payload = exc.status, exc.body
        if fault and fault.kind == "lose":
            return self._drop(fake, path)
        if fault and fault.kind == "delay" and fault.after:
            fake._stopping.wait(fault.seconds)
        self._answer(fake, path, status, payload)

    def _answer(self, fake: FakeTavus, path: str, status: int, payload: Any, headers: Mapping[str, str] = {}) -> None:
        fake.requests.append((self.command, path, status))
        data = b"" if status == 204 or payload is None else json.dumps(payload).encode()
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (it timed out): nothing to tell it
            self.close_connection = True

    def _drop(self, fake: FakeTavus, path: str) -> None:
        fake.requests.append((self.command, path, None))
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
