"""A bounded record of the messages a room saw, kept as text or bytes the GC does not track.

The room keeps the last few messages of each kind for tests and inspection. Kept as dicts, every
message stayed a live container for Python's cyclic GC, and a window that turns over (a room
hears thousands of messages) promoted each one into the oldest generation: at 100 conversations
in one process that alone set off full collections of 100-200 ms during playback (issue 13).
A (float, str or bytes) tuple is untracked by the GC; a message is decoded only when read. The
messages clients send arrive as JSON text anyway (daily serializes them); the replica's own
events are marshalled (see `append`).
"""

from __future__ import annotations

import json
import marshal
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["MessageWindow"]


class MessageWindow:
    """The last `size` (monotonic time, message) pairs, oldest first."""

    def __init__(self, size: int) -> None:
        self._items: deque[tuple[float, str | bytes]] = deque(maxlen=size)

    def append(self, t: float, message: Mapping[str, Any], text: str | None = None) -> None:
        """`text`: the message's JSON when the caller has it already (what went on the wire).
        Without it the message is marshalled (~2 us; JSON took the replica's thread ~10 us an
        event). Marshal writes every JSON type and is read back by this same process only."""
        self._items.append((t, text if text is not None else _kept(message)))

    def __iter__(self) -> Iterator[tuple[float, Any]]:
        for t, kept in list(self._items):
            yield t, json.loads(kept) if isinstance(kept, str) else marshal.loads(kept)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)


def _kept(message: Mapping[str, Any]) -> str | bytes:
    try:
        return marshal.dumps(dict(message))
    except ValueError:  # a value marshal cannot write (not one of JSON's types): as JSON text
        return json.dumps(message, default=str)
