"""The report's renderers on a known log: the SVG's bars at the right places (parsed with
xml.etree), the HTML report self-contained and complete (parsed with html.parser), JUnit read by
junitparser with the right counts, GitHub annotations and Markdown at the step's file:line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import junitparser
import pytest

from player.report import github_annotations, parse_log, render_html, render_junit, render_markdown, render_svg
from player.report._data import Run
from report_support import known_log

SVG = "{http://www.w3.org/2000/svg}"


def _run(**kw: object) -> Run:
    import json

    (run,) = parse_log([json.dumps(r) for r in known_log(**kw)])  # type: ignore[arg-type]
    return run


def _svg(run: Run) -> tuple[ET.Element, float, float]:
    root = ET.fromstring(render_svg(run))
    return root, float(root.get("data-origin", "nan")), float(root.get("data-scale", "nan"))


def _rects(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.tag in (f"{SVG}rect", f"{SVG}path", f"{SVG}line") and cls in (e.get("class") or "").split()]


def test_step_bars_sit_at_their_planned_and_actual_times() -> None:
    root, origin, scale = _svg(_run())
    assert origin == 240 and scale > 0
    actual = {int(e.get("data-index", -1)): e for e in _rects(root, "actual")}
    planned = {int(e.get("data-index", -1)): e for e in _rects(root, "planned")}
    assert sorted(actual) == sorted(planned) == [0, 1, 2]
    # the pause: planned 1.0 s for 2 s; played from 1.25 s until the next step at 3.3 s
    assert float(planned[1].get("x", 0)) == pytest.approx(origin + 1.0 * scale, abs=0.01)
    assert float(planned[1].get("width", 0)) == pytest.approx(2.0 * scale, abs=0.01)
    assert float(actual[1].get("x", 0)) == pytest.approx(origin + 1.25 * scale, abs=0.01)
    assert float(actual[1].get("width", 0)) == pytest.approx((3.3 - 1.25) * scale, abs=0.01)
    # the last step runs to the end of the run (5.3 s), and it is the failed one
    assert float(actual[2].get("width", 0)) == pytest.approx((5.3 - 3.3) * scale, abs=0.01)
    assert "failed" in (actual[2].get("class") or "") and "failed" not in (actual[1].get("class") or "")
    # planned rows stack one per step, in order
    ys = [float(planned[i].get("y", 0)) for i in range(3)]
    assert ys == sorted(ys) and len(set(ys)) == 3
    due = {int(e.get("data-index", -1)): float(e.get("x1", 0)) for e in _rects(root, "due")}
    assert due[1] == pytest.approx(origin + 1.2 * scale, abs=0.01)


def test_lanes_show_speech_audio_interrupts_underruns_and_fallbacks() -> None:
    root, origin, scale = _svg(_run())
    speech = _rects(root, "speech")
    assert [(float(e.get("data-start", 0)), float(e.get("data-end", 0))) for e in speech] == [(0.2, 1.2), (1.5, 1.9)]
    assert [e for e in speech if "interrupted" in (e.get("class") or "")] == [speech[1]]
    (band,) = _rects(root, "audio")
    assert band.get("data-chunks") == "3"
    assert float(band.get("x", 0)) == pytest.approx(origin + 1.3 * scale, abs=0.01)
    assert float(band.get("width", 0)) == pytest.approx(0.1 * scale, abs=0.01)
    (tick,) = _rects(root, "msg")  # the text message; audio is the band, the interrupt its own lane
    assert float(tick.get("x1", 0)) == pytest.approx(origin + 0.011 * scale, abs=0.01)
    assert len(_rects(root, "interrupt")) == 1 and len(_rects(root, "underrun")) == 1 and len(_rects(root, "fallback")) == 1
    holds = _rects(root, "hold")
    assert sorted((e.get("class") or "").split()[1] for e in holds) == ["pause", "wait_for"]
    texts = "".join(root.itertext())
    assert "#1 [hi] say" in texts and "#3 [w] wait_for" in texts and "1 s" in texts  # labels and the axis


def test_a_plan_only_picture_has_planned_bars_and_no_actual_ones() -> None:
    from player.plan import build_plan, validate_file
    from player.report import run_from_plan

    scenario, _ = validate_file(Path(__file__).resolve().parents[2] / "scenarios" / "welcome.scenario.yaml")
    assert scenario is not None
    root, _, _ = _svg(run_from_plan(build_plan(scenario)))
    assert len(_rects(root, "planned")) == 6 and _rects(root, "actual") == []


def test_a_thousand_steps_stay_one_labelled_row_each() -> None:
    import json

    records = known_log(failed=False)
    plan = records[1]
    plan["steps"] = [
        {"index": i, "id": f"s{i}", "action": "pause", "start": i * 0.5, "duration": 0.5, "hold": 0.5, "source": f"t:{i + 3}:5",
         "label": f"[s{i}] pause 0.5s"}
        for i in range(1000)
    ]  # fmt: skip
    steps = [{"kind": "step", "index": i, "id": f"s{i}", "action": "pause", "due": i * 0.5, "actual": i * 0.5 + 0.001} for i in range(1000)]
    (run,) = parse_log([json.dumps(r) for r in [records[0], plan, *steps]])
    root, _, _ = _svg(run)
    labels = [e for e in root.iter(f"{SVG}text") if "step-label" in (e.get("class") or "")]
    assert len(labels) == 1000 and len(_rects(root, "actual")) == 1000
    ys = [float(e.get("y", 0)) for e in labels]
    assert min(b - a for a, b in zip(ys, ys[1:])) >= 14  # rows never overlap


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def test_the_html_report_is_self_contained_and_holds_everything() -> None:
    page = _Page()
    page.feed(render_html([_run()]))
    names = [t for t, _ in page.tags]
    assert "svg" in names and "script" in names and "style" in names
    external = [(t, a) for t, a in page.tags for k in ("src", "href") if (a.get(k) or "").startswith(("http:", "https:", "//"))]
    assert external == [] and not any(t == "link" for t in names)  # nothing fetched: no CDN, no network
    step_rows = [r for r in page.rows if r and r[0] in ("1", "2", "3") and len(r) == 8]
    assert [r[0] for r in step_rows] == ["1", "2", "3"]
    pause = step_rows[1]
    assert pause[1] == "pause 2s" and pause[2] == "t.scenario.yaml:5:5"
    assert pause[3:7] == ["1.000", "1.200", "1.250", "50.0 ms"]  # planned, due, actual, lateness
    assert "timed out" in step_rows[2][7] and "continuing" in step_rows[2][7]  # its notes: the fallback and the failure
    text = "".join(page.text)
    assert "failed" in text and "conversation.replica_interrupted" in text and "wait_for" in text


def test_junit_counts_as_a_standard_parser_reads_them(tmp_path: Path) -> None:
    failed, thresholds = _run(), _run(failed=False, scenario="u.scenario.yaml", name="Other")
    path = tmp_path / "junit.xml"
    path.write_text(render_junit([failed, thresholds]), encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert [s.name for s in suites] == ["Known", "Other"]
    assert (suites[0].tests, suites[0].failures, suites[0].errors, suites[0].skipped) == (3, 1, 0, 0)
    assert (suites[1].tests, suites[1].failures, suites[1].errors) == (4, 1, 0)  # 3 steps + the threshold that failed
    failing = [c for c in suites[0] if c.result and isinstance(c.result[0], junitparser.Failure)]
    assert [c.name for c in failing] == ["#3 [w] wait_for replica.left (timeout 2s)"]
    case = ET.parse(path).getroot().find("testsuite/testcase[3]")
    assert case is not None and case.get("file") == "t.scenario.yaml" and case.get("line") == "6"
    threshold = [c for c in suites[1] if c.name.startswith("threshold")]
    assert len(threshold) == 1 and isinstance(threshold[0].result[0], junitparser.Failure)
    case = ET.parse(path).getroot().find("testsuite[2]/testcase[4]")
    assert case is not None and case.get("name", "").startswith("threshold lateness_max") and case.get("line") == "2"


def test_an_error_before_any_step_and_steps_never_reached(tmp_path: Path) -> None:
    import json

    records = [r for r in known_log() if r["kind"] in ("start", "plan")]
    records.append({"kind": "end", "outcome": "failed: could not join local://x: refused", "error": "JoinError", "cleanup_errors": []})
    (run,) = parse_log([json.dumps(r) for r in records])
    path = tmp_path / "j.xml"
    path.write_text(render_junit([run]), encoding="utf-8")
    (suite,) = list(junitparser.JUnitXml.fromfile(str(path)))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 0, 1, 3)  # 3 skipped steps + setup


def test_github_annotations_and_markdown_point_at_the_step() -> None:
    run = _run()
    lines = github_annotations([run]).splitlines()
    assert lines[0].startswith("::error file=t.scenario.yaml,line=6,col=5,title=echo-player wait_for::")
    assert lines[1].startswith("::warning file=t.scenario.yaml,line=6,col=5,title=echo-player fallback::")
    (threshold,) = [a for a in github_annotations([_run(failed=False)]).splitlines() if "threshold" in a]
    assert threshold.startswith("::error file=t.scenario.yaml,line=2,col=3,title=echo-player threshold lateness_max::")  # its own line
    md = render_markdown([run, _run(failed=False)])
    assert "0/2 scenarios passed" in md and "`t.scenario.yaml:6`" in md and "| Known (`t.scenario.yaml`) | ❌ failed | 3/3 |" in md


def test_a_log_cut_short_still_reports() -> None:
    import json

    records = [r for r in known_log() if r["kind"] != "end"]
    lines = [json.dumps(r) for r in records] + ['{"kind": "mess']  # the line being written when it died
    (run,) = parse_log(lines)
    assert run.outcome.startswith("incomplete") and run.skipped_lines == 1 and run.failing_index == 2
    assert "incomplete" in render_html([run]) and ET.fromstring(render_svg(run)) is not None
