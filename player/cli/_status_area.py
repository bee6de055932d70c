"""The status area of `play` on a terminal, as lines that fit its width: a pure rendering of the
controller's status(), so it is tested without a terminal.

    ▶ playing   step 3/9   0:12 of ~0:45, 0:33 left   at: in 0:05
    now   say: Let us start with the dashboard.
    next  cue: Switch the screen to the dashboard
    ✎ Point at the chart on the left.
    space pause  . step  ] next  s skip  g jump  i interrupt  q quit  ? help

Widths are counted in terminal cells (wide characters take two) and no line reaches the last
column, so the terminal never wraps a line by itself and the area can be redrawn in place.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = ["render_status", "cells", "clip", "wrap", "clock", "HELP_LINE", "HELP_TEXT", "Style"]

HELP_LINE = "space pause  . step  ] next  s skip  g jump  i interrupt  q quit  ? help"
HELP_TEXT = [
    "keys: space  pause / resume (the clock stops; later due times move with it)",
    "      .      run exactly one step, then pause",
    "      ]      next: release the cue (Enter too) or the rest of a pause or wait",
    "      s      skip: stop the current step (interrupting its speech), go on",
    "      g      jump to a step id (Tab completes, Enter jumps, Esc cancels)",
    "      i      interrupt the replica now",
    "      q      quit: end the conversation and exit (as Ctrl-C)",
]
_STATE = {"starting": "… starting", "playing": "▶ playing", "paused": "‖ PAUSED", "waiting_cue": "» CUE", "ended": "■ ended"}
_MAX_TEXT_LINES = 3  # the current line's text; the note is always shown in full


class Style:
    """SGR codes, or none at all (NO_COLOR, or not a terminal)."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text


def cells(text: str) -> int:
    """Terminal cells `text` takes: wide and full-width characters two, combining marks none."""
    return sum(_cell(ch) for ch in text)


def _cell(ch: str) -> int:
    if unicodedata.combining(ch) or ch in "\u200b\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def clip(text: str, width: int) -> str:
    """`text` cut to `width` cells, with … when cut."""
    if cells(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _cell(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def wrap(text: str, width: int, *, indent: str = "", max_lines: int | None = None) -> list[str]:
    """Word-wrapped to `width` cells (continuation lines indented); cut with … past max_lines."""
    width = max(10, width)
    lines = textwrap.wrap(" ".join(text.split()), width=width - cells(indent), break_long_words=True) or [""]
    lines = [indent + line if i else line for i, line in enumerate(lines)]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = clip(lines[-1] + " …", width) if cells(lines[-1]) + 2 <= width else clip(lines[-1], width - 1) + "…"
    return [clip(line, width) for line in lines]


def clock(seconds: float | None) -> str:
    """m:ss (h:mm:ss past an hour); "–" when unknown."""
    if seconds is None:
        return "–"
    total = max(0, int(seconds + 0.5))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _describe(step: Mapping[str, Any]) -> str:
    label = f"[{step['id']}] " if step.get("id") else ""
    return f"{label}{step['action']}: {step['text']}" if step.get("text") else f"{label}{step['action']}"


def _pack(parts: list[str], width: int) -> list[str]:
    """Parts joined on as few lines as fit (a narrow terminal gets two)."""
    lines = [parts[0]]
    for part in parts[1:]:
        if cells(lines[-1]) + 3 + cells(part) <= width:
            lines[-1] += "   " + part
        else:
            lines.append(part)
    return [clip(line, width) for line in lines]


def render_status(
    status: Mapping[str, Any], width: int, *, style: Style, prompt: str | None = None, height: int | None = None, keys: bool = True
) -> list[str]:
    """The status area's lines for `status` (Controller.status()), each under `width` cells;
    the keys' one-line help last when they work (`keys`), or the jump `prompt` instead."""
    width = max(20, width - 1)  # never the last column: no wrap by the terminal
    state = str(status.get("state"))
    label = _STATE.get(state, state)
    head = [label]
    if status.get("step") is not None:
        head.append(f"step {status['step']}/{status['steps']}")
    if state == "waiting_cue" and status.get("countdown") is None:
        head.append("press ] or Enter")
    elif status.get("countdown") is not None:
        head.append(f"{status['countdown_to']}: in {clock(status['countdown'])}")
    head.append(f"{clock(status.get('elapsed'))} of ~{clock(status.get('estimated_total'))}, {clock(status.get('remaining'))} left")
    if status.get("paused_for"):
        head.append(f"paused {clock(status['paused_for'])}")
    lines = _pack(head, width)
    if lines[0].startswith(label):  # the state stands out (reverse video when it holds)
        lines[0] = style(label, "1;7" if state in ("paused", "waiting_cue") else "1") + lines[0][len(label) :]
    current, upcoming = status.get("current"), status.get("next")
    body: list[str] = []
    if current:
        body += wrap(_describe(current), width - 6, indent="      ", max_lines=_MAX_TEXT_LINES)
        body[0] = "now   " + body[0]
    if upcoming:
        body.append(style(clip("next  " + _describe(upcoming), width), "2"))
    note = current.get("note") if current else None
    notes = wrap(f"✎ {note}", width, indent="  ") if note else []
    footer = [clip(prompt, width)] if prompt is not None else [style(clip(HELP_LINE, width), "2")] if keys else []
    if height is not None:  # a short terminal: the note and the keys first, then what fits
        room = max(0, height - 1 - len(lines) - len(notes) - len(footer))
        body = body[:room]
    return lines + body + [style(line, "3") for line in notes] + footer
