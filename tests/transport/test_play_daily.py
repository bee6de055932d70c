"""`echo-player play` through REAL daily-python whose join fails (any room fails offline, after
about 19 s in daily-core): one clear line, exit 3, and the fake Tavus server shows the
conversation ended and the persona deleted.

It runs in a fresh network namespace (`unshare -n`, needs root) with only loopback up, so
daily-core's DNS lookups cannot leave the machine; without one it is skipped.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from play_support import write_scenario

HERE = Path(__file__).resolve().parent


def _namespace_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    ip = shutil.which("ip")
    if not unshare or not ip:
        pytest.skip("needs unshare and ip (util-linux, iproute2) to isolate daily-core's network")
    probe = subprocess.run([unshare, "-n", ip, "link", "set", "lo", "up"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here (needs root)")
    return [unshare, "-n", "sh", "-c", f'"{ip}" link set lo up && exec "$@"', "sh"]


def test_failed_daily_join_ends_the_conversation_and_exits_3(tmp_path: Path) -> None:
    prefix = _namespace_prefix()
    header = "version: 1\nconversation:\n  persona: {name: Presenter, replica_id: r90bbd427f71}\n  join_timeout: 60s\n"
    scenario = write_scenario(tmp_path, "steps:\n  - say: never heard\n", header=header)
    log, ledger = tmp_path / "run.jsonl", tmp_path / "ledger.json"
    proc = subprocess.run(
        [*prefix, sys.executable, str(HERE / "daily_offline_driver.py"), str(scenario), str(log), str(ledger)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=HERE.parents[1],
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    err_lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert report["code"] == 3
    errors = [line for line in err_lines if line.startswith("echo-player: error:")]
    assert len(errors) == 1 and "could not join https://tavus.daily.co/" in errors[0]
    assert "Traceback" not in proc.stderr and '"level":"ERROR"' not in proc.stderr  # daily-core silenced
    assert report["key"] not in proc.stderr  # the key is never printed (stdout holds this report)
    # everything it created is gone: conversation ended, persona deleted, ledger empty
    assert list(report["conversations"].values()) == ["ended"]
    assert report["personas"] == []
    assert json.loads(ledger.read_text())["entries"] == []
    records = [json.loads(line) for line in log.read_text().splitlines()]
    created = next(r for r in records if r["kind"] == "conversation")
    assert created["url"].startswith("https://tavus.daily.co/")  # a real Daily room URL, joined for real
    assert records[-1]["kind"] == "end" and records[-1]["conversation_ended"] is True
    assert "could not join" in records[-1]["outcome"]
    assert report["key"] not in log.read_text()  # nor logged


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_daily_join_exits_at_once(tmp_path: Path, sig: signal.Signals) -> None:
    # Issue 8: it took 13.6-18 s, waiting for daily-core to give up the join before release().
    prefix = _namespace_prefix()
    header = "version: 1\nconversation:\n  persona: {name: Presenter, replica_id: r90bbd427f71}\n  join_timeout: 60s\n"
    scenario = write_scenario(tmp_path, "steps:\n  - say: never heard\n", header=header)
    log, ledger = tmp_path / "run.jsonl", tmp_path / "ledger.json"
    proc = subprocess.Popen(
        [*prefix, sys.executable, str(HERE / "daily_offline_driver.py"), str(scenario), str(log), str(ledger)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=HERE.parents[1],
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and '"conversation"' not in (log.read_text() if log.exists() else ""):
            time.sleep(0.02)
        time.sleep(0.5)  # the join is under way (offline, daily-core would retry for ~19 s)
        sent = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    finally:
        proc.kill()
    report = json.loads(out.strip().splitlines()[-1])
    assert report["code"] == 130, err
    assert took < 8.0, took  # ~0.8 s now; the join's own give-up is ~19 s
    assert f"echo-player: error: interrupted by {sig.name}" in err and "Traceback" not in err
    assert list(report["conversations"].values()) == ["ended"] and report["personas"] == []
    assert json.loads(ledger.read_text())["entries"] == []
