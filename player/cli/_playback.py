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
import contextlib
import signal
import sys
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any

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
            try:
                outcome = asyncio.run(_main(session, console, controller, caught, keys=interactive))
            except BaseException as exc:
                console.stopped(session.outcome, exc)
                console.print(conversation_line(session.outcome))
                _report_cleanup(console, session.outcome)
                raise
            console.summary(outcome)
            for result in outcome.thresholds:
                console.print(f"threshold {result.describe()}")
            _report_cleanup(console, outcome)
            if caught:  # it came as the run was ending: played and cleaned up, yet interrupted
                raise Interrupted(caught[0])
            # Played, but something it created may still be billing: say so in the exit code.
            if outcome.cleanup_errors:
                return ExitCode.FAILED
            return ExitCode.THRESHOLD if outcome.thresholds_failed else ExitCode.OK
    finally:
        log.close()


async def _main(session: Session, console: Console, controller: Controller, caught: list[str], *, keys: bool) -> Outcome:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    controller.bind(session.plan, task=task)

    def on_signal(name: str) -> None:  # on the loop
        if len(caught) > 1:
            left = session.leftovers()
            what = ", ".join(left) if left else "nothing that is billed"
            console.print(
                f"{name} again: still cleaning up (left: {what}); it ends on its own within seconds. "
                "If it is cut short, run `echo-player cleanup`"
            )
            return
        session.stop_audio()
        session.log.write("signal", t=session.log.since_origin(loop.time()), signal=name)
        task.cancel()

    def handler(signum: int, _frame: FrameType | None) -> None:
        # A plain handler, not loop.add_signal_handler: it runs even when the signal comes as
        # the loop is finishing (where the loop's own would be dropped unread), and `caught`
        # says so to the caller.
        name = signal.Signals(signum).name
        caught.append(name)
        with contextlib.suppress(RuntimeError):  # the loop has closed: the caller sees `caught`
            loop.call_soon_threadsafe(on_signal, name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
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
        for sig, old_handler in previous.items():
            signal.signal(sig, old_handler)


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
