"""player.aplay(backend=...): many playbacks through the public API on one opened backend."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import player
from play_support import FAST_ROOM, write_scenario

BODY = """\
steps:
  - say: one two
    wait: none
  - pause: 0.2s
  - say: three
"""


def test_concurrent_aplays_share_one_backend_and_leave_it_open(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, BODY)

    async def main() -> list[player.Outcome]:
        with player.local_backend(room_settings=FAST_ROOM, max_conversations=3) as backend:
            together = await asyncio.gather(*(player.aplay(path, backend=backend) for _ in range(3)))
            # aplay did not close it: a later playback on the same backend still works.
            after = await player.aplay(path, backend=backend)
            outcomes = [*together, after]
            assert backend.server.calls("POST", "/v2/conversations") == 4
            for outcome in outcomes:
                assert backend.rooms is not None and backend.rooms.find(outcome.conversation_id or "") is not None
            return outcomes

    outcomes = asyncio.run(asyncio.wait_for(main(), 60))
    assert len({o.conversation_id for o in outcomes}) == 4
    assert all(o.conversation_ended and o.persona_deleted for o in outcomes)
    assert all(len(o.records) == 3 for o in outcomes)


def test_the_shared_backends_conversation_limit_applies(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, BODY)

    async def main() -> list[object]:
        with player.local_backend(room_settings=FAST_ROOM, max_conversations=1) as backend:
            return list(await asyncio.gather(*(player.aplay(path, backend=backend) for _ in range(2)), return_exceptions=True))

    results = asyncio.run(asyncio.wait_for(main(), 60))
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1 and "concurrent" in str(errors[0])
    assert sum(isinstance(r, player.Outcome) for r in results) == 1


@pytest.mark.parametrize("option", [{"local": True}, {"api": "pals"}, {"api_key_file": "key.txt"}])
def test_backend_refuses_options_it_decides(tmp_path: Path, option: dict[str, object]) -> None:
    path = write_scenario(tmp_path, BODY)

    async def main() -> None:
        with player.local_backend(room_settings=FAST_ROOM) as backend:
            with pytest.raises(player.UsageError, match="backend"):
                await player.aplay(path, backend=backend, **option)  # type: ignore[arg-type]

    asyncio.run(main())


def test_aplay_takes_a_checked_plan_and_refuses_vars_with_it(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, BODY)
    plan = player.check_file(path).plan
    assert plan is not None

    async def main() -> player.Outcome:
        with player.local_backend(room_settings=FAST_ROOM) as backend:
            with pytest.raises(player.UsageError, match="vars"):
                await player.aplay(plan, backend=backend, vars={"X": "1"})
            return await player.aplay(plan, backend=backend)

    outcome = asyncio.run(asyncio.wait_for(main(), 60))
    assert len(outcome.records) == 3 and outcome.conversation_ended
