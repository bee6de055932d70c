"""A playback session: everything `echo-player play` does, in order, with one way out.

prepare media -> create persona and conversation -> join -> wait for the replica (t=0) ->
scheduler -> cleanup. Cleanup runs exactly once on every exit path (success, failure, exception,
SIGINT, SIGTERM): stop the audio, end the conversation, leave the room, delete the persona this
run created. Each cleanup step is attempted even when an earlier one fails. A create whose
answer the run never saw (stopped while it was in flight, answered after the read timeout, its
answer lost) is settled too, by id or by its tagged name, within a bounded time (_teardown).
Blocking calls run on daemon threads (_threads), so nothing on the wire holds the exit open.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .._threads import in_thread
from ..errors import JoinError, PlaybackError, ScenarioError, TavusError
from ..plan import Plan
from ..scenario import Diagnostic, Pos
from ._clips import prepare_clips
from ._events import EventPump, on_event_logger
from ._heap import frozen_heap
from ._plan_record import plan_record
from ._records import StepRecords
from ._runlog import RunLog
from ._scheduler import RunOptions, Scheduler
from ._teardown import Teardown
from ._thresholds import ThresholdResult, judge, run_metrics

if TYPE_CHECKING:
    from ..audio import PreparedClip
    from ..tavus import Conversation
    from ..transport.base import RoomEvent, Transport
    from ._backends import Backend

__all__ = ["Session", "Outcome", "safety_properties"]

_CALL_MARGIN = 60.0  # seconds of max_call_duration beyond the estimated length
_KEEP_GRACE = 300  # seconds a kept conversation outlives our leaving the room


@dataclass
class Outcome:
    records: StepRecords = field(default_factory=StepRecords)  # a Sequence of StepRecord
    messages: int = 0
    bytes: int = 0
    conversation_id: str | None = None
    conversation_ended: bool = False
    kept: bool = False  # `end: keep` after a successful run: left running on purpose
    persona_deleted: bool | None = None  # None: this run created no persona (that it knows of)
    conversation_unknown: bool = False  # a conversation create whose outcome stayed unknown
    persona_unknown: bool = False  # a persona create whose outcome stayed unknown
    underruns: int | None = None  # known on the local replica only
    length: float = 0.0  # seconds from t=0 to the end of playback
    test_mode: bool = False  # created in Tavus test mode: nothing joined or played
    nonstandard: int = 0  # messages the local replica accepted off the documented schema
    cleanup_errors: list[str] = field(default_factory=list)
    fallbacks: int = 0  # waits that went on without their event (notices)
    thresholds: list[ThresholdResult] = field(default_factory=list)  # judged once the run played

    @property
    def thresholds_failed(self) -> list[ThresholdResult]:
        return [t for t in self.thresholds if not t.passed]


def safety_properties(plan: Plan) -> dict[str, Any]:
    """Tavus conversation properties that stop billing if echo-player dies without cleaning up;
    the scenario's own `properties` win."""
    conv = plan.scenario.conversation
    keep = conv.end == "keep"
    # `end: keep` leaves the room running for someone to take over: a grace period after we
    # leave (Tavus's default of 0 would end it at once) and room for it in the call's length.
    margin = _CALL_MARGIN + (_KEEP_GRACE if keep else 0)
    props: dict[str, Any] = {
        "max_call_duration": min(3600, int(math.ceil(plan.total * 1.2 + margin))),
        "participant_absent_timeout": 60,
        "participant_left_timeout": _KEEP_GRACE if keep else 0,
    }
    props.update(conv.properties)
    return props


async def _uncancellable(work: Coroutine[Any, Any, None]) -> bool:
    """Run `work` to its end even if the awaiting task is cancelled meanwhile (a signal during
    the way out must not cut it short; it is bounded on its own). True if that happened."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while True:
        try:
            await asyncio.shield(task)
            return cancelled
        except asyncio.CancelledError:
            if task.done():
                return cancelled
            cancelled = True


def _persona_layers(plan: Plan) -> dict[str, Any]:
    conv = plan.scenario.conversation
    layers: dict[str, Any] = dict(conv.persona.layers) if conv.persona else {}
    field = conv.microphone.persona_field  # unsettled on Tavus's side: a setting
    if conv.input == "microphone" and field != "none":
        transport = dict(layers.get("transport") or {})
        inputs = dict(transport.get("input_settings") or {})
        mic = inputs.get("microphone")
        inputs["microphone"] = "enabled" if field == "enabled" else {**(dict(mic) if isinstance(mic, Mapping) else {}), "isEnabled": True}
        transport["input_settings"] = inputs
        layers["transport"] = transport
    return layers


class Session:
    def __init__(
        self,
        plan: Plan,
        backend: "Backend",
        *,
        log: RunLog,
        options: RunOptions = RunOptions(),
    ) -> None:
        self.plan = plan
        # A client of its own over the backend's connections: on a backend shared by many runs,
        # this run's way out stops and settles only its own creates.
        self.backend = replace(backend, client=backend.client.for_run())
        self.log = log
        self.options = options
        self.outcome = Outcome()
        self._scheduler: Scheduler | None = None
        self._transport: "Transport | None" = None
        self._persona_id: str | None = None  # only when this run created it
        self._persona_name: str | None = None  # the replica's userName in the room
        self._teardown = Teardown(self)

    def stop_audio(self) -> None:
        """Called from a signal handler: not one more chunk leaves after this."""
        if self._scheduler is not None:
            self._scheduler.stop()

    def leftovers(self) -> list[str]:
        """What is not cleaned up yet (for a second Ctrl-C): 'conversation c123', ..."""
        return self._teardown.leftovers()

    async def run(self) -> Outcome:
        loop = asyncio.get_running_loop()
        outcome = "failed"
        error: BaseException | None = None
        self.log.write(
            "start",
            scenario=str(self.plan.scenario.path),
            name=self.plan.scenario.name,
            steps=len(self.plan.steps),
            local=self.backend.local,
        )
        self._log_plan()
        try:
            clips = await self._prepare()
            conversation = await self._create()
            if self.outcome.test_mode:  # Tavus test mode: no replica joins, nothing to play
                outcome = "test_mode"
                return self.outcome
            if not conversation.url:
                raise PlaybackError(f"conversation {conversation.id} came back without a conversation_url")
            # From before the join (gc.get_freeze_count walks what is frozen: ~7 ms, not at t=0)
            # to the end of playback, no GC pass walks what exists now.
            with frozen_heap():
                t0 = await self._join(conversation.url, conversation.meeting_token)
                self.log.origin = t0
                await self._play(clips, conversation.id, t0)
            self.outcome.length = loop.time() - t0
            outcome = "played"
        except asyncio.CancelledError:
            outcome = "interrupted"
            raise
        except BaseException as exc:
            outcome, error = f"failed: {exc}", exc
            raise
        finally:
            keep = outcome == "played" and self.plan.scenario.conversation.end == "keep"
            if await _uncancellable(self._teardown.run(keep=keep)) and outcome == "played":
                outcome = "interrupted"  # a signal during the way out: it was still finished
            for t in self._teardown.room.underrun_times if self._teardown.room is not None else []:
                self.log.write("underrun", t=self.log.since_origin(t))
            if outcome == "played":
                self._judge()
            self.log.write(
                "end",
                conversation_id=self.outcome.conversation_id,
                outcome=outcome,
                error=type(error).__name__ if error is not None else None,
                length=round(self.outcome.length, 6),
                underruns=self.outcome.underruns,
                conversation_ended=self.outcome.conversation_ended,
                persona_deleted=self.outcome.persona_deleted,
                cleanup_errors=self.outcome.cleanup_errors,
            )
            settled = self._teardown.settled_message(error)
            if settled is not None:  # the create's outcome is known now: say what it was
                raise TavusError(settled) from None
        if outcome == "interrupted":
            raise asyncio.CancelledError
        return self.outcome

    def _log_plan(self) -> None:
        """The plan, so a report can draw planned bars and point at file:line from the log alone."""
        if not self.log.writing:  # ~10 ms of a 600-step plan, on the loop every playback shares
            return
        self.log.write("plan", **plan_record(self.plan, start_index=self.options.start_index, speed=self.options.speed))

    def _judge(self) -> None:
        """Hold the played run to its thresholds; each result is logged, the CLI sets exit 4."""
        self.outcome.thresholds = judge(self.plan.scenario.thresholds, run_metrics(self.outcome))
        for result in self.outcome.thresholds:
            self.log.write("threshold", metric=result.metric, limit=result.limit, value=round(result.value, 6), passed=result.passed)

    async def _prepare(self) -> Mapping[int, "PreparedClip"]:
        """Decode, trim, scale, resample and chunk every clip before any money is spent."""
        clips: dict[int, PreparedClip] = {}
        await prepare_clips(self.plan, self.plan.steps[self.options.start_index :], clips)
        return clips

    async def _check_replica(self) -> str | None:
        """The replica to render with, checked before anything is created (and paid for)."""
        conv = self.plan.scenario.conversation
        replica = conv.replica_id or (conv.persona.replica_id if conv.persona else None) or self.backend.default_replica_id
        where = conv.pos or Pos(str(self.plan.scenario.path), 1, 1)
        if replica is None:
            if conv.persona_id is None:  # a persona we create has no replica to fall back on
                raise ScenarioError(
                    [
                        Diagnostic(
                            where,
                            "no replica to render the conversation",
                            "set conversation.replica_id (or TAVUS_REPLICA_ID)",
                            code="replica",
                        )
                    ]
                )
            return None
        found = await in_thread(self.backend.client.get_replica, replica)
        if not found.usable:
            raise ScenarioError(
                [
                    Diagnostic(
                        where,
                        f"replica {replica} is not ready (status {found.status})",
                        "pick a replica whose training has finished",
                        code="replica",
                    )
                ]
            )
        return replica

    async def _create(self) -> "Conversation":
        client = self.backend.client
        conv = self.plan.scenario.conversation
        replica = await self._check_replica()
        persona_id = conv.persona_id
        if persona_id is None:
            name = conv.persona.name if conv.persona else f"echo-player {self.plan.scenario.name}"
            persona = await in_thread(client.create_persona, name, replica_id=replica, layers=_persona_layers(self.plan))
            self._persona_id = persona_id = persona.id
            self._persona_name = persona.name
            self.outcome.persona_deleted = False
            self.log.write("persona", persona_id=persona.id, created=True)
        else:  # the replica joins under the reused persona's name: look it up, as pipecat does
            self._persona_name = (await in_thread(client.get_persona, persona_id)).name
        options = {**conv.request_options(), **self.options.conversation}
        test_mode = bool(options.pop("test_mode", None) or conv.test_mode)
        conversation = await in_thread(
            client.create_conversation,
            persona_id,
            replica_id=replica,
            name=conv.name or self.plan.scenario.name,
            properties=safety_properties(self.plan),
            test_mode=test_mode,
            options=options,
        )
        self.outcome.conversation_id = conversation.id
        self.outcome.test_mode = test_mode and conversation.status == "ended"
        self.log.write(
            "conversation", conversation_id=conversation.id, url=conversation.url, status=conversation.status, test_mode=test_mode
        )
        return conversation

    async def _join(self, url: str, meeting_token: str | None) -> float:
        conv = self.plan.scenario.conversation
        self._transport = self.backend.transport(replica_name=self._persona_name)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + conv.join_timeout
        try:
            await asyncio.wait_for(self._transport.join(url, meeting_token=meeting_token), timeout=conv.join_timeout)
            if conv.start == "on-join":
                await self._transport.wait_for_replica(max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise JoinError(f"the replica did not join within {conv.join_timeout:g}s (join_timeout)") from None
        return loop.time()

    async def _play(self, clips: Mapping[int, "PreparedClip"], conversation_id: str, t0: float) -> None:
        assert self._transport is not None
        conv = self.plan.scenario.conversation
        microphone = None
        if conv.input == "microphone":
            microphone = await self._transport.open_microphone(self.plan.scenario.defaults.sample_rate, track=conv.microphone.track)

        def feed(event: "RoomEvent", fields: dict[str, Any]) -> None:
            if self._scheduler is not None:
                self._scheduler.control.event(event, fields)

        def feed_wanted() -> bool:
            return self._scheduler is not None and self._scheduler.control.listening

        pump = EventPump(self._transport.events, on_event_logger(self.log, feed, feed_wanted))
        self._scheduler = Scheduler(
            self.plan,
            self._transport,
            conversation_id=conversation_id,
            clips=dict(clips),
            log=self.log,
            pump=pump,
            microphone=microphone,
            options=self.options,
        )
        main = asyncio.current_task()
        assert main is not None

        def fail(_error: BaseException) -> None:  # a room error ends the run at once
            self.stop_audio()
            main.cancel()

        pump.start(fail)
        try:
            self.outcome.records = await self._scheduler.run(t0)
        except asyncio.CancelledError:
            if pump.failure is not None:
                if hasattr(main, "uncancel"):  # Python 3.11+; 3.10 keeps no cancel count
                    main.uncancel()  # the cancel was ours, to carry the room's error out
                raise pump.failure from None
            raise
        finally:
            self.stop_audio()
            await pump.stop()
            self.outcome.records = self._scheduler.records  # what ran, also when it was stopped
            self.outcome.messages = self._scheduler.messages
            self.outcome.bytes = self._scheduler.bytes
            self.outcome.fallbacks = self._scheduler.fallbacks
