"""`echo-player plan`: the dry run, as text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from play_support import write_scenario, write_tone
from player.cli import _register, cli

_register()


def test_plan_text_and_json(tmp_path: Path) -> None:
    write_tone(tmp_path / "clip.wav", 1.0)
    path = write_scenario(
        tmp_path,
        """\
        vars: {who: Dana}
        steps:
          - say: Hello ${who} and welcome
            id: hello
          - repeat: 2
            steps:
              - pause: 500ms
          - play: clip.wav
            at: hello+5s
        """,
    )
    text = CliRunner().invoke(cli, ["plan", str(path)], standalone_mode=False)
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert '[hello] say "Hello Dana and welcome"' in lines[2]
    assert "+00:05.000" in lines[5] and "clip.wav" in lines[5]  # `at` put the clip at 5 s
    assert lines[-1].startswith("total +00:06.000 · 4 steps · 21 messages")

    result = CliRunner().invoke(cli, ["plan", str(path), "--format", "json"], standalone_mode=False)
    data = json.loads(result.output)
    assert [s["action"] for s in data["steps"]] == ["say", "pause", "pause", "play"]
    assert data["steps"][3]["start"] == 5.0 and data["steps"][3]["messages"] == 20
    assert data["total"] == 6.0 and data["messages"] == 21
    assert data["steps"][0]["source"].endswith("t.scenario.yaml:9:5")


def test_plan_of_an_invalid_file_exits_1(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: ${nope}\n")
    result = CliRunner().invoke(cli, ["plan", str(path)], standalone_mode=False)
    assert result.return_value == 1
    assert "nope" in result.stderr
