"""The control server: one aiohttp application inside the player's running event loop.

aiohttp because it embeds (AppRunner in the running loop, no signal handlers of its own, which
the CLI's Ctrl-C handling needs), limits bodies itself, and stops at once with event streams
open (an on_shutdown hook ends them). Routes: the presenter page `/` and its files, the control
API under `/api/`, and the seed's `POST /send_text_message`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from importlib import resources
from typing import Any

from aiohttp import web

from ..errors import UsageError
from ._config import ServerConfig
from ._controls import CLOSING, CONTROLS, PLAN, Controls, add_routes
from ._relay import RELAY, Relay, send_text_message
from ._security import CONFIG, PUBLIC, json_reply, middlewares

__all__ = ["ControlServer", "make_app"]

_STATIC = {
    "presenter.js": "text/javascript",
    "presenter.css": "text/css",
}


# aiohttp logs a handler's failure after its answer has started (an event stream) with a
# traceback; with no handler of its own Python would print that on the CLI's terminal, which
# belongs to the CLI. Whoever configures logging still gets them.
logging.getLogger("aiohttp").addHandler(logging.NullHandler())


def _asset(name: str) -> str:
    return resources.files("player.server").joinpath("static").joinpath(name).read_text("utf-8")


async def _page(request: web.Request) -> web.Response:
    return web.Response(text=_asset("index.html"), content_type="text/html", headers={"Cache-Control": "no-store"})


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _STATIC:
        return json_reply({"error": f"no file {name!r}"}, 404)
    return web.Response(text=_asset(name), content_type=_STATIC[name])


async def _on_shutdown(app: web.Application) -> None:
    app[CLOSING].set()  # ends every open event stream, so cleanup does not wait on them


def make_app(config: ServerConfig, controls: Controls, relay: Relay, plan: Mapping[str, Any] | None = None) -> web.Application:
    """`plan`: what GET /api/plan answers (player.server.timeline_of); none when only relaying."""
    app = web.Application(client_max_size=config.max_body, middlewares=middlewares())
    app[CONFIG] = config
    app[CONTROLS] = controls
    app[RELAY] = relay
    app[PLAN] = dict(plan or {"name": None, "steps": []})
    app[CLOSING] = asyncio.Event()
    app.router.add_get("/", _page, name="page")
    # The page's code is the same in every wheel and holds no data: no token needed for it.
    app.router.add_get("/static/{name}", _static, name=f"{PUBLIC}-static")
    if config.relay:
        app.router.add_post("/send_text_message", send_text_message, name=f"{PUBLIC}-relay")
    add_routes(app)
    app.on_shutdown.append(_on_shutdown)
    return app


class ControlServer:
    """`async with ControlServer(...) as server:` serves at `server.url` until the block ends."""

    def __init__(self, config: ServerConfig, controls: Controls, relay: Relay, plan: Mapping[str, Any] | None = None) -> None:
        self.config = config
        self.app = make_app(config, controls, relay, plan)
        self._runner: web.AppRunner | None = None
        self.port = config.port

    @property
    def base_url(self) -> str:
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The page's address with the token, as printed at start."""
        return f"{self.base_url}/?token={self.config.token}"

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise UsageError(f"cannot serve on {self.config.host}:{self.config.port}: {exc.strerror or exc}") from None
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> ControlServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
