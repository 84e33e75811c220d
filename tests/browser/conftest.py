"""Browser tests: Playwright drives the system's Chromium (Debian's package); nothing is
downloaded. A missing browser is a failure, not a skip: `make test` installs it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        "Chromium is not installed: run `make browser` (Debian: apt install chromium)"
    )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page that records every request it makes, to prove none leaves the app."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.requests_made = []
    page.console_errors = []
    page.on("request", lambda request: page.requests_made.append(request.url))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and page.console_errors.append(f"{message.text} at {message.location}")
        ),
    )
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_same_origin(page, origin: str) -> None:
    """No request left the app, and nothing broke the page's content security policy."""
    foreign = [url for url in page.requests_made if not url.startswith(origin)]
    assert not foreign, f"requests to third parties: {foreign}"
    assert not page.console_errors, page.console_errors
