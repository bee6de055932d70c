"""One thread that runs the simulated replicas of many rooms.

A thread per replica made 100 conversations in one process 100 threads contending for the GIL,
each woken for every message (issue 13). The runner keeps the replica model exactly as it was
(its state is touched by one thread only; inputs arrive through an inbox; events reach clients
from a thread other than theirs, as daily-core's do) but one thread serves every replica of a
registry: it waits for the next input or the earliest deadline of any replica, drains every
input that is ready, and advances the replicas that had input or whose deadline passed.
The thread starts with the first replica and ends when the last one has stopped.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._replica import Replica

__all__ = ["ReplicaRunner"]


class ReplicaRunner:
    def __init__(self, name: str = "replicas") -> None:
        self._name = name
        self._inbox: "queue.SimpleQueue[tuple[Replica, tuple[Any, ...]]]" = queue.SimpleQueue()
        self._deadlines: dict[Replica, float | None] = {}  # the runner thread's own
        self._stopped: dict[Replica, threading.Event] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, replica: Replica) -> None:
        with self._lock:
            self._stopped[replica] = threading.Event()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"replica-{self._name}", daemon=True)
                self._thread.start()
        self._inbox.put((replica, ("added",)))

    def put(self, replica: Replica, item: tuple[Any, ...]) -> None:
        self._inbox.put((replica, item))

    def stop(self, replica: Replica, timeout: float) -> None:
        """Stop one replica (mid-sentence if need be); waits for it unless called from the runner."""
        with self._lock:
            done = self._stopped.get(replica)
        self._inbox.put((replica, ("stop", time.monotonic())))
        if done is not None and threading.current_thread() is not self._thread:
            done.wait(timeout)

    def on_runner_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def _run(self) -> None:
        while True:
            wait = self._wait()
            touched: set[Replica] = set()
            batch: list[tuple[Replica, tuple[Any, ...]]] = []
            try:
                batch.append(self._inbox.get(timeout=wait))
                while True:  # everything already queued, in one go
                    batch.append(self._inbox.get_nowait())
            except queue.Empty:
                pass
            for replica, item in batch:
                if replica not in self._stopped:
                    continue  # an input after its stop: dropped, as the thread's exit did
                if item[0] == "stop":
                    replica._interrupt(item[1])  # the conversation ended mid-sentence
                    self._retire(replica)
                    touched.discard(replica)
                    continue
                if item[0] != "added":
                    replica._handle(item)
                replica._advance(time.monotonic())
                touched.add(replica)
            now = time.monotonic()
            for replica, deadline in list(self._deadlines.items()):
                if replica not in touched and deadline is not None and deadline <= now:
                    replica._advance(now)
                    touched.add(replica)
            for replica in touched:
                if replica in self._stopped:
                    self._deadlines[replica] = replica._next_deadline()
            if self._finished():
                return

    def _wait(self) -> float | None:
        times = [d for d in self._deadlines.values() if d is not None]
        return None if not times else max(0.0, min(times) - time.monotonic())

    def _retire(self, replica: Replica) -> None:
        self._deadlines.pop(replica, None)
        with self._lock:
            done = self._stopped.pop(replica, None)
        if done is not None:
            done.set()

    def _finished(self) -> bool:
        with self._lock:
            if self._stopped or not self._inbox.empty():
                return False
            self._thread = None  # the next add() starts a new one
            return True
