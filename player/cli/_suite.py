"""`play` on more than one scenario, and what every play writes besides its console.

`play A.yaml B.yaml` or `play FOLDER` is a suite: each scenario plays in its own child process
(`--jobs N` at a time), each with its own run log and report, then one JUnit file, an index and
an overall exit code. `--shard I/N` keeps the scenarios whose position in the sorted list is I
modulo N, so N shards together play each scenario exactly once. One scenario plays in process,
as before; the options here add its report, JUnit, annotations and thresholds.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import UsageError
from ..exitcodes import ExitCode
from ._outputs import Outputs, missing_run, wants_outputs, write_outputs

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["SuiteOptions", "suite_options", "play_files", "parse_thresholds", "with_thresholds", "parse_shard", "shard_of"]

PlayOne = Callable[[str, "str | None"], ExitCode]  # (scenario file, run log path) -> exit code


@dataclasses.dataclass(frozen=True, slots=True)
class SuiteOptions:
    """The suite options of `play`: outputs, --threshold, --jobs and --shard."""

    outputs: Outputs
    thresholds: dict[str, float]
    jobs: int = 1
    shard: tuple[int, int] | None = None


def parse_thresholds(pairs: tuple[str, ...]) -> dict[str, float]:
    """`--threshold NAME=VALUE` pairs; an unknown metric or a bad value is a usage error."""
    from ..scenario import ThresholdError, parse_threshold

    out: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--threshold expects NAME=VALUE, got {pair!r}")
        try:
            out[name.strip()] = parse_threshold(name.strip(), value.strip())
        except ThresholdError as exc:
            raise UsageError(f"--threshold: {exc}" + (f" ({exc.hint})" if exc.hint else "")) from None
    return out


def with_thresholds(plan: "Plan", thresholds: dict[str, float]) -> "Plan":
    """The plan with `--threshold` values laid over the scenario's own `thresholds:`."""
    if not thresholds:
        return plan
    positions = {name: pos for name, pos in plan.scenario.threshold_pos.items() if name not in thresholds}  # now from the command line
    scenario = dataclasses.replace(plan.scenario, thresholds={**plan.scenario.thresholds, **thresholds}, threshold_pos=positions)
    return dataclasses.replace(plan, scenario=scenario)


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    index, sep, count = text.partition("/")
    if sep and index.strip().isdigit() and count.strip().isdigit():
        i, n = int(index), int(count)
        if 1 <= i <= n:
            return i, n
    raise UsageError(f"--shard expects I/N with 1 <= I <= N (e.g. 2/4), got {text!r}")


def shard_of(files: list[Path], shard: tuple[int, int] | None) -> list[Path]:
    """This shard's scenarios: sorted by path, then every N-th from position I-1 (round robin,
    so shard sizes differ by at most one and do not depend on the machine)."""
    if shard is None:
        return files
    i, n = shard
    ordered = sorted(files, key=lambda p: p.as_posix())
    return [path for k, path in enumerate(ordered) if k % n == i - 1]


def _complete_step_ids(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion for `--from`: the step ids of the scenario already on the line."""
    from click.shell_completion import CompletionItem

    from ..scenario import resolve_file

    # While the option's value is being completed, click has not bound the arguments yet: they
    # are still in ctx.args.
    files = ctx.params.get("files") or ctx.args
    for file in files:
        if Path(file).is_file():
            scenario, _ = resolve_file(file)
            if scenario is None:
                return []
            return [CompletionItem(s.id, help=s.action) for s in scenario.steps if s.id and s.id.startswith(incomplete)]
    return []


def from_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--from", "from_id", metavar="ID", help="Start at the step with this id.", shell_complete=_complete_step_ids)(func)


_OPTIONS = (
    click.option("--report", "report", metavar="FILE", help="Write a report at the end: .html, .svg or .md (a suite: a folder)."),
    click.option("--junit", "junit", metavar="FILE", help="Write JUnit XML (one testsuite per scenario)."),
    click.option(
        "--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True, help="github: annotate failing steps."
    ),
    click.option("--threshold", "threshold_pairs", multiple=True, metavar="NAME=VALUE", help="Fail (exit 4) past this limit (repeatable)."),
    click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Scenarios played at once (a suite)."),
    click.option("--shard", "shard_text", metavar="I/N", help="Play only shard I of N of the scenarios."),
)
SUITE_PARAMS = frozenset({"report", "junit", "fmt", "jobs", "shard_text", "files", "log_path", "from_id"})


def suite_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the report, JUnit, threshold and suite options; the command gets them as `suite`."""

    @functools.wraps(func)
    def wrapper(*args: Any, report: str | None, junit: str | None, fmt: str, threshold_pairs: tuple[str, ...], jobs: int, **kw: Any) -> Any:
        shard = parse_shard(kw.pop("shard_text"))
        suite = SuiteOptions(Outputs(report, junit, fmt), parse_thresholds(threshold_pairs), jobs, shard)
        return func(*args, suite=suite, **kw)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def play_files(files: tuple[str, ...], suite: SuiteOptions, *, log_path: str | None, from_id: str | None, play_one: PlayOne) -> ExitCode:
    """One scenario in process, or a suite in child processes."""
    from ..scenario import expand_paths, render_text

    is_suite = len(files) > 1 or any(Path(f).is_dir() for f in files) or suite.shard is not None or suite.jobs > 1
    if not is_suite:
        return _play_single(files[0], suite.outputs, log_path, play_one)
    scenarios, problems = expand_paths(files)
    if problems:
        print(render_text(problems), file=sys.stderr)
        return ExitCode.INVALID
    if from_id is not None:
        raise UsageError("--from works with one scenario, not a suite")
    from ._suite_runner import run_suite

    ctx = click.get_current_context()
    return run_suite(shard_of(scenarios, suite.shard), suite, log_dir=log_path, child_args=_forwarded(ctx))


def _play_single(file: str, outputs: Outputs, log_path: str | None, play_one: PlayOne) -> ExitCode:
    if outputs.report and Path(outputs.report).suffix.lower() not in (".html", ".htm", ".svg", ".md"):
        raise UsageError(f"--report {outputs.report}: the suffix picks the format: .html, .svg or .md")  # before playing, not after
    scratch = tempfile.mkdtemp(prefix="echo-player-") if wants_outputs(outputs) and not log_path else None
    log = log_path or (os.path.join(scratch, "run.jsonl") if scratch else None)
    try:
        code = play_one(file, log)
    except BaseException as exc:
        # A failure or Ctrl-C still reports what the log holds.
        _report_from(file, log, outputs, int(getattr(exc, "exit_code", ExitCode.FAILED)), quiet=True)
        raise
    else:
        _report_from(file, log, outputs, code)
        return code
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _report_from(file: str, log: str | None, outputs: Outputs, code: int, *, quiet: bool = False) -> None:
    if log is None or not wants_outputs(outputs):
        return
    from ..report import read_logs

    try:
        # No log: it stopped before playing (an invalid scenario, a bad --from), which CI still sees.
        write_outputs(read_logs([log]) if Path(log).is_file() else [missing_run(file, code)], outputs)
    except UsageError as exc:
        if not quiet:
            raise
        print(f"echo-player: warning: {exc}", file=sys.stderr)


def _forwarded(ctx: click.Context) -> list[str]:
    """The command line options given to this `play`, for each scenario's own `play`."""
    args: list[str] = []
    for param in ctx.command.params:
        name = param.name
        if not isinstance(param, click.Option) or name is None or name in SUITE_PARAMS:
            continue
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.COMMANDLINE:
            continue
        value = ctx.params.get(name)
        if param.is_flag and param.secondary_opts:
            args.append(param.opts[0] if value else param.secondary_opts[0])
        elif param.is_flag:
            if value:
                args.append(param.opts[0])
        elif param.multiple:
            for item in value or ():
                args += [param.opts[0], str(item)]
        elif value is not None:
            args += [param.opts[0], str(value)]
    return args
