"""Running a session from the command line: the event loop, signals, keys, and what gets printed.

SIGINT and SIGTERM stop the audio at once (not one more chunk leaves), then cancel the run; the
session's cleanup still ends the conversation, and the exit code is 130. A second signal while
cleaning up says what is left and how to clean it up, but does not cut the (bounded) cleanup
short. Before and after the event loop, player.__main__'s handlers turn a signal into
KeyboardInterrupt; they are put back once the loop is done with the signals. `q` quits the same
way. On a terminal the keys steer the run through its Controller; stdin is in cbreak mode only
while the run lasts, and put back on every way out.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import Interrupted
from ..exitcodes import ExitCode
from ..plan import Plan
from ..playback import Controller, Outcome, RunLog, RunOptions, Session
from ._console import Console, conversation_line
from ._signals import until_signal
from ._startup import resume_collector

if TYPE_CHECKING:
    from ._terminal import KeyInput

__all__ = ["run_playback", "report_cleanup", "start_keys"]


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
    conversation: Mapping[str, Any] | None = None,
    local_max_conversations: int | None = None,
) -> ExitCode:
    from ..playback import open_backend

    console = console or Console()
    controller = Controller(manual_cues=interactive)
    controller.bind(plan)
    console.attach(controller)
    log = RunLog(log_path)
    try:
        with open_backend(
            local=local,
            scenario=plan.scenario,
            api_key_file=api_key_file,
            api=api,
            local_max_conversations=local_max_conversations,
        ) as backend:
            options = RunOptions(
                observer=console,
                speed=speed,
                start_index=start_index,
                controller=controller,
                conversation=dict(conversation or {}),
            )
            session = Session(plan, backend, log=log, options=options)
            caught: list[str] = []
            resume_collector()  # the run begins: everything it needs is imported
            try:
                outcome = asyncio.run(_main(session, console, controller, caught, keys=interactive))
            except BaseException as exc:
                console.stopped(session.outcome, exc)
                console.print(conversation_line(session.outcome))
                report_cleanup(session.outcome)
                raise
            console.summary(outcome)
            for result in outcome.thresholds:
                console.print(f"threshold {result.describe()}")
            report_cleanup(outcome)
            if caught:  # it came as the run was ending: played and cleaned up, yet interrupted
                raise Interrupted(caught[0])
            # Played, but something it created may still be billing: say so in the exit code.
            if outcome.cleanup_errors:
                return ExitCode.FAILED
            return ExitCode.THRESHOLD if outcome.thresholds_failed else ExitCode.OK
    finally:
        log.close()


async def _main(session: Session, console: Console, controller: Controller, caught: list[str], *, keys: bool) -> Outcome:
    task = asyncio.current_task()
    assert task is not None
    controller.bind(session.plan, task=task)

    def on_signal(name: str) -> None:
        session.stop_audio()
        session.log.write("signal", t=session.log.since_origin(asyncio.get_running_loop().time()), signal=name)

    reader = start_keys(controller, console) if keys else None
    console.start_ticker()
    try:
        return await until_signal(session.run(), caught, say=console.print, on_signal=on_signal, leftovers=session.leftovers)
    except asyncio.CancelledError:
        if controller.quit_requested:
            raise Interrupted("quit") from None
        raise
    finally:
        if reader is not None:
            reader.stop()
        await console.stop_ticker()


def start_keys(controller: Controller, console: Console) -> "KeyInput":
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


def report_cleanup(outcome: Outcome) -> None:
    """What the way out could not do: one warning line each on stderr (the exit code says 3)."""
    for problem in outcome.cleanup_errors:
        print(f"echo-player: warning: cleanup: {problem}", file=sys.stderr)
