"""The command line. Only argument parsing lives here and in the command modules beside it;
each command calls into the package and returns an ExitCode. Errors become one line on stderr.

Heavy imports (httpx, daily, the audio stack) happen inside the commands that need them, so
`echo-player validate` on a text-only file starts fast; and a command's module is imported only
when that command runs (`_lazy.LazyGroup`), so `--help` imports none of them.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

import click

from .. import _early_signals
from ..errors import EchoPlayerError
from ..exitcodes import ExitCode
from . import _startup
from ._lazy import LazyCommand, LazyGroup

__all__ = ["cli", "main"]

# Every command: where it lives and the first sentence of its help, which `--help` lists
# (tests/cli/test_cold_start.py holds these to the commands' own docstrings).
_COMMANDS = {
    "validate": LazyCommand(
        "authoring:validate_command", "Check scenario files (folders: every *.scenario.yaml below) without playing them."
    ),
    "schema": LazyCommand("authoring:schema_command", "Print the scenario JSON schema (draft-07) for editors and other tools."),
    "new": LazyCommand("authoring:new_command", "Write a commented starter scenario to NAME.scenario.yaml (or NAME if it ends in .yaml)."),
    "conversations": LazyCommand("housekeeping:conversations", "List and end Tavus conversations."),
    "cleanup": LazyCommand(
        "housekeeping:cleanup_command",
        "End the conversations and delete the personas echo-player created and left behind"
        " (found in the ledger and by the `[echo-player ...]` name tag).",
    ),
    "doctor": LazyCommand(
        "housekeeping:doctor", "Check what a real run needs: an accepted API key, daily-python, ffmpeg, an empty ledger."
    ),
    "plan": LazyCommand(
        "plan:plan_command",
        "Print the resolved steps of FILE with estimated start, length, messages and bytes (or, with --format svg, the planned timeline).",
    ),
    "play": LazyCommand(
        "play:play_command", "Play FILES (scenarios, or folders of them) into new Tavus echo conversations (or the local replica)."
    ),
    "report": LazyCommand("report:report_command", "Draw what happened in the run log(s) LOGS: the timeline, the steps, the outcome."),
    "serve": LazyCommand("serve:serve_command", "Serve control over HTTP (presenter page at /, JSON API, the seed's relay)."),
}


@click.group(cls=LazyGroup, lazy=_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="echo-player", prog_name="echo-player")
def cli() -> None:
    """Play declarative YAML scenarios into Tavus echo-mode conversations."""


def _register() -> None:
    """Import every command now (for tests that read `cli.commands`); `main` needs none of it."""
    assert isinstance(cli, LazyGroup)
    cli.load_all()


_COMPLETE_VAR = "_ECHO_PLAYER_COMPLETE"


def main(argv: Sequence[str] | None = None, *, collector_paused: bool = False) -> None:
    """Runs the command and exits with its code. `python -m player` and the `echo-player` script
    come through player.__main__, which installs the signal handlers first and pauses the
    garbage collector (`collector_paused`: see _startup)."""
    ours = False  # a signal was caught by player.__main__'s handlers
    if collector_paused:
        _startup.collector_paused()
    try:
        instruction = os.environ.get(_COMPLETE_VAR)
        if instruction:  # shell completion (README "Shell completion"), as cli.main would do it
            from click.shell_completion import shell_complete

            sys.exit(shell_complete(cli, {}, "echo-player", _COMPLETE_VAR, instruction))
        # Not cli.main: it turns KeyboardInterrupt into Abort (losing which signal it was) and
        # writes a blank line first.
        with cli.make_context("echo-player", list(argv) if argv is not None else sys.argv[1:]) as ctx:
            code = cli.invoke(ctx)
    except click.exceptions.UsageError as exc:
        exc.show()
        code = ExitCode.USAGE
    except click.exceptions.Abort:
        click.echo("echo-player: aborted", err=True)
        code = ExitCode.INTERRUPTED
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except EchoPlayerError as exc:
        click.echo(f"echo-player: error: {exc}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt as exc:  # a signal outside `play`'s event loop (see player.__main__)
        _early_signals.take()  # handled here: not one to act on again
        ours = _last_word()
        name = exc.args[0] if exc.args and isinstance(exc.args[0], str) else "SIGINT"
        click.echo(f"echo-player: error: interrupted by {name}", err=True)
        code = ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - a bug of ours: still one line, never a traceback
        click.echo(f"echo-player: internal error: {type(exc).__name__}: {exc} (please report it)", err=True)
        code = ExitCode.FAILED
    swallowed = _early_signals.take()
    if swallowed is not None and code != ExitCode.INTERRUPTED:  # its KeyboardInterrupt was lost
        ours = _last_word()
        click.echo(f"echo-player: error: interrupted by {swallowed}", err=True)
        code = ExitCode.INTERRUPTED
    if code == ExitCode.INTERRUPTED and (ours or _last_word()):
        from ..__main__ import exit_now  # the echo-player script or python -m player

        exit_now(code)
    sys.exit(int(code or 0))


def _last_word() -> bool:
    """After an interrupt the error line is the last word: another signal must not cut it (or
    add a traceback). Only when a handler of ours is in place (not in a host such as pytest):
    then True."""
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.SIG_IGN, None):
        return False
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return True
