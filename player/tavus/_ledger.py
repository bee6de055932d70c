"""The ledger: every Tavus resource echo-player creates, written down before anything else can
fail, so `echo-player cleanup` can end and delete what a crashed run left billing.

A create is recorded *before* its request is sent (id None, tagged name known) and given its id
the moment the response arrives; ending or deleting the resource forgets it. The file is JSON,
rewritten atomically (temp file + os.replace) under an advisory lock so two runs can share it.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ._exceptions import LedgerError

try:  # advisory locking is POSIX-only; elsewhere the atomic replace still keeps the file whole
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["Ledger", "LedgerEntry", "ResourceKind", "default_ledger_path"]

ResourceKind = Literal["persona", "conversation"]
_VERSION = 1


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A resource a run created (or tried to), remembered until it is cleaned up."""

    kind: ResourceKind
    name: str  # the tagged name, so an entry whose create never answered can still be found
    base_url: str
    api: str  # "personas" | "pals": the vocabulary it was created with
    run_tag: str
    id: str | None = None  # None while the create is in flight or its outcome is unknown
    created_at: str = ""
    key: str = ""  # this entry's own unique id
    pid: int = 0  # the creating process, so cleanup can leave a run that is still going alone
    host: str = ""

    @classmethod
    def new(cls, kind: ResourceKind, name: str, *, base_url: str, api: str, run_tag: str) -> LedgerEntry:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(kind, name, base_url, api, run_tag, None, now, uuid.uuid4().hex, os.getpid(), socket.gethostname())

    def owner_running(self) -> bool:
        """The process that created it is alive on this host (and is not this process)."""
        if self.host != socket.gethostname() or self.pid <= 0 or self.pid == os.getpid():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LedgerEntry:
        return cls(
            kind=data["kind"],
            name=str(data.get("name", "")),
            base_url=str(data["base_url"]),
            api=str(data.get("api", "personas")),
            run_tag=str(data.get("run_tag", "")),
            id=data.get("id"),
            created_at=str(data.get("created_at", "")),
            key=str(data.get("key") or uuid.uuid4().hex),
            pid=int(data.get("pid") or 0),
            host=str(data.get("host", "")),
        )


def default_ledger_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("ECHO_PLAYER_LEDGER"):
        return Path(env["ECHO_PLAYER_LEDGER"]).expanduser()
    state = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "echo-player" / "ledger.json"


class Ledger:
    """A JSON ledger file, or an in-memory one (`Ledger(None)`) for throwaway local servers."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self._path = Path(path) if path is not None else None
        self._memory: list[LedgerEntry] = []
        self._lock = threading.Lock()  # the file lock is per process; this one is per thread

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Ledger:
        """`$ECHO_PLAYER_LEDGER`, else `$XDG_STATE_HOME/echo-player/ledger.json`."""
        return cls(default_ledger_path(environ))

    @property
    def path(self) -> Path | None:
        return self._path

    def __repr__(self) -> str:
        return f"Ledger({str(self._path) if self._path else None!r})"

    def entries(self, *, base_url: str | None = None) -> list[LedgerEntry]:
        with self._locked() as entries:
            return [e for e in entries if base_url is None or e.base_url == base_url]

    def add(self, entry: LedgerEntry) -> None:
        with self._locked(write=True) as entries:
            entries.append(entry)

    def set_id(self, key: str, resource_id: str) -> None:
        with self._locked(write=True) as entries:
            entries[:] = [replace(e, id=resource_id) if e.key == key else e for e in entries]

    def remove(self, *keys: str) -> None:
        """Drop the entries with these keys (one read and one write for all of them)."""
        if not keys:
            return
        with self._locked(write=True) as entries:
            entries[:] = [e for e in entries if e.key not in keys]

    def forget(self, kind: ResourceKind, resource_id: str, *, base_url: str | None = None) -> None:
        """Drop every entry of that resource (it has been ended or deleted)."""
        with self._locked(write=True) as entries:
            entries[:] = [
                e for e in entries if not (e.kind == kind and e.id == resource_id and (base_url is None or e.base_url == base_url))
            ]

    @contextmanager
    def _locked(self, *, write: bool = False) -> Iterator[list[LedgerEntry]]:
        with self._lock:
            if self._path is None:
                yield self._memory
                return
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                with open(self._path.with_name(self._path.name + ".lock"), "a+") as lock_file:
                    if fcntl is not None:
                        fcntl.flock(lock_file, fcntl.LOCK_EX)
                    entries = self._read()
                    yield entries
                    if write:
                        self._write(entries)
            except OSError as exc:
                raise LedgerError(f"ledger {self._path}: {exc.strerror or exc}") from None

    def _read(self) -> list[LedgerEntry]:
        assert self._path is not None
        try:
            text = self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            data = json.loads(text) if text.strip() else {"entries": []}
            return [LedgerEntry.from_json(item) for item in data["entries"]]
        except (ValueError, KeyError, TypeError) as exc:
            # Refuse rather than overwrite: the file may be the only record of what is billing.
            raise LedgerError(
                f"ledger {self._path} is not valid ({type(exc).__name__}: {exc}); inspect it, then move it away to start a new one"
            ) from None

    def _write(self, entries: list[LedgerEntry]) -> None:
        assert self._path is not None
        data = {"version": _VERSION, "entries": [asdict(e) for e in entries]}
        fd, tmp = tempfile.mkstemp(prefix=".ledger-", suffix=".tmp", dir=self._path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
