"""Command: play."""

from __future__ import annotations

import os
import sys

import click

from ..errors import UsageError
from ..exitcodes import ExitCode
from ._common import parse_vars, strict_option, var_option
from ._conversation_options import conversation_options
from ._scenario import load_checked
from ._suite import SuiteOptions, from_option, play_files, suite_options, with_thresholds
from ._tavus_options import tavus_options


@click.command("play")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@var_option
@strict_option
@click.option("--local", is_flag=True, help="Play on the built-in local replica even if TAVUS_API_KEY is set.")
@from_option
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
@click.option("--log", "log_path", type=click.Path(), help="Write a JSONL run log, flushed line by line (a suite: a folder).")
@click.option("--interactive/--no-interactive", default=None, help="Cues wait for Enter (default: when stdin is a terminal).")
@conversation_options
@tavus_options
@suite_options
def play_command(
    files: tuple[str, ...],
    var_pairs: tuple[str, ...],
    strict: bool,
    local: bool,
    from_id: str | None,
    speed: float,
    local_max_conversations: int | None,
    log_path: str | None,
    interactive: bool | None,
    api_key_file: str | None,
    api: str | None,
    conversation: dict[str, object],
    suite: SuiteOptions,
) -> ExitCode:
    """Play FILES (scenarios, or folders of them) into new Tavus echo conversations (or the local replica)."""
    use_local = local or not (os.environ.get("TAVUS_API_KEY") or api_key_file)
    if speed != 1.0 and not use_local:
        raise UsageError("--speed works on the local replica only (add --local)")
    if local_max_conversations is not None and not use_local:
        raise UsageError("--local-max-conversations works on the local replica only (add --local)")

    def play_one(file: str, log: str | None) -> ExitCode:
        plan = load_checked(file, parse_vars(var_pairs), strict=strict)
        if plan is None:
            return ExitCode.INVALID
        start_index = plan.start_index(from_id)
        if use_local and not local:
            click.echo("No TAVUS_API_KEY set: playing on the built-in local replica (nothing is billed).", err=True)

        from ._playback import run_playback

        return run_playback(
            with_thresholds(plan, suite.thresholds),
            local=use_local,
            api_key_file=api_key_file,
            api=api,
            log_path=log,
            speed=speed,
            start_index=start_index,
            interactive=sys.stdin.isatty() if interactive is None else interactive,
            conversation=conversation,
            local_max_conversations=local_max_conversations,
        )

    return play_files(files, suite, log_path=log_path, from_id=from_id, play_one=play_one)


COMMANDS: list[click.Command] = [play_command]
