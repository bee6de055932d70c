"""A real headless browser for page tests: Debian's chromium, driven by Playwright's async API
in the test's own event loop. Never `playwright install`: the browser comes from apt.

Where none can be had the test skips with the reason, except under CI=true, where it fails:
CI must run the browser tests (.ci/run installs chromium when it is missing).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

__all__ = ["chromium_path", "browser_page"]

ARGS = [
    "--no-sandbox",  # the tests may run as root (CI containers)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {why}; .ci/run must install it", pytrace=False)
    pytest.skip(why)


def chromium_path() -> str:
    """The browser to drive (ECHO_CHROMIUM, else chromium on PATH), or skip/fail saying why."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        _missing("the python package playwright is not installed (pip install -e '.[dev]')")
    for candidate in (os.environ.get("ECHO_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    _missing("no chromium browser found (apt-get install chromium, or set ECHO_CHROMIUM)")
    raise AssertionError("unreachable")


@contextlib.asynccontextmanager
async def browser_page(executable: str, *, width: int = 1280, height: int = 860) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            await browser.close()
