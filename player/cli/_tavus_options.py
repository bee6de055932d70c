"""The command-line options every Tavus-facing command shares (`play` reuses them):
`--api-key-file PATH` and `--api personas|pals`. Importing this module does not import httpx.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..tavus import TavusClient, TavusSettings

__all__ = ["tavus_options", "settings_from_options", "client_from_options"]

F = TypeVar("F", bound=Callable[..., Any])


def tavus_options(func: F) -> F:
    """Adds `api_key_file` and `api` parameters to a click command."""
    func = click.option(
        "--api",
        type=click.Choice(["personas", "pals"], case_sensitive=False),
        default=None,
        help="Tavus vocabulary: personas/replicas (default) or PALs/faces. Env: TAVUS_API.",
    )(func)
    func = click.option(
        "--api-key-file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Read the Tavus API key from this file instead of TAVUS_API_KEY.",
    )(func)
    return func


def settings_from_options(api_key_file: str | None, api: str | None) -> TavusSettings:
    """TavusSettings.from_env with the options; ConfigurationError (exit 3) if no key."""
    from ..tavus import TavusSettings

    return TavusSettings.from_env(api_key_file=api_key_file, api=api)


def client_from_options(api_key_file: str | None, api: str | None) -> TavusClient:
    from ..tavus import TavusClient

    return TavusClient(settings_from_options(api_key_file, api))
