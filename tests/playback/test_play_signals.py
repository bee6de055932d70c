"""Ctrl-C and SIGTERM in the middle of a clip, through the real command in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from play_support import write_scenario, write_tone


def _records(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_mid_clip_stops_audio_ends_conversation_exit_130(tmp_path: Path, sig: signal.Signals) -> None:
    write_tone(tmp_path / "long.wav", 20.0)
    path = write_scenario(tmp_path, "steps:\n  - say: hi\n    wait: none\n  - play: long.wav\n    id: clip\n")
    log = tmp_path / "run.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "TAVUS_API_KEY"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "player", "play", str(path), "--log", str(log), "--no-interactive"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait until the clip is streaming
            if sum(r["kind"] == "message" for r in _records(log)) > 30:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the clip never started streaming")
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    records = _records(log)
    signal_at = next(i for i, r in enumerate(records) if r["kind"] == "signal")
    assert records[signal_at]["signal"] == sig.name
    assert not [r for r in records[signal_at:] if r["kind"] == "message"]  # not one more chunk
    end = records[-1]
    assert end["kind"] == "end" and end["outcome"] == "interrupted"
    assert end["conversation_ended"] is True and end["persona_deleted"] is True
    assert "Traceback" not in err
    assert f"interrupted by {sig.name}" in err
    assert "ended" in out
