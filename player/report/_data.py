"""What a report is drawn from: a run as its JSONL log holds it (README, "Run log format"), or
a plan before any run. Reading is forgiving, because a log cut short by a crash or Ctrl-C is
exactly what needs a report: a missing `end` makes the run "incomplete", an unparseable line is
skipped and counted."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..playback import Lateness, StepRecord

if TYPE_CHECKING:
    from ..plan import Plan

__all__ = ["PlannedRow", "StepRow", "Run", "parse_log", "read_logs", "run_from_plan", "log_files"]

# The error types that are the scenario's own fault at one step (JUnit <failure>), not the run's.
FAILURE_ERRORS = frozenset({"WaitTimeout", "ProtocolViolation"})


@dataclass(frozen=True, slots=True)
class PlannedRow:
    index: int
    id: str | None
    action: str
    start: float  # planned, seconds since t=0 (of the whole scenario: see Run.offset)
    duration: float
    hold: float
    source: str  # file:line:col
    label: str  # `[id] say "..."`
    note: str | None = None

    @property
    def file_line(self) -> tuple[str, int, int]:
        return split_source(self.source)


def split_source(source: str) -> tuple[str, int, int]:
    """`file:line:col` -> (file, line, col); a bare file is at 1:1."""
    file, _, col = source.rpartition(":")
    file, _, line = file.rpartition(":")
    try:
        return file, int(line), int(col)
    except ValueError:
        return source, 1, 1


StepRow = StepRecord  # a `step` record of the run log is what the run recorded of that step


@dataclass
class Run:
    scenario: str
    name: str
    local: bool = True
    planned: list[PlannedRow] = field(default_factory=list)
    plan_total: float = 0.0
    start_index: int = 0
    speed: float = 1.0
    threshold_sources: dict[str, str] = field(default_factory=dict)  # metric -> file:line:col in the scenario
    steps: list[StepRow] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    message_steps: list[int | None] = field(default_factory=list)  # the step that sent each message
    inference_steps: dict[str, int | None] = field(default_factory=dict)  # utterance -> the step that began it
    events: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)
    underruns: list[float] = field(default_factory=list)
    thresholds: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None
    conversation_id: str | None = None
    log: str | None = None  # the file it was read from
    skipped_lines: int = 0
    played: bool = True  # False: drawn from a plan only

    # -- what happened ----------------------------------------------------------------------

    @property
    def outcome(self) -> str:
        if not self.played:
            return "planned"
        return str(self.end.get("outcome")) if self.end else "incomplete (the log has no end record)"

    @property
    def error_type(self) -> str | None:
        if self.end is None:
            return "Incomplete" if self.played else None
        err = self.end.get("error")
        return str(err) if err else ("Interrupted" if self.outcome == "interrupted" else None)

    @property
    def thresholds_failed(self) -> list[dict[str, Any]]:
        return [t for t in self.thresholds if not t.get("passed")]

    @property
    def cleanup_errors(self) -> list[str]:
        return [str(e) for e in (self.end or {}).get("cleanup_errors") or []]

    @property
    def passed(self) -> bool:
        return self.outcome == "played" and not self.thresholds_failed and not self.cleanup_errors

    @property
    def offset(self) -> float:
        """Planned start of the first step played (--from): planned times are shifted by it."""
        if 0 <= self.start_index < len(self.planned):
            return self.planned[self.start_index].start
        return 0.0

    @property
    def failing_index(self) -> int | None:
        """The step the failure belongs to: for a protocol violation the step that sent the refused
        message, else the step in progress when the run failed or stopped (None: it played, or
        none started)."""
        if self.outcome == "played" or not self.played or not self.steps:
            return None
        if self.error_type == "ProtocolViolation" and self.messages:
            return self._refused_message_step() or self.steps[-1].index
        return self.steps[-1].index

    def _refused_message_step(self) -> int | None:
        # The refusal reaches us as a room.error event; the message it refused was sent before it,
        # and the reason usually names its event_type (`conversation.respond is for ...`).
        errors = [float(e.get("t", 0.0)) for e in self.events if e.get("event_type") == "room.error"]
        before = [k for k, m in enumerate(self.messages) if not errors or float(m.get("t", 0.0)) <= errors[0]]
        named = [k for k in before if str(self.messages[k].get("event_type")) in self.outcome]
        pick = (named or before or [len(self.messages) - 1])[-1]
        return self.message_steps[pick]

    @property
    def lateness(self) -> Lateness:
        return Lateness.of([s.lateness for s in self.steps])

    @property
    def length(self) -> float:
        """Seconds from t=0 to the end of playback (the end record's; else the last thing logged)."""
        if self.end and isinstance(self.end.get("length"), (int, float)) and self.end["length"] > 0:
            return float(self.end["length"])
        if not self.played:
            return self.plan_total
        times = [s.actual for s in self.steps] + [float(r["t"]) for r in (*self.messages, *self.events) if "t" in r]
        return max(times, default=0.0)

    @property
    def message_bytes(self) -> int:
        return sum(int(m.get("bytes") or 0) for m in self.messages)

    def planned_row(self, index: int) -> PlannedRow | None:
        if 0 <= index < len(self.planned) and self.planned[index].index == index:
            return self.planned[index]
        return next((p for p in self.planned if p.index == index), None)

    def span(self, position: int) -> float:
        """How long the sequence stayed on the step at `position` in `steps`."""
        step = self.steps[position]
        following = self.steps[position + 1].actual if position + 1 < len(self.steps) else max(self.length, step.actual)
        return max(0.0, following - step.actual)

    def notices_for(self, row: PlannedRow) -> list[str]:
        """Fallback notices about a step (they start `step LABEL:`)."""
        labels = {f"step {row.id}:", f"step #{row.index + 1}:"} if row.id else {f"step #{row.index + 1}:"}
        return [str(n["text"]) for n in self.notices if any(str(n.get("text", "")).startswith(lab) for lab in labels)]


def parse_log(lines: Iterable[str], *, origin: str | None = None) -> list[Run]:
    """Every run in a log (one per `start` record; a log file normally holds one). Only the last
    line may be broken (the one being written when the run died); a broken line before it, or a
    record without a `kind`, means this is not a run log: ValueError naming the line."""
    runs: list[Run] = []
    run: Run | None = None
    broken: int | None = None  # the line number of a line that is no record
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        if broken is not None:
            raise ValueError(f"line {broken} is not a run-log record")
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or "kind" not in record:
            broken = number
            continue
        kind = record.get("kind")
        if kind == "start" or run is None:
            run = Run(scenario=str(record.get("scenario", "?")), name=str(record.get("name", "?")), local=bool(record.get("local", True)))
            run.log = origin
            runs.append(run)
            if kind == "start":
                continue
        _add(run, kind, record)
    if runs and broken is not None:
        runs[-1].skipped_lines = 1
    return runs


def _add(run: Run, kind: Any, r: dict[str, Any]) -> None:
    if kind == "plan":
        run.plan_total = float(r.get("total") or 0.0)
        run.start_index = int(r.get("start_index") or 0)
        run.speed = float(r.get("speed") or 1.0)
        for name, spec in (r.get("thresholds") or {}).items():
            if isinstance(spec, dict) and spec.get("source"):
                run.threshold_sources[str(name)] = str(spec["source"])
        run.planned = [
            PlannedRow(
                int(s["index"]),
                s.get("id"),
                str(s.get("action", "?")),
                float(s.get("start", 0.0)),
                float(s.get("duration", 0.0)),
                float(s.get("hold", s.get("duration", 0.0))),
                str(s.get("source", "")),
                str(s.get("label", s.get("action", ""))),
                s.get("note"),
            )
            for s in r.get("steps") or []
        ]
    elif kind == "step":
        run.steps.append(StepRow(int(r["index"]), r.get("id"), str(r.get("action")), float(r["due"]), float(r["actual"])))
    elif kind == "message":
        run.messages.append(r)
        # Audio chunks keep streaming after their step: a chunk belongs to the step of its utterance's first message.
        current = run.steps[-1].index if run.steps else None
        iid = r.get("inference_id")
        if iid:
            current = run.inference_steps.setdefault(str(iid), current)
        run.message_steps.append(current)
    elif kind == "event":
        run.events.append(r)
    elif kind == "notice":
        run.notices.append(r)
    elif kind == "signal":
        run.signals.append(r)
    elif kind == "underrun":
        run.underruns.append(float(r["t"]))
    elif kind == "threshold":
        run.thresholds.append(r)
    elif kind == "conversation":
        run.conversation_id = r.get("conversation_id")
    elif kind == "end":
        run.end = r


def log_files(paths: Sequence[str | Path]) -> list[Path]:
    """The logs named: files as given, folders' `*.jsonl` files (sorted)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(path.rglob("*.jsonl")))
        elif path.is_file():
            out.append(path)
        else:
            raise UsageError(f"{raw}: no such run log")
    return out


def read_logs(paths: Sequence[str | Path]) -> list[Run]:
    runs: list[Run] = []
    for path in log_files(paths):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        try:
            found = parse_log(text.splitlines(), origin=str(path))
        except ValueError as exc:
            raise UsageError(f"{path}: not a run log ({exc})") from None
        if not found:
            raise UsageError(f"{path}: not a run log (no records)")
        runs.extend(found)
    return runs


def run_from_plan(plan: "Plan") -> Run:
    """A run that has not happened: the plan's bars only (`plan --format svg`)."""
    from ..plan import describe_step

    scenario = plan.scenario
    rows = [
        PlannedRow(p.step.index, p.step.id, p.step.action, p.start, p.duration, p.hold, str(p.step.pos), describe_step(p.step), p.step.note)
        for p in plan.steps
    ]
    return Run(scenario=str(scenario.path), name=scenario.name, planned=rows, plan_total=plan.total, played=False)
