"""Report speed and size for a 1,000-step run: reading the log, drawing the SVG, the HTML report
and JUnit. A synthetic log with real proportions (a say every other step with its speech events,
a 2 s audio clip of 40 chunks every 50 steps, pauses between).

    .venv/bin/python bench/report_render.py [--steps N] [--runs N]

Target: the whole report (read + HTML + JUnit) of 1,000 steps in at most 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from player.report import parse_log, render_html, render_junit, render_svg

TARGET_S = 1.0


def synthetic_log(steps: int) -> list[str]:
    records: list[dict[str, object]] = [{"kind": "start", "scenario": "big.scenario.yaml", "name": "Big", "steps": steps, "local": True}]
    plan, t, body = [], 0.0, []
    for i in range(steps):
        action = "say" if i % 2 == 0 else "pause"
        length = 1.2 if action == "say" else 0.5
        plan.append({"index": i, "id": f"s{i}", "action": action, "start": t, "duration": length, "hold": length,
                     "source": f"big.scenario.yaml:{i + 3}:5", "label": f"[s{i}] {action} ..."})  # fmt: skip
        actual = t + 0.0004
        body.append({"kind": "step", "index": i, "id": f"s{i}", "action": action, "due": t, "actual": actual})
        if action == "say":
            iid = f"i{i}"
            body.append({"kind": "message", "t": actual, "event_type": "conversation.echo", "inference_id": iid, "bytes": 250,
                         "done": True, "modality": "text"})  # fmt: skip
            body.append({"kind": "event", "t": actual + 0.2, "event_type": "conversation.replica.started_speaking", "inference_id": iid})
            body.append({"kind": "event", "t": actual + 1.2, "event_type": "conversation.replica.stopped_speaking", "inference_id": iid,
                         "duration": 1.0, "interrupted": False})  # fmt: skip
        if i % 50 == 25:
            body += [{"kind": "message", "t": actual + k * 0.05, "event_type": "conversation.echo", "inference_id": f"a{i}", "bytes": 3440,
                      "done": k == 39, "modality": "audio"} for k in range(40)]  # fmt: skip
        t += length
    records.append({"kind": "plan", "total": t, "start_index": 0, "speed": 1.0, "thresholds": {}, "steps": plan})
    records += body
    records.append({"kind": "end", "outcome": "played", "error": None, "length": t, "underruns": 0, "conversation_ended": True,
                    "persona_deleted": True, "cleanup_errors": []})  # fmt: skip
    return [json.dumps(r) for r in records]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lines = synthetic_log(args.steps)
    timings: dict[str, list[float]] = {"read": [], "svg": [], "html": [], "junit": []}
    sizes: dict[str, int] = {}
    for _ in range(args.runs):
        start = time.perf_counter()
        (run,) = parse_log(lines)
        timings["read"].append(time.perf_counter() - start)
        renderers = {"svg": lambda r: render_svg(r), "html": lambda r: render_html([r]), "junit": lambda r: render_junit([r])}
        for name, render in renderers.items():
            start = time.perf_counter()
            text = render(run)
            timings[name].append(time.perf_counter() - start)
            sizes[name] = len(text.encode())
    log_kib = sum(len(line) + 1 for line in lines) / 1024
    print(f"report of {args.steps} steps ({len(lines)} log lines, {log_kib:.0f} KiB), median of {args.runs}:")
    for name, values in timings.items():
        size = f", {sizes[name] / 1024:.0f} KiB" if name in sizes else ""
        print(f"  {name:<6} {statistics.median(values) * 1000:7.1f} ms{size}")
    total = statistics.median(timings["read"]) + statistics.median(timings["html"]) + statistics.median(timings["junit"])
    print(f"read + html + junit: {total * 1000:.0f} ms (target <= {TARGET_S * 1000:.0f} ms): {'ok' if total <= TARGET_S else 'OVER'}")


if __name__ == "__main__":
    main()
