"""Running `serve`: the control server beside a playback or a relay, in one event loop.

The server starts first (a busy port is a usage error before anything is created or billed)
and prints its URL with the token, as Jupyter does. SIGINT and SIGTERM cancel the run as in
`play` (exit 130); its cleanup still ends what it created; the server stops last, so the page
sees the run end.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import TypeVar

from ..errors import Interrupted
from ..exitcodes import ExitCode
from ..plan import Plan
from ..playback import Backend, Outcome, RunLog, open_backend
from ..server import ControlServer, Relay, RelayControls, ServedPlay, ServerConfig, run_relay
from ._console import Console, conversation_line
from ._playback import report_cleanup, start_keys
from ._signals import until_signal
from ._startup import resume_collector

__all__ = ["serve_relay", "serve_scenario", "announce"]

T = TypeVar("T")


def _secrets(backend: Backend) -> tuple[str, ...]:
    """What no response may contain: the API key (the local one too, though it bills nothing)."""
    key = backend.client.settings.api_key
    return (key,) if key else ()


def announce(console: Console, server: ControlServer) -> None:
    config = server.config
    console.print(f"Serving echo-player control at {server.url}")
    if config.relay:
        how = "token required" if config.relay_needs_token else "no token on loopback"
        console.print(f"Seed relay: POST {server.base_url}/send_text_message ({how})")
    if not config.loopback:
        console.print(f"warning: listening on {config.host}, beyond this machine, over plain HTTP; keep the token secret")


def serve_relay(
    config: ServerConfig,
    *,
    local: bool,
    api_key_file: str | None = None,
    api: str | None = None,
    log_path: str | None = None,
    conversation_url: str | None = None,
    conversation_id: str | None = None,
    replica_id: str | None = None,
    room_only: bool = False,
    console: Console | None = None,
) -> ExitCode:
    """`room_only`: join `conversation_url` over Daily with no Tavus API at all, as the seed does
    (no key needed); else through the backend (local replica or Tavus)."""
    console = console or Console()
    log = RunLog(log_path)
    outcome = Outcome()
    joined = conversation_url is not None or conversation_id is not None
    opened: contextlib.AbstractContextManager[Backend | None]
    opened = contextlib.nullcontext() if room_only else open_backend(local=local, api_key_file=api_key_file, api=api)
    try:
        with opened as backend:
            if backend is not None:
                config = dataclasses.replace(config, secrets=_secrets(backend))
                client, transport, replica = backend.client, backend.transport, backend.default_replica_id
            else:
                from ..transport.daily import DailyTransport

                client, transport, replica = None, DailyTransport, None
            relay = Relay()
            controls = RelayControls(relay)
            server = ControlServer(config, controls, relay)

            async def main() -> None:
                await server.start()
                try:
                    announce(console, server)
                    work = run_relay(
                        client,
                        transport,
                        relay,
                        controls,
                        log=log,
                        outcome=outcome,
                        default_replica_id=replica,
                        conversation_url=conversation_url,
                        conversation_id=conversation_id,
                        replica_id=replica_id,
                        on_ready=lambda cid: console.print(
                            f"Relaying into conversation {cid}: the replica is in the room (Ctrl-C ends it)"
                        ),
                    )
                    await until_signal(work, [], say=console.print)
                finally:
                    await server.stop()

            resume_collector()  # serving begins: everything it needs is imported
            try:
                asyncio.run(main())
            finally:
                console.print(_relay_line(outcome, joined))
                report_cleanup(outcome)
            return ExitCode.FAILED if outcome.cleanup_errors else ExitCode.OK
    finally:
        log.close()


def _relay_line(outcome: Outcome, joined: bool) -> str:
    cid = outcome.conversation_id
    if cid is None:
        return "no conversation was created"
    if joined:
        return f"left conversation {cid} (it was given, so it is still running)"
    line = f"conversation {cid} " + ("ended" if outcome.conversation_ended else "NOT ended (run `echo-player cleanup`)")
    if outcome.persona_deleted is not None:
        line += ", persona deleted" if outcome.persona_deleted else ", persona NOT deleted"
    return line


def serve_scenario(
    config: ServerConfig,
    plan: Plan,
    *,
    local: bool,
    api_key_file: str | None = None,
    api: str | None = None,
    log_path: str | None = None,
    speed: float = 1.0,
    start_index: int = 0,
    manual_cues: bool = False,
    keys: bool = False,
    console: Console | None = None,
) -> ExitCode:
    """Plays `plan` as `play` does, steered by the server (and the seed's relay) meanwhile;
    with `keys` (stdin is a terminal) `play`'s keys steer it too."""
    console = console or Console()
    log = RunLog(log_path)
    try:
        with open_backend(local=local, scenario=plan.scenario, api_key_file=api_key_file, api=api) as backend:
            config = dataclasses.replace(config, secrets=_secrets(backend))
            served = ServedPlay(
                plan, backend, config, log=log, observer=console, speed=speed, start_index=start_index, manual_cues=manual_cues
            )
            session = served.session
            console.attach(served.controller)

            def on_signal(name: str) -> None:
                session.stop_audio()
                session.log.write("signal", t=session.log.since_origin(asyncio.get_running_loop().time()), signal=name)

            async def main() -> Outcome:
                await served.server.start()
                try:
                    announce(console, served.server)
                    reader = start_keys(served.controller, console) if keys else None
                    console.start_ticker()
                    try:
                        return await until_signal(
                            served.start(), caught, say=console.print, on_signal=on_signal, leftovers=session.leftovers
                        )
                    except asyncio.CancelledError:
                        if served.controller.quit_requested:
                            raise Interrupted("quit") from None
                        raise
                    finally:
                        if reader is not None:
                            reader.stop()
                        await console.stop_ticker()
                finally:
                    await served.server.stop()

            caught: list[str] = []
            resume_collector()  # serving begins: everything it needs is imported
            try:
                outcome = asyncio.run(main())
            except BaseException as exc:
                console.stopped(session.outcome, exc)
                console.print(conversation_line(session.outcome))
                report_cleanup(session.outcome)
                raise
            console.summary(outcome)
            report_cleanup(outcome)
            if caught:  # it came as the run was ending: played and cleaned up, yet interrupted (as play)
                raise Interrupted(caught[0])
            return ExitCode.FAILED if outcome.cleanup_errors else ExitCode.OK
    finally:
        log.close()
