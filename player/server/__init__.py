"""The control server of `echo-player serve`: after playback in the flow; no core stage imports it.

`_app` is the aiohttp application and its lifetime in the running loop; `_security` its guards
(token, Host and Origin checks, JSON errors, redaction); `_config` the address and limits;
`_controls` the control API and the event stream over anything shaped like the playback
controller; `_relay` the seed's `POST /send_text_message`, and the transport wrapper that lends a
playing session's room to it; `_served` is `serve` with a scenario (a session, its controller and
the server); `_relay_run` and `_relay_controls` are `serve` without one.
`static/` is the presenter page, shipped inside the wheel: plain HTML, CSS and JavaScript.
"""

from __future__ import annotations

from ._app import ControlServer, make_app
from ._config import MAX_BODY, ServerConfig, is_loopback, new_token
from ._controls import OPERATIONS, Controls, timeline_of
from ._relay import BadBody, Relay, RelayedTransport, echo_from_seed_body
from ._relay_controls import RelayControls
from ._relay_run import RELAY_PROPERTIES, run_relay
from ._served import ServedPlay

__all__ = [
    "ControlServer",
    "make_app",
    "ServerConfig",
    "MAX_BODY",
    "is_loopback",
    "new_token",
    "Controls",
    "timeline_of",
    "OPERATIONS",
    "Relay",
    "RelayedTransport",
    "BadBody",
    "echo_from_seed_body",
    "RelayControls",
    "run_relay",
    "RELAY_PROPERTIES",
    "ServedPlay",
]
