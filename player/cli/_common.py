"""Options and parsing shared by several commands."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import click

from ..errors import UsageError

__all__ = ["parse_vars", "var_option", "strict_option", "no_such_step"]

F = TypeVar("F", bound=Callable[..., object])
_NAME = re.compile(r"[A-Za-z0-9_-]+")


def parse_vars(pairs: Iterable[str]) -> dict[str, str]:
    """`--var name=value` pairs; a malformed one is a usage error (exit 2)."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not _NAME.fullmatch(name):  # the names `${...}` can refer to
            raise UsageError(f"--var expects NAME=VALUE, got {pair!r}")
        out[name] = value
    return out


def var_option(func: F) -> F:
    return click.option(
        "--var",
        "var_pairs",
        multiple=True,
        metavar="NAME=VALUE",
        help="Set or override a scenario variable (repeatable).",
    )(func)


def strict_option(func: F) -> F:
    return click.option("--strict", is_flag=True, help="Treat warnings as errors: exit 1 before doing anything.")(func)


_LISTED_IDS = 20


def no_such_step(option: str, step_id: str, ids: Sequence[str | None], file: str) -> UsageError:
    """`--from cost`: the error names the closest id and the ids there are (the first few)."""
    from ..scenario import did_you_mean  # deferred: the CLI's start-up loads no model

    known = list(dict.fromkeys(i for i in ids if i is not None))
    message = f"{option}: no step with id '{step_id}' in {file}"
    if not known:
        return UsageError(f"{message}; no step has an id (add `id:` to the step to start at)")
    close = did_you_mean(step_id, known)
    listed = ", ".join(known[:_LISTED_IDS]) + (f" and {len(known) - _LISTED_IDS} more" if len(known) > _LISTED_IDS else "")
    return UsageError(f"{message} ({close + ' ' if close else ''}ids: {listed})")
