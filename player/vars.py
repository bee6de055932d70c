"""`${name}` substitution in scenario text and paths.

`$${` writes a literal `${`. Names are letters, digits, `_` and `-`, as `--var` accepts them.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

__all__ = ["substitute", "stringify", "Missing"]

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")

Missing = tuple[str, int]  # (name as written, offset of its `${` in the text)


def substitute(text: str, scope: Mapping[str, str]) -> tuple[str, list[Missing]]:
    """The text with every `${name}` replaced, and the names that are not defined (or invalid)."""
    if "$" not in text:  # the common case, kept cheap for large scenarios
        return text, []
    missing: list[Missing] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "${"
        if _NAME.match(name) and name in scope:
            return scope[name]
        missing.append((name, match.start()))
        return match.group(0)

    return _TOKEN.sub(replace, text), missing


def stringify(value: Any) -> str:
    """A `vars` value as text: YAML numbers and booleans as their authors wrote them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
