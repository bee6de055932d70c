"""Playing a suite: each scenario in its own `echo-player play` child process, `--jobs` at once.

A child is a whole run with its own exit path, so each ends its own conversation whatever
happens to the others. With one job the child's output goes straight to the terminal; with more
it is collected and printed when the child ends, under a header. SIGINT and SIGTERM are passed
on to the children, whose cleanup is awaited. On Tavus, a child refused because the account's
concurrent conversations are used up is played again once another finishes, and the suite runs
no more at once from then on: "as many as the account allows".
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, TYPE_CHECKING

from ..exitcodes import ExitCode
from ._outputs import STEP_SUMMARY, missing_run, write_outputs
from ._startup import resume_collector

if TYPE_CHECKING:
    from ..report import Run
    from ._suite import SuiteOptions

__all__ = ["run_suite", "overall_code", "slugs"]

_CONCURRENCY = re.compile(r"maximum concurrent conversations|concurrency limit", re.I)
_SEVERITY = (ExitCode.INTERRUPTED, ExitCode.FAILED, ExitCode.USAGE, ExitCode.INVALID, ExitCode.THRESHOLD)
_MAX_REQUEUES = 5


def overall_code(codes: list[int]) -> ExitCode:
    """The suite's exit code: 0 when all passed, else the most severe a scenario returned
    (130 interrupted > 3 failed > 2 usage > 1 invalid > 4 thresholds)."""
    for code in _SEVERITY:
        if code in codes:
            return code
    return ExitCode.FAILED if any(codes) else ExitCode.OK


def slugs(files: list[Path]) -> list[str]:
    """A distinct file-name stem per scenario, from its path below the folder all of them share
    (`scenarios/sub/a.scenario.yaml` -> `sub-a`)."""
    out: list[str] = []
    seen: set[str] = set()
    resolved = [p.resolve() for p in files]
    common = Path(os.path.commonpath([p.parent for p in resolved])) if resolved else Path(".")
    for path in resolved:
        text = path.relative_to(common).as_posix().removesuffix(".yaml").removesuffix(".yml").removesuffix(".scenario")
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", text.lstrip("./")).strip("-.") or "scenario"
        name, k = base, 2
        while name in seen:
            name, k = f"{base}-{k}", k + 1
        seen.add(name)
        out.append(name)
    return out


@dataclass
class _Child:
    """One scenario of a suite: its child process, log, output and exit code."""

    index: int
    file: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None
    output: IO[bytes] | None = None
    code: int | None = None
    requeues: int = 0
    text: str = field(default="")


def run_suite(files: list[Path], suite: "SuiteOptions", *, log_dir: str | None, child_args: list[str]) -> ExitCode:
    from ..report import read_logs

    total = len(files)
    if total == 0:
        shard = f" in shard {suite.shard[0]}/{suite.shard[1]}" if suite.shard else ""
        print(f"no scenarios to play{shard}", file=sys.stderr)
        write_outputs([], suite.outputs, suite_reports=[])
        return ExitCode.OK
    scratch = None if log_dir or suite.outputs.report else tempfile.mkdtemp(prefix="echo-player-suite-")
    logs = Path(log_dir or suite.outputs.report or scratch or ".")
    logs.mkdir(parents=True, exist_ok=True)
    names = slugs(files)
    children = [_Child(k, f, logs / f"{n}.jsonl") for k, (f, n) in enumerate(zip(files, names))]
    live = suite.jobs == 1
    extra = child_args + ([] if live else ["--no-interactive"])
    resume_collector()  # the suite's long wait for its children begins
    _run_children(children, suite.jobs, extra, live)
    runs: list[Run] = []
    for child in children:
        found = read_logs([child.log]) if child.log.is_file() else []
        runs.append(found[-1] if found else missing_run(str(child.file), child.code or 1))
    write_outputs(runs, suite.outputs, suite_reports=[f"{n}.html" for n in names])
    codes = [c.code if c.code is not None else int(ExitCode.INTERRUPTED) for c in children]
    failed = [f"{c.file} (exit {code})" for c, code in zip(children, codes) if code]
    where = f" (shard {suite.shard[0]}/{suite.shard[1]})" if suite.shard else ""
    print(f"suite{where}: {total} scenarios, {total - len(failed)} passed" + (f", failed: {', '.join(failed)}" if failed else ""))
    if scratch:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)
    return overall_code(codes)


def _run_children(children: list[_Child], jobs: int, extra: list[str], live: bool) -> None:
    pending = list(children)
    running: list[_Child] = []
    caught: list[int] = []
    limit = jobs

    def forward(signum: int, _frame: FrameType | None) -> None:
        caught.append(signum)
        pending.clear()  # nothing new starts; what runs is told to stop and cleans up
        for child in running:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while pending or running:
            while pending and len(running) < limit:
                child = pending.pop(0)
                _start(child, extra, live, len(children))
                running.append(child)
            time.sleep(0.05)
            for child in list(running):
                assert child.process is not None
                if child.process.poll() is None:
                    continue
                running.remove(child)
                child.code = child.process.returncode
                if not live:
                    child.text = _collect(child)
                    if child.code == ExitCode.FAILED and _CONCURRENCY.search(child.text) and running and child.requeues < _MAX_REQUEUES:
                        child.requeues += 1
                        limit = max(1, len(running))  # the account holds no more than this many at once
                        pending.insert(0, child)
                        continue
                    print(f"== [{child.index + 1}/{len(children)}] {child.file} (exit {child.code})", flush=True)
                    sys.stdout.write(child.text)
                    sys.stdout.flush()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        for child in children:
            if child.code is None:
                child.code = int(ExitCode.INTERRUPTED)


def _start(child: _Child, extra: list[str], live: bool, total: int) -> None:
    args = [sys.executable, "-m", "player", "play", str(child.file), "--log", str(child.log), *extra]
    env = {k: v for k, v in os.environ.items() if k != STEP_SUMMARY}  # the suite writes one summary, not one per scenario
    if live:
        print(f"== [{child.index + 1}/{total}] {child.file}", flush=True)
        child.process = subprocess.Popen(args, env=env)
        return
    child.output = tempfile.TemporaryFile()
    child.process = subprocess.Popen(args, env=env, stdout=child.output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _collect(child: _Child) -> str:
    if child.output is None:
        return ""
    child.output.seek(0)
    text = child.output.read().decode("utf-8", errors="replace")
    child.output.close()
    child.output = None
    return text
