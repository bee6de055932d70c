"""The keys of `play` on a terminal, mapped onto the run's Controller (README, "Keys").

space pause/resume, `.` step, `]` next (Enter too while a cue waits), `s` skip, `g` jump (a
prompt in the status area: Tab completes step ids, Enter jumps, Esc cancels), `i` interrupt,
`q` quit, `?` help. A refused operation says why in one line. Typed characters are never
echoed; the jump prompt shows what it is given itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ControlRefused
from ._status_area import HELP_TEXT

if TYPE_CHECKING:
    from ..playback import Controller
    from ._console import Console

__all__ = ["KeyBindings", "complete"]

_ESC = "\x1b"


def complete(prefix: str, ids: list[str]) -> tuple[str, list[str]]:
    """Tab completion: the longest common extension of `prefix` among `ids`, and the matches."""
    matches = [i for i in ids if i.startswith(prefix)]
    if not matches:
        return prefix, []
    return os.path.commonprefix(matches), matches


class KeyBindings:
    def __init__(self, controller: "Controller", console: "Console") -> None:
        self.controller = controller
        self.console = console
        self._prompt: str | None = None  # the jump prompt's text, while it is open
        self._matches: list[str] = []
        c = controller
        self._keys: dict[str, Callable[[], None]] = {
            " ": c.toggle_pause,
            ".": c.step,
            "]": c.next,
            "s": c.skip,
            "i": c.interrupt,
            "q": c.quit,
            "g": self._open_prompt,
            "?": self._help,
        }

    def feed(self, text: str) -> None:
        """Keys as read from the terminal (several at once when typed fast)."""
        if text.startswith(_ESC) and len(text) > 1 and self._prompt is None:
            return  # an arrow or function key: nothing of ours
        for ch in text:
            if self._prompt is not None:
                self._prompt_key(ch)
                if ch == _ESC:
                    break  # the rest of an escape sequence
            else:
                self._key(ch)

    def _key(self, ch: str) -> None:
        if ch in "\r\n":
            if self.controller.state != "waiting_cue":
                return  # Enter releases a cue, nothing else: a stray one does no harm
            ch = "]"
        action = self._keys.get(ch)
        if action is None:
            return
        try:
            action()
        except ControlRefused as exc:
            self.console.print(f"! {exc}")
        self.console.redraw()

    # -- the jump prompt --------------------------------------------------------------------

    def _ids(self) -> list[str]:
        plan = self.controller.plan
        return [p.step.id for p in plan.steps if p.step.id] if plan is not None else []

    def _open_prompt(self) -> None:
        if not self._ids():
            raise ControlRefused("no step has an id to jump to")
        self._prompt, self._matches = "", []
        self._show_prompt()

    def _prompt_key(self, ch: str) -> None:
        assert self._prompt is not None
        if ch == _ESC:
            self._close_prompt()
        elif ch in "\r\n":
            target = self._prompt
            self._close_prompt()
            if target:
                try:
                    self.controller.jump(target)
                    self.console.print(f"jump to {target}")
                except ControlRefused as exc:
                    self.console.print(f"! {exc}")
        elif ch == "\t":
            self._prompt, self._matches = complete(self._prompt, self._ids())
            self._show_prompt()
        elif ch in "\x7f\b":
            self._prompt, self._matches = self._prompt[:-1], []
            self._show_prompt()
        elif ch.isprintable():
            self._prompt, self._matches = self._prompt + ch, []
            self._show_prompt()

    def _show_prompt(self) -> None:
        shown = f"jump to: {self._prompt}▏"
        if len(self._matches) > 1:
            shown += "   " + " ".join(self._matches)
        elif not self._matches:
            shown += "   (Tab completes, Enter jumps, Esc cancels)"
        self.console.set_prompt(shown)

    def _close_prompt(self) -> None:
        self._prompt, self._matches = None, []
        self.console.set_prompt(None)

    def _help(self) -> None:
        for line in HELP_TEXT:
            self.console.print(line)
