"""Debian's headless Chromium, driven by Playwright, for the browser tests of this folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("NST_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (the system's: Playwright never downloads one)."""
    from browser.page import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
