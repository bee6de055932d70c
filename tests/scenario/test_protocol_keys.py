"""The scenario keys of the 2026 protocol work: waits on the replica's speech and silence,
`overlap: cut`, conversation options, microphone settings, and the warnings around them."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader_support import diagnose, run_cli, where, write
from player.plan._validate import check_file

OVERLAP = """\
version: 1
steps:
  - say: one two three four five
    wait: none
  - say: cut in
"""


def test_a_say_starting_over_the_previous_utterance_is_warned_at_its_line(tmp_path: Path) -> None:
    (d,) = [d for d in diagnose(tmp_path, OVERLAP) if d.code == "overlap"]
    assert (d.severity, d.pos.line, d.pos.col) == ("warning", 5, 5)
    assert "before the previous utterance ends" in d.message and "overlap: cut" in (d.hint or "")
    assert [d for d in diagnose(tmp_path, OVERLAP + "    overlap: cut\n") if d.code == "overlap"] == []


def test_plan_shows_the_overlap_warning_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "o.scenario.yaml", OVERLAP)
    result = run_cli(["plan", str(path)])
    assert result.code == 0
    assert f"{path}:5:5: warning: step #2 is estimated to start at 0.000s" in result.err


def test_steps_that_wait_for_speech_or_start_after_it_do_not_overlap(tmp_path: Path) -> None:
    text = "version: 1\nsteps:\n  - say: one two\n  - say: three\n  - say: long line here\n    wait: none\n  - interrupt\n  - say: four\n"
    found = diagnose(tmp_path, text)
    assert [d for d in found if d.severity == "error"] == [] and [d for d in found if d.code == "overlap"] == []


@pytest.mark.parametrize(
    "step, message",
    [
        ("  - wait_for: replica.stopped_speaking\n    text: hi\n", "`text` works with `wait_for: replica.said`"),
        ("  - wait_for: replica.said\n    text: hi\n    match: hi\n", "give `text` or `match`, not both"),
        ("  - wait_for: replica.said\n    match: '(unclosed'\n", "`match` is not a valid regular expression"),
        ("  - wait_for: replica.said\n    for: 1s\n", "`for` works with `wait_for: replica.silent`"),
    ],
)
def test_misused_wait_keys_are_errors(tmp_path: Path, step: str, message: str) -> None:
    found = where(diagnose(tmp_path, "version: 1\nsteps:\n" + step))
    assert any(message in m for _, _, m in found), found


def test_wait_keys_are_resolved_into_the_model(tmp_path: Path) -> None:
    text = (
        "version: 1\nvars: {word: hello}\nsteps:\n  - wait_for: replica.said\n    text: ${word} there\n"
        "  - wait_for: replica.silent\n    for: 2.5s\n"
    )
    result = check_file(write(tmp_path, "w.scenario.yaml", text))
    assert result.scenario is not None, result.diagnostics
    said, silent = result.scenario.steps
    assert (said.event, said.text) == ("conversation.utterance.streaming", "hello there")  # type: ignore[union-attr]
    assert (silent.event, silent.silence) == ("replica.silent", 2.5)  # type: ignore[union-attr]


def test_conversation_options_and_microphone_settings_reach_the_model(tmp_path: Path) -> None:
    text = (
        "version: 1\nconversation:\n  replica_id: r1\n  callback_url: https://x.test/hook\n  require_auth: true\n"
        "  test_mode: true\n  max_participants: 3\n  microphone: {persona_field: none}\nsteps:\n  - pause: 1s\n"
    )
    result = check_file(write(tmp_path, "c.scenario.yaml", text))
    assert result.scenario is not None, result.diagnostics
    conv = result.scenario.conversation
    assert conv.request_options() == {"callback_url": "https://x.test/hook", "require_auth": True, "max_participants": 3}
    assert conv.test_mode and conv.microphone.persona_field == "none" and conv.microphone.track == "microphone"


def test_validate_warns_what_tavus_needs_that_the_local_replica_does_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAVUS_REPLICA_ID", raising=False)
    path = write(tmp_path, "r.scenario.yaml", "version: 1\nconversation:\n  persona: {name: Host}\nsteps:\n  - say: hi\n")
    result = run_cli(["validate", str(path)])
    assert result.code == 0
    assert f"{path}:3:3: warning: no replica id anywhere: this plays on the local replica but not on Tavus" in result.out
    assert "conversation.replica_id" in result.out and "TAVUS_REPLICA_ID" in result.out
    assert run_cli(["validate", "--strict", str(path)]).code == 1
    monkeypatch.setenv("TAVUS_REPLICA_ID", "r90bbd427f71")
    assert "no replica id" not in run_cli(["validate", str(path)]).out
    # `play --local` and `plan` are not about Tavus: no such warning there
    monkeypatch.delenv("TAVUS_REPLICA_ID")
    assert "no replica id" not in run_cli(["plan", str(path)]).err


def test_a_speech_wait_no_line_can_satisfy_is_warned(tmp_path: Path) -> None:
    text = "version: 1\nsteps:\n  - say: hello there\n    wait: none\n  - wait_for: replica.said\n    text: goodbye\n"
    (d,) = [d for d in diagnose(tmp_path, text) if d.code == "event"]
    assert (d.severity, d.pos.line) == ("warning", 5) and "'goodbye'" in d.message
    ok = text.replace("goodbye", "THERE")
    assert [d for d in diagnose(tmp_path, ok) if d.code == "event"] == []
