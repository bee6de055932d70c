"""Run by the exit matrix (tests/exit_support.py) as the child process: the real `echo-player play`
(player.__main__.main, its signal handlers first) against the FakeTavus of the test process
(TAVUS_API_URL, real sockets, the ledger in ECHO_PLAYER_LEDGER), with the Daily rooms of its
conversations played by the local replica in this process instead of daily.co.

EXIT_DRIVER_JOIN_DELAY: seconds before the replica joins (default 0.1).
"""

from __future__ import annotations

from player.__main__ import install_signal_handlers

install_signal_handlers()  # as the echo-player script does, before the heavy imports

import contextlib  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

from player.__main__ import main  # noqa: E402
from player.playback import _backends  # noqa: E402
from player.simulator import local_transport  # noqa: E402
from player.simulator.replica import LocalRoom, RoomRegistry, RoomSettings  # noqa: E402

DAILY = "https://tavus.daily.co/"


class DailyRooms(RoomRegistry):
    """A room for any daily.co conversation URL, opened when it is first joined. Its replica
    joins under the name the player looks for (the persona's, as Tavus names it)."""

    replica_name = "Test Presenter"

    def find(self, key: str) -> LocalRoom | None:
        room = super().find(key)
        if room is None and key.startswith(DAILY):
            cid = key[len(DAILY) :]
            persona = {"persona_name": self.replica_name, "pipeline_mode": "echo", "layers": {}}
            with contextlib.suppress(ValueError):  # opened by another join meanwhile
                self.open_room(cid, persona=persona, properties={})
            room = super().find(cid)
        return room


rooms = DailyRooms(
    RoomSettings(
        join_delay=float(os.environ.get("EXIT_DRIVER_JOIN_DELAY", "0.1")),
        tts_latency=0.05,
        words_per_minute=600,
        done_timeout=0.5,
    )
)
real_backend = _backends.tavus_backend


@contextlib.contextmanager
def tavus_backend(**options: Any) -> Iterator[_backends.Backend]:
    with real_backend(**options) as backend:

        def transport(**kw: Any) -> Any:
            rooms.replica_name = kw.get("replica_name") or rooms.replica_name
            return local_transport(rooms, **kw)

        backend.transport = transport
        yield backend


_backends.tavus_backend = tavus_backend
sys.argv = ["echo-player", *sys.argv[1:]]
main()
