"""The fake Tavus server's HTTP side: reads a request, applies the programmed faults, checks the
API key, hands the call to FakeTavus's endpoints and writes the answer (or drops the connection).
Every request is counted on arrival (FakeTavus.calls) and once answered (FakeTavus.requests)."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ._state import HttpError

if TYPE_CHECKING:
    from ._server import FakeTavus

__all__ = ["RequestHandler"]

log = logging.getLogger("player.local.tavus_server")  # one logger for the whole fake


class RequestHandler(BaseHTTPRequestHandler):
    """Serves one connection of the server whose `fake` attribute is the FakeTavus."""

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
