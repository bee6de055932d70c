"""The presenter page in real headless Chromium while a scenario plays on the local replica:
it loads, the current line changes as the run advances, and pressing pause pauses the run
(the run log stops gaining steps) until it is pressed again. A screenshot is taken mid-run
(ECHO_PRESENTER_SHOT=path keeps a copy)."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from browser_support import browser_page, chromium_path
from play_support import write_scenario
from server_support import serving, until

TALK = """\
steps:
  - say: Welcome everyone, and thank you for coming today
    id: welcome
    note: look at the camera, smile
  - say: Today we look at three ideas about echo mode and how a scenario keeps time for you
    id: agenda
    note: slow down here
  - pause: 1s
  - say: The first idea is that the plan owns every due time
    id: idea1
    at: 9s
  - say: The second idea is that a presenter can steer a run without touching the file
    id: idea2
  - cue: Questions from the room
    id: questions
    auto: 2s
  - say: Thank you, that is all for today
    id: thanks
"""


def _text(page_id: str) -> str:
    return f"document.getElementById('{page_id}').textContent"


def test_the_page_follows_the_run_and_its_pause_button_pauses_it(tmp_path: Path) -> None:
    executable = chromium_path()
    path = write_scenario(tmp_path, TALK, name="echo-mode-talk.scenario.yaml")
    shot = tmp_path / "presenter.png"

    async def main() -> None:
        async with serving(path, tmp_path, start=False) as s, browser_page(executable) as page:
            await page.goto(s.served.server.url)
            await page.wait_for_function(f"{_text('connection')} === 'connected'")
            await page.wait_for_function("document.querySelectorAll('#timeline li').length === 7")  # the plan, before the run
            s.start()
            await page.wait_for_function(f"{_text('current')}.startsWith('Welcome everyone')", timeout=20000)
            assert "look at the camera" in await page.text_content("#note")
            assert (await page.text_content("#next")).startswith("Today we look")
            await page.wait_for_function(f"{_text('current')}.startsWith('Today we look')", timeout=20000)
            await page.wait_for_function(f"{_text('countdown')}.includes('at')")  # idea1's `at: 9s` ahead
            await page.wait_for_function("document.querySelectorAll('#timeline li.played').length >= 1")
            await page.screenshot(path=str(shot))
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

            await page.click("#pause")
            await page.wait_for_function(f"{_text('state')} === 'paused'")
            await page.wait_for_function("document.querySelector('#pause span').textContent === 'resume'")
            await until(lambda: any(r["kind"] == "pause" for r in s.log()), what="the pause in the run log")
            steps_when_paused = s.steps()
            await asyncio.sleep(1.5)  # longer than the gap to the next step: nothing may start
            assert s.steps() == steps_when_paused
            assert s.served.controller.status()["state"] == "paused"

            await page.keyboard.press(" ")  # space: resume, as in the terminal
            await page.wait_for_function(f"{_text('state')} === 'playing'")
            await until(lambda: len(s.steps()) > len(steps_when_paused), what="the run to go on")
            await page.wait_for_function(f"{_text('current')}.startsWith('The first idea')", timeout=20000)
            assert any(r["kind"] == "resume" for r in s.log())
            log_text = await page.text_content("#log")
            assert "state paused" in log_text and "sent conversation.echo" in log_text

    asyncio.run(main())
    if os.environ.get("ECHO_PRESENTER_SHOT"):
        shutil.copyfile(shot, os.environ["ECHO_PRESENTER_SHOT"])
