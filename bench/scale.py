"""Benchmark: many playbacks in one process, and one playback idle and on a busy machine.

Each playback is the 600-step text scenario of bench/timing.py (10 ms pauses, a `say` every 10th
step) on the local replica, N of them started together on one event loop. Printed: p99 lateness
over every step of every playback, CPU seconds and wall seconds.

    .venv/bin/python bench/scale.py [N ...] [--busy K]

The playbacks go through the public API: `player.aplay(path, backend=b)` on one shared
`player.local_backend()` (one fake API, one replica thread, one daily-core thread for all of them).
BENCH_API=session drives the Session directly on the same backend instead (as bench/timing.py
does), to see what the API layer (validation per call, controller, feed) costs.

The end-of-run wait for utterances the replica never started (a `say` superseded before its TTS
latency passed) costs 3 s each; so that the bench measures dispatch and not that wait, the local
replica here speaks fast enough (1000 words a minute, 20 ms TTS latency) to finish each `tick`
before the next one is sent. The schedule is the same.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from player.plan._build import build_plan
from player.plan._validate import validate_file
from player.playback._backends import local_backend
from player.playback._runlog import RunLog
from player.playback._session import Outcome, Session
from player.playback._stats import Lateness
from player.simulator.replica._room import RoomSettings

STEPS = 600
PAUSE = 0.01
SAY_EVERY = 10
WPM = 1000
ROOM = RoomSettings(words_per_minute=WPM, tts_latency=0.02)
# For many playbacks in one process: fewer, cheaper cyclic-GC passes (the default (700, 10, 10)
# ran two full collections of ~100 ms each during 100 playbacks; see README "Benchmarks").
GC_THRESHOLDS = (20000, 20, 100)

__all__ = ["STEPS", "PAUSE", "SAY_EVERY", "GC_THRESHOLDS", "scenario_text", "play_many", "relative_many", "busy_loops"]


def scenario_text(steps: int = STEPS) -> str:
    lines = [
        "version: 1",
        "conversation:",
        "  persona: {name: Bench, replica_id: r90bbd427f71}",
        f"defaults: {{words_per_minute: {WPM}}}",
        "steps:",
    ]
    for i in range(steps):
        lines.append("  - say: tick\n    wait: none" if i % SAY_EVERY == 0 else f"  - pause: {PAUSE}s")
    return "\n".join(lines) + "\n"


def _plan(folder: Path) -> Any:
    path = folder / "scale.scenario.yaml"  # kept until the run: aplay reads the file
    path.write_text(scenario_text(), encoding="utf-8")
    scenario, diagnostics = validate_file(path)
    if scenario is None:
        raise SystemExit("\n".join(str(d) for d in diagnostics))
    return build_plan(scenario)


def _api() -> str:
    return "session" if os.environ.get("BENCH_API") == "session" else "aplay"


async def _play_many(plan: Any, n: int) -> list[Outcome]:
    import player

    with local_backend(room_settings=ROOM, max_conversations=max(n, 1)) as backend:
        if _api() == "session":
            runs = [Session(plan, backend, log=RunLog(None)).run() for _ in range(n)]
        else:
            runs = [player.aplay(plan, backend=backend) for _ in range(n)]  # validated once (_plan)
        return list(await asyncio.gather(*runs))


def play_many(n: int) -> dict[str, Any]:
    """N concurrent playbacks: lateness over all their steps, CPU and wall seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        plan = _plan(Path(tmp))
        cpu, wall = time.process_time(), time.perf_counter()
        outcomes = asyncio.run(_play_many(plan, n))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    lateness = [r.lateness for o in outcomes for r in o.records]
    assert len(lateness) == n * STEPS, len(lateness)
    return {"n": n, "lateness": Lateness.of(lateness), "cpu_s": cpu, "wall_s": wall}


async def _relative_one() -> list[float]:
    """What a hand-written script does: do the step, then sleep for the pause."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    due, lateness = 0.0, []
    for i in range(STEPS):
        lateness.append(loop.time() - t0 - due)
        hold = 0.0 if i % SAY_EVERY == 0 else PAUSE
        due += hold
        if hold:
            await asyncio.sleep(hold)
    return lateness


def relative_many(n: int) -> dict[str, Any]:
    """The same schedule as N hand-written relative-sleep loops on one event loop."""

    async def main() -> list[list[float]]:
        return list(await asyncio.gather(*(_relative_one() for _ in range(n))))

    cpu, wall = time.process_time(), time.perf_counter()
    runs = asyncio.run(main())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"n": n, "lateness": Lateness.of([x for run in runs for x in run]), "cpu_s": cpu, "wall_s": wall}


def _spin(stop: Any) -> None:
    while not stop.is_set():
        pass


class busy_loops:
    """`with busy_loops(2):` K processes spinning on the CPU for the duration."""

    def __init__(self, k: int) -> None:
        self._k = k
        self._stop = multiprocessing.Event()
        self._procs: list[multiprocessing.Process] = []

    def __enter__(self) -> busy_loops:
        for _ in range(self._k):
            p = multiprocessing.Process(target=_spin, args=(self._stop,), daemon=True)
            p.start()
            self._procs.append(p)
        time.sleep(0.2)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for p in self._procs:
            p.join(5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="*", type=int, default=[1, 10, 100])
    parser.add_argument("--busy", type=int, default=0, help="busy loops running meanwhile")
    parser.add_argument("--gc-tuned", action="store_true", help=f"gc.set_threshold{GC_THRESHOLDS} first")
    args = parser.parse_args(argv)
    if args.gc_tuned:
        gc.set_threshold(*GC_THRESHOLDS)
    api = "player.aplay on one backend" if _api() == "aplay" else "Session on one backend"
    print(f"pid {os.getpid()}, through {api}, busy loops {args.busy}")
    with busy_loops(args.busy):
        for n in args.n:
            r = play_many(n)
            late: Lateness = r["lateness"]
            print(
                f"{n:4d} playbacks: p50 {late.p50 * 1e3:.3f} ms  p99 {late.p99 * 1e3:.3f} ms  max {late.max * 1e3:.3f} ms  "
                f"cpu {r['cpu_s']:.2f} s  wall {r['wall_s']:.2f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
