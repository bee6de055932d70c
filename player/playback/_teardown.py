"""A session's way out, exactly once on every exit path: stop the audio, end the conversation,
settle a conversation create the run never saw the answer of, leave the room, delete the
persona, settle a persona create likewise. Conversations are ended before personas are deleted.

Every call is bounded: the client's own timeouts and retries, and one deadline for the whole
way out (TavusSettings.resolve_timeout). A create whose outcome is unknown is looked up by its
tagged name until then (the screen says so), so a late arrival is still ended or deleted; what
is not found stays in the ledger and the summary says to run `echo-player cleanup`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from .._threads import in_thread

if TYPE_CHECKING:
    from ..tavus import Settled
    from ..tavus._ledger import ResourceKind
    from ._backends import RoomReport
    from ._session import Session

__all__ = ["Teardown"]


class Teardown:
    def __init__(self, session: "Session") -> None:
        self._session = session
        self._ran = False
        self._unknown: list[str] = []  # kinds whose create stayed unknown
        self._settled: list[Settled] = []  # creates the run never saw, found and ended/deleted
        self.room: RoomReport | None = None  # the local room's account, taken on the way out

    def leftovers(self) -> list[str]:
        """What may still exist and is not cleaned up yet."""
        s, out = self._session, self._session.outcome
        left = []
        if out.conversation_id is not None and not out.conversation_ended and not out.kept:
            left.append(f"conversation {out.conversation_id}")
        if s._persona_id is not None and not out.persona_deleted and not out.kept:
            left.append(f"persona {s._persona_id}")
        for entry in s.backend.client.unsettled():
            if entry.id not in (out.conversation_id, s._persona_id):
                left.append(f"{entry.kind} {entry.id or repr(entry.name) + ' (create unanswered)'}")
        return left

    async def run(self, *, keep: bool) -> None:
        if self._ran:
            return
        self._ran = True
        s, out = self._session, self._session.outcome
        out.kept = keep
        s.stop_audio()
        client = s.backend.client
        client.stop_creating()  # nothing new is created on the way out, nor retried
        deadline = time.monotonic() + client.settings.resolve_timeout
        cid = out.conversation_id
        room = self.room = s.backend.room_report(cid)  # before the room closes
        if room is not None:
            out.underruns, out.nonstandard = room.underruns, len(room.nonstandard)
            for note in room.nonstandard:  # what the local replica accepted off the schema
                s.log.write("nonstandard", **note)
        if cid is not None and not keep:
            out.conversation_ended = await self._attempt(f"ending conversation {cid}", client.end_conversation, cid, deadline)
        if not keep:
            await self._settle("conversation", {cid} if cid else set(), deadline)
        if s._transport is not None:
            await s._transport.close()
        pid = s._persona_id
        if pid is not None and not keep:
            out.persona_deleted = await self._attempt(f"deleting persona {pid}", client.delete_persona, pid, deadline)
        if not keep:
            await self._settle("persona", {pid} if pid else set(), deadline)

    def settled_message(self, error: BaseException | None) -> str | None:
        """For a run that failed on a create whose outcome was unknown and is known now: the
        error, saying what became of it (instead of "run `echo-player cleanup`")."""
        from ..tavus import OutcomeUnknownError

        if not isinstance(error, OutcomeUnknownError) or self._unknown:
            return None
        found = [r for r in self._settled if r.outcome in ("ended", "deleted")]
        what = "; ".join(f"it was created after all ({r.kind} {r.id}) and is now {r.outcome}" for r in found)
        return f"{error.reason}; {what or 'it was not created'}"

    async def _attempt(self, what: str, call: Callable[..., None], resource_id: str, deadline: float) -> bool:
        """One cleanup call; a failure is recorded (summary, log, exit code), never raised."""
        from ..tavus import NotFoundError

        try:
            await in_thread(call, resource_id, deadline=deadline)
            return True
        except NotFoundError:
            return True  # gone already (a retry after a lost answer, or ended by Tavus)
        except Exception as exc:  # noqa: BLE001
            self._session.outcome.cleanup_errors.append(f"{what}: {exc}")
            return False

    def _notice(self, text: str) -> None:
        log = self._session.log
        log.write("notice", t=log.since_origin(time.monotonic()), text=text)
        observer = self._session.options.observer
        if observer is not None:
            observer.notice(text)

    async def _settle(self, kind: "ResourceKind", skip: set[str], deadline: float) -> None:
        s, out = self._session, self._session.outcome
        client = s.backend.client
        todo = [e for e in client.unsettled() if e.kind == kind and e.id not in skip]
        if not todo:
            return
        from ..tavus import settle

        if any(e.id is None for e in todo):
            seconds = max(0.0, deadline - time.monotonic())
            self._notice(f"the {kind} create was not answered: looking it up by its tag for up to {seconds:.0f}s")
        try:
            results = await in_thread(settle, client, kind, deadline=deadline, skip=skip)
        except Exception as exc:  # noqa: BLE001 - never over the run's own error
            out.cleanup_errors.append(f"settling the {kind} create: {exc}")
            return
        for r in results:
            if r.outcome in ("ended", "deleted", "gone"):
                self._settled.append(r)
                if kind == "conversation" and out.conversation_id is None:
                    out.conversation_id, out.conversation_ended = r.id, True
                elif kind == "persona" and out.persona_deleted is None:
                    out.persona_deleted = True
            elif r.outcome == "failed":
                verb = "ending" if kind == "conversation" else "deleting"
                out.cleanup_errors.append(f"{verb} {kind} {r.id} (its create was not answered in time): {r.error}")
                if kind == "conversation" and out.conversation_id is None:
                    out.conversation_id = r.id
                elif kind == "persona" and out.persona_deleted is None:
                    out.persona_deleted = False
            else:
                self._unknown.append(kind)
                if kind == "conversation":
                    out.conversation_unknown = True
                else:
                    out.persona_unknown = True
                why = f" ({r.error})" if r.error else ""
                out.cleanup_errors.append(
                    f"the {kind} create {r.name!r} was not answered and was not found by its tag{why}; "
                    "the ledger keeps it: run `echo-player cleanup`"
                )
