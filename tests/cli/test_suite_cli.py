"""Suites: a folder or several files play in turn or `--jobs` at once, one report per scenario
plus an index, one JUnit file, an overall exit code; `--shard I/N` splits them so N shards play
every scenario exactly once, and `report --merge` counts them all. Also `play --report` and
`--format github` for one scenario, and shell completion of `--from`. Real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import junitparser
import pytest

from play_support import write_scenario
from player.cli._suite import shard_of
from player.cli._suite_runner import overall_code, slugs

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_") and k != "GITHUB_STEP_SUMMARY"}
    return subprocess.run(
        [sys.executable, "-m", "player", *args], capture_output=True, text=True, env={**base, **(env or {})}, timeout=300, cwd=ROOT
    )


def _suite(folder: Path, n: int) -> list[Path]:
    return [write_scenario(folder, f"name: S{k}\nsteps:\n  - say: hi {k}\n    id: hi\n", name=f"s{k}.scenario.yaml") for k in range(n)]


def _played(log_dir: Path) -> list[str]:
    names = []
    for log in sorted(log_dir.glob("*.jsonl")):
        records = [json.loads(line) for line in log.read_text().splitlines()]
        assert records[-1]["kind"] == "end" and records[-1]["outcome"] == "played"
        names.append(records[0]["name"])
    return names


def test_shards_play_every_scenario_exactly_once_and_merge_counts_them_all(tmp_path: Path) -> None:
    folder = tmp_path / "suite"
    folder.mkdir()
    _suite(folder, 5)
    played: list[str] = []
    for i in (1, 2, 3):
        logs = tmp_path / f"logs-{i}"
        result = run_cli("play", str(folder), "--shard", f"{i}/3", "--log", str(logs), "--jobs", "2")
        assert result.returncode == 0, result.stdout + result.stderr
        played += _played(logs)
    assert sorted(played) == [f"S{k}" for k in range(5)]  # each once, none twice
    junit, merged = tmp_path / "merged.xml", tmp_path / "merged.html"
    result = run_cli("report", "--merge", *(str(tmp_path / f"logs-{i}") for i in (1, 2, 3)), "-o", str(merged), "--junit", str(junit))
    assert result.returncode == 0, result.stderr
    suites = list(junitparser.JUnitXml.fromfile(str(junit)))
    assert sorted(s.name for s in suites) == [f"S{k}" for k in range(5)]
    assert sum(s.tests for s in suites) == 5 and sum(s.failures + s.errors for s in suites) == 0
    assert "5 of 5 scenarios passed" in merged.read_text()
    lone = run_cli("report", str(tmp_path / "logs-1"), "-o", str(tmp_path / "x.html"))
    assert lone.returncode == 2 and "pass --merge" in lone.stderr


def test_a_suite_writes_reports_an_index_junit_and_the_worst_exit_code(tmp_path: Path) -> None:
    folder = tmp_path / "suite"
    folder.mkdir()
    good, other = _suite(folder, 2)
    slow = write_scenario(folder, "name: Slow\nthresholds: {length: 0.1s}\nsteps:\n  - say: a bit longer\n", name="slow.scenario.yaml")
    bad = write_scenario(folder, "steps:\n  - sey: hi\n", name="bad.scenario.yaml")
    reports, junit, summary = tmp_path / "reports", tmp_path / "suite.xml", tmp_path / "summary.md"
    result = run_cli(
        "play", str(good), str(other), str(slow), str(bad), "--report", str(reports), "--junit", str(junit),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr  # invalid (1) is worse than a threshold (4)
    assert "suite: 4 scenarios, 2 passed" in result.stdout
    names = sorted(p.name for p in reports.glob("*.html"))
    assert len(names) == 5 and "index.html" in names

    class Links(HTMLParser):
        hrefs: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.hrefs += [v or "" for k, v in attrs if tag == "a" and k == "href"]

    links = Links()
    links.feed((reports / "index.html").read_text())
    assert sorted(links.hrefs) == sorted(n for n in names if n != "index.html")
    suites = {s.name: s for s in junitparser.JUnitXml.fromfile(str(junit))}
    assert len(suites) == 4
    assert suites["Slow"].failures == 1 and suites["bad.scenario.yaml"].errors == 1 and suites["S0"].failures == 0
    assert summary.read_text().count("## echo-player: 2/4 scenarios passed") == 1  # once, from the suite, not per scenario


def test_one_play_writes_its_report_and_github_annotations(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - wait_for: replica.left\n    timeout: 0.3s\n    id: leave\n")
    report, summary = tmp_path / "r.html", tmp_path / "summary.md"
    result = run_cli("play", str(path), "--report", str(report), "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 3
    assert f"::error file={path},line=8,col=5,title=echo-player wait_for::" in result.stdout
    assert "failed" in report.read_text() and "leave" in report.read_text()  # written after the failure, from the log
    assert "0/1 scenarios passed" in summary.read_text()
    svg = tmp_path / "plan.svg"
    planned = run_cli("plan", str(path), "--format", "svg")
    svg.write_text(planned.stdout)
    assert planned.returncode == 0 and planned.stdout.startswith("<svg") and 'class="planned"' in planned.stdout


def test_shards_and_names_are_deterministic() -> None:
    files = [Path(f"d/{c}.scenario.yaml") for c in "edcba"]
    shards = [shard_of(files, (i, 2)) for i in (1, 2)]
    assert [p.stem for p in shards[0]] == ["a.scenario", "c.scenario", "e.scenario"]
    assert sorted(shards[0] + shards[1]) == sorted(files)
    assert slugs([Path("a/x.scenario.yaml"), Path("a-x.scenario.yaml")]) == ["a-x", "a-x-2"]
    assert overall_code([0, 4, 1]) == 1 and overall_code([0, 4]) == 4 and overall_code([0, 130, 3]) == 130 and overall_code([0]) == 0


def test_bad_suite_options_are_usage_errors(tmp_path: Path) -> None:
    a, b = _suite(tmp_path, 2)
    for args, message in [
        (("--shard", "3/2"), "--shard expects I/N"),
        (("--from", "hi"), "--from works with one scenario"),
        (("--report", str(tmp_path / "r.txt")), None),
    ]:
        files = (str(a),) if message is None else (str(a), str(b))
        result = run_cli("play", *files, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message is None or message in result.stderr


def test_completion_offers_the_step_ids_for_from(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hi\n    id: intro\n  - say: there\n    id: outro\n  - pause: 1s\n")
    env = {"_ECHO_PLAYER_COMPLETE": "bash_complete", "COMP_WORDS": f"echo-player play {path} --from ", "COMP_CWORD": "4"}
    result = run_cli(env=env)
    assert result.returncode == 0
    assert result.stdout.split() == ["plain,intro", "plain,outro"]
    env["COMP_WORDS"] = f"echo-player play {path} --from ou"
    assert run_cli(env=env).stdout.split() == ["plain,outro"]


def _wait_for_line(proc: subprocess.Popen[str], text: str) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if text in line:
            return
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"never printed {text!r}")


def test_ctrl_c_still_writes_the_report_and_junit_from_what_the_log_holds(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - say: hi\n    id: hi\n  - pause: 30s\n    id: long\n  - say: never\n")
    report, junit = tmp_path / "r.html", tmp_path / "j.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_") and k != "GITHUB_STEP_SUMMARY"}
    args = [sys.executable, "-m", "player", "play", str(path), "--report", str(report), "--junit", str(junit), "--no-interactive"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        _wait_for_line(proc, "[long] pause")
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in report.read_text()
    (suite,) = list(junitparser.JUnitXml.fromfile(str(junit)))
    assert (suite.tests, suite.errors, suite.skipped) == (3, 1, 1)  # the pause was in progress, the last never reached


def test_a_signal_to_a_suite_reaches_the_scenario_playing_and_stops_the_rest(tmp_path: Path) -> None:
    first = write_scenario(tmp_path, "name: First\nsteps:\n  - pause: 30s\n    id: long\n", name="a.scenario.yaml")
    second = write_scenario(tmp_path, "name: Second\nsteps:\n  - say: hi\n", name="b.scenario.yaml")
    logs, reports = tmp_path / "logs", tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAVUS_") and k != "GITHUB_STEP_SUMMARY"}
    args = [sys.executable, "-m", "player", "play", str(first), str(second), "--log", str(logs), "--report", str(reports)]
    # Its own session: the signal reaches the suite only (as SIGTERM from CI would), not the children directly.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, start_new_session=True)
    try:
        _wait_for_line(proc, "[long] pause")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, out + err
    records = [json.loads(line) for line in (logs / "a.jsonl").read_text().splitlines()]
    assert records[-1]["outcome"] == "interrupted" and records[-1]["conversation_ended"] is True
    assert not (logs / "b.jsonl").exists()  # never started
    assert (reports / "index.html").is_file() and "interrupted" in (reports / "a.html").read_text()


def test_report_usage_errors_and_github_format(tmp_path: Path) -> None:
    from report_support import known_log, write_log

    log = write_log(tmp_path / "run.jsonl", known_log())
    (tmp_path / "empty").mkdir()
    cases = [
        (("report", str(tmp_path / "missing.jsonl"), "-o", "x.html"), "no such run log"),
        (("report", str(tmp_path / "empty"), "-o", "x.html"), "no run logs"),
        (("report", str(log)), "nothing to write"),
        (("report", str(log), "-o", str(tmp_path / "x.pdf")), "the suffix picks the format"),
        (("report", "--merge", str(log), str(log), "-o", str(tmp_path / "x.svg")), "an SVG picture holds one run"),
    ]
    for args, message in cases:
        result = run_cli(*args)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    result = run_cli("report", str(log), "--format", "github", "-o", str(tmp_path / "r.svg"))
    assert result.returncode == 0 and result.stdout.startswith("::error file=t.scenario.yaml,line=6,col=5,title=echo-player wait_for::")
    assert (tmp_path / "r.svg").read_text().startswith("<svg")


def test_report_refuses_a_file_that_is_not_a_run_log(tmp_path: Path) -> None:
    """A text file with a JSON line or two in it (this README has run-log excerpts) is no run
    log: only the last line of a log may be broken, and every record has a `kind`."""
    from report_support import known_log

    prose = tmp_path / "notes.jsonl"
    prose.write_text("# notes\n" + json.dumps(known_log()[0]) + "\n")
    result = run_cli("report", str(prose), "-o", str(tmp_path / "x.svg"))
    assert result.returncode == 2 and "not a run log (line 1 is not a run-log record)" in result.stderr
    assert not (tmp_path / "x.svg").exists()
    kindless = tmp_path / "kindless.jsonl"
    kindless.write_text('{"a": 1}\n' + json.dumps(known_log()[0]) + "\n")
    assert "not a run log" in run_cli("report", str(kindless), "-o", str(tmp_path / "y.svg")).stderr


def test_jobs_beyond_the_account_limit_wait_for_a_slot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two jobs, an account that holds one conversation: the refused scenario plays again once
    the other has finished, instead of failing. Each child stands in for `play` on Tavus: it
    takes the account's one slot (a file created exclusively) or is refused as Tavus refuses."""
    from player.cli import _suite_runner

    slot = tmp_path / "slot"
    script = (
        "import os, sys, time\n"
        f"slot = {str(slot)!r}\n"
        "try:\n"
        "    fd = os.open(slot, os.O_CREAT | os.O_EXCL)\n"
        "except FileExistsError:\n"
        "    print('echo-player: error: Tavus API error 400: User has reached maximum concurrent conversations'); sys.exit(3)\n"
        "time.sleep(0.5); os.close(fd); os.remove(slot); print('played'); sys.exit(0)\n"
    )

    def start(child: _suite_runner._Child, extra: list[str], live: bool, total: int) -> None:
        child.output = tempfile.TemporaryFile()
        child.process = subprocess.Popen([sys.executable, "-c", script], stdout=child.output, stderr=subprocess.STDOUT)

    monkeypatch.setattr(_suite_runner, "_start", start)
    children = [_suite_runner._Child(k, Path(f"s{k}.scenario.yaml"), tmp_path / f"s{k}.jsonl") for k in range(3)]
    _suite_runner._run_children(children, 2, [], live=False)
    assert [c.code for c in children] == [0, 0, 0]
    assert sum(c.requeues for c in children) >= 1 and all("played" in c.text for c in children)


def test_an_invalid_scenario_still_gets_its_junit_error(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, "steps:\n  - sey: hi\n")
    junit = tmp_path / "j.xml"
    result = run_cli("play", str(path), "--junit", str(junit))
    assert result.returncode == 1 and "did you mean 'say'" in result.stderr
    (suite,) = list(junitparser.JUnitXml.fromfile(str(junit)))
    assert (suite.tests, suite.errors) == (1, 1)
