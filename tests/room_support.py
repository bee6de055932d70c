"""Helpers for the room tests: local rooms with fast settings, PCM, and event waiting."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
import struct
import time
from collections.abc import Iterator
from typing import Any

from player import protocol
from player.simulator.replica._room import LocalRoom, RoomSettings
from player.simulator.replica._rooms import RoomRegistry
from player.transport.base import RoomEvent, Transport

__all__ = [
    "ECHO_PERSONA",
    "MIC_PERSONA",
    "FAST",
    "local_room",
    "tone",
    "silence",
    "b64",
    "audio_chunks",
    "next_event",
    "collect_until",
]

ECHO_PERSONA: dict[str, Any] = {"persona_name": "Test Presenter", "pipeline_mode": "echo", "layers": {}}
MIC_PERSONA: dict[str, Any] = {
    "persona_name": "Mic Presenter",
    "pipeline_mode": "echo",
    "layers": {"transport": {"input_settings": {"microphone": {"isEnabled": True}}}},
}
# Quick to join and speak, so tests spend their time on what they measure.
FAST = RoomSettings(join_delay=0.05, tts_latency=0.05, done_timeout=0.5, words_per_minute=600)


@contextlib.contextmanager
def local_room(
    settings: RoomSettings = FAST, persona: dict[str, Any] = ECHO_PERSONA, cid: str = "c-test"
) -> Iterator[tuple[RoomRegistry, LocalRoom]]:
    registry = RoomRegistry(settings)
    registry.open_room(cid, persona=persona, properties={})
    try:
        yield registry, registry.get(cid)
    finally:
        registry.close_all()


def tone(seconds: float, rate: int = 24000, amplitude: int = 8000) -> bytes:
    n = round(seconds * rate)
    return b"".join(struct.pack("<h", int(amplitude * math.sin(2 * math.pi * 220 * i / rate))) for i in range(n))


def silence(seconds: float, rate: int = 24000) -> bytes:
    return b"\x00\x00" * round(seconds * rate)


def b64(pcm: bytes) -> str:
    return base64.b64encode(pcm).decode("ascii")


def audio_chunks(cid: str, pcm: bytes, iid: str, rate: int = 24000, chunk: float = 0.05) -> list[dict[str, Any]]:
    step = round(chunk * rate) * 2
    pieces = [pcm[i : i + step] for i in range(0, len(pcm), step)]
    return [protocol.echo_audio(cid, b64(p), rate, iid, k == len(pieces) - 1) for k, p in enumerate(pieces)]


async def next_event(transport: Transport, event_type: str, timeout: float = 5.0) -> RoomEvent:
    """The next event of that type (others are dropped); fails the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        event = await asyncio.wait_for(transport.events.get(), max(0.01, deadline - time.monotonic()))
        if event.event_type == event_type:
            return event


async def collect_until(transport: Transport, event_type: str, timeout: float = 5.0, *, skip: int = 0) -> list[RoomEvent]:
    """Every event up to and including the first of that type (after `skip` earlier ones)."""
    deadline = time.monotonic() + timeout
    seen: list[RoomEvent] = []
    while sum(e.event_type == event_type for e in seen) <= skip or seen[-1].event_type != event_type:
        seen.append(await asyncio.wait_for(transport.events.get(), max(0.01, deadline - time.monotonic())))
    return seen
