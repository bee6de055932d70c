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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import JoinError, PlaybackError, ScenarioError, TavusError
from ..plan import Plan
from ..scenario import Diagnostic, Play, Pos
from ._events import EventPump, on_event_logger
from ._runlog import RunLog
from ._scheduler import RunOptions, Scheduler, StepRecord
from ._teardown import Teardown
from ._threads import in_thread

if TYPE_CHECKING:
    from ..audio import PreparedClip
    from ..tavus import Conversation
    from ..transport.base import Transport
    from ._backends import Backend

__all__ = ["Session", "Outcome", "safety_properties"]

_CALL_MARGIN = 60.0  # seconds of max_call_duration beyond the estimated length
_KEEP_GRACE = 300  # seconds a kept conversation outlives our leaving the room


@dataclass
class Outcome:
    records: list[StepRecord] = field(default_factory=list)
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
    cleanup_errors: list[str] = field(default_factory=list)


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
    if conv.input == "microphone":
        transport = dict(layers.get("transport") or {})
        inputs = dict(transport.get("input_settings") or {})
        inputs["microphone"] = {**dict(inputs.get("microphone") or {}), "isEnabled": True}
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
        self.backend = backend
        self.log = log
        self.options = options
        self.outcome = Outcome()
        self._scheduler: Scheduler | None = None
        self._transport: "Transport | None" = None
        self._persona_id: str | None = None  # only when this run created it
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
        try:
            clips = await self._prepare()
            conversation = await self._create()
            if not conversation.url:
                raise PlaybackError(f"conversation {conversation.id} came back without a conversation_url")
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
            self.log.write(
                "end",
                conversation_id=self.outcome.conversation_id,
                outcome=outcome,
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

    async def _prepare(self) -> Mapping[int, "PreparedClip"]:
        """Decode, trim, scale, resample and chunk every clip before any money is spent."""
        from ..audio import prepare_clip

        clips: dict[int, PreparedClip] = {}
        microphone = self.plan.scenario.conversation.input == "microphone"
        for planned in self.plan.steps[self.options.start_index :]:
            step = planned.step
            if isinstance(step, Play):
                # One microphone track has one rate: every clip is resampled to the default's.
                rate = self.plan.scenario.defaults.sample_rate if microphone else step.sample_rate
                clips[step.index] = await in_thread(
                    prepare_clip,
                    step.path,
                    sample_rate=rate,
                    chunk_seconds=step.chunk,
                    start=step.start,
                    end=step.end,
                    gain_db=step.gain_db,
                )
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
            self.outcome.persona_deleted = False
            self.log.write("persona", persona_id=persona.id, created=True)
        conversation = await in_thread(
            client.create_conversation,
            persona_id,
            replica_id=replica,
            name=conv.name or self.plan.scenario.name,
            properties=safety_properties(self.plan),
        )
        self.outcome.conversation_id = conversation.id
        self.log.write("conversation", conversation_id=conversation.id, url=conversation.url)
        return conversation

    async def _join(self, url: str, meeting_token: str | None) -> float:
        conv = self.plan.scenario.conversation
        self._transport = self.backend.transport()
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
            microphone = await self._transport.open_microphone(self.plan.scenario.defaults.sample_rate)
        pump = EventPump(self._transport.events, on_event_logger(self.log))
        self._scheduler = Scheduler(
            self.plan,
            self._transport,
            conversation_id=conversation_id,
            clips=clips,
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
            self.outcome.messages = self._scheduler.messages
            self.outcome.bytes = self._scheduler.bytes
