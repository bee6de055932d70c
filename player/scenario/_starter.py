"""`echo-player new`: a commented starter scenario that validates as written."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import UsageError
from ._schema import schema_path

__all__ = ["starter_path", "starter_text", "write_starter"]

_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A scenario for echo-player: the replica says exactly what the steps send.
# Check it with `echo-player validate {file}`, try it with `echo-player play --local {file}`.
version: 1
name: {name}

conversation:
  replica_id: r90bbd427f71    # the replica that renders it on Tavus (a stock one; use your own)
  # persona:                  # an echo persona created for this run, deleted afterwards
  #   name: {name} presenter
  properties:
    max_call_duration: 300    # seconds; Tavus ends the call after this

defaults:
  words_per_minute: 150       # how fast text lines are estimated to be spoken
  gap: 0.5s                   # pause between consecutive steps

vars:                         # use as ${{product}}; override with --var product=...
  product: our product

steps:
  - say: Hello! Thanks for joining this short tour of ${{product}}.
    id: hello
    note: Smile and look at the camera   # shown while rehearsing
  - pause: 1s
  - say: ["First, ", "a quick look at what it does."]   # one utterance, sent in pieces
  # - play: audio/intro.wav   # an audio clip, relative to this file
  #   wait: speech            # speech (default) | sent | none
  - cue: Switch to the demo window   # interactive runs wait for Enter
    auto: 1s
  - say: That is all for now. Goodbye!
    at: hello+12s             # no earlier than 12 s after `hello` started
"""


def starter_path(name: str) -> Path:
    """NAME.scenario.yaml, unless NAME already ends in .yaml or .yml."""
    return Path(name if name.endswith((".yaml", ".yml")) else f"{name}.scenario.yaml")


def starter_text(target: Path) -> str:
    stem = target.name.split(".")[0] or "scenario"
    title = stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Scenario"
    return _TEMPLATE.format(schema=_schema_ref(target), name=title, file=target.as_posix())


def write_starter(target: Path, *, force: bool = False) -> Path:
    """Write the starter; refuses to replace an existing file unless `force` (UsageError)."""
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; pass --force to overwrite it")
    if target.is_dir():
        raise UsageError(f"{target} is a folder; give a file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(starter_text(target), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def _schema_ref(target: Path) -> str:
    """The schema relative to the new file: the project's schemas/ folder when there is one
    above it, else the copy installed with echo-player."""
    folder = target.resolve().parent
    schema = next(
        (d / "schemas" / "scenario.schema.json" for d in (folder, *folder.parents) if (d / "schemas" / "scenario.schema.json").is_file()),
        schema_path(),
    )
    try:
        return Path(os.path.relpath(schema.resolve(), folder)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return schema.resolve().as_posix()
