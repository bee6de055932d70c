"""The simulated replica and its rooms: every message checked against the protocol, speech for
the audio's length (text at the plan's words-per-minute estimate), the documented events, and
interrupts honoured."""

from __future__ import annotations

from ._events import EventStream
from ._protocol_check import DEFAULT_SAMPLE_RATE, SAMPLE_RATES, Echo, Interrupt, Nonstandard, ProtocolChecker, Sensitivity
from ._replica import Replica, ReplicaSink, Utterance
from ._room import LocalRoom, RoomClient, RoomSettings
from ._rooms import LOCAL_URL_PREFIX, RoomRegistry, is_local_url
from ._voice_activity import VoiceActivity, voiced_spans

__all__ = [
    "RoomRegistry",
    "RoomSettings",
    "LocalRoom",
    "RoomClient",
    "LOCAL_URL_PREFIX",
    "is_local_url",
    "Replica",
    "ReplicaSink",
    "Utterance",
    "ProtocolChecker",
    "Echo",
    "Interrupt",
    "Sensitivity",
    "Nonstandard",
    "EventStream",
    "SAMPLE_RATES",
    "DEFAULT_SAMPLE_RATE",
    "VoiceActivity",
    "voiced_spans",
]
