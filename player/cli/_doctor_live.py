"""`doctor --live`: a one-minute check against the real API that costs nothing.

It creates an echo persona (free) and a `test_mode` conversation (Tavus: "creates the
conversation without the replica joining and returns it with status: ended", so nothing is
billed), checks each answer's shape, then deletes what it made, reporting every step. Whatever
fails, what was created is cleaned up (and the ledger remembers it if even that fails).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..tavus import TavusClient, TavusSettings

__all__ = ["live_checks"]

Report = Callable[..., None]


def live_checks(report: Report, settings: "TavusSettings") -> None:
    from ..tavus import TavusClient, TavusError

    with TavusClient(settings) as client:
        persona_id: str | None = None
        try:
            replica = _pick_replica(report, client)
            if replica is None:
                return
            persona = client.create_persona("echo-player doctor", replica_id=replica)
            persona_id = persona.id
            _shape(report, "live persona", persona.id, f"{persona.id} created ({client.api})")
            fetched = client.get_persona(persona.id)
            _shape(
                report,
                "live persona",
                fetched.pipeline_mode == "echo" and fetched.name == persona.name,
                f"reads back: pipeline_mode {fetched.pipeline_mode!r}, name as sent",
                f"answer: {dict(fetched.raw)}",
            )
            conversation = client.create_conversation(persona.id, replica_id=replica, name="echo-player doctor", test_mode=True)
            _shape(report, "live test_mode", conversation.id, f"conversation {conversation.id} created in test mode")
            _shape(
                report,
                "live test_mode",
                conversation.status == "ended",
                "came back ended (no replica joins, nothing billed)",
                f"status {conversation.status!r}: end it with `echo-player conversations end {conversation.id}`",
            )
            _shape(report, "live test_mode", bool(conversation.url), f"conversation_url {conversation.url}", "no conversation_url")
            if conversation.status != "ended":
                client.end_conversation(conversation.id)
        except TavusError as exc:
            report("FAIL", "live", str(exc), "check the key, TAVUS_API_URL and TAVUS_REPLICA_ID")
        finally:
            if persona_id is not None:
                _delete(report, client, persona_id)


def _pick_replica(report: Report, client: "TavusClient") -> str | None:
    wanted = os.environ.get("TAVUS_REPLICA_ID") or None
    if wanted is not None:
        replica = client.get_replica(wanted)
        _shape(report, "live replica", replica.usable, f"{wanted} (TAVUS_REPLICA_ID) is {replica.status}", "pick a trained replica")
        return wanted if replica.usable else None
    usable = [r for r in client.list_replicas(limit=100) if r.usable]
    if not usable:
        report("FAIL", "live replica", "no trained replica on the account", "set TAVUS_REPLICA_ID")
        return None
    report("ok", "live replica", f"{usable[0].id} ({usable[0].name or 'unnamed'}), the first trained one listed")
    return usable[0].id


def _shape(report: Report, what: str, ok: Any, detail: str, fix: str = "") -> None:
    report("ok" if ok else "FAIL", what, detail if ok else f"unexpected answer: {detail}", "" if ok else fix)


def _delete(report: Report, client: "TavusClient", persona_id: str) -> None:
    from ..tavus import TavusError

    try:
        client.delete_persona(persona_id)
    except TavusError as exc:
        report("FAIL", "live cleanup", f"deleting persona {persona_id}: {exc}", "echo-player cleanup")
    else:
        report("ok", "live cleanup", f"persona {persona_id} deleted")
