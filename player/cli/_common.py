"""Options and parsing shared by several commands."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

import click

from ..errors import UsageError

__all__ = ["parse_vars", "var_option", "strict_option"]

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
