"""A run's way out for what it created without seeing the answer: a create still in flight when
the run was stopped, one answered after the read timeout, one whose answer was lost.

Each such create is still in the client's `unsettled` list (and the ledger). `settle` ends (a
conversation) or deletes (a persona) each one, found by its id once the answer has come after
all, else by its tagged name, looking again until `deadline`, so a late arrival is still caught.
What is not found by then stays in the ledger, and the caller says so: `echo-player cleanup`
finds it by its tag later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

from ._client import TavusClient
from ._exceptions import NotFoundError, TavusError
from ._ledger import LedgerEntry, ResourceKind
from ._settings import ApiVocabulary

__all__ = ["Settled", "settle"]

_POLL = 0.2  # seconds between lookups: a late create shows up within this of its arrival


@dataclass(frozen=True, slots=True)
class Settled:
    """How a create whose outcome was unknown was settled."""

    kind: ResourceKind
    id: str | None  # None: never found
    name: str  # the tagged name
    outcome: Literal["ended", "deleted", "gone", "unknown", "failed"]
    error: str = ""  # for "failed" (and "unknown": why the lookups did not answer)

    @property
    def left(self) -> bool:
        """It may still exist and the ledger keeps it."""
        return self.outcome in ("unknown", "failed")


def settle(
    client: TavusClient,
    kind: ResourceKind,
    *,
    deadline: float,
    skip: Collection[str] = (),
    sleep: Callable[[float], None] = time.sleep,
) -> list[Settled]:
    """End or delete every unsettled create of `kind` by `client` (ids in `skip` aside: the
    caller handles those), looking up the ones without an id until `deadline` (monotonic)."""
    done: list[Settled] = []
    errors: dict[str, str] = {}  # ledger key -> why its last lookup failed
    while True:
        todo = [e for e in client.unsettled() if e.kind == kind and e.id not in skip]
        if not todo:
            return done
        for entry in todo:
            resource_id = entry.id
            if resource_id is None:
                try:
                    resource_id = client.find_created(entry, deadline=deadline)
                except TavusError as exc:
                    errors[entry.key] = str(exc)
            if resource_id is not None:
                done.append(_finish(client, entry, resource_id, deadline))
        if time.monotonic() >= deadline:
            break
        sleep(max(0.0, min(_POLL, deadline - time.monotonic())))
    for entry in [e for e in client.unsettled() if e.kind == kind and e.id not in skip]:
        client.untrack(entry)  # the ledger keeps it for `echo-player cleanup`
        done.append(Settled(kind, entry.id, entry.name, "unknown", errors.get(entry.key, "")))
    return done


def _finish(client: TavusClient, entry: LedgerEntry, resource_id: str, deadline: float) -> Settled:
    try:
        if entry.id is None:  # found by its name: if ending it fails, the ledger points at it
            client.ledger.set_id(entry.key, resource_id)
        if entry.kind == "conversation":
            client.end_conversation(resource_id, deadline=deadline)
            outcome: Literal["ended", "deleted", "gone"] = "ended"
        else:
            api: ApiVocabulary = "pals" if entry.api == "pals" else "personas"
            client.delete_persona(resource_id, api=api, deadline=deadline)
            outcome = "deleted"
    except NotFoundError:
        outcome = "gone"
    except TavusError as exc:
        client.untrack(entry)  # tried once here; the ledger keeps it for `echo-player cleanup`
        return Settled(entry.kind, resource_id, entry.name, "failed", str(exc))
    client.settled(entry)
    return Settled(entry.kind, resource_id, entry.name, outcome)
