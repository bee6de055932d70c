"""Errors of the Tavus client. Each prints as one line with the status and Tavus's own message,
never the API key; all exit with code 3 (TavusError).

TavusError (player.errors, exit 3)
├── ConfigurationError          no API key, or TAVUS_API_URL / TAVUS_API unusable
├── LedgerError                 the ledger file cannot be read or written
├── UnexpectedResponseError     a 2xx whose body is not what the API documents
├── NetworkError                no HTTP answer after every attempt (refused, dropped, timed out)
│   ├── OutcomeUnknownError     a create was sent, no answer came, and no lookup found it
│   └── StoppedError            not sent, or not retried: the caller is stopping (a signal)
└── APIStatusError              Tavus answered with an error status (.status_code, .tavus_message)
    ├── BadRequestError             400
    │   └── ConcurrencyLimitError   400 "User has reached maximum concurrent conversations"
    ├── AuthenticationError         401, 403
    ├── NotFoundError               404 (and a 400 for an unknown replica id on GET)
    ├── RateLimitedError            429, after the retries
    └── ServerError                 5xx, after the retries
"""

from __future__ import annotations

from ..errors import TavusError

__all__ = [
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
    "error_for_status",
]


class ConfigurationError(TavusError):
    pass


class LedgerError(TavusError):
    pass


class UnexpectedResponseError(TavusError):
    pass


class NetworkError(TavusError):
    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        self.method = method
        self.path = path
        super().__init__(message)


class OutcomeUnknownError(NetworkError):
    """`reason` is the message without the hint: the way out of a run may settle it after all."""

    def __init__(self, reason: str, *, hint: str = "", method: str = "", path: str = "") -> None:
        self.reason = reason
        self.hint = hint
        super().__init__(f"{reason}; {hint}" if hint else reason, method=method, path=path)


class StoppedError(NetworkError):
    pass


class APIStatusError(TavusError):
    hint: str = ""

    def __init__(self, status_code: int, tavus_message: str, *, method: str, path: str) -> None:
        self.status_code = status_code
        self.tavus_message = tavus_message
        self.method = method
        self.path = path
        text = f"Tavus API error {status_code}: {tavus_message} ({method} {path})"
        super().__init__(f"{text}; {self.hint}" if self.hint else text)


class BadRequestError(APIStatusError):
    pass


class ConcurrencyLimitError(BadRequestError):
    hint = "end live conversations with `echo-player cleanup` or `echo-player conversations end ID`"


class AuthenticationError(APIStatusError):
    hint = "check TAVUS_API_KEY or --api-key-file"


class NotFoundError(APIStatusError):
    pass


class RateLimitedError(APIStatusError):
    pass


class ServerError(APIStatusError):
    pass


def error_for_status(status: int, message: str, *, method: str, path: str) -> APIStatusError:
    """The typed error for an error response (the message is Tavus's own, already one line)."""
    cls: type[APIStatusError]
    if status < 500 and "concurrent conversations" in message.lower():
        cls = ConcurrencyLimitError
    elif status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = NotFoundError
    elif status == 429:
        cls = RateLimitedError
    elif status >= 500:
        cls = ServerError
    elif status == 400:
        cls = BadRequestError
    else:
        cls = APIStatusError
    return cls(status, message, method=method, path=path)
