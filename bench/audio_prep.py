"""Benchmark: prepare a 10-minute 44.1 kHz stereo 16-bit WAV as 24 kHz mono 50 ms chunks.

Target: at least 500x real time (10 minutes in 1.2 s or less), checked and every chunk made
and encoded (what a play does), in memory that does not grow with the clip.

    .venv/bin/python bench/audio_prep.py

bench/ is not a package; load this file by path to call run():

    spec = importlib.util.spec_from_file_location("audio_prep", "bench/audio_prep.py")
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    numbers = module.run()
"""

from __future__ import annotations

import math
import resource
import sys
import tempfile
import time
import tracemalloc
import wave
from pathlib import Path
from typing import Any

from player.audio._prepare import prepare_clip

__all__ = ["SECONDS", "TARGET_X_REALTIME", "make_source", "run", "main"]

SECONDS = 600
TARGET_X_REALTIME = 500.0
_RATE = 44100
_MB = 1024 * 1024


def make_source(path: Path, seconds: int = SECONDS) -> None:
    """A stereo WAV of a few tones; one second is built once and written `seconds` times so
    generating 100 MB takes a moment and little memory."""
    frames = bytearray()
    for i in range(_RATE):
        t = i / _RATE
        left = 0.4 * math.sin(2 * math.pi * 220 * t) + 0.1 * math.sin(2 * math.pi * 3520 * t)
        right = 0.4 * math.sin(2 * math.pi * 330 * t) + 0.1 * math.sin(2 * math.pi * 5000 * t)
        frames += round(left * 32767).to_bytes(2, "little", signed=True)
        frames += round(right * 32767).to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(_RATE)
        for _ in range(seconds):
            w.writeframes(frames)


def _maxrss_mb() -> float:
    # Linux reports KiB, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / _MB


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "long.wav"
        make_source(source)
        rss_before = _maxrss_mb()
        began = time.perf_counter()
        clip = prepare_clip(source, sample_rate=24000, chunk_seconds=0.05)
        output_mb = sum(map(len, clip.chunks())) / _MB  # the check, then every chunk made and encoded
        wall = time.perf_counter() - began
        rss_delta = _maxrss_mb() - rss_before
        del clip
        # A second pass under tracemalloc: it slows allocation, so it is not the timed one.
        tracemalloc.start()
        clip = prepare_clip(source, sample_rate=24000, chunk_seconds=0.05)
        for _chunk in clip.chunks():
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        samples, chunks = clip.samples, clip.chunk_count
        del clip
    x_realtime = SECONDS / wall
    return {
        "source_seconds": SECONDS,
        "wall_s": round(wall, 3),
        "x_realtime": round(x_realtime, 1),
        "ratio_to_target": round(x_realtime / TARGET_X_REALTIME, 2),
        "tracemalloc_peak_mb": round(peak / _MB, 1),
        "maxrss_delta_mb": round(rss_delta, 1),
        "output_mb": round(output_mb, 1),
        "samples": samples,
        "chunks": chunks,
    }


def main() -> None:
    r = run()
    verdict = "meets" if r["ratio_to_target"] >= 1 else "MISSES"
    print(f"audio prep: {r['source_seconds']} s of 44.1 kHz stereo WAV -> 24 kHz mono 50 ms chunks")
    print(f"  wall {r['wall_s']:.3f} s = {r['x_realtime']:.0f}x real time")
    print(f"  {r['ratio_to_target']:.2f}x the {TARGET_X_REALTIME:.0f}x target ({verdict} it)")
    print(
        f"  peak memory: tracemalloc {r['tracemalloc_peak_mb']} MB, ru_maxrss +"
        f"{r['maxrss_delta_mb']} MB ({r['output_mb']} MB of base64 went through)"
    )
    print(f"  {r['samples']} samples in {r['chunks']} chunks")


if __name__ == "__main__":
    main()
