"""`echo-player cleanup`: end every conversation and delete every persona echo-player created and
left behind (a crashed run, a lost response), found by the ledger *and* by the name tag.

Only ledger entries of the client's base URL are touched. Conversations are ended before
personas are deleted, so no live conversation loses its persona mid-call. What belongs to a run
still in progress on this machine (its process is alive) is skipped unless `include_running`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from ._client import TavusClient
from ._exceptions import NotFoundError, TavusError
from ._ledger import LedgerEntry
from ._models import Conversation, Persona, tag_run

__all__ = ["CleanupItem", "cleanup"]

Action = Literal["end", "delete", "forget", "skip"]
_Index = dict[tuple[str, str], list[LedgerEntry]]  # (kind, id or name) -> ledger entries


@dataclass(frozen=True, slots=True)
class CleanupItem:
    """One thing `cleanup` ends, deletes, forgets or skips, and how it went."""

    kind: Literal["conversation", "persona"]
    id: str | None
    name: str | None
    action: Action  # forget: a ledger entry whose resource is nowhere; skip: a live run's
    source: str  # "ledger", "tag", "ledger+tag" or "all"
    outcome: str = "pending"  # done | would | gone | failed: <message>
    entry_keys: tuple[str, ...] = field(default=(), repr=False)  # the ledger entries it settles

    @property
    def failed(self) -> bool:
        return self.outcome.startswith("failed")

    @property
    def skipped(self) -> bool:
        return self.action == "skip"

    def __str__(self) -> str:
        verb = {"end": "end conversation", "delete": "delete persona"}.get(self.action, f"{self.action} {self.kind}")
        label = self.id or "(id unknown)"
        name = f" {self.name!r}" if self.name else ""
        return f"{verb} {label}{name} [{self.source}]: {self.outcome}"


def cleanup(client: TavusClient, *, dry_run: bool = False, all_active: bool = False, include_running: bool = False) -> list[CleanupItem]:
    """Plan, then (unless dry_run) do. `all_active` ends every active conversation on the
    account, not only echo-player's. Failures are reported per item, never raised midway."""
    entries = client.ledger.entries(base_url=client.base_url)
    active = client.list_conversations(active=True)
    personas = client.list_personas()
    plan = _plan(entries, active, personas, all_active=all_active)
    running = [] if include_running else [e for e in entries if e.owner_running()]
    by_key = {e.key: e for e in running}
    by_tag = {e.run_tag: e for e in reversed(running)}  # a run's first entry
    done: list[CleanupItem] = []
    for item in plan:
        run = tag_run(item.name)
        owner = next((by_key[k] for k in item.entry_keys if k in by_key), None) or (by_tag.get(run) if run else None)
        if owner is not None:
            outcome = f"a run in progress owns it (pid {owner.pid}); --force to include"
            done.append(replace(item, action="skip", outcome=outcome))
        else:
            done.append(replace(item, outcome="would" if dry_run else _apply(client, item, entries)))
    return done


def _plan(entries: list[LedgerEntry], active: list[Conversation], personas: list[Persona], *, all_active: bool) -> list[CleanupItem]:
    by_id: _Index = {}
    pending: _Index = {}  # creates that never answered
    for e in entries:
        (by_id.setdefault((e.kind, e.id), []) if e.id else pending.setdefault((e.kind, e.name), [])).append(e)
    items: list[CleanupItem] = []
    claimed: set[str] = set()  # ledger keys a live resource accounts for

    for conv in active:
        keys = _keys("conversation", conv.id, conv.name, by_id, pending)
        if not keys and not conv.tagged and not all_active:
            continue
        claimed.update(keys)
        source = _source(bool(keys), conv.tagged) or "all"
        items.append(CleanupItem("conversation", conv.id, conv.name, "end", source, entry_keys=keys))

    for persona in personas:
        keys = _keys("persona", persona.id, persona.name, by_id, pending)
        if not keys and not persona.tagged:
            continue
        claimed.update(keys)
        source = _source(bool(keys), persona.tagged)
        items.append(CleanupItem("persona", persona.id, persona.name, "delete", source, entry_keys=keys))

    for entry in entries:
        if entry.key in claimed:
            continue
        keys = (entry.key,)
        if entry.kind == "conversation" and entry.id:
            # Not in the active list: ended already, but end it again to be sure (idempotent).
            items.append(CleanupItem("conversation", entry.id, entry.name, "end", "ledger", entry_keys=keys))
        elif entry.kind == "persona" and entry.id:
            # Not listed (another vocabulary, or gone): deleting tells which.
            items.append(CleanupItem("persona", entry.id, entry.name, "delete", "ledger", entry_keys=keys))
        else:  # a create that never answered and whose name is nowhere to be found
            items.append(CleanupItem(entry.kind, None, entry.name, "forget", "ledger", entry_keys=keys))
    return items


def _keys(kind: str, rid: str, name: str | None, by_id: _Index, pending: _Index) -> tuple[str, ...]:
    return tuple(e.key for e in by_id.get((kind, rid), []) + pending.get((kind, name or ""), []))


def _apply(client: TavusClient, item: CleanupItem, entries: list[LedgerEntry]) -> str:
    outcome = "done"
    try:
        if item.action == "end" and item.id:
            client.end_conversation(item.id)
        elif item.action == "delete" and item.id:
            api = next((e.api for e in entries if e.key in item.entry_keys), None)
            client.delete_persona(item.id, api=api if api in ("personas", "pals") else None)  # type: ignore[arg-type]
    except NotFoundError:
        outcome = "gone"
    except TavusError as exc:
        return f"failed: {exc}"
    client.ledger.remove(*item.entry_keys)  # settles pending entries too, which the client cannot match by id
    return outcome


def _source(in_ledger: bool, tagged: bool) -> str:
    return "+".join(name for name, yes in (("ledger", in_ledger), ("tag", tagged)) if yes)
