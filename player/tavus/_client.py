"""The Tavus REST client: personas/PALs, conversations and replicas, in either vocabulary.

Every create is ledgered before its request is sent and given its id as soon as the response
arrives; ending or deleting forgets it. Synchronous: the player calls it from worker threads.
The client also remembers, in memory, what it created and has not ended or deleted yet
(`unsettled`), including creates whose answer never came, so a run's way out can find them
(player.tavus.settle) even when it never saw the answer; `stop_creating` makes it send no
new create and retry none.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from ..errors import UsageError
from ._exceptions import BadRequestError, NotFoundError, OutcomeUnknownError, StoppedError, TavusError, UnexpectedResponseError
from ._http import Requester
from ._ledger import Ledger, LedgerEntry, ResourceKind
from ._models import Conversation, Persona, Replica, make_tag
from ._settings import ApiVocabulary, TavusSettings

__all__ = ["TavusClient"]

_PAGE_SIZE = 100
_MAX_PAGES = 50  # a bound on listing, so a misbehaving server cannot keep us paging forever
_R = TypeVar("_R", Persona, Conversation)


class TavusClient:
    def __init__(
        self,
        settings: TavusSettings,
        *,
        ledger: Ledger | None = None,
        run_tag: str | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """`ledger` defaults to Ledger.from_env(); `run_tag` (lowercase letters and digits)
        defaults to a random one and goes into every created name."""
        if run_tag is not None and not re.fullmatch(r"[0-9a-z]{1,32}", run_tag):
            raise ValueError(f"run_tag must be 1-32 lowercase letters or digits, got {run_tag!r}")
        self.settings = settings
        self.ledger = ledger if ledger is not None else Ledger.from_env()
        self.run_tag = run_tag or secrets.token_hex(4)
        self._creates = 0
        self._count_lock = threading.Lock()
        self._req = Requester(settings, transport=transport, sleep=sleep or time.sleep)
        self._stop = threading.Event()
        self._unsettled: dict[str, LedgerEntry] = {}  # ledger key -> entry (with its id once known)

    def __repr__(self) -> str:
        return f"TavusClient(base_url={self.base_url!r}, api={self.api!r}, run_tag={self.run_tag!r})"

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def api(self) -> ApiVocabulary:
        return self.settings.api

    def close(self) -> None:
        self._req.close()

    def for_run(self) -> TavusClient:
        """A client for one run that shares this one's connections, settings and ledger, with
        its own run tag, stop switch and record of what it created: a run stopping (or settling
        its unanswered creates by tag) on a shared backend leaves the other runs alone."""
        run = copy.copy(self)
        run.run_tag = secrets.token_hex(4)
        run._creates = 0
        run._count_lock = threading.Lock()
        run._stop = threading.Event()
        run._unsettled = {}
        return run

    def stop_creating(self) -> None:
        """From now on no create is sent and none is retried (StoppedError): a run is stopping.
        A create already on the wire still records its answer if one comes."""
        self._stop.set()

    def unsettled(self) -> list[LedgerEntry]:
        """What this client created (or tried to, without an answer) and has not ended,
        deleted or forgotten: `id` None for a create whose outcome is unknown or in flight."""
        with self._count_lock:
            return list(self._unsettled.values())

    def settled(self, entry: LedgerEntry) -> None:
        """The resource of `entry` is gone (ended or deleted by its id, or never made)."""
        self.ledger.remove(entry.key)
        self.untrack(entry)

    def untrack(self, entry: LedgerEntry) -> None:
        """Stop tracking `entry` here; the ledger keeps it for `echo-player cleanup`."""
        with self._count_lock:
            self._unsettled.pop(entry.key, None)

    def find_created(self, entry: LedgerEntry, *, deadline: float | None = None) -> str | None:
        """The id of the resource `entry` names, looked up by its tagged name (live ones only)."""
        if entry.kind == "conversation":
            item = self._find("/v2/conversations", ("conversation_name",), entry.name, {"status": "active"}, deadline=deadline)
            return Conversation.from_api(item).id if item is not None else None
        root = self._persona_root(entry.api)
        item = self._find(root, ("persona_name", "pal_name"), entry.name, deadline=deadline)
        return Persona.from_api(item).id if item is not None else None

    def __enter__(self) -> TavusClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- replicas -------------------------------------------------------------------------

    def get_replica(self, replica_id: str) -> Replica:
        """The replica, or NotFoundError: checked before a conversation is paid for."""
        path = f"/v2/replicas/{_seg(replica_id)}"
        try:
            return Replica.from_api(self._req.call("GET", path))
        except BadRequestError as exc:  # Tavus answers a malformed id with 400
            raise NotFoundError(exc.status_code, exc.tavus_message, method="GET", path=path) from None

    def list_replicas(self, *, limit: int | None = None) -> list[Replica]:
        """Every replica (stock and own); `limit` asks for one page of at most that many."""
        return [Replica.from_api(item) for item in self._list("/v2/replicas", limit=limit)]

    # -- personas / PALs ------------------------------------------------------------------

    def create_persona(self, name: str, *, replica_id: str | None = None, layers: Mapping[str, Any] | None = None) -> Persona:
        """An echo persona (a PAL with --api pals) named `name` plus the run's tag."""
        full_name = self._tagged(name)
        pals = self.api == "pals"
        body: dict[str, Any] = {"pal_name" if pals else "persona_name": full_name, "pipeline_mode": "echo"}
        if replica_id:
            body["default_face_id" if pals else "default_replica_id"] = replica_id
        if layers:
            body["layers"] = dict(layers)
        root = self._persona_root(self.api)
        persona = self._create(
            "persona",
            full_name,
            root,
            body,
            lambda: self._find(root, ("persona_name", "pal_name"), full_name),
            Persona.from_api,
        )
        # The create response carries only id, name and created_at.
        return replace(
            persona,
            name=persona.name or full_name,
            pipeline_mode=persona.pipeline_mode or "echo",
            default_replica_id=persona.default_replica_id or replica_id,
            layers=persona.layers or dict(layers or {}),
        )

    def get_persona(self, persona_id: str) -> Persona:
        data = self._req.call("GET", self._persona_path(persona_id))
        if isinstance(data, Mapping) and isinstance(data.get("data"), list) and data["data"]:
            data = data["data"][0]  # some answers wrap the object in a list
        return Persona.from_api(data)

    def list_personas(self) -> list[Persona]:
        return [Persona.from_api(item) for item in self._list(self._persona_root(self.api))]

    def delete_persona(self, persona_id: str, *, api: ApiVocabulary | None = None, deadline: float | None = None) -> None:
        """Deletes it (204) and forgets it; NotFoundError if it does not exist (also forgotten).
        `deadline` (time.monotonic()) bounds it, retries included."""
        self._call_and_forget("persona", persona_id, "DELETE", self._persona_path(persona_id, api), deadline=deadline)

    # -- conversations --------------------------------------------------------------------

    def create_conversation(
        self,
        persona_id: str,
        *,
        replica_id: str | None = None,
        name: str | None = None,
        properties: Mapping[str, Any] | None = None,
        test_mode: bool = False,
        options: Mapping[str, Any] | None = None,
    ) -> Conversation:
        """A conversation named `name` plus the run's tag. It is billed until ended.
        `options`: further body fields (callback_url, require_auth, audio_only,
        max_participants), sent as given when not None."""
        full_name = self._tagged(name or "echo-player")
        pals = self.api == "pals"
        body: dict[str, Any] = {"pal_id" if pals else "persona_id": persona_id, "conversation_name": full_name}
        if replica_id:
            body["face_id" if pals else "replica_id"] = replica_id
        if properties:
            body["properties"] = dict(properties)
        if test_mode:
            body["test_mode"] = True
        body.update({k: v for k, v in (options or {}).items() if v is not None and k not in body})
        # A live create shows up among the active ones, the short list; test_mode ones end at once.
        params = {} if test_mode else {"status": "active"}
        conversation = self._create(
            "conversation",
            full_name,
            "/v2/conversations",
            body,
            lambda: self._find("/v2/conversations", ("conversation_name",), full_name, params),
            Conversation.from_api,
        )
        # The create response leaves out what we sent; the adopted (listed) one has it.
        conversation = replace(
            conversation,
            name=conversation.name or full_name,
            persona_id=conversation.persona_id or persona_id,
            replica_id=conversation.replica_id or replica_id,
        )
        if conversation.status == "ended":  # test_mode: never live, nothing to clean up
            self._forget("conversation", conversation.id)
        return conversation

    def get_conversation(self, conversation_id: str) -> Conversation:
        return Conversation.from_api(self._req.call("GET", _conversation_path(conversation_id)))

    def list_conversations(self, *, active: bool = False) -> list[Conversation]:
        params = {"status": "active"} if active else {}
        return [Conversation.from_api(item) for item in self._list("/v2/conversations", params=params)]

    def end_conversation(self, conversation_id: str, *, deadline: float | None = None) -> None:
        """Ends it; ending an ended one is fine. NotFoundError if there is no such conversation.
        `deadline` (time.monotonic()) bounds it, retries included."""
        try:
            self._call_and_forget("conversation", conversation_id, "POST", _conversation_path(conversation_id, "/end"), deadline=deadline)
        except BadRequestError:
            # Tavus may refuse to end what has already ended: that is the state we want.
            path = _conversation_path(conversation_id)
            if Conversation.from_api(self._req.call("GET", path, deadline=deadline)).status != "ended":
                raise
            self._forget("conversation", conversation_id)

    def delete_conversation(self, conversation_id: str) -> None:
        """Deletes it (204; a live one ends with it) and forgets it; NotFoundError if unknown."""
        self._call_and_forget("conversation", conversation_id, "DELETE", _conversation_path(conversation_id))

    # -- internals ------------------------------------------------------------------------

    def _tagged(self, name: str) -> str:
        with self._count_lock:
            self._creates += 1
            n = self._creates
        return f"{name} {make_tag(self.run_tag, n)}"

    @staticmethod
    def _persona_root(api: str) -> str:
        return "/v2/pals" if api == "pals" else "/v2/personas"

    def _persona_path(self, persona_id: str, api: ApiVocabulary | None = None) -> str:
        return f"{self._persona_root(api or self.api)}/{_seg(persona_id)}"

    def _create(
        self,
        kind: ResourceKind,
        full_name: str,
        path: str,
        body: Mapping[str, Any],
        lookup: Callable[[], Mapping[str, Any] | None],
        parse: Callable[[Mapping[str, Any]], _R],
    ) -> _R:
        """POSTs `body`, ledgered before sending; the parsed answer, its id recorded."""
        if self._stop.is_set():
            raise StoppedError(f"not sent: stopping (POST {path})", method="POST", path=path)
        entry = LedgerEntry.new(kind, full_name, base_url=self.base_url, api=self.api, run_tag=self.run_tag)
        self.ledger.add(entry)  # before sending: a crash mid-request still leaves a trace
        with self._count_lock:
            self._unsettled[entry.key] = entry
        try:
            data = self._req.call("POST", path, json_body=body, lookup=lookup, stop=self._stop)
        except OutcomeUnknownError:
            raise  # keep the pending entry: the way out, or cleanup, will look the name up
        except TavusError:
            self.settled(entry)  # Tavus said no (or never got it, or stopping): nothing exists
            raise
        if not isinstance(data, Mapping):
            raise UnexpectedResponseError(f"Tavus API returned no {kind} object (POST {path})")
        resource = parse(data)  # UnexpectedResponseError without an id: the entry stays pending
        self._confirm(entry, kind, resource.id)
        return resource

    def _confirm(self, entry: LedgerEntry, kind: ResourceKind, resource_id: str) -> None:
        with self._count_lock:
            if entry.key in self._unsettled:  # not if the way out settled it meanwhile
                self._unsettled[entry.key] = replace(entry, id=resource_id)
        try:
            self.ledger.set_id(entry.key, resource_id)
        except TavusError:
            # Unrecorded means unprotected from a crash: undo it rather than run without a net.
            try:
                if kind == "conversation":
                    self._req.call("POST", _conversation_path(resource_id, "/end"))
                else:
                    self._req.call("DELETE", self._persona_path(resource_id))
            except TavusError:
                pass
            raise

    def _forget(self, kind: ResourceKind, resource_id: str) -> None:
        self.ledger.forget(kind, resource_id, base_url=self.base_url)
        with self._count_lock:
            for key in [k for k, e in self._unsettled.items() if e.kind == kind and e.id == resource_id]:
                del self._unsettled[key]

    def _call_and_forget(self, kind: ResourceKind, resource_id: str, method: str, path: str, *, deadline: float | None = None) -> None:
        """An end or delete; once it succeeds, or Tavus says there is no such resource, the
        ledger forgets it (nothing is left to clean up). Other errors keep it."""
        try:
            self._req.call(method, path, deadline=deadline)
        except NotFoundError:
            self._forget(kind, resource_id)
            raise
        self._forget(kind, resource_id)

    def _find(
        self,
        path: str,
        name_keys: tuple[str, ...],
        full_name: str,
        params: Mapping[str, Any] | None = None,
        *,
        deadline: float | None = None,
    ) -> Mapping[str, Any] | None:
        """The listed item named `full_name` (the lookup after a create whose answer was lost)."""
        for item in self._list(path, params=params, deadline=deadline):
            if any(item.get(key) == full_name for key in name_keys):
                return item
        return None

    def _list(
        self, path: str, *, params: Mapping[str, Any] | None = None, limit: int | None = None, deadline: float | None = None
    ) -> Iterator[Mapping[str, Any]]:
        """Every item across pages (`{"data": [...], "total_count": n}` or a bare list)."""
        page_size = limit or _PAGE_SIZE
        seen = 0
        for page in range(1, _MAX_PAGES + 1):
            data = self._req.call("GET", path, params={**(params or {}), "limit": page_size, "page": page}, deadline=deadline)
            items = data if isinstance(data, list) else (data or {}).get("data") or []
            total = data.get("total_count") if isinstance(data, Mapping) else None
            for item in items:
                if isinstance(item, Mapping):
                    yield item
            seen += len(items)
            if limit is not None or len(items) < page_size or (isinstance(total, int) and seen >= total):
                return


def _conversation_path(conversation_id: str, action: str = "") -> str:
    return f"/v2/conversations/{_seg(conversation_id)}{action}"


def _seg(value: str) -> str:
    """An id as one path segment: nothing in it can reach another endpoint."""
    if not value:
        raise UsageError("a Tavus id must not be empty")
    return quote(value, safe="")
