"""What a YAML syntax error most likely means, and what to do about it.

The parser reports where it gave up, in its own words ("did not find expected key", "mapping
values are not allowed in this context"), often a line after the mistake. Scenario files make a
few mistakes over and over: a step's option indented more or less than its action key, a quote
left open (or closed early by an apostrophe). These are recognised from the text around the
error and reported where the mistake is, with a hint that says what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Finding", "explain"]

# `  - say: hi` / `    wait: none` / `  - - x: 1`: indentation, dashes, the key, what follows.
_KEY_LINE = re.compile(r"( *)((?:- +)*)([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+(.*))?$")


_FLOW = ("while parsing a flow sequence", "while parsing a flow mapping")


@dataclass(frozen=True, slots=True)
class Finding:
    """The likely mistake behind a syntax error, where it is and how to fix it."""

    line: int  # 0-based, as the parser's marks
    column: int
    message: str
    hint: str


def explain(text: str, line: int, column: int, context: str | None, context_at: tuple[int, int] | None) -> Finding | None:
    """The likely mistake behind a syntax error at (line, column), 0-based; None if none fits."""
    lines = text.split("\n")
    if context == "while scanning a quoted scalar" and context_at is not None:
        return _never_closed(lines, *context_at)
    if line >= len(lines):
        return None
    if context in _FLOW and context_at is not None and context_at[0] < line:
        opened = lines[context_at[0]][context_at[1] : context_at[1] + 1] or "["
        closer = "]" if opened == "[" else "}"
        hint = f"close it with {closer} on line {context_at[0] + 1}, or write the list one `- item` a line"
        return Finding(*context_at, f"the {opened} opened here is never closed", hint)
    return _open_quote(lines, line) or _early_close(lines, line, column) or _misaligned(lines, line) or _colon_in_value(lines, line, column)


def _never_closed(lines: list[str], line: int, column: int) -> Finding:
    quote = lines[line][column] if line < len(lines) and column < len(lines[line]) else '"'
    return Finding(line, column, f"this {quote} is never closed", f"end the text with {quote} on line {line + 1}")


def _open_quote(lines: list[str], upto: int) -> Finding | None:
    """A quote left open at the end of its line and closed (by the next value's opening quote)
    on the line the parser failed on: the mistake is where it opened."""
    number = 0
    while number < upto:
        for start, quote, end in _quoted(lines[number]):
            if end is not None:
                continue
            closed = next((n for n in range(number + 1, len(lines)) if quote in lines[n]), None)
            if closed == upto:
                hint = f"end the text with {quote} on line {number + 1}"
                return Finding(number, start, f"the {quote} opened here is closed only on line {closed + 1}", hint)
            if closed is None or closed > upto:
                return None
            number = closed  # a text meant to run over lines: carry on after it
        number += 1
    return None


def _early_close(lines: list[str], line: int, column: int) -> Finding | None:
    """`say: 'it's fine'`: the apostrophe closes the quote and the rest of the line is junk."""
    for _start, quote, end in _quoted(lines[line]):
        if end is not None and end < column and not lines[line][end + 1 : column].strip():
            if quote == "'":
                hint = "write '' for a ' inside single quotes (it''s), or use double quotes"
            else:
                hint = 'write \\" for a " inside double quotes, or use single quotes'
            return Finding(line, end, f"the quoted text ends at this {quote}, before the rest of the value", hint)
    return None


def _misaligned(lines: list[str], line: int) -> Finding | None:
    """An option indented more or less than the key above it (`- say: hi` then `   wait: x`)."""
    here = _KEY_LINE.match(lines[line])
    if here is None or here.group(2):
        return None
    above = next((n for n in range(line - 1, -1, -1) if lines[n].strip() and not lines[n].lstrip().startswith("#")), None)
    if above is None or (previous := _KEY_LINE.match(lines[above])) is None:
        return None
    key, col = here.group(3), len(here.group(1))
    other, target = previous.group(3), len(previous.group(1)) + len(previous.group(2))
    if col == target or (col > target and not (previous.group(4) or "").strip()):
        return None  # lined up, or the first key of a nested mapping: not this mistake
    how = "more" if col > target else "less"
    hint = f"indent `{key}` to column {target + 1}, in line with `{other}`: the keys of one step (or mapping) start in the same column"
    return Finding(line, col, f"`{key}` is indented {how} than `{other}` on line {above + 1}", hint)


def _colon_in_value(lines: list[str], line: int, column: int) -> Finding | None:
    """`say: Note: this` reads as a mapping inside a mapping; the text wants quotes."""
    here = _KEY_LINE.match(lines[line])
    value = here.group(4) if here else None
    if here is None or not value or lines[line][column : column + 1] != ":" or column <= here.start(4):
        return None
    text = value.split(" #", 1)[0].rstrip()
    quoted = "'" + text.replace("'", "''") + "'" if '"' in text else f'"{text}"'
    return Finding(line, here.start(4), "a `: ` inside this text starts a mapping", f"put the text in quotes: {here.group(3)}: {quoted}")


def _quoted(text: str) -> list[tuple[int, str, int | None]]:
    """(start, quote, end or None if still open at the end of the line) of each quoted value."""
    found: list[tuple[int, str, int | None]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "#" and (i == 0 or text[i - 1] in " \t"):
            break  # a comment
        if char in "'\"" and _starts_value(text, i):
            end = _closing(text, i)
            found.append((i, char, end))
            if end is None:
                break
            i = end
        i += 1
    return found


def _starts_value(text: str, i: int) -> bool:
    """Whether a quote at i begins a scalar: first on the line, or after `: `, `- `, `[`, `{`, `,`."""
    before = text[:i].rstrip(" \t")
    if before == "" or before.endswith(("[", "{", ",")):
        return True
    return before.endswith((":", "-")) and i > len(before)


def _closing(text: str, start: int) -> int | None:
    quote, i = text[start], start + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":
                i += 2  # '' is an escaped '
                continue
            return i
        i += 1
    return None
