"""`play`'s options for the Tavus conversation it creates (POST /v2/conversations fields):
`--callback-url`, `--test-mode`, `--require-auth`, `--audio-only`, `--max-participants`. They
win over the scenario's `conversation:` keys of the same names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["conversation_options"]

F = TypeVar("F", bound=Callable[..., Any])
_NAMES = ("callback_url", "test_mode", "require_auth", "audio_only", "max_participants")


def conversation_options(func: F) -> F:
    """Adds the options; the command gets them together as `conversation` (set ones only)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _NAMES}
        kwargs["conversation"] = {k: v for k, v in given.items() if v is not None}
        return func(*args, **kwargs)

    flags = [
        click.option("--callback-url", metavar="URL", help="Tavus sends webhooks about the conversation here."),
        click.option("--test-mode/--no-test-mode", default=None, help="Tavus test mode: created ended, no replica joins, nothing played."),
        click.option("--require-auth/--no-require-auth", default=None, help="A private room, joined with the returned meeting_token."),
        click.option("--audio-only/--no-audio-only", default=None, help="A voice-only conversation (no replica video)."),
        click.option("--max-participants", type=click.IntRange(min=2), help="Room size; the replica and the player count."),
    ]
    for flag in reversed(flags):
        wrapper = flag(wrapper)
    return wrapper  # type: ignore[return-value]
