"""The control API: GET status and plan, one POST per controller operation, and the live event
stream (Server-Sent Events) of what the controller publishes.

The server drives anything with the controller's shape (`Controls`): the playback controller
during a scenario, or the relay's own when `serve` only relays. A refusal (pausing what is not
playing, jumping to no such step) is a 409 with the controller's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from ..errors import ControlRefused
from ..plan import Plan, describe_step
from ..scenario import Cue, Play, Say
from ._relay import BadBody, read_json
from ._security import CONFIG, json_reply, redact

__all__ = ["Controls", "OPERATIONS", "CONTROLS", "PLAN", "CLOSING", "add_routes", "timeline_of"]

KEEPALIVE = 15.0  # seconds between SSE comments, so proxies and the page see a live stream
_REFRESHING = ("step", "state")  # items after which the stream also sends a fresh status


class Controls(Protocol):
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def toggle_pause(self) -> None: ...
    def step(self) -> None: ...
    def next(self) -> None: ...
    def skip(self) -> None: ...
    def jump(self, step_id: str) -> None: ...
    def interrupt(self) -> None: ...
    def say(self, text: str) -> None: ...
    def quit(self) -> None: ...
    def status(self) -> dict[str, Any]: ...
    def subscribe(self) -> "asyncio.Queue[dict[str, Any]]": ...
    def unsubscribe(self, queue: "asyncio.Queue[dict[str, Any]]") -> None: ...


CONTROLS = web.AppKey("controls", Controls)
PLAN = web.AppKey("plan", dict)  # the timeline the page draws: {"name", "steps": one dict per planned step}
CLOSING = web.AppKey("closing", asyncio.Event)


def timeline_of(plan: Plan) -> dict[str, Any]:
    """The plan as the page's timeline draws it: what each step says or does, when (estimated)."""
    out = []
    for planned in plan.steps:
        step = planned.step
        text = step.text if isinstance(step, (Say, Cue)) else step.source if isinstance(step, Play) else describe_step(step, 200)
        out.append(
            {
                "index": step.index,
                "id": step.id,
                "action": step.action,
                "text": text,
                "note": step.note,
                "start": round(planned.start, 3),
                "duration": round(planned.duration, 3),
                "timed": "cue" if isinstance(step, Cue) else "at" if step.at is not None else None,  # what `countdown` counts to
            }
        )
    return {"name": plan.scenario.name, "steps": out}


def _string_field(body: Any, key: str) -> str:
    if not isinstance(body, dict):
        raise BadBody(f"the body must be a JSON object with {key!r}, got {type(body).__name__}")
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadBody(f"{key!r} must be a non-empty string")
    return value


# operation name in the URL -> how to call it (with the request's JSON body, if it takes one)
OPERATIONS: dict[str, Callable[[Controls, Any], None]] = {
    "pause": lambda c, _b: c.pause(),
    "resume": lambda c, _b: c.resume(),
    "toggle-pause": lambda c, _b: c.toggle_pause(),
    "step": lambda c, _b: c.step(),
    "next": lambda c, _b: c.next(),
    "skip": lambda c, _b: c.skip(),
    "jump": lambda c, b: c.jump(_string_field(b, "step")),
    "interrupt": lambda c, _b: c.interrupt(),
    "say": lambda c, b: c.say(_string_field(b, "text")),
    "quit": lambda c, _b: c.quit(),
}
_WITH_BODY = ("jump", "say")


async def status(request: web.Request) -> web.Response:
    return json_reply(request.app[CONTROLS].status())


async def plan(request: web.Request) -> web.Response:
    return json_reply(request.app[PLAN])


async def operate(request: web.Request) -> web.Response:
    name = request.match_info["operation"]
    call = OPERATIONS.get(name)
    if call is None:
        return json_reply({"error": f"no operation {name!r} (one of: {', '.join(OPERATIONS)})"}, 404)
    controls = request.app[CONTROLS]
    try:
        body = await read_json(request) if name in _WITH_BODY else None
        call(controls, body)
    except BadBody as exc:
        return json_reply({"error": str(exc)}, 400)
    except ControlRefused as exc:
        return json_reply({"error": str(exc) or f"{name} refused"}, 409)
    return json_reply({"ok": True, "status": controls.status()})


def _frame(kind: str, data: Any, secrets: tuple[str, ...]) -> bytes:
    payload = redact(json.dumps(data, default=str), secrets)
    return f"event: {kind}\ndata: {payload}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    """`event: status` at once, then one event per published item (its `kind` names it)."""
    controls = request.app[CONTROLS]
    closing = request.app[CLOSING]
    secrets = request.app[CONFIG].secrets
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    queue = controls.subscribe()
    ending = asyncio.ensure_future(closing.wait())
    try:
        await response.write(_frame("status", controls.status(), secrets))
        while not closing.is_set():
            getting = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getting, ending}, timeout=KEEPALIVE, return_when=asyncio.FIRST_COMPLETED)
            if getting not in done:
                getting.cancel()
                if not done:
                    await response.write(b": keepalive\n\n")
                continue
            item = getting.result()
            kind = str(item.get("kind", "event")) if isinstance(item, dict) else "event"
            await response.write(_frame(kind, item, secrets))
            if kind in _REFRESHING:
                await response.write(_frame("status", controls.status(), secrets))
    except ConnectionResetError:
        pass  # the page went away
    finally:
        ending.cancel()
        controls.unsubscribe(queue)
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/status", status, name="status")
    app.router.add_get("/api/plan", plan, name="plan")
    app.router.add_get("/api/events", events, name="events")
    app.router.add_post("/api/{operation}", operate, name="operate")
