"""How the control server is reached: address, token, which endpoints, limits."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field

from ..errors import UsageError

__all__ = ["ServerConfig", "is_loopback", "new_token", "MAX_BODY"]

MAX_BODY = 256 * 1024  # bytes: a seed message carries one audio chunk (a few KiB); a line is less


def new_token() -> str:
    """48 hex digits from the OS's CSPRNG, as Jupyter prints with its URL."""
    return secrets.token_hex(24)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str = field(default_factory=new_token)
    relay: bool = True  # serve the seed's POST /send_text_message
    relay_token: bool = False  # ask the token of the relay too, even on loopback
    max_body: int = MAX_BODY
    secrets: tuple[str, ...] = ()  # strings no response may contain (the API key)

    def __post_init__(self) -> None:
        if not self.token:
            raise UsageError("the control server needs a non-empty token")

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def relay_needs_token(self) -> bool:
        """The seed endpoint is token-free only where only this machine can reach it."""
        return self.relay_token or not self.loopback
