"""The timeline picture of a run (or of a plan), as hand-written SVG.

Lanes on top (messages with audio as bands, the replica's speech, cues/waits/pauses,
interrupts, underruns, fallback notes), then one row per step: its planned bar (thin, grey), its
actual bar (from when it started to when the sequence moved on) and a tick at its due time. One
row per step keeps every step id readable at 1,000 steps; the HTML report zooms and scrolls it.
The root carries `data-origin` (x of t=0) and `data-scale` (pixels per second) so tools and
tests can map a bar back to seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape

from ._data import PlannedRow, Run, StepRow

__all__ = ["render_svg", "LEFT", "ROW_H", "LANE_H"]

LEFT = 240  # the label column
RIGHT = 24
ROW_H = 14
LANE_H = 22
_TITLE_H = 24
_AXIS_H = 18
_LATE = 0.05  # seconds: an actual bar this late is drawn as late
_TICKS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
_HOLD_KINDS = ("cue", "wait_for", "pause")
_X = Callable[[float], float]  # t (seconds) -> x (pixels)
_LANES = ("messages", "speech", "cues · waits · pauses", "interrupts", "underruns", "fallbacks")

_STYLE = """
text{font:11px system-ui,-apple-system,'Segoe UI',sans-serif;fill:#222}
.title{font-size:13px;font-weight:600}
.axis text{fill:#666;font-size:10px}.grid{stroke:#eee}.zero{stroke:#bbb}
.lane-bg{fill:#fafafa}.lane-label{fill:#555}
.tick{stroke:#2b6cb0;stroke-width:1}.band{fill:#90cdf4;opacity:.8}
.speech{fill:#68d391}.speech.interrupted{fill:#fc8181}.mark{fill:#c53030;font-weight:700}
.hold.cue{fill:#b794f4}.hold.wait_for{fill:#f6ad55}.hold.pause{fill:#cbd5e0}
.interrupt{fill:#c53030}.interrupted-event{stroke:#c53030;stroke-width:1.5}
.underrun{fill:#dd6b20}.fallback{fill:#d69e2e}
.planned{fill:#a0aec0}.actual{fill:#3182ce}.actual.late{fill:#dd6b20}.actual.failed{fill:#e53e3e}
.due{stroke:#1a202c;stroke-width:1}.step-label{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:10px}
.step-label.not-reached{fill:#999}.row-alt{fill:#f7fafc}
"""


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _tick_step(scale: float) -> float:
    return next((s for s in _TICKS if s * scale >= 70), _TICKS[-1])


def _end_time(run: Run) -> float:
    planned_end = max((p.start - run.offset + max(p.hold, p.duration) for p in _rows(run)), default=0.0)
    return max(run.length, planned_end, run.plan_total - run.offset if not run.played else 0.0, 0.001)


def _rows(run: Run) -> list[PlannedRow]:
    """The step rows to draw: the plan's from the first step played, else what the log holds."""
    if run.planned:
        return [p for p in run.planned if p.index >= run.planned[run.start_index].index] if run.start_index < len(run.planned) else []
    return [PlannedRow(s.index, s.id, s.action, s.due, 0.0, 0.0, "", f"{s.action}", None) for s in run.steps]


def render_svg(run: Run, *, scale: float | None = None) -> str:
    """The timeline of one run as a standalone SVG document."""
    end = _end_time(run)
    scale = scale or max(4.0, min(120.0, 1000.0 / end))
    rows = _rows(run)
    width = LEFT + end * scale + RIGHT
    lanes_top = _TITLE_H + _AXIS_H
    rows_top = lanes_top + len(_LANES) * LANE_H + 18
    height = rows_top + len(rows) * ROW_H + _AXIS_H + 6

    def x(t: float) -> float:
        return LEFT + max(0.0, t) * scale

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" data-origin="{LEFT}" data-scale="{_num(scale)}" '
        f'data-rows-top="{_num(rows_top)}" data-row-height="{ROW_H}">',
        f"<style>{_STYLE}</style>",
        '<rect width="100%" height="100%" fill="#fff"/>',
        f'<text class="title" x="8" y="16">{escape(run.name)} — {escape(run.scenario)} · {escape(run.outcome)}</text>',
    ]
    out += _axis(end, scale, lanes_top, height, x, rows_top + len(rows) * ROW_H)
    for k, name in enumerate(_LANES):
        y = lanes_top + k * LANE_H
        out.append(f'<rect class="lane-bg" x="0" y="{_num(y + 1)}" width="{_num(width)}" height="{LANE_H - 2}"/>')
        out.append(f'<text class="lane-label" x="8" y="{_num(y + 15)}">{escape(name)}</text>')
    lane_y = {name: lanes_top + k * LANE_H for k, name in enumerate(_LANES)}
    out += _messages(run, lane_y["messages"], x, scale)
    out += _speech(run, lane_y["speech"], x, scale, end)
    out += _holds(run, lane_y["cues · waits · pauses"], x, scale)
    out += _interrupts(run, lane_y["interrupts"], x)
    out += [_triangle("underrun", x(t), lane_y["underruns"], f"underrun at {t:.3f}s") for t in run.underruns]
    out += [
        _triangle("fallback", x(float(n.get("t", 0.0))), lane_y["fallbacks"], str(n.get("text", "")))
        for n in run.notices
        if isinstance(n.get("t"), (int, float))
    ]
    legend = "steps — grey: planned · blue: actual (orange: late, red: failed) · | due"
    out.append(f'<text class="lane-label" x="8" y="{_num(rows_top - 5)}">{escape(legend)}</text>')
    out += _step_rows(run, rows, rows_top, width, x, scale)
    out.append("</svg>")
    return "\n".join(out)


def _axis(end: float, scale: float, top: float, height: float, x: _X, bottom: float) -> list[str]:
    step = _tick_step(scale)
    out = ['<g class="axis">']
    n = int(end / step) + 1
    for k in range(n + 1):
        t = k * step
        if t > end + 1e-9:
            break
        px = LEFT + t * scale
        out.append(f'<line class="{"zero" if k == 0 else "grid"}" x1="{_num(px)}" y1="{_num(top)}" x2="{_num(px)}" y2="{_num(bottom)}"/>')
        label = f"{t:g} s"
        out.append(f'<text x="{_num(px)}" y="{_num(top - 5)}" text-anchor="middle">{label}</text>')
        out.append(f'<text x="{_num(px)}" y="{_num(bottom + 13)}" text-anchor="middle">{label}</text>')
    out.append("</g>")
    return out


def _messages(run: Run, y: float, x: _X, scale: float) -> list[str]:
    out: list[str] = []
    bands: dict[str, list[float]] = {}
    for m in run.messages:
        t = float(m.get("t", 0.0))
        if m.get("event_type") == "conversation.interrupt":
            continue  # drawn in the interrupts lane
        if m.get("modality") == "audio" and m.get("inference_id"):
            bands.setdefault(str(m["inference_id"]), []).append(t)
            continue
        tip = f"{m.get('event_type')} at {t:.3f}s, {m.get('bytes')} bytes"
        out.append(
            f'<line class="tick msg" data-t="{t}" x1="{_num(x(t))}" y1="{_num(y + 3)}" x2="{_num(x(t))}" y2="{_num(y + LANE_H - 3)}">'
            f"<title>{escape(tip)}</title></line>"
        )
    for inference_id, times in bands.items():
        start, stop = min(times), max(times)
        tip = f"audio {inference_id[:8]}: {len(times)} chunks sent {start:.3f}s–{stop:.3f}s"
        out.append(
            f'<rect class="band audio" data-start="{start}" data-end="{stop}" data-chunks="{len(times)}" x="{_num(x(start))}" '
            f'y="{_num(y + 5)}" width="{_num(max(1.5, (stop - start) * scale))}" height="{LANE_H - 10}"><title>{escape(tip)}</title></rect>'
        )
    return out


def _speech(run: Run, y: float, x: _X, scale: float, end: float) -> list[str]:
    started: dict[str | None, float] = {}
    spans: list[tuple[float, float, bool, str | None]] = []
    for e in sorted(run.events, key=lambda e: float(e.get("t", 0.0))):
        kind, t, iid = e.get("event_type"), float(e.get("t", 0.0)), e.get("inference_id")
        if kind == "conversation.replica.started_speaking":
            started[iid] = t
        elif kind == "conversation.replica.stopped_speaking":
            begin = started.pop(iid, None)
            if begin is None and started:  # an id-less stop ends whatever was speaking
                begin = started.pop(next(iter(started)))
            if begin is not None:
                spans.append((begin, t, bool(e.get("interrupted")), iid))
    spans += [(begin, max(begin, run.length if run.played else end), False, iid) for iid, begin in started.items()]
    out: list[str] = []
    for begin, stop, interrupted, iid in sorted(spans):
        cls = "speech interrupted" if interrupted else "speech"
        tip = f"replica speaking {begin:.3f}s–{stop:.3f}s" + (" (interrupted)" if interrupted else "")
        out.append(
            f'<rect class="{cls}" data-start="{begin}" data-end="{stop}" data-inference-id="{escape(str(iid or ""))}" '
            f'x="{_num(x(begin))}" y="{_num(y + 4)}" width="{_num(max(1.5, (stop - begin) * scale))}" height="{LANE_H - 8}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        if interrupted:
            out.append(f'<text class="mark" x="{_num(x(stop) + 1)}" y="{_num(y + 15)}">✕</text>')
    return out


def _holds(run: Run, y: float, x: _X, scale: float) -> list[str]:
    spans: Iterable[tuple[str, float, float, str]]
    if run.played:
        spans = [(s.action, s.actual, run.span(k), s.id or f"#{s.index + 1}") for k, s in enumerate(run.steps) if s.action in _HOLD_KINDS]
    else:
        spans = [(p.action, p.start, p.hold, p.id or f"#{p.index + 1}") for p in run.planned if p.action in _HOLD_KINDS]
    return [
        f'<rect class="hold {kind}" data-start="{start}" data-length="{length}" x="{_num(x(start))}" y="{_num(y + 4)}" '
        f'width="{_num(max(1.5, length * scale))}" height="{LANE_H - 8}"><title>{escape(f"{kind} {label}: {length:.3f}s")}</title></rect>'
        for kind, start, length, label in spans
    ]


def _interrupts(run: Run, y: float, x: _X) -> list[str]:
    out = []
    for m in run.messages:
        if m.get("event_type") == "conversation.interrupt":
            t, cx, cy = float(m.get("t", 0.0)), x(float(m.get("t", 0.0))), y + LANE_H / 2
            out.append(
                f'<path class="interrupt" data-t="{t}" d="M{_num(cx)} {_num(cy - 6)}l6 6-6 6-6-6z"><title>interrupt sent at {t:.3f}s</title></path>'
            )
    for e in run.events:
        if e.get("event_type") == "conversation.replica_interrupted":
            px = x(float(e.get("t", 0.0)))
            out.append(f'<line class="interrupted-event" x1="{_num(px)}" y1="{_num(y + 2)}" x2="{_num(px)}" y2="{_num(y + LANE_H - 2)}"/>')
    return out


def _triangle(cls: str, cx: float, y: float, tip: str) -> str:
    return f'<path class="{cls}" d="M{_num(cx)} {_num(y + 4)}l6 12h-12z"><title>{escape(tip)}</title></path>'


def _step_rows(run: Run, rows: list[PlannedRow], top: float, width: float, x: _X, scale: float) -> list[str]:
    played = {s.index: (k, s) for k, s in enumerate(run.steps)}
    failing = run.failing_index
    out: list[str] = []
    for i, row in enumerate(rows):
        y = top + i * ROW_H
        if i % 2:
            out.append(f'<rect class="row-alt" x="0" y="{_num(y)}" width="{_num(width)}" height="{ROW_H}"/>')
        hit: tuple[int, StepRow] | None = played.get(row.index)
        label = f"#{row.index + 1} " + (f"[{row.id}] " if row.id else "") + row.action
        label = label if len(label) <= 36 else label[:35] + "…"
        cls = "step-label" + ("" if hit or not run.played else " not-reached")
        out.append(f'<text class="{cls}" x="8" y="{_num(y + 10.5)}"><title>{escape(row.label)}</title>{escape(label)}</text>')
        if run.planned:
            start = row.start - run.offset
            length = max(row.hold, row.duration)
            out.append(
                f'<rect class="planned" data-index="{row.index}" data-start="{start}" data-length="{length}" x="{_num(x(start))}" '
                f'y="{_num(y + 2)}" width="{_num(max(1.5, length * scale))}" height="4"/>'
            )
        if hit is None:
            continue
        k, step = hit
        span = run.span(k)
        cls = "actual" + (" failed" if step.index == failing else " late" if step.lateness > _LATE else "")
        tip = f"{row.label}: started {step.actual:.3f}s, due {step.due:.3f}s, late {step.lateness * 1000:.1f} ms"
        out.append(
            f'<rect class="{cls}" data-index="{step.index}" data-start="{step.actual}" data-length="{span}" x="{_num(x(step.actual))}" '
            f'y="{_num(y + 6)}" width="{_num(max(1.5, span * scale))}" height="6"><title>{escape(tip)}</title></rect>'
        )
        out.append(
            f'<line class="due" data-index="{step.index}" x1="{_num(x(step.due))}" y1="{_num(y + 1)}" x2="{_num(x(step.due))}" y2="{_num(y + 13)}"/>'
        )
    return out
