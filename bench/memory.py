"""Benchmark: peak RSS of playing a long clip on the local replica, memory flat in clip length.

Each clip (44.1 kHz stereo 16-bit WAV, resampled to 24 kHz mono 50 ms chunks) is played in a
fresh process: checked (decoded in full once), then every chunk sent through the real transport
to the local room and replica. To keep the bench to seconds, the play step has `lead` longer
than the clip, so chunks go out as fast as the pipeline makes them rather than in real time, and
an `interrupt` follows once all are sent; the code paths and what each keeps are the same.

    .venv/bin/python bench/memory.py [MINUTES ...]     (default: 10 60)
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

TARGET_MB = 60.0
_RATE = 44100
_MB = 1024 * 1024


def make_wav(path: Path, seconds: int) -> None:
    """A stereo WAV of a few tones (one second built once, written `seconds` times)."""
    frames = bytearray()
    for i in range(_RATE):
        t = i / _RATE
        left = 0.4 * math.sin(2 * math.pi * 220 * t) + 0.1 * math.sin(2 * math.pi * 3520 * t)
        right = 0.4 * math.sin(2 * math.pi * 330 * t) + 0.1 * math.sin(2 * math.pi * 15000 * t)
        frames += round(left * 32767).to_bytes(2, "little", signed=True)
        frames += round(right * 32767).to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(_RATE)
        for _ in range(seconds):
            w.writeframes(frames)


def _child(folder: Path, seconds: int) -> dict[str, Any]:
    import asyncio

    from player.plan._build import build_plan
    from player.plan._validate import validate_file
    from player.playback._backends import local_backend
    from player.playback._runlog import RunLog
    from player.playback._session import Session

    path = folder / "long.scenario.yaml"
    path.write_text(
        "version: 1\nconversation:\n  persona: {name: Bench, replica_id: r90bbd427f71}\nsteps:\n"
        f"  - play: long.wav\n    lead: {seconds + 60}s\n    wait: sent\n  - interrupt\n",
        encoding="utf-8",
    )
    scenario, diagnostics = validate_file(path)
    assert scenario is not None, diagnostics
    began = time.perf_counter()
    with local_backend(scenario=scenario) as backend:
        outcome = asyncio.run(Session(build_plan(scenario), backend, log=RunLog(None)).run())
        room = backend.rooms.rooms[0] if backend.rooms is not None else None
        received = room.received_count if room is not None else None
    wall = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024) / _MB
    return {"seconds": seconds, "peak_rss_mb": round(peak, 1), "messages": outcome.messages, "received": received, "wall_s": round(wall, 2)}


def play_clip(minutes: float) -> dict[str, Any]:
    """Peak RSS of a fresh process playing a clip of `minutes` (see the module docstring)."""
    seconds = round(minutes * 60)
    with tempfile.TemporaryDirectory() as tmp:
        make_wav(Path(tmp) / "long.wav", seconds)
        out = subprocess.run(
            [sys.executable, __file__, "--child", tmp, str(seconds)], capture_output=True, text=True, check=False, timeout=600
        )
    if out.returncode != 0:
        raise RuntimeError(f"memory bench child failed: {out.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(_child(Path(argv[1]), int(argv[2]))))
        return 0
    for minutes in [float(a) for a in argv] or [10.0, 60.0]:
        r = play_clip(minutes)
        verdict = "ok" if r["peak_rss_mb"] <= TARGET_MB else "MISSED"
        print(
            f"{minutes:g} min clip: peak RSS {r['peak_rss_mb']} MB (target <= {TARGET_MB:g} MB: {verdict}), "
            f"{r['messages']} messages sent, {r['received']} received by the room, {r['wall_s']} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
