"""A rough, human name for a browser from its User-Agent header: ("Chrome", "Android").

Enough for a member to tell their own phone from a desk computer in their list of sessions;
the header itself is not kept.
"""

from __future__ import annotations

# Checked in order: the first match wins (Edge and Opera also say "Chrome"; Chrome says "Safari").
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("YaBrowser", "Yandex Browser"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chromium", "Chromium"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe(user_agent: str) -> tuple[str, str]:
    """(browser, system), each "" when not recognised."""
    user_agent = user_agent or ""
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    return browser, system
