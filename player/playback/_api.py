"""The Python API: play a scenario file in one call, watch it and steer it.

    outcome = player.play("talk.scenario.yaml", local=True)
    outcome = await player.aplay("talk.scenario.yaml", observer=print, controller=controller)

The same run as `echo-player play` (validation, the local replica without TAVUS_API_KEY, the
session's one exit path), without a terminal: progress goes to the `observer`, and a
`Controller` driven from another task pauses, steps, skips, jumps or quits it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import Interrupted, ScenarioError, UsageError
from ..plan import Plan, check_file
from ._backends import Backend, open_backend
from ._control_core import Listener
from ._controller import Controller
from ._runlog import RunLog
from ._scheduler import RunOptions
from ._session import Outcome, Session

__all__ = ["play", "aplay"]

_KINDS = ("step", "message", "event", "notice", "state")


def _listener(observer: Any) -> Listener:
    """A callable gets every item; an object gets each kind at its `on_<kind>` method, if any."""
    methods = {kind: getattr(observer, f"on_{kind}", None) for kind in _KINDS}
    if not any(methods.values()):
        if not callable(observer):
            raise TypeError("observer: a callable, or an object with on_step/on_message/on_event/on_notice/on_state")
        return observer

    def call(item: dict[str, Any]) -> None:
        method: Callable[[dict[str, Any]], None] | None = methods.get(item["kind"])
        if method is not None:
            method(item)

    return call


async def aplay(
    path: str | Path | Plan,
    *,
    local: bool | None = None,
    vars: Mapping[str, str] | None = None,
    log: str | Path | RunLog | None = None,
    from_step: str | None = None,
    speed: float = 1.0,
    observer: Any = None,
    controller: Controller | None = None,
    api_key_file: str | None = None,
    api: str | None = None,
    backend: Backend | None = None,
) -> Outcome:
    """Validate and play `path`; returns the Outcome once the conversation is cleaned up.

    `path` may also be a Plan (`player.check_file(path).plan`): a file played many times at once
    is then validated once, not once per call (whose CPU would delay the playbacks running).

    `local`: the built-in local replica (default: when no TAVUS_API_KEY / api_key_file);
    `vars`: as --var; `log`: a JSONL run log path (or a RunLog); `from_step`: a step id, as
    --from; `speed`: as --speed (local only); `observer`: a callable given every feed item, or
    an object with on_step/on_message/on_event/on_notice/on_state; `controller`: drive it from
    another task; `backend`: an opened backend to play on (`with player.local_backend(...) as b`),
    shared by every aplay given it: many playbacks in one process then share one fake API, one
    replica thread and one daily-core thread (`local`, `api`, `api_key_file` must then be left
    unset, and the scenario's room settings do not apply: the backend's do). Raises ScenarioError (invalid file), UsageError (bad option), Interrupted
    (`controller.quit()`; `.outcome` holds what was done) or the run's own error.
    """
    if isinstance(path, Plan):
        if vars is not None:
            raise UsageError("vars: give them to check_file when passing a Plan")
        plan = path
    else:
        result = check_file(path, vars=vars)
        if result.plan is None:
            raise ScenarioError([d for d in result.diagnostics if d.severity == "error"] or list(result.diagnostics))
        plan = result.plan
    start_index = plan.start_index(from_step, option="from_step")
    if backend is not None:
        if local is not None or api_key_file is not None or api is not None:
            raise UsageError("backend: leave local, api and api_key_file unset (the backend decides them)")
        use_local = backend.local
    else:
        use_local = local if local is not None else not (os.environ.get("TAVUS_API_KEY") or api_key_file)
    if speed <= 0:
        raise UsageError("speed must be positive")
    if speed != 1.0 and not use_local:
        raise UsageError("speed works on the local replica only (local=True)")
    controller = controller or Controller()
    controller.bind(plan)
    if observer is not None:
        controller.add_listener(_listener(observer))
    runlog = log if isinstance(log, RunLog) else RunLog(log)
    try:
        with _backend(backend, local=use_local, plan=plan, api_key_file=api_key_file, api=api) as opened:
            options = RunOptions(speed=speed, start_index=start_index, controller=controller)
            session = Session(plan, opened, log=runlog, options=options)
            # Its own task, so that quit() cancels the run and not the caller.
            task = asyncio.ensure_future(session.run())
            controller.bind(plan, task=task)
            try:
                return await task
            except asyncio.CancelledError:
                if controller.quit_requested and task.cancelled() and not _cancelling():
                    error = Interrupted("quit")
                    error.outcome = session.outcome
                    raise error from None
                raise
    finally:
        if runlog is not log:
            runlog.close()


def _backend(
    given: Backend | None, *, local: bool, plan: Any, api_key_file: str | None, api: str | None
) -> contextlib.AbstractContextManager[Backend]:
    """The caller's backend (left open: it is theirs), or one opened for this run."""
    if given is not None:
        return contextlib.nullcontext(given)
    return open_backend(local=local, scenario=plan.scenario, api_key_file=api_key_file, api=api)


def _cancelling() -> bool:
    """Whether the caller's own task is being cancelled (known on Python 3.11+)."""
    task = asyncio.current_task()
    return bool(task is not None and sys.version_info >= (3, 11) and task.cancelling())


def play(path: str | Path | Plan, **options: Any) -> Outcome:
    """aplay() on a new event loop (from inside a running loop, await aplay instead)."""
    return asyncio.run(aplay(path, **options))
