"""A run log written by hand, with known times, for the report tests (tests/report/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["known_log", "write_log"]


def known_log(scenario: str = "t.scenario.yaml", *, name: str = "Known", failed: bool = True) -> list[dict[str, Any]]:
    """Three steps: a say (0.01 s), a pause (1.25 s), a wait_for (3.3 s) that times out when
    `failed`; speech 0.2-1.2 s, audio chunks 1.3-1.4 s, interrupted speech 1.5-1.9 s, an
    interrupt at 1.9 s, an underrun at 1.6 s, a fallback notice at 3.3 s."""
    end = (
        {"outcome": f"failed: {scenario}:6:5: wait_for replica.left timed out after 2s", "error": "WaitTimeout"}
        if failed
        else {"outcome": "played", "error": None}
    )
    return [
        {"kind": "start", "scenario": scenario, "name": name, "steps": 3, "local": True},
        {
            "kind": "plan",
            "total": 5.0,
            "start_index": 0,
            "thresholds": {"lateness_max": {"limit": 0.01, "source": f"{scenario}:2:3"}},
            "steps": [
                {
                    "index": 0,
                    "id": "hi",
                    "action": "say",
                    "start": 0.0,
                    "duration": 1.0,
                    "hold": 1.0,
                    "source": f"{scenario}:3:5",
                    "label": '[hi] say "hello"',
                },
                {
                    "index": 1,
                    "id": None,
                    "action": "pause",
                    "start": 1.0,
                    "duration": 2.0,
                    "hold": 2.0,
                    "source": f"{scenario}:5:5",
                    "label": "pause 2s",
                },
                {
                    "index": 2,
                    "id": "w",
                    "action": "wait_for",
                    "start": 3.0,
                    "duration": 0.0,
                    "hold": 0.0,
                    "source": f"{scenario}:6:5",
                    "label": "[w] wait_for replica.left (timeout 2s)",
                },
            ],
        },
        {"kind": "conversation", "conversation_id": "c123", "url": "local://echo-player/c123"},
        {"kind": "step", "index": 0, "id": "hi", "action": "say", "due": 0.0, "actual": 0.01},
        {
            "kind": "message",
            "t": 0.011,
            "event_type": "conversation.echo",
            "inference_id": "a",
            "bytes": 200,
            "done": True,
            "modality": "text",
        },
        {"kind": "event", "t": -0.1, "event_type": "replica.joined"},
        {"kind": "event", "t": 0.2, "event_type": "conversation.replica.started_speaking", "inference_id": "a"},
        {
            "kind": "event",
            "t": 1.2,
            "event_type": "conversation.replica.stopped_speaking",
            "inference_id": "a",
            "duration": 1.0,
            "interrupted": False,
        },
        {"kind": "step", "index": 1, "id": None, "action": "pause", "due": 1.2, "actual": 1.25},
        *[
            {
                "kind": "message",
                "t": t,
                "event_type": "conversation.echo",
                "inference_id": "b",
                "bytes": 3440,
                "done": t == 1.4,
                "modality": "audio",
            }
            for t in (1.3, 1.35, 1.4)
        ],
        {"kind": "event", "t": 1.5, "event_type": "conversation.replica.started_speaking", "inference_id": "b"},
        {
            "kind": "message",
            "t": 1.9,
            "event_type": "conversation.interrupt",
            "inference_id": None,
            "bytes": 106,
            "done": None,
            "modality": None,
        },
        {
            "kind": "event",
            "t": 1.9,
            "event_type": "conversation.replica.stopped_speaking",
            "inference_id": "b",
            "duration": 0.4,
            "interrupted": True,
        },
        {"kind": "event", "t": 1.901, "event_type": "conversation.replica_interrupted", "inference_id": "b"},
        {"kind": "step", "index": 2, "id": "w", "action": "wait_for", "due": 3.2, "actual": 3.3},
        {"kind": "notice", "t": 3.3, "text": "step w: wait_for replica.left timed out; continuing"},
        {"kind": "underrun", "t": 1.6},
        *([] if failed else [{"kind": "threshold", "metric": "lateness_max", "limit": 0.01, "value": 0.1, "passed": False}]),
        {
            "kind": "end",
            "conversation_id": "c123",
            "conversation_ended": True,
            "persona_deleted": True,
            "cleanup_errors": [],
            "length": 5.3,
            "underruns": 1,
            **end,
        },
    ]


def write_log(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
