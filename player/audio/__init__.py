"""Audio clips: find ffmpeg, probe a file, prepare it as the PCM the replica echoes.

WAV with 8/16/24/32-bit integer samples is read natively (`_riff`); everything else (MP3, OGG,
M4A, FLAC, float WAV, ...) is decoded by an ffmpeg subprocess (`_ffmpeg`). `_pcm` mixes down,
resamples, scales and slices; `_prepare` puts them together. The output is always mono s16le
at the requested rate. Importing this package imports neither ffmpeg nor audioop.
"""

from __future__ import annotations

from ..errors import AudioError
from ._prepare import AudioInfo, PreparedClip, chunk_pcm, clip_duration, find_ffmpeg, prepare, prepare_clip, probe

__all__ = ["AudioInfo", "PreparedClip", "AudioError", "find_ffmpeg", "probe", "prepare", "prepare_clip", "chunk_pcm", "clip_duration"]
