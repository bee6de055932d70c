"""The server's guards, as aiohttp middlewares: JSON errors, Host and Origin checks, the token,
and redaction of secrets from every body that leaves.

Order matters: redaction outermost (it sees every body, errors included), then errors (so every
refusal below is JSON), then Host (DNS rebinding: a foreign name resolving to 127.0.0.1), Origin
(a page elsewhere POSTing into the token-free relay), and the token last.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web

from ._config import ServerConfig, is_loopback

__all__ = ["middlewares", "json_reply", "redact", "CONFIG", "PUBLIC"]

CONFIG = web.AppKey("config", ServerConfig)
PUBLIC = "public"  # a route flag in `route.resource` names: reachable without the token
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def json_reply(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data, default=str), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return json_reply({"error": message}, status)


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[CONFIG].max_body
        return _error(413, f"request body too large (limit {limit} bytes)")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(exc.status, exc.reason)
    except Exception as exc:  # noqa: BLE001 - a bug of ours: one line, as the CLI does, no traceback
        return _error(500, f"internal error: {type(exc).__name__}: {exc} (please report it)")


@web.middleware
async def _redaction(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    secrets = request.app[CONFIG].secrets
    if secrets and isinstance(response, web.Response) and response.text is not None:
        response.text = redact(response.text, secrets)
    return response


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@web.middleware
async def _host_check(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.app[CONFIG].loopback and not is_loopback(_hostname(request.host)):
        return _error(403, f"Host {request.host!r} refused: this server answers to localhost only")
    return await handler(request)


@web.middleware
async def _origin_check(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("Origin")
        if request.headers.get("Sec-Fetch-Site") == "cross-site" or (origin is not None and origin != f"{request.scheme}://{request.host}"):
            return _error(403, f"cross-origin request refused (Origin {origin!r})")
    return await handler(request)


def _token_of(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip()
    return request.query.get("token")


@web.middleware
async def _token_check(request: web.Request, handler: Handler) -> web.StreamResponse:
    config = request.app[CONFIG]
    route = request.match_info.route
    public = route.name is not None and route.name.startswith(PUBLIC)
    if route.name == f"{PUBLIC}-relay" and config.relay_needs_token:
        public = False
    if not public:
        given = _token_of(request)
        if given is None:
            return _error(401, "token required: open the URL printed at start, or send 'Authorization: Bearer <token>'")
        if not hmac.compare_digest(given.encode(), config.token.encode()):
            return _error(403, "wrong token")
    return await handler(request)


def middlewares() -> list[Any]:
    return [_redaction, _errors, _host_check, _origin_check, _token_check]
