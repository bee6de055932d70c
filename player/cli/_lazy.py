"""A click group that imports a command's module only when that command is used.

click's documented "lazily loading subcommands" pattern, plus each command's summary kept
beside its "module:attr", so `echo-player --help` lists every command without importing any
(the command modules pull in the scenario model, the playback options and more: tens of
milliseconds of a cold start). tests/cli/test_cold_start.py holds the summaries to the
commands' own help, so the two cannot drift.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from gettext import gettext as _
from typing import Any

import click

__all__ = ["LazyCommand", "LazyGroup"]


class LazyCommand:
    """Where a command lives, and the first sentence of its help: all of it `--help` shows."""

    __slots__ = ("target", "summary")

    def __init__(self, target: str, summary: str) -> None:
        self.target = target  # "module:attr", the module relative to player.cli
        self.summary = summary

    def load(self) -> click.Command:
        module, _sep, attr = self.target.partition(":")
        command = getattr(importlib.import_module(f".{module}", __package__), attr)
        if not isinstance(command, click.Command):  # a wrong map entry: fail loudly, not with None
            raise TypeError(f"{self.target} is not a click command")
        return command


class LazyGroup(click.Group):
    """A group whose commands are `LazyCommand`s until first asked for by name."""

    def __init__(self, *args: Any, lazy: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self.lazy[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and args[0] not in self.lazy:
            self.load_all()  # an unknown name: click suggests the close ones among what it holds
        return super().resolve_command(ctx, args)

    def load_all(self) -> None:
        """Import every command (tests and tools that read `cli.commands`)."""
        for name in self.lazy:
            self.get_command(click.Context(self), name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's own listing (Group.format_commands), with a stand-in made from the kept
        summary for each command not loaded yet: click shortens it exactly as the real help."""
        commands = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name) or click.Command(name, help=self.lazy[name].summary)
            if not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in commands])
