"""`serve` with a scenario: a playback session steered by a Controller, with its control server,
and the seed's relay speaking into the same room through the session's own transport.

The session is `play`'s, unchanged (its one exit path ends what it created); only the backend's
transport factory is wrapped, so the relay is connected from the join to the leaving.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any

from .. import protocol
from ..plan import Plan
from ..playback import Backend, Controller, Observer, Outcome, RunLog, RunOptions, Session
from ._app import ControlServer
from ._config import ServerConfig
from ._controls import timeline_of
from ._relay import Relay, RelayedTransport

__all__ = ["ServedPlay"]


class ServedPlay:
    def __init__(
        self,
        plan: Plan,
        backend: Backend,
        config: ServerConfig,
        *,
        log: RunLog,
        observer: Observer | None = None,
        speed: float = 1.0,
        start_index: int = 0,
        manual_cues: bool = False,
    ) -> None:
        self.plan = plan
        self.log = log
        self._backend = backend
        self.controller = Controller(manual_cues=manual_cues)
        self.controller.bind(plan)
        self.relay = Relay(on_sent=self._relayed)
        options = RunOptions(observer=observer, speed=speed, start_index=start_index, controller=self.controller)
        self.session = Session(plan, dataclasses.replace(backend, transport=self._transport), log=log, options=options)
        self.server = ControlServer(config, self.controller, self.relay, timeline_of(plan))

    def _transport(self, **options: Any) -> RelayedTransport:
        on_join = self.plan.scenario.conversation.start == "on-join"  # else the session never waits for it
        return RelayedTransport(
            self._backend.transport(**options), self.relay, lambda: self.session.outcome.conversation_id, replica_first=on_join
        )

    def start(self) -> asyncio.Task[Outcome]:
        """The run, as its own task: what `quit` cancels (the caller maps that to Interrupted)."""
        task = asyncio.ensure_future(self.session.run())
        self.controller.bind(self.plan, task=task)
        return task

    def _relayed(self, message: Mapping[str, Any]) -> None:
        """A message the relay sent: in the run log and on the page's feed, as `via: relay`."""
        props = message.get("properties")
        fields = {
            "t": self.log.since_origin(asyncio.get_running_loop().time()),
            "event_type": protocol.event_type_of(message),
            "inference_id": protocol.inference_id_of(message),
            "text": props.get("text") if isinstance(props, Mapping) else None,
            "via": "relay",
        }
        self.log.write("message", **fields)
        self.controller.message(fields)
