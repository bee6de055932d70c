"""Command: serve (a control server; with a scenario it plays it, without one it relays)."""

from __future__ import annotations

import os
import sys

import click

from ..errors import UsageError
from ..exitcodes import ExitCode
from ._common import parse_vars, var_option
from ._tavus_options import tavus_options


@click.command("serve")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@var_option
@click.option("--local", is_flag=True, help="Use the built-in local replica even if TAVUS_API_KEY is set.")
@click.option("--from", "from_id", metavar="ID", help="Start the scenario at the step with this id.")
@click.option(
    "--speed", type=click.FloatRange(min=0.01), default=1.0, show_default=True, help="Scale pauses, gaps and cue waits (local only)."
)
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="Write a JSONL run log, flushed line by line.")
@click.option("--manual-cues", is_flag=True, help="Cues wait for `next` (the page's ] key, or POST /api/next).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; off loopback every endpoint needs the token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on (0: any free one).")
@click.option("--token", envvar="ECHO_PLAYER_TOKEN", help="Control token (default: a random one, printed). Env: ECHO_PLAYER_TOKEN.")
@click.option("--relay/--no-relay", default=True, show_default=True, help="Serve the seed's POST /send_text_message.")
@click.option("--relay-token", is_flag=True, help="Ask the token on /send_text_message too, even on loopback.")
@click.option("--conversation-url", metavar="URL", help="Without FILE: relay into this conversation's room (it is left, not ended).")
@click.option("--conversation-id", metavar="ID", help="Without FILE: relay into this existing conversation (left, not ended).")
@click.option(
    "--replica", "replica_id", metavar="ID", help="Without FILE: the replica of the conversation created (default TAVUS_REPLICA_ID)."
)
@tavus_options
def serve_command(
    file: str | None,
    var_pairs: tuple[str, ...],
    local: bool,
    from_id: str | None,
    speed: float,
    log_path: str | None,
    manual_cues: bool,
    host: str,
    port: int,
    token: str | None,
    relay: bool,
    relay_token: bool,
    conversation_url: str | None,
    conversation_id: str | None,
    replica_id: str | None,
    api_key_file: str | None,
    api: str | None,
) -> ExitCode:
    """Serve control over HTTP (presenter page at /, JSON API, the seed's relay).

    With FILE, play it as `play` does while the server steers it; without, create an echo
    conversation (or join the one given) and relay into it until quit or Ctrl-C.
    """
    from ..server import ServerConfig, new_token

    if token is not None and not token.strip():
        raise UsageError("--token must not be empty")
    keyed = bool(os.environ.get("TAVUS_API_KEY") or api_key_file)
    use_local = local or not keyed
    # The seed's own case: a room URL and no key. Join it over Daily; no Tavus API is needed.
    room_only = file is None and conversation_url is not None and not local and not keyed
    if speed != 1.0 and not use_local:
        raise UsageError("--speed works on the local replica only (add --local)")
    if file is not None and (conversation_url or conversation_id or replica_id):
        raise UsageError("--conversation-url, --conversation-id and --replica are for serve without a scenario")
    if file is None and (var_pairs or from_id or speed != 1.0 or manual_cues):
        raise UsageError("--var, --from, --speed and --manual-cues need a scenario FILE")
    if conversation_url and conversation_id:
        raise UsageError("give --conversation-url or --conversation-id, not both")
    config = ServerConfig(host=host, port=port, token=token or new_token(), relay=relay, relay_token=relay_token)
    if use_local and not local and not room_only:
        click.echo("No TAVUS_API_KEY set: using the built-in local replica (nothing is billed).", err=True)
    from . import _serving

    if file is None:
        return _serving.serve_relay(
            config,
            local=use_local,
            api_key_file=api_key_file,
            api=api,
            log_path=log_path,
            conversation_url=conversation_url,
            conversation_id=conversation_id,
            replica_id=replica_id,
            room_only=room_only,
        )
    from ._scenario import load_checked

    plan = load_checked(file, parse_vars(var_pairs))
    if plan is None:
        return ExitCode.INVALID
    start_index = plan.start_index(from_id)
    return _serving.serve_scenario(
        config,
        plan,
        local=use_local,
        api_key_file=api_key_file,
        api=api,
        log_path=log_path,
        speed=speed,
        start_index=start_index,
        manual_cues=manual_cues,
        keys=sys.stdin.isatty(),
    )


COMMANDS: list[click.Command] = [serve_command]
