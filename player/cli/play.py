"""Command: play."""

from __future__ import annotations

import os
import sys

import click

from ..errors import UsageError
from ..exitcodes import ExitCode
from ._common import parse_vars, var_option
from ._scenario import load_checked
from ._tavus_options import tavus_options


@click.command("play")
@click.argument("file", type=click.Path(dir_okay=False))
@var_option
@click.option("--local", is_flag=True, help="Play on the built-in local replica even if TAVUS_API_KEY is set.")
@click.option("--from", "from_id", metavar="ID", help="Start at the step with this id.")
@click.option(
    "--speed",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="Scale pauses, gaps and cue waits (local replica only).",
)
@click.option(
    "--local-max-conversations",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Live conversations the local Tavus API allows at once [default: 10, a Tavus account's limit].",
)
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="Write a JSONL run log, flushed line by line.")
@click.option("--interactive/--no-interactive", default=None, help="Cues wait for Enter (default: when stdin is a terminal).")
@tavus_options
def play_command(
    file: str,
    var_pairs: tuple[str, ...],
    local: bool,
    from_id: str | None,
    speed: float,
    local_max_conversations: int | None,
    log_path: str | None,
    interactive: bool | None,
    api_key_file: str | None,
    api: str | None,
) -> ExitCode:
    """Play FILE into a new Tavus echo conversation (or the local replica)."""
    plan = load_checked(file, parse_vars(var_pairs))
    if plan is None:
        return ExitCode.INVALID
    start_index = 0
    if from_id is not None:
        index = plan.index_of(from_id)
        if index is None:
            raise UsageError(f"--from: no step with id '{from_id}' in {file}")
        start_index = index
    use_local = local or not (os.environ.get("TAVUS_API_KEY") or api_key_file)
    if speed != 1.0 and not use_local:
        raise UsageError("--speed works on the local replica only (add --local)")
    if local_max_conversations is not None and not use_local:
        raise UsageError("--local-max-conversations works on the local replica only (add --local)")
    if use_local and not local:
        click.echo("No TAVUS_API_KEY set: playing on the built-in local replica (nothing is billed).", err=True)
    if interactive is None:
        interactive = sys.stdin.isatty()

    from ._playback import run_playback

    return run_playback(
        plan,
        local=use_local,
        api_key_file=api_key_file,
        api=api,
        log_path=log_path,
        speed=speed,
        start_index=start_index,
        interactive=interactive,
        local_max_conversations=local_max_conversations,
    )


COMMANDS: list[click.Command] = [play_command]
