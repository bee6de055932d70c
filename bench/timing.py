"""Benchmark: playback timing, from one run of each part.

1. Dispatch lateness over 600 short steps played on the local replica (p50, p99, max, and the
   last step's lateness as the drift), next to a hand-written loop of relative sleeps doing the
   same schedule. Targets: p99 <= 2 ms, no growth over the run.
2. Audio preparation of a 10-minute 44.1 kHz stereo WAV to 24 kHz mono chunks (bench/audio_prep.py).
   Target: >= 300x real time; peak memory printed.
3. Underruns on the local replica at the default `lead` (1 s) for a 20 s clip, and, to show the
   measure bites, with `lead: 0`. Target: zero at the default.

    .venv/bin/python bench/timing.py
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
import statistics
import struct
import sys
import tempfile
import wave
from pathlib import Path
from typing import Any

from player.plan._build import build_plan
from player.plan._validate import validate_file
from player.playback._backends import local_backend
from player.playback._runlog import RunLog
from player.playback._session import Outcome, Session
from player.playback._stats import Lateness

# The same 600-step schedule as bench/scale.py (10 ms steps, a text line every 10th), and its
# hand-written relative-sleep loop, so the two benchmarks compare like with like.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import PAUSE, SAY_EVERY, STEPS, _relative_one  # noqa: E402


def _play(path: Path) -> Outcome:
    scenario, diagnostics = validate_file(path)
    if scenario is None:
        raise SystemExit("\n".join(str(d) for d in diagnostics))
    with local_backend() as backend:
        return asyncio.run(Session(build_plan(scenario), backend, log=RunLog(None)).run())


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    header = "version: 1\nconversation:\n  persona: {name: Bench, replica_id: r90bbd427f71}\n"
    path.write_text(header + body, encoding="utf-8")
    return path


def dispatch(folder: Path) -> dict[str, Any]:
    lines = ["steps:"]
    for i in range(STEPS):
        lines.append("  - say: tick\n    wait: none" if i % SAY_EVERY == 0 else f"  - pause: {PAUSE}s")
    outcome = _play(_write(folder, "dispatch.scenario.yaml", "\n".join(lines) + "\n"))
    lateness = [r.lateness for r in outcome.records]
    return {
        "lateness": Lateness.of(lateness),
        "first100": statistics.mean(lateness[:100]),
        "last100": statistics.mean(lateness[-100:]),
        "steps": len(lateness),
    }


def underruns(folder: Path, lead: str | None) -> int | None:
    clip = folder / "clip.wav"
    if not clip.exists():
        with wave.open(str(clip), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(24000)
            w.writeframes(b"".join(struct.pack("<h", int(6000 * math.sin(i / 10))) for i in range(20 * 24000)))
    body = "steps:\n  - play: clip.wav\n" + (f"    lead: {lead}\n" if lead is not None else "")
    return _play(_write(folder, f"lead-{lead}.scenario.yaml", body)).underruns


def _audio_prep() -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("audio_prep", Path(__file__).with_name("audio_prep.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run()


def main() -> int:
    ms = lambda s: f"{s * 1000:.3f} ms"  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"1. dispatch lateness, {STEPS} steps ({PAUSE * 1000:.0f} ms pauses, a text line every {SAY_EVERY}), local replica")
        result = dispatch(folder)
        late: Lateness = result["lateness"]
        relative = Lateness.of(asyncio.run(_relative_one()))
        print(
            f"   scheduler (absolute deadlines): p50 {ms(late.p50)}  p99 {ms(late.p99)}  max {ms(late.max)}  "
            f"drift (last step) {ms(late.last)}   target p99 <= 2 ms: {'ok' if late.p99 <= 0.002 else 'MISSED'} "
            f"(p99 / target = {late.p99 / 0.002:.2f})"
        )
        print(f"   growth: mean of first 100 {ms(result['first100'])}, of last 100 {ms(result['last100'])}")
        print(
            f"   relative sleeps (hand-written):  p50 {ms(relative.p50)}  p99 {ms(relative.p99)}  max {ms(relative.max)}  "
            f"drift (last step) {ms(relative.last)}"
        )
        # A drift under 0.1 ms is below what a timer on a busy machine can tell apart: floor it there.
        floored = abs(late.last) < 1e-4
        ratio = relative.last / max(abs(late.last), 1e-4)
        print(
            f"   final drift ratio, relative / scheduler: {'>= ' if floored else ''}{ratio:.0f}x"
            + (" (scheduler drift under 0.1 ms, counted as 0.1 ms)" if floored else "")
        )

        print("2. audio preparation (bench/audio_prep.py)")
        prep = _audio_prep()
        print("   " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in prep.items()))

        print("3. underruns on the local replica, 20 s clip, 50 ms chunks")
        default = underruns(folder, None)
        print(f"   default lead (1 s): {default}   target 0: {'ok' if default == 0 else 'MISSED'}")
        print(f"   lead 0 (no head start, for contrast): {underruns(folder, '0s')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
