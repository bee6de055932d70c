"""Run inside a network namespace by test_play_daily.py: a fake Tavus server on this namespace's
127.0.0.1 hands out a Daily room URL, and the real `echo-player play` (real daily-python) tries
to join it. Prints one JSON line with the exit code and what the server holds afterwards."""

from __future__ import annotations

import json
import os
import sys

from player.cli import main
from player.simulator.tavus_api._server import FakeTavus

scenario, log, ledger = sys.argv[1:4]
with FakeTavus() as server:  # no rooms: conversation_url is https://tavus.daily.co/<id>
    os.environ.update(TAVUS_API_KEY=server.api_key, TAVUS_API_URL=server.base_url, ECHO_PLAYER_LEDGER=ledger)
    try:
        main(["play", scenario, "--log", log, "--no-interactive"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    state = server.state
    print(
        json.dumps(
            {
                "code": code,
                "key": server.api_key,
                "conversations": {cid: c["status"] for cid, c in state.conversations.items()},
                "personas": list(state.personas),
            }
        ),
        file=sys.__stdout__,
        flush=True,
    )
