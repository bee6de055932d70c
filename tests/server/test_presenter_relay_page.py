"""The presenter page in real headless Chromium, over `serve` without a scenario: it connects,
says a line from its box into the real local room, refuses plan operations visibly, and
reconnects by itself when the server comes back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from browser_support import browser_page, chromium_path
from player.server import ControlServer, Relay, RelayControls, ServerConfig
from server_support import relaying, until


def test_the_page_says_a_line_and_reconnects_by_itself(tmp_path: Path) -> None:
    executable = chromium_path()

    async def main() -> None:
        async with relaying(tmp_path) as r, browser_page(executable) as page:
            await page.goto(r.server.url)
            await page.wait_for_function("document.getElementById('connection').textContent === 'connected'")
            await page.wait_for_function("document.getElementById('state').textContent === 'relaying'")
            assert r.outcome.conversation_id in await page.text_content("#conversation")
            await page.fill("#say-text", "Typed into the page")
            await page.press("#say-text", "Enter")
            await until(lambda: any(u.text == "Typed into the page" for u in r.room.utterances), what="the page's line spoken")
            await page.wait_for_function("document.getElementById('say-text').value === ''")
            await page.press("#say-text", "Escape")  # out of the box: keys steer again
            await page.keyboard.press("s")  # skip: no plan here, so the page shows the refusal
            await page.wait_for_function("document.getElementById('message').textContent.includes('no scenario is playing')")
            await page.wait_for_function("document.getElementById('log').textContent.includes('Typed into the page')")

            port = r.server.port
            await r.server.stop()
            await page.wait_for_function("document.getElementById('connection').textContent === 'reconnecting…'")
            relay = Relay()
            config = ServerConfig(port=port, token=r.token)
            async with ControlServer(config, RelayControls(relay), relay):
                await page.wait_for_function("document.getElementById('connection').textContent === 'connected'", timeout=15000)
                await page.wait_for_function("document.getElementById('state').textContent === 'joining'")

    asyncio.run(main())
