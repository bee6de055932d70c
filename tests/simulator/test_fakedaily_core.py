"""The fake daily-core's thread: every call in the order a single heap would give, and the
fake Tavus API taking a crowd of connections at once (100 playbacks starting together)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from player.simulator.daily._client import _Core
from player.simulator.tavus_api import FakeTavus


def test_calls_for_now_run_in_order_and_before_a_timed_call_due_meanwhile() -> None:
    core = _Core(None, 0.0)  # type: ignore[arg-type]
    core.start()
    ran: list[str] = []
    done = threading.Event()
    try:
        due = time.monotonic() + 0.05

        def timed(name: str) -> None:
            ran.append(name)
            if name == "t1":
                core.call(ran.append, "made by t1")  # for now: before t2, due at the same time
            if name == "t2":
                done.set()

        core.call_at(due, timed, "t1")
        core.call_at(due, timed, "t2")
        for k in range(50):
            core.call(ran.append, f"now{k}")
        assert done.wait(2)
    finally:
        core.stop()
    assert ran == [f"now{k}" for k in range(50)] + ["t1", "made by t1", "t2"]


def test_the_fake_api_answers_a_hundred_clients_connecting_at_once() -> None:
    with FakeTavus() as fake:
        start = threading.Barrier(100)

        def one(_k: int) -> int:
            # A dropped SYN (a full listen backlog) is retried after 1 s: past the connect timeout.
            timeout = httpx.Timeout(10.0, connect=0.5)
            with httpx.Client(base_url=fake.base_url, headers={"x-api-key": fake.api_key}, timeout=timeout) as client:
                start.wait(5)
                return client.get("/v2/personas").status_code

        with ThreadPoolExecutor(100) as pool:
            codes = list(pool.map(one, range(100)))
    assert codes == [200] * 100
