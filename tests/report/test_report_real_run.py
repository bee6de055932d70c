"""Reports of real runs on the local replica: the picture's bars where the log says the steps
happened, and a protocol violation charged to the step that sent the refused message."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser
import pytest

from play_support import play, write_scenario, write_tone
from player.report import findings, read_logs, render_junit, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_picture_of_a_real_run_puts_every_step_where_it_happened(tmp_path: Path) -> None:
    write_tone(tmp_path / "tone.wav", 0.6)
    path = write_scenario(
        tmp_path,
        "steps:\n  - say: one two three\n    id: hi\n  - play: tone.wav\n    wait: none\n  - pause: 0.3s\n  - interrupt\n  - say: four\n",
    )
    played = play(path, tmp_path)
    assert played.error is None
    (run,) = read_logs([tmp_path / "run.jsonl"])
    root = ET.fromstring(render_svg(run))
    origin, scale = float(root.get("data-origin", 0)), float(root.get("data-scale", 0))
    bars = {int(e.get("data-index", -1)): float(e.get("x", 0)) for e in root.iter(f"{SVG}rect") if "actual" in (e.get("class") or "")}
    steps = played.records("step")
    assert sorted(bars) == [s["index"] for s in steps] == [0, 1, 2, 3, 4]
    for s in steps:
        assert bars[s["index"]] == pytest.approx(origin + max(0.0, s["actual"]) * scale, abs=0.01)
    (band,) = [e for e in root.iter(f"{SVG}rect") if "audio" in (e.get("class") or "")]
    chunks = [m for m in played.records("message") if m.get("modality") == "audio"]
    assert band.get("data-chunks") == str(len(chunks)) and len(chunks) > 1
    speech = [e for e in root.iter(f"{SVG}rect") if "speech" in (e.get("class") or "").split()]
    assert len(speech) == 3 and "interrupted" in (speech[1].get("class") or "")  # the clip, cut off by the interrupt


def test_a_protocol_violation_fails_the_step_that_sent_the_message(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path, "steps:\n  - say: hi\n  - send: {event_type: conversation.respond, properties: {text: hi}}\n  - pause: 1s\n"
    )
    played = play(path, tmp_path)
    assert type(played.error).__name__ == "ProtocolViolation"
    (run,) = read_logs([tmp_path / "run.jsonl"])
    assert run.failing_index == 1
    (problem,) = [f for f in findings(run) if f.kind == "failure"]
    assert (problem.title, problem.file, problem.line) == ("protocol", str(path), 9)
    junit = tmp_path / "j.xml"
    junit.write_text(render_junit([run]))
    (suite,) = list(junitparser.JUnitXml.fromfile(str(junit)))
    failed = [c.name for c in suite if c.result and isinstance(c.result[0], junitparser.Failure)]
    assert failed == ["#2 send conversation.respond"] and suite.failures == 1 and suite.errors == 0
