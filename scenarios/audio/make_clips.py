"""Generate the example clips in this folder: chime.wav, intro.wav and outro.wav.

Standard library only, seeded, so running it again rewrites byte-identical files:

    python scenarios/audio/make_clips.py [OUTPUT_DIR]

Every clip is mono 16-bit PCM at 24 kHz, the rate Tavus recommends for audio echo. intro and
outro are not speech, only speech-like (a buzzy voice through moving formants, syllable
envelopes, pauses): enough to see the replica's lips move without shipping a recording.
"""

from __future__ import annotations

import math
import random
import struct
import sys
import wave
from collections.abc import Sequence
from pathlib import Path

__all__ = ["RATE", "chime", "speechlike", "write_wav", "main"]

RATE = 24000
_TAU = 2 * math.pi


def chime(seconds: float = 1.0) -> list[float]:
    """Two bell-like tones a fifth apart, the second entering late, with soft attack and decay."""
    out = []
    for i in range(int(seconds * RATE)):
        t = i / RATE
        tone = 0.0
        for freq, onset in ((880.0, 0.0), (1318.5, 0.18)):
            if t >= onset:
                u = t - onset
                env = min(u / 0.005, 1.0) * math.exp(-u * 4.5)
                tone += env * (math.sin(_TAU * freq * u) + 0.25 * math.sin(_TAU * 2 * freq * u))
        fade = min((seconds - t) / 0.05, 1.0)  # no click at the end
        out.append(0.35 * tone * fade)
    return out


def speechlike(seconds: float, seed: int) -> list[float]:
    """Syllables of a glottal buzz shaped by two drifting formants, with short pauses."""
    rng = random.Random(seed)
    total = int(seconds * RATE)
    out: list[float] = []
    while len(out) < total:
        if out and rng.random() < 0.2:
            out.extend([0.0] * int(rng.uniform(0.12, 0.3) * RATE))  # a pause between words
            continue
        n = int(rng.uniform(0.12, 0.25) * RATE)
        pitch = rng.uniform(110.0, 150.0)
        f1, f2 = rng.uniform(300.0, 800.0), rng.uniform(900.0, 2200.0)
        phase = 0.0
        for k in range(n):
            t = k / n
            phase += _TAU * pitch * (1.0 + 0.08 * math.sin(math.pi * t)) / RATE
            # Harmonics of the pitch, weighted by closeness to the formants: a vowel-ish timbre.
            sample = 0.0
            for h in range(1, 16):
                freq = h * pitch
                weight = math.exp(-(((freq - f1) / 150.0) ** 2)) + 0.5 * math.exp(
                    -(((freq - f2) / 250.0) ** 2)
                )
                sample += weight * math.sin(h * phase) / h**0.5
            out.append(0.45 * math.sin(math.pi * t) ** 2 * sample)  # syllable envelope
    del out[total:]
    fade = int(0.03 * RATE)
    for k in range(fade):
        out[total - 1 - k] *= k / fade
    return out


def write_wav(path: Path, samples: Sequence[float]) -> None:
    clipped = (max(-1.0, min(1.0, s)) for s in samples)
    frames = struct.pack(f"<{len(samples)}h", *(round(s * 32767) for s in clipped))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames)


def main(argv: Sequence[str] = ()) -> None:
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    clips = {
        "chime.wav": chime(1.0),
        "intro.wav": speechlike(3.0, seed=1),
        "outro.wav": speechlike(2.0, seed=2),
    }
    for name, samples in clips.items():
        write_wav(folder / name, samples)
        print(f"wrote {folder / name} ({len(samples) / RATE:.1f}s)")


if __name__ == "__main__":
    main(sys.argv[1:])
