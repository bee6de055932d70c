"""Where the client's key, URL, vocabulary, timeouts and retry policy come from.

The key is read from `--api-key-file` or `TAVUS_API_KEY`, never from a scenario, and never shown:
the repr masks it. Importing this module does not import httpx.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from ..errors import UsageError
from ._exceptions import ConfigurationError

__all__ = ["TavusSettings", "RetryPolicy", "ApiVocabulary", "DEFAULT_BASE_URL", "API_VOCABULARIES"]

ApiVocabulary = Literal["personas", "pals"]
API_VOCABULARIES: tuple[ApiVocabulary, ...] = ("personas", "pals")
DEFAULT_BASE_URL = "https://tavusapi.com"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter; Retry-After wins, capped."""

    max_attempts: int = 4
    backoff_base: float = 0.5  # the first retry waits up to this long
    backoff_max: float = 8.0
    retry_after_max: float = 30.0

    def backoff(self, attempt: int, rand: float) -> float:
        """The pause after failed attempt number `attempt` (1-based); rand is in [0, 1)."""
        return rand * min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))


@dataclass(frozen=True, slots=True, repr=False)
class TavusSettings:
    """Where and how to reach the Tavus API; the key is never shown."""

    api_key: str
    base_url: str = DEFAULT_BASE_URL
    api: ApiVocabulary = "personas"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # How long a run's way out keeps looking for a create whose outcome is unknown.
    resolve_timeout: float = 15.0

    def __repr__(self) -> str:
        return (
            f"TavusSettings(base_url={self.base_url!r}, api={self.api!r}, api_key='***', "
            f"connect_timeout={self.connect_timeout}, read_timeout={self.read_timeout}, retry={self.retry!r}, "
            f"resolve_timeout={self.resolve_timeout})"
        )

    __str__ = __repr__

    @classmethod
    def from_env(
        cls,
        *,
        api_key_file: str | os.PathLike[str] | None = None,
        api: str | None = None,
        base_url: str | None = None,
        environ: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float | None = None,
    ) -> TavusSettings:
        """Settings from the command line and the environment.

        Key: `api_key_file` (wins) else `TAVUS_API_KEY`; none -> ConfigurationError (exit 3).
        A missing, unreadable or empty key file -> UsageError (exit 2).
        URL: `base_url` else `TAVUS_API_URL` else https://tavusapi.com; plain http only for
        loopback hosts, so the key never crosses a network unencrypted.
        Vocabulary: `api` else `TAVUS_API` else "personas".
        Timeouts and retries: `read_timeout` else `TAVUS_READ_TIMEOUT` (30 s); `retry` else
        `TAVUS_MAX_ATTEMPTS` (4) and `TAVUS_RETRY_BACKOFF` (0.5 s, the first retry's bound);
        `TAVUS_RESOLVE_TIMEOUT` (15 s): how long a run's way out looks for a create whose
        outcome is unknown. A value that is not a positive number -> ConfigurationError.
        """
        env = os.environ if environ is None else environ
        key = _read_key_file(api_key_file) if api_key_file is not None else env.get("TAVUS_API_KEY", "").strip()
        if not key:
            raise ConfigurationError(
                "no Tavus API key: set TAVUS_API_KEY or pass --api-key-file (create a key at https://platform.tavus.io)"
            )
        vocabulary = (api or env.get("TAVUS_API") or "personas").strip().lower()
        if vocabulary not in API_VOCABULARIES:
            raise UsageError(f"unknown Tavus API vocabulary {vocabulary!r}: use personas or pals")
        return cls(
            api_key=key,
            base_url=normalize_base_url(base_url or env.get("TAVUS_API_URL") or DEFAULT_BASE_URL),
            api=vocabulary,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout if read_timeout is not None else _number(env, "TAVUS_READ_TIMEOUT", 30.0),
            retry=retry
            or RetryPolicy(
                max_attempts=int(_number(env, "TAVUS_MAX_ATTEMPTS", 4, whole=True)),
                backoff_base=_number(env, "TAVUS_RETRY_BACKOFF", 0.5),
            ),
            resolve_timeout=_number(env, "TAVUS_RESOLVE_TIMEOUT", 15.0),
        )


def _number(env: Mapping[str, str], name: str, default: float, *, whole: bool = False) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = -1
    if not 0 < value < 1e6:
        kind = "a whole number" if whole else "a number of seconds"
        raise ConfigurationError(f"{name} must be {kind} above 0, got {text!r}")
    return float(value)


def normalize_base_url(url: str) -> str:
    """`https://host[:port]` without a trailing slash or `/v2` (every path carries `/v2`)."""
    url = url.strip().rstrip("/")
    if url.endswith("/v2"):
        url = url[:-3]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"TAVUS_API_URL must be an http(s) URL, got {url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ConfigurationError(f"TAVUS_API_URL must use https (plain http only for localhost), got {url!r}")
    return url


def _read_key_file(path: str | os.PathLike[str]) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"--api-key-file {os.fspath(path)!r}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise UsageError(f"--api-key-file {os.fspath(path)!r}: cannot read it ({reason})") from None
    key = text.strip()
    if not key or any(ch.isspace() for ch in key):
        # Never echo the content: it may be a key with a stray newline in the middle.
        raise UsageError(f"--api-key-file {os.fspath(path)!r}: expected the key alone on one line")
    return key
