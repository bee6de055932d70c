"""The playback stage: plan -> room. No terminal code here, and no simulator import but one.

`_session` owns a run's one exit path (create persona and conversation, join, play, then end,
leave and delete exactly once, whatever happens), `_teardown` that way out (bounded, settling
creates whose answer never came), `_threads` the daemon threads blocking calls run on;
`_scheduler` plays the plan on absolute deadlines from player.plan's Timeline; `_controller`
steers a run (pause, step, next, skip, jump, interrupt, say, quit) for every front end,
`_control_status` is what they show of it; `_api` is play()/aplay(); `_clips` prepares audio;
`_speech` tracks which utterances the replica has
finished; `_events` pumps room events to waiters; `_clock` sleeps precisely; `_runlog` writes the
JSONL run log, flushed line by line, and `_plan_record` its `plan` record; `_stats` summarises
lateness; `_thresholds` judges a played run against its thresholds; `_backends` says where a run
happens (Tavus and Daily, or the embedded simulator through its one lazy entry point).
"""

from __future__ import annotations

from ..errors import ControlRefused
from ._api import aplay, play
from ._backends import Backend, LocalRooms, local_backend, open_backend, tavus_backend
from ._clock import sleep_until
from ._controller import Controller
from ._events import EventPump, on_event_logger
from ._records import StepRecord, StepRecords
from ._runlog import RunLog
from ._scheduler import CueWaiter, Observer, RunOptions, Scheduler
from ._session import Outcome, Session, safety_properties
from ._speech import SpeechTracker
from ._stats import Lateness, percentile
from ._thresholds import ThresholdResult, judge, run_metrics

__all__ = [
    "play",
    "aplay",
    "Controller",
    "ControlRefused",
    "Session",
    "Outcome",
    "safety_properties",
    "Scheduler",
    "RunOptions",
    "StepRecord",
    "StepRecords",
    "Observer",
    "CueWaiter",
    "Backend",
    "LocalRooms",
    "local_backend",
    "tavus_backend",
    "open_backend",
    "RunLog",
    "EventPump",
    "on_event_logger",
    "SpeechTracker",
    "Lateness",
    "percentile",
    "ThresholdResult",
    "judge",
    "run_metrics",
    "sleep_until",
]
