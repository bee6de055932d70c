"""One request to the Tavus API, with bounded retries and the never-two-creates rule.

Retried: 429 (honouring Retry-After), 5xx, and transport failures. A request that may have
reached Tavus without an answer coming back (read timeout, dropped connection, 5xx) is, for a
create, *not* simply resent: the caller's `lookup` first searches for the create's unique tagged
name and adopts what it finds, so a lost response never yields two live resources. After a 5xx
Tavus is done with the request, so a create it did not make is sent again; after no answer at
all (a timeout, a dropped connection) Tavus may still be making it, so it is never resent: the
outcome is unknown (OutcomeUnknownError) until a later lookup settles it.

`deadline` (time.monotonic()) bounds a call, retries and waits included; `stop` (an Event) ends
a create's retries at once: a run that is stopping sends nothing new.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import httpx

from .. import __version__
from ._exceptions import NetworkError, OutcomeUnknownError, StoppedError, TavusError, UnexpectedResponseError, error_for_status
from ._settings import TavusSettings

__all__ = ["Requester", "Lookup"]

log = logging.getLogger("player.tavus")

Lookup = Callable[[], "Mapping[str, Any] | None"]
# Failed before a byte of the request could reach the server: always safe to resend.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
# Failed after (part of) the request may have reached the server: the outcome is unknown.
_MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class Requester:
    def __init__(
        self,
        settings: TavusSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._random = random.Random()
        self._http = httpx.Client(
            base_url=settings.base_url,
            headers={
                "x-api-key": settings.api_key,
                "user-agent": f"echo-player/{__version__}",
                "accept": "application/json",
            },
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            transport=transport,
            follow_redirects=False,  # a redirect could carry the key header to another host
            # Plain HTTP (the local fake API on 127.0.0.1) has no TLS to verify: skip loading the
            # CA bundle, 70-170 ms of the local replica's cold start. Only relative paths on
            # base_url are requested and redirects are off, so no https URL is ever fetched.
            verify=not settings.base_url.startswith("http://"),
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        lookup: Lookup | None = None,
        deadline: float | None = None,
        stop: threading.Event | None = None,
    ) -> Any:
        """The decoded JSON body (None for 204), or what `lookup` found after a lost answer."""
        policy = self._settings.retry
        attempts = max(1, policy.max_attempts)
        for attempt in range(1, attempts + 1):
            retry_after: float | None = None
            unknown = answerless = False
            timeout = self._timeout(deadline)
            try:
                response = self._http.request(method, path, json=json_body, params=params, timeout=timeout)
            except _NOT_SENT as exc:
                error: TavusError = self._network_error(exc, method, path, attempt)
            except _MAYBE_SENT as exc:
                error, unknown = self._network_error(exc, method, path, attempt), True
                answerless = True
            except httpx.HTTPError as exc:  # e.g. an unsupported URL: retrying cannot help
                raise self._network_error(exc, method, path, attempt) from None
            else:
                log.debug("%s %s -> %s (attempt %d)", method, path, response.status_code, attempt)
                if response.is_success:
                    return self._decode(response, method, path)
                error = error_for_status(response.status_code, self._message(response), method=method, path=path)
                if response.status_code == 429:
                    retry_after = _retry_after(response.headers.get("retry-after"))
                elif response.status_code >= 500:
                    unknown = True  # Tavus may have created it before failing
                else:
                    raise error
            if unknown and lookup is not None:
                found = self._lookup(lookup, error, method, path)
                if found is not None:
                    log.info("%s %s: adopted the resource created by a lost attempt", method, path)
                    return found
                if answerless:  # Tavus may still be making it: resending could make a second
                    raise self._unknown(error, "not found by its tag yet", method, path)
            delay = policy.backoff(attempt, self._random.random())
            if retry_after is not None:
                delay = min(retry_after, policy.retry_after_max)
            if attempt == attempts or (deadline is not None and time.monotonic() + delay >= deadline):
                raise error
            if stop is not None and stop.is_set():
                raise StoppedError(f"{error}; not retried: stopping", method=method, path=path)
            log.info("%s; retrying in %.2fs (attempt %d of %d)", error, delay, attempt + 1, attempts)
            if stop is not None:
                if stop.wait(delay):
                    raise StoppedError(f"{error}; not retried: stopping", method=method, path=path)
            else:
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _timeout(self, deadline: float | None) -> httpx.Timeout:
        read = self._settings.read_timeout
        if deadline is not None:
            read = max(0.05, min(read, deadline - time.monotonic()))
        return httpx.Timeout(read, connect=min(self._settings.connect_timeout, read))

    def _unknown(self, error: TavusError, why: str, method: str, path: str) -> OutcomeUnknownError:
        return OutcomeUnknownError(
            f"{error}; whether it was created is unknown ({why})",
            hint="run `echo-player cleanup` once Tavus is reachable",
            method=method,
            path=path,
        )

    def _lookup(self, lookup: Lookup, error: TavusError, method: str, path: str) -> Mapping[str, Any] | None:
        try:
            return lookup()
        except TavusError as exc:
            # Resending now could create a second one; the ledger keeps the pending entry so
            # `cleanup` can find it by its tagged name later.
            raise self._unknown(error, f"the lookup failed: {self._redact(str(exc))}", method, path) from None

    def _decode(self, response: httpx.Response, method: str, path: str) -> Any:
        if response.status_code == 204 or not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            raise UnexpectedResponseError(
                f"Tavus API returned {response.status_code} with a body that is not JSON ({method} {path})"
            ) from None

    def _message(self, response: httpx.Response) -> str:
        """Tavus's own message: `message` (401, the concurrency limit) or `error` (400s)."""
        text = ""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, Mapping):
            for key in ("message", "error", "detail"):
                value = body.get(key)
                if isinstance(value, str) and value.strip():
                    text = value
                    break
                if value is not None and not isinstance(value, str):
                    text = json.dumps(value)
                    break
        if not text:
            text = response.text.strip()[:200] if body is None else ""
        text = text or response.reason_phrase or "error"
        return self._redact(" ".join(text.split()))

    def _network_error(self, exc: httpx.HTTPError, method: str, path: str, attempt: int) -> NetworkError:
        if isinstance(exc, httpx.TimeoutException):
            reason = "timed out"
        elif isinstance(exc, httpx.RemoteProtocolError):
            reason = "connection dropped without a response"
        else:
            reason = " ".join(str(exc).split()) or type(exc).__name__
        tries = f" after {attempt} attempt{'s' if attempt > 1 else ''}"
        return NetworkError(
            self._redact(f"Tavus API unreachable at {self._settings.base_url}: {reason} ({method} {path}){tries}"),
            method=method,
            path=path,
        )

    def _redact(self, text: str) -> str:
        # Belt and braces: nothing the server or a library says may carry the key to a terminal.
        return text.replace(self._settings.api_key, "***") if self._settings.api_key else text


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (a number, or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
