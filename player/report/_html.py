"""The HTML report: one self-contained file (inline CSS, inline SVG, a few lines of inline
script for zooming; nothing fetched from a network) with, per run, the summary, the timeline,
the step table (due, actual, lateness, notes), the room events, the warnings and the outcome."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..scenario import format_threshold
from ._data import Run
from ._findings import findings, ms, summary_line
from ._svg import render_svg

__all__ = ["render_html", "render_index"]

_CSS = """
body{font:14px system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 24px 48px;color:#1a202c}
h1{font-size:20px;margin:20px 0 8px}h2{font-size:17px;margin:28px 0 8px;border-top:1px solid #e2e8f0;padding-top:16px}
h3{font-size:14px;margin:18px 0 6px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #e2e8f0;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f7fafc}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#276749;font-weight:600}.bad{color:#c53030;font-weight:600}.muted{color:#718096}
.zoom{margin:6px 0}.zoom button{font:12px system-ui;margin-right:4px}
.picture{overflow:auto;max-height:80vh;border:1px solid #e2e8f0}
.picture svg{display:block}
details{margin:6px 0}code{font-size:12px}
"""

_SCRIPT = """
document.querySelectorAll('.picture').forEach(function (box) {
  var svg = box.querySelector('svg'); if (!svg) return;
  var w = parseFloat(svg.getAttribute('width')), h = parseFloat(svg.getAttribute('height')), z = 1;
  function apply() { svg.setAttribute('width', w * z); svg.setAttribute('height', h * z); box.dataset.zoom = z; }
  box.previousElementSibling.querySelectorAll('button').forEach(function (b) {
    b.addEventListener('click', function () {
      var a = b.dataset.zoom;
      z = a === 'in' ? z * 1.5 : a === 'out' ? z / 1.5 : a === 'fit' ? Math.min(1, box.clientWidth / w) : 1;
      apply();
    });
  });
  box.addEventListener('wheel', function (e) {
    if (!e.ctrlKey) return; e.preventDefault(); z = e.deltaY < 0 ? z * 1.2 : z / 1.2; apply();
  }, {passive: false});
});
"""


def _page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
            *body,
            f"<script>{_SCRIPT}</script>",
            "</body></html>",
        ]
    )


def _verdict(run: Run) -> str:
    if not run.played:
        return '<span class="muted">planned</span>'
    return '<span class="ok">passed</span>' if run.passed else '<span class="bad">failed</span>'


def _summary(run: Run) -> list[str]:
    lateness = run.lateness
    rows = [
        ("scenario", f"<code>{escape(run.scenario)}</code>"),
        ("result", _verdict(run)),
        ("outcome", escape(run.outcome)),
        ("steps", f"{len(run.steps)} played of {len(run.planned) - run.start_index if run.planned else len(run.steps)}"),
        ("length", f"{run.length:.3f} s" + (f" (planned {run.plan_total - run.offset:.3f} s)" if run.planned else "")),
        ("lateness", f"p50 {ms(lateness.p50)}, p99 {ms(lateness.p99)}, max {ms(lateness.max)}"),
        ("underruns", str(len(run.underruns)) if run.local else "not counted (Daily)"),
        ("messages", f"{len(run.messages)}, {run.message_bytes / 1024:.1f} KiB"),
        (
            "where",
            ("local replica" if run.local else "Tavus") + (f", --speed {run.speed:g} (planned bars at speed 1)" if run.speed != 1 else ""),
        ),
    ]
    if run.conversation_id:
        rows.append(("conversation", f"<code>{escape(run.conversation_id)}</code>"))
    if run.log:
        rows.append(("run log", f"<code>{escape(run.log)}</code>"))
    for t in run.thresholds:
        metric = str(t.get("metric"))
        mark = '<span class="ok">ok</span>' if t.get("passed") else '<span class="bad">FAILED</span>'
        value, limit = format_threshold(metric, float(t.get("value", 0.0))), format_threshold(metric, float(t.get("limit", 0.0)))
        rows.append((f"threshold {escape(metric)}", f"{escape(value)} &lt;= {escape(limit)}: {mark}"))
    return ["<table>", *(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows), "</table>"]


def _step_table(run: Run) -> list[str]:
    played = {s.index: (k, s) for k, s in enumerate(run.steps)}
    failing = run.failing_index
    out = [
        "<table><tr><th>#</th><th>step</th><th>source</th><th>planned</th><th>due</th><th>actual</th><th>lateness</th><th>notes</th></tr>"
    ]
    rows = run.planned[run.start_index :] if run.planned else []
    for row in rows:
        hit = played.get(row.index)
        notes = ([escape(row.note)] if row.note else []) + [escape(n) for n in run.notices_for(row)]
        if hit is None and run.played:
            notes.append('<span class="muted">not reached</span>')
        if row.index == failing:
            notes.append(f'<span class="bad">{escape(run.outcome)}</span>')
        due = actual = late = ""
        if hit is not None:
            step = hit[1]
            due, actual, late = f"{step.due:.3f}", f"{step.actual:.3f}", ms(step.lateness)
        out.append(
            f'<tr id="step-{row.index}"><td class="num">{row.index + 1}</td><td>{escape(row.label)}</td><td><code>{escape(row.source)}</code></td>'
            f'<td class="num">{row.start - run.offset:.3f}</td><td class="num">{due}</td><td class="num">{actual}</td>'
            f'<td class="num">{late}</td><td>{"<br>".join(notes)}</td></tr>'
        )
    out.append("</table>")
    return out


def _events(run: Run) -> list[str]:
    records = sorted([*run.events, *run.signals], key=lambda r: float(r.get("t", 0.0)))
    out = [f"<details><summary>{len(records)} room events and signals</summary><table><tr><th>t</th><th>event</th><th>details</th></tr>"]
    for r in records:
        kind = r.get("event_type") or r.get("signal")
        extra = ", ".join(f"{k}={v}" for k, v in r.items() if k not in ("kind", "t", "event_type") and v is not None)
        out.append(f'<tr><td class="num">{float(r.get("t", 0.0)):.3f}</td><td>{escape(str(kind))}</td><td>{escape(extra)}</td></tr>')
    out.append("</table></details>")
    return out


def _run_section(run: Run, anchor: str, heading: str = "h2") -> list[str]:
    out = [f'<{heading} id="{anchor}">{escape(run.name)} — {_verdict(run)}</{heading}>', f"<p>{escape(summary_line(run))}</p>"]
    out += _summary(run)
    problems = findings(run)
    out.append("<h3>Warnings and problems</h3>")
    if problems:
        out.append("<ul>")
        out += [
            f"<li><b>{f.kind}</b> <code>{escape(f'{f.file}:{f.line}')}</code> ({escape(f.title)}): {escape(f.message)}</li>"
            for f in problems
        ]
        out.append("</ul>")
    else:
        out.append('<p class="muted">none</p>')
    out.append("<h3>Timeline</h3>")
    out.append(
        '<div class="zoom"><button data-zoom="out">−</button><button data-zoom="in">+</button>'
        '<button data-zoom="fit">fit</button><button data-zoom="reset">100%</button> '
        '<span class="muted">Ctrl + wheel zooms; hover a bar for details</span></div>'
    )
    out.append(f'<div class="picture">{render_svg(run)}</div>')
    out.append("<h3>Steps</h3>")
    out += _step_table(run)
    if run.played:
        out.append("<h3>Events</h3>")
        out += _events(run)
        out.append(f"<h3>Outcome</h3><p>{escape(run.outcome)}</p>")
        if run.end:
            ended = "ended" if run.end.get("conversation_ended") else "NOT ended"
            deleted = {True: "persona deleted", False: "persona NOT deleted", None: "no persona created"}[run.end.get("persona_deleted")]
            out.append(f"<p>conversation {escape(str(run.end.get('conversation_id')))} {ended}, {deleted}</p>")
    return out


def _overview(runs: Sequence[Run], hrefs: Sequence[str]) -> list[str]:
    passed = sum(1 for r in runs if r.passed)
    out = [f"<p>{passed} of {len(runs)} scenarios passed</p>", "<table><tr><th>scenario</th><th>result</th><th>summary</th></tr>"]
    for run, href in zip(runs, hrefs):
        out.append(f'<tr><td><a href="{escape(href)}">{escape(run.name)}</a> <code>{escape(run.scenario)}</code></td>')
        out.append(f"<td>{_verdict(run)}</td><td>{escape(summary_line(run))}</td></tr>")
    out.append("</table>")
    return out


def render_html(runs: Sequence[Run], *, title: str | None = None) -> str:
    """One report for one run, or several (`report --merge`) with an overview first."""
    if len(runs) == 1:
        run = runs[0]
        return _page(title or f"{run.name} — echo-player", [f"<h1>{escape(title or run.name)}</h1>", *_run_section(run, "run-1", "h2")])
    body = [f"<h1>{escape(title or 'echo-player report')}</h1>", *_overview(runs, [f"#run-{k + 1}" for k in range(len(runs))])]
    for k, run in enumerate(runs):
        body += _run_section(run, f"run-{k + 1}")
    return _page(title or "echo-player report", body)


def render_index(runs: Sequence[Run], hrefs: Sequence[str], *, title: str = "echo-player suite") -> str:
    """A suite's index page: one line per scenario, linking to its own report."""
    return _page(title, [f"<h1>{escape(title)}</h1>", *_overview(runs, hrefs)])
