"""One thread that runs the simulated replicas of many rooms.

A thread per replica made 100 conversations in one process 100 threads contending for the GIL,
each woken for every message (issue 13). The runner keeps the replica model exactly as it was
(its state is touched by one thread only; inputs arrive through an inbox; events reach clients
from a thread other than theirs, as daily-core's do) but one thread serves every replica of a
registry: it waits for the next input or the earliest deadline of any replica, drains every
input that is ready, and advances the replicas that had input or whose deadline passed. The
deadlines are a heap (a stale entry is skipped when it surfaces): scanning every replica on every
wake-up cost the thread ~1.6 s of CPU, and the loop its GIL, at 100 conversations.
The thread starts with the first replica and ends when the last one has stopped.
"""

from __future__ import annotations

import heapq
import itertools
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
        # The runner thread's own: each replica's next deadline, and a heap of (deadline, seq,
        # replica) in which an entry whose deadline is no longer the replica's is stale.
        self._deadlines: dict[Replica, float | None] = {}
        self._heap: list[tuple[float, int, Replica]] = []
        self._seq = itertools.count()
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
            heap = self._heap
            surfaced: set[Replica] = set()  # their heap entry is gone: a new one is due
            while heap and heap[0][0] <= now:
                deadline, _, replica = heapq.heappop(heap)
                if self._deadlines.get(replica) == deadline:
                    surfaced.add(replica)
                    if replica not in touched:
                        replica._advance(now)
                        touched.add(replica)
            for replica in touched:
                if replica in self._stopped:
                    upcoming = replica._next_deadline()
                    if replica in surfaced or upcoming != self._deadlines.get(replica):
                        self._deadlines[replica] = upcoming
                        if upcoming is not None:
                            heapq.heappush(heap, (upcoming, next(self._seq), replica))
            if self._finished():
                return

    def _wait(self) -> float | None:
        heap = self._heap
        while heap and self._deadlines.get(heap[0][2]) != heap[0][0]:
            heapq.heappop(heap)  # stale: that replica's deadline moved, or it has stopped
        return None if not heap else max(0.0, heap[0][0] - time.monotonic())

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
