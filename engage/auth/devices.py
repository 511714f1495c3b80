"""A browser's User-Agent header in words a person recognises: "Chrome on Windows", "Safari on
an iPhone". Shown where someone sees where they are signed in, so that they can tell their own
devices from one that is not theirs. The header is whatever the browser chose to send, so the
words are a guide, not proof; ua-parser's maintained rules do the reading."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

UNKNOWN = "An unknown browser"

# Device families that read better as "an iPhone" than "iPhone".
_WITH_ARTICLE = {"iPhone": "an iPhone", "iPad": "an iPad", "iPod": "an iPod"}


@lru_cache(maxsize=256)
def device_in_words(user_agent: str | None) -> str:
    if not user_agent:
        return UNKNOWN
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else None
    if browser == "Other":
        browser = None
    elif browser:
        # "Mobile Safari", "Chrome Mobile": the device says it is a phone.
        browser = browser.removeprefix("Mobile ").removesuffix(" Mobile")
    device = result.device.family if result.device else None
    system = result.os.family if result.os else None
    if device in _WITH_ARTICLE:
        where = _WITH_ARTICLE[device]
    elif system and system != "Other":
        where = {"Mac OS X": "a Mac", "Chrome OS": "a Chromebook"}.get(system, system)
    else:
        where = None
    if browser and where:
        return f"{browser} on {where}"
    return browser or (f"A browser on {where}" if where else UNKNOWN)
