"""Validation speed: a generated 1,000-step scenario in-process, and the cold start of
`echo-player validate` on a small text-only file.

    .venv/bin/python bench/validate.py [--runs N]

Targets: at most 250 ms in-process (schema compiled, as in a long-lived process that validates
several files, and first call, which pays loading and compiling the schema; a valid file never
imports jsonschema), at most 400 ms cold start.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IN_PROCESS_TARGET_MS = 250.0
COLD_START_TARGET_MS = 400.0

SMALL = """\
version: 1
name: Small
steps:
  - say: Hello there!
  - pause: 1s
  - say: Goodbye.
"""


def generate(steps: int) -> str:
    """A text-only scenario using most step kinds, `vars` and `at` references."""
    lines = [
        "version: 1",
        "name: Generated",
        "vars:",
        "  who: everyone",
        "defaults:",
        "  gap: 0.1s",
        "conversation:",
        "  properties:",
        "    max_call_duration: 3600",
        "steps:",
    ]
    for i in range(steps):
        kind = i % 5
        if kind == 0:
            lines += [f"  - say: Hello ${{who}}, this is line {i}.", f"    id: s{i}", "    note: smile"]
        elif kind == 1:
            lines += ["  - pause: 250ms"]
        elif kind == 2:
            lines += [f'  - say: ["Part one of {i}, ", "part two."]', "    wait: sent"]
        elif kind == 3:
            lines += [f"  - cue: Next slide {i}", "    auto: 0.2s", f"    at: s{i - 3}+1s"]
        else:
            lines += ["  - wait_for: replica.stopped_speaking", "    timeout: 5s", "    on_timeout: continue"]
    return "\n".join(lines) + "\n"


def _report(label: str, ms: float, target: float) -> None:
    verdict = "ok" if ms <= target else "OVER TARGET"
    print(f"{label:<48} {ms:8.1f} ms   target {target:.0f} ms   ratio {ms / target:.2f}  {verdict}")


def in_process(path: Path, runs: int) -> None:
    from player.plan._validate import validate_file

    start = time.perf_counter()
    scenario, diagnostics = validate_file(path)
    first = (time.perf_counter() - start) * 1000
    assert scenario is not None and len(scenario.steps) == 1000, diagnostics[:3]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        validate_file(path)
        times.append((time.perf_counter() - start) * 1000)
    _report("1,000 steps in-process, first call", first, IN_PROCESS_TARGET_MS)
    _report(f"1,000 steps in-process, median of {runs}", statistics.median(times), IN_PROCESS_TARGET_MS)


def cold_start(path: Path, runs: int) -> None:
    exe = Path(sys.executable).with_name("echo-player")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([str(exe), "validate", str(path)], capture_output=True, text=True)
        times.append((time.perf_counter() - start) * 1000)
        assert done.returncode == 0, done.stdout + done.stderr
    _report(f"cold start `echo-player validate`, median of {runs}", statistics.median(times), COLD_START_TARGET_MS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp, "big.scenario.yaml")
        big.write_text(generate(1000), encoding="utf-8")
        small = Path(tmp, "small.scenario.yaml")
        small.write_text(SMALL, encoding="utf-8")
        in_process(big, args.runs)
        cold_start(small, args.runs)


if __name__ == "__main__":
    main()
