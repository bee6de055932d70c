"""Command: play."""

from __future__ import annotations

import os
import sys

import click

from ..errors import UsageError
from ..exitcodes import ExitCode
from ._common import no_such_step, parse_vars, strict_option, var_option
from ._conversation_options import conversation_options
from ._scenario import load_checked
from ._tavus_options import tavus_options


@click.command("play")
@click.argument("file", type=click.Path(dir_okay=False))
@var_option
@strict_option
@click.option("--local", is_flag=True, help="Play on the built-in local replica even if TAVUS_API_KEY is set.")
@click.option("--from", "from_id", metavar="ID", help="Start at the step with this id.")
@click.option(
    "--speed",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="Scale pauses, gaps and cue waits (local replica only).",
)
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="Write a JSONL run log, flushed line by line.")
@click.option("--interactive/--no-interactive", default=None, help="Cues wait for Enter (default: when stdin is a terminal).")
@conversation_options
@tavus_options
def play_command(
    file: str,
    var_pairs: tuple[str, ...],
    strict: bool,
    local: bool,
    from_id: str | None,
    speed: float,
    log_path: str | None,
    interactive: bool | None,
    api_key_file: str | None,
    api: str | None,
    conversation: dict[str, object],
) -> ExitCode:
    """Play FILE into a new Tavus echo conversation (or the local replica)."""
    plan = load_checked(file, parse_vars(var_pairs), strict=strict)
    if plan is None:
        return ExitCode.INVALID
    start_index = 0
    if from_id is not None:
        index = plan.index_of(from_id)
        if index is None:
            raise no_such_step("--from", from_id, [p.step.id for p in plan.steps], file)
        start_index = index
    use_local = local or not (os.environ.get("TAVUS_API_KEY") or api_key_file)
    if speed != 1.0 and not use_local:
        raise UsageError("--speed works on the local replica only (add --local)")
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
        conversation=conversation,
    )


COMMANDS: list[click.Command] = [play_command]
