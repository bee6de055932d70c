"""The scenario stage: file -> model. Everything here keeps the position it came from.

`_yaml` reads YAML with positions and safety limits (`_yaml_hints` explains its syntax errors); `_schema` (a compiled fast check, with
jsonschema's messages only for what fails) and `_schema_messages` check its shape; `_resolve`
and `_build` substitute vars, inline includes, expand repeats and build the typed model
(`_model`); `_checks` holds the semantic checks that need no timing; `_report` renders
diagnostics compiler-style. Timing (due times, the estimated length) is the plan's.

Problems are collected as Diagnostic values, never raised one at a time, so an author sees all
of them at once; ScenarioError (player.errors) carries them when a caller wants an exception.
"""

from __future__ import annotations

from ._checks import audio_chunk_bytes, check_scenario, tavus_readiness
from ._durations import DurationError, format_clock, parse_duration
from ._files import SCENARIO_GLOB, expand_paths
from ._model import (
    EVENT_ALIASES,
    REPLICA_SAID,
    REPLICA_SILENT,
    SPEECH_EVENTS,
    At,
    ConversationSpec,
    Cue,
    Defaults,
    Diagnostic,
    Interrupt,
    MicrophoneSpec,
    Pause,
    PersonaSpec,
    Play,
    Pos,
    Say,
    Scenario,
    Send,
    Severity,
    Step,
    StepBase,
    WaitFor,
    WaitMode,
    normalize_event,
    speech_matches,
)
from ._report import diagnostic_dict, plural, render_github, render_json, render_text, summary
from ._resolve import MAX_INCLUDE_DEPTH, MAX_STEPS, resolve_file
from ._schema import load_schema, schema_path, schema_text
from ._schema_messages import did_you_mean
from ._starter import starter_path, starter_text, write_starter
from ._thresholds import THRESHOLD_METRICS, ThresholdError, format_threshold, parse_threshold

__all__ = [
    # the model
    "Scenario",
    "Step",
    "StepBase",
    "Say",
    "Play",
    "Interrupt",
    "Pause",
    "WaitFor",
    "Cue",
    "Send",
    "At",
    "Defaults",
    "PersonaSpec",
    "ConversationSpec",
    "MicrophoneSpec",
    "WaitMode",
    "EVENT_ALIASES",
    "REPLICA_SAID",
    "REPLICA_SILENT",
    "SPEECH_EVENTS",
    "speech_matches",
    "normalize_event",
    "Pos",
    "Diagnostic",
    "Severity",
    # loading and checking
    "resolve_file",
    "check_scenario",
    "tavus_readiness",
    "expand_paths",
    "SCENARIO_GLOB",
    "MAX_STEPS",
    "MAX_INCLUDE_DEPTH",
    "audio_chunk_bytes",
    "did_you_mean",
    "schema_path",
    "schema_text",
    "load_schema",
    "parse_duration",
    "format_clock",
    "DurationError",
    # reporting
    "render_text",
    "render_json",
    "render_github",
    "diagnostic_dict",
    "summary",
    "plural",
    # thresholds
    "THRESHOLD_METRICS",
    "ThresholdError",
    "parse_threshold",
    "format_threshold",
    # authoring
    "starter_path",
    "starter_text",
    "write_starter",
]
