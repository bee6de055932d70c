"""The control server's speed, in process over loopback sockets: the seed's relay round trip
(POST /send_text_message into a real local room), GET /api/status, how soon an operation's
result reaches an open event stream, the server's stop with streams open, and the import cost.

    .venv/bin/python bench/serve.py [--requests N]

Targets: relay and status p99 <= 20 ms, event-stream delivery p99 <= 20 ms, stop with 10
streams open <= 100 ms, `import player.server` <= 1000 ms cold (aiohttp is about half of it; only `serve` pays it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from server_support import SEED_CURL_BODY, relaying  # noqa: E402

LATENCY_TARGET_MS = 20.0
STOP_TARGET_MS = 100.0
IMPORT_TARGET_MS = 1000.0


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(name: str, values: list[float], target: float) -> None:
    p50, p99 = statistics.median(values), _p(values, 0.99)
    print(f"{name:<34} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {max(values):6.2f} ms  (target p99 <= {target:g} ms, {target / p99:.1f}x)")


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with relaying(Path(tmp)) as r, httpx.AsyncClient(headers=r.auth, timeout=10) as http:
            relay, status, stream = [], [], []
            headers = {"Content-Type": "application/json"}
            for k in range(n):
                body = SEED_CURL_BODY.replace("inference-id-123", f"inference-id-{k}")  # each one a new utterance
                began = time.perf_counter()
                reply = await http.post(f"{r.base}/send_text_message", content=body, headers=headers)
                relay.append((time.perf_counter() - began) * 1000)
                assert reply.status_code == 200, reply.text
                began = time.perf_counter()
                await http.get(f"{r.base}/api/status")
                status.append((time.perf_counter() - began) * 1000)
            async with http.stream("GET", f"{r.base}/api/events") as events:
                lines = events.aiter_lines()
                await anext(lines)  # the first status
                for _ in range(n // 4):
                    began = time.perf_counter()
                    await http.post(f"{r.base}/api/say", json={"text": "x"})
                    async for line in lines:
                        if line == "event: message":
                            break
                    stream.append((time.perf_counter() - began) * 1000)
            _line(f"relay POST round trip (n={n})", relay, LATENCY_TARGET_MS)
            _line(f"GET /api/status (n={n})", status, LATENCY_TARGET_MS)
            _line(f"say -> event on the stream (n={n // 4})", stream, LATENCY_TARGET_MS)
            clients = [httpx.AsyncClient(headers=r.auth, timeout=10) for _ in range(10)]
            opened = [await c.send(c.build_request("GET", f"{r.base}/api/events"), stream=True) for c in clients]
            began = time.perf_counter()
            await r.server.stop()
            stopped = (time.perf_counter() - began) * 1000
            print(
                f"stop with 10 streams open          {stopped:6.2f} ms  (target <= {STOP_TARGET_MS:g} ms, {STOP_TARGET_MS / stopped:.1f}x)"
            )
            for response, client in zip(opened, clients):
                await response.aclose()
                await client.aclose()
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import player.server"], check=True)
        runs.append((time.perf_counter() - began) * 1000)
    cold = statistics.median(runs)
    print(
        f"cold `import player.server`        {cold:6.0f} ms median of 5  (target <= {IMPORT_TARGET_MS:g} ms, {IMPORT_TARGET_MS / cold:.1f}x)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    asyncio.run(main(parser.parse_args().requests))
