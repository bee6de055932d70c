"""Running a session from the command line: the event loop, signals, keys, and what gets printed.

SIGINT and SIGTERM stop the audio at once (not one more chunk leaves), then cancel the run; the
session's cleanup still ends the conversation, and the exit code is 130. A second signal while
cleaning up is acknowledged but does not cut the cleanup short. `q` quits the same way. On a
terminal the keys steer the run through its Controller; stdin is in cbreak mode only while the
run lasts, and put back on every way out.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import TYPE_CHECKING

from ..errors import Interrupted
from ..exitcodes import ExitCode
from ..plan import Plan
from ..playback import Controller, Outcome, RunLog, RunOptions, Session
from ._console import Console, conversation_line

if TYPE_CHECKING:
    from ._terminal import KeyInput

__all__ = ["run_playback"]


def run_playback(
    plan: Plan,
    *,
    local: bool,
    api_key_file: str | None = None,
    api: str | None = None,
    log_path: str | None = None,
    speed: float = 1.0,
    start_index: int = 0,
    interactive: bool = False,
    console: Console | None = None,
) -> ExitCode:
    from ..playback import open_backend

    console = console or Console()
    controller = Controller(manual_cues=interactive)
    controller.bind(plan)
    console.attach(controller)
    log = RunLog(log_path)
    try:
        with open_backend(local=local, scenario=plan.scenario, api_key_file=api_key_file, api=api) as backend:
            options = RunOptions(observer=console, speed=speed, start_index=start_index, controller=controller)
            session = Session(plan, backend, log=log, options=options)
            try:
                outcome = asyncio.run(_main(session, console, controller, keys=interactive))
            except BaseException as exc:
                console.stopped(session.outcome, exc)
                console.print(conversation_line(session.outcome))
                _report_cleanup(console, session.outcome)
                raise
            console.summary(outcome)
            _report_cleanup(console, outcome)
            # Played, but something it created may still be billing: say so in the exit code.
            return ExitCode.FAILED if outcome.cleanup_errors else ExitCode.OK
    finally:
        log.close()


async def _main(session: Session, console: Console, controller: Controller, *, keys: bool) -> Outcome:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    controller.bind(session.plan, task=task)
    caught: list[str] = []

    def on_signal(name: str) -> None:
        if caught:
            console.print(f"{name} again: still ending the conversation, one moment…")
            return
        caught.append(name)
        session.stop_audio()
        session.log.write("signal", t=session.log.since_origin(loop.time()), signal=name)
        task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig.name)
    reader = _start_keys(controller, console) if keys else None
    console.start_ticker()
    try:
        return await session.run()
    except asyncio.CancelledError:
        if caught:
            raise Interrupted(caught[0]) from None
        if controller.quit_requested:
            raise Interrupted("quit") from None
        raise
    finally:
        if reader is not None:
            reader.stop()
        await console.stop_ticker()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _start_keys(controller: Controller, console: Console) -> "KeyInput":
    from ._keys import KeyBindings
    from ._terminal import KeyInput

    bindings = KeyBindings(controller, console)
    reader = KeyInput(sys.stdin.fileno(), bindings.feed)

    def on_feed(item: dict[str, object]) -> None:
        if item["kind"] == "state" and item["state"] == "waiting_cue":
            reader.flush()  # type-ahead never releases a cue: what was typed before it is dropped

    controller.add_listener(on_feed)
    reader.start()
    console.keys = True
    return reader


def _report_cleanup(console: Console, outcome: Outcome) -> None:
    for problem in outcome.cleanup_errors:
        print(f"echo-player: warning: cleanup: {problem}", file=sys.stderr)
