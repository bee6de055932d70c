"""A daily-python look-alike that joins the simulator's local rooms: the same call signatures,
a core thread running every completion and callback in order, swallowed callback errors, and
real-time pacing of custom audio tracks."""

from __future__ import annotations

from ._audio import CustomAudioSource, CustomAudioTrack
from ._client import CHANNEL_NOT_OPEN, EventHandler, FakeDaily, LogLevel

__all__ = ["FakeDaily", "EventHandler", "LogLevel", "CHANNEL_NOT_OPEN", "CustomAudioSource", "CustomAudioTrack"]
