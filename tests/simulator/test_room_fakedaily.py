"""fakedaily keeps daily-python's signatures and behaviour; where it can, checked against the real one."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from typing import Any

import daily
import pytest

from player.simulator.daily._client import CHANNEL_NOT_OPEN, EventHandler, FakeDaily
from player.simulator.replica._rooms import RoomRegistry
from player.transport import init_daily
from room_support import silence
from timing_support import assert_on_time

init_daily(daily)  # once per process: a second Daily.init aborts the real module

CALL_CLIENT_METHODS = [
    "join",
    "leave",
    "release",
    "send_app_message",
    "participants",
    "inputs",
    "set_user_name",
    "update_inputs",
    "add_custom_audio_track",
]


@pytest.fixture
def fake() -> Any:
    module = FakeDaily(RoomRegistry())
    module.Daily.init()
    yield module
    module.Daily.deinit()


def _params(obj: Any) -> list[tuple[str, Any]]:
    """Names and defaults, in order, without `self` (real methods have it positional-only)."""
    sig = inspect.signature(obj)
    return [(p.name, p.default) for p in sig.parameters.values() if p.name != "self"]


def _same(real: Any, fake: Any) -> None:
    r, f = _params(real), _params(fake)
    assert [n for n, _ in r] == [n for n, _ in f], (real, fake)
    for (name, real_default), (_, fake_default) in zip(r, f):
        if real_default is not Ellipsis:  # the real Daily.init shows `log_level=...`
            assert real_default == fake_default, (real, name)


def test_signatures_match_real_daily_python(fake: Any) -> None:
    for name in ("CallClient", "CustomAudioSource", "CustomAudioTrack"):
        _same(getattr(daily, name), getattr(fake, name))
    for method in CALL_CLIENT_METHODS:
        _same(getattr(daily.CallClient, method), getattr(fake.CallClient, method))
    _same(daily.CustomAudioSource.write_frames, fake.CustomAudioSource.write_frames)
    for method in ("init", "set_log_level", "deinit"):
        _same(getattr(daily.Daily, method), getattr(fake.Daily, method))
    for method in [m for m in vars(EventHandler) if m.startswith("on_")]:
        _same(getattr(daily.EventHandler, method), getattr(EventHandler, method))
    assert {m for m in dir(daily.LogLevel) if m[0].isupper()} == set(fake.LogLevel.__members__)


@pytest.mark.parametrize("module_name", ["real", "fake"])
def test_serialize_none_is_rejected_and_non_json_refused_like_daily(module_name: str, fake: Any) -> None:
    client = daily.CallClient() if module_name == "real" else fake.CallClient()
    try:
        with pytest.raises(TypeError):
            client.send_app_message({"a": 1}, None, True, None)
        with pytest.raises(TypeError):
            client.send_app_message({"a": 1}, serialize_none=True)
        with pytest.raises(TypeError, match="unsupported type object"):
            client.send_app_message({"a": object()})
        with pytest.raises(Exception, match="byte array"):
            client.send_app_message({"a": b"xx"})
        with pytest.raises(TypeError):
            client.join(123)
    finally:
        client.release()
    with pytest.raises(RuntimeError, match="already been released"):
        client.participants()


def _completion() -> tuple[threading.Event, list[Any], Callable[..., None]]:
    done, got = threading.Event(), []

    def completion(*args: Any) -> None:
        got.append((threading.current_thread().name, *args))
        done.set()

    return done, got, completion


def test_before_join_sends_fail_with_channel_not_open_on_the_core_thread(fake: Any) -> None:
    done, got, completion = _completion()
    client = fake.CallClient()
    client.send_app_message({"a": 1}, completion=completion)
    assert done.wait(2.0)
    assert got == [("fakedaily-core", CHANNEL_NOT_OPEN)]


def test_joining_an_unknown_room_fails_like_daily(fake: Any) -> None:
    states: list[str] = []
    errors: list[str] = []

    class Handler(EventHandler):
        def on_call_state_updated(self, state: str) -> None:
            states.append(state)

        def on_error(self, message: str) -> None:
            errors.append(message)

    done, got, completion = _completion()
    client = fake.CallClient(event_handler=Handler())
    client.join("local://echo-player/nowhere", completion=completion)
    assert done.wait(2.0)
    ((_, data, error),) = got
    assert data is None and error.startswith("Connection(Api(RoomLookup(")
    time.sleep(0.05)
    assert states == ["joining", "leaving", "left"] and len(errors) == 1


def test_exceptions_in_callbacks_are_printed_and_swallowed(fake: Any, capfd: pytest.CaptureFixture[str]) -> None:
    done, got, completion = _completion()
    client = fake.CallClient()

    def bad(error: Any) -> None:
        raise ValueError("boom in callback")

    client.send_app_message({"a": 1}, completion=bad)
    client.send_app_message({"a": 2}, completion=completion)  # the core thread carries on
    assert done.wait(2.0)
    assert "ValueError: boom in callback" in capfd.readouterr().err


def test_init_is_once_per_context(fake: Any) -> None:
    with pytest.raises(RuntimeError, match="already exists"):
        fake.Daily.init()
    other = FakeDaily(RoomRegistry())
    with pytest.raises(RuntimeError, match="not initialized"):
        other.CallClient()


@pytest.mark.parametrize("module_name", ["real", "fake"])
def test_write_frames_paces_in_real_time_rounding_up_to_10ms(module_name: str, fake: Any) -> None:
    module = daily if module_name == "real" else fake
    source = module.CustomAudioSource(24000, 1)
    track = module.CustomAudioTrack(source)
    assert isinstance(track.id, str) and len(track.id) == 36
    timings = []
    for samples in (2400, 470, 0):
        began = time.monotonic()
        assert source.write_frames(b"\x00\x00" * samples) == samples
        timings.append(time.monotonic() - began)
    assert_on_time(timings[0], 0.1, early=0.03, what="first write")
    # Paced by a clock, not per call: a first write that returned late leaves the second one
    # less to wait (real daily-python returned a 19.6 ms write in 4.7 ms after a late first
    # one on a loaded machine), so the two together are what holds: 0.1 s + 20 ms.
    assert_on_time(timings[0] + timings[1], 0.12, early=0.03, what="two writes")
    assert timings[2] < 0.01
    began = time.monotonic()
    for _ in range(10):  # back to back: paced by a clock, no drift
        source.write_frames(silence(0.01))
    assert_on_time(time.monotonic() - began, 0.1, early=0.03, what="ten 10 ms writes")
    with pytest.raises(ValueError, match="16-bit"):
        source.write_frames(b"\x00" * 3)


@pytest.mark.parametrize("module_name", ["real", "fake"])
def test_write_frames_with_a_completion_returns_at_once(module_name: str, fake: Any) -> None:
    module = daily if module_name == "real" else fake
    source = module.CustomAudioSource(16000, 1)
    done, got, completion = _completion()
    began = time.monotonic()
    assert source.write_frames(silence(0.2, rate=16000), completion=completion) == 3200
    assert time.monotonic() - began < 0.05
    assert done.wait(2.0)
    assert_on_time(time.monotonic() - began, 0.2, early=0.06, what="completion")
    assert got[0][1] == 3200 and got[0][0] != threading.current_thread().name
