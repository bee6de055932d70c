"""The Tavus REST client, its settings, errors, ledger and cleanup.

    from player.tavus import TavusClient, TavusSettings
    with TavusClient(TavusSettings.from_env()) as tavus:
        persona = tavus.create_persona("Presenter", replica_id="r90bbd427f71")
        conversation = tavus.create_conversation(persona.id)
        ...
        tavus.end_conversation(conversation.id)
        tavus.delete_persona(persona.id)

Names load lazily: settings, errors and the ledger do not import httpx; the client does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cleanup import CleanupItem, cleanup
    from ._client import TavusClient
    from ._exceptions import (
        APIStatusError,
        AuthenticationError,
        BadRequestError,
        ConcurrencyLimitError,
        ConfigurationError,
        LedgerError,
        NetworkError,
        NotFoundError,
        OutcomeUnknownError,
        RateLimitedError,
        ServerError,
        StoppedError,
        TavusError,
        UnexpectedResponseError,
    )
    from ._ledger import Ledger, LedgerEntry, default_ledger_path
    from ._models import TAG_PREFIX, Conversation, Persona, Replica, is_tagged, strip_tag
    from ._settings import DEFAULT_BASE_URL, ApiVocabulary, RetryPolicy, TavusSettings, normalize_base_url
    from ._settle import Settled, settle

__all__ = [
    "TavusClient",
    "TavusSettings",
    "RetryPolicy",
    "DEFAULT_BASE_URL",
    "normalize_base_url",
    "ApiVocabulary",
    "Persona",
    "Conversation",
    "Replica",
    "TAG_PREFIX",
    "is_tagged",
    "strip_tag",
    "Ledger",
    "LedgerEntry",
    "default_ledger_path",
    "CleanupItem",
    "cleanup",
    "Settled",
    "settle",
    "TavusError",
    "ConfigurationError",
    "LedgerError",
    "UnexpectedResponseError",
    "NetworkError",
    "OutcomeUnknownError",
    "StoppedError",
    "APIStatusError",
    "BadRequestError",
    "ConcurrencyLimitError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
]

_WHERE = {
    "TavusClient": "_client",
    "TavusSettings": "_settings",
    "RetryPolicy": "_settings",
    "DEFAULT_BASE_URL": "_settings",
    "normalize_base_url": "_settings",
    "ApiVocabulary": "_settings",
    "Persona": "_models",
    "Conversation": "_models",
    "Replica": "_models",
    "TAG_PREFIX": "_models",
    "is_tagged": "_models",
    "strip_tag": "_models",
    "Ledger": "_ledger",
    "LedgerEntry": "_ledger",
    "default_ledger_path": "_ledger",
    "CleanupItem": "_cleanup",
    "cleanup": "_cleanup",
    "Settled": "_settle",
    "settle": "_settle",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module = _WHERE[name]
    elif name in __all__:
        module = "_exceptions"
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
