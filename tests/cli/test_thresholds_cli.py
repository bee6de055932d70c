"""Thresholds: each metric fails a real run on the local replica with exit code 4 (after it has
played and cleaned up), generous limits pass, and an unknown metric or a malformed value is a
validation error at file:line (a usage error on the command line)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from play_support import write_scenario

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(args: list[str]) -> Result:
    """A real `echo-player` process: its exit code, stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_") and k != "GITHUB_STEP_SUMMARY"}
    done = subprocess.run([sys.executable, "-m", "player", *args], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    return Result(done.returncode, done.stdout, done.stderr)


SAY = "steps:\n  - say: hello there\n"
# Two raw audio chunks of one utterance, 0.4 s apart: the replica's buffer runs dry in between.
_CHUNK = base64.b64encode(b"\x10\x00" * 1200).decode()  # 50 ms at 24 kHz
UNDERRUN = f"""\
steps:
  - send: {{event_type: conversation.echo, properties: {{modality: audio, audio: "{_CHUNK}", sample_rate: 24000, inference_id: u1, done: false}}}}
  - pause: 0.4s
  - send: {{event_type: conversation.echo, properties: {{modality: audio, audio: "{_CHUNK}", sample_rate: 24000, inference_id: u1, done: true}}}}
  - pause: 0.3s
"""
FALLBACK = "steps:\n  - wait_for: replica.left\n    timeout: 0.2s\n    on_timeout: continue\n"

CASES = {
    "lateness_p50": (SAY, "0ms"),
    "lateness_p99": (SAY, "0ms"),
    "lateness_max": (SAY, "0ms"),
    "length": (SAY, "0.1s"),
    "underruns": (UNDERRUN, "0"),
    "wait_fallbacks": (FALLBACK, "0"),
}


def _records(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def _thresholds(log: Path) -> dict[str, dict[str, object]]:
    records = _records(log)
    assert records[-1]["kind"] == "end" and records[-1]["outcome"] == "played"
    assert records[-1]["conversation_ended"] is True and records[-1]["persona_deleted"] is True
    return {r["metric"]: r for r in records if r["kind"] == "threshold"}


@pytest.mark.parametrize("metric", sorted(CASES))
def test_each_metric_in_the_scenario_fails_the_run_with_exit_4(metric: str, tmp_path: Path) -> None:
    body, limit = CASES[metric]
    path = write_scenario(tmp_path, f"thresholds:\n  {metric}: {limit}\n" + body)
    log = tmp_path / "run.jsonl"
    result = run_cli(["play", str(path), "--no-interactive", "--log", str(log)])
    assert result.code == 4, result.err + result.out
    assert f"threshold {metric} " in result.out and "FAILED" in result.out
    found = _thresholds(log)
    assert list(found) == [metric] and found[metric]["passed"] is False
    assert float(found[metric]["value"]) > float(found[metric]["limit"])  # type: ignore[arg-type]
    (plan,) = [r for r in _records(log) if r["kind"] == "plan"]
    assert plan["thresholds"] == {metric: {"limit": found[metric]["limit"], "source": f"{path}:8:3"}}  # type: ignore[index]


def test_command_line_thresholds_override_and_generous_ones_pass(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "thresholds:\n  length: 0.1s\n" + FALLBACK)
    log = tmp_path / "run.jsonl"
    args = ["play", str(path), "--no-interactive", "--log", str(log), "--threshold", "length=1m", "--threshold", "wait_fallbacks=1"]
    result = run_cli([*args, "--threshold", "lateness_p99=5s", "--threshold", "lateness_max=5s", "--threshold", "underruns=3"])
    assert result.code == 0, result.err + result.out
    found = _thresholds(log)
    assert sorted(found) == ["lateness_max", "lateness_p99", "length", "underruns", "wait_fallbacks"]
    assert all(r["passed"] for r in found.values()) and found["length"]["limit"] == 60.0
    assert found["wait_fallbacks"]["value"] == 1
    (plan,) = [r for r in _records(log) if r["kind"] == "plan"]
    assert plan["thresholds"]["length"] == {"limit": 60.0, "source": None}  # type: ignore[index]  # from the command line now


def test_unknown_metrics_and_bad_values_are_errors_at_their_line(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "thresholds:\n  lateness_p95: 5ms\n  underruns: -1\n  length: soon\n" + SAY)
    result = run_cli(["validate", str(path)])
    assert result.code == 1
    assert f"{path}:8:3: error: unknown threshold metric 'lateness_p95'" in result.out + result.err
    assert "did you mean 'lateness_p99'" in result.out + result.err or "did you mean 'lateness_p50'" in result.out + result.err
    assert f"{path}:9:14: error:" in result.out + result.err and f"{path}:10:11: error:" in result.out + result.err


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("lateness_p95=5ms", "unknown threshold metric 'lateness_p95'"),
        ("underruns=1.5", "must be a whole number"),
        ("length=1:30", "looks like a clock time"),
        ("length", "expects NAME=VALUE"),
    ],
)
def test_a_bad_threshold_on_the_command_line_is_a_usage_error(pair: str, message: str, tmp_path: Path) -> None:
    path = write_scenario(tmp_path, SAY)
    result = run_cli(["play", str(path), "--threshold", pair])
    assert result.code == 2 and message in result.err and "Traceback" not in result.err
