"""Browser, operating system and device category from a User-Agent header."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import ua_parser

# Long enough for real agents, in-app browsers included; a longer header is junk or an
# attack, and bounding it bounds what the parse cache can hold.
MAX_PARSED_LENGTH = 1024

# Operating systems only seen on computers. ua-parser reports Linux distributions by name.
DESKTOP_OS_FAMILIES = frozenset({
    "Windows", "Mac OS X", "Mac OS", "Chrome OS", "Linux", "Ubuntu", "Kubuntu", "Xubuntu",
    "Lubuntu", "Linux Mint", "Debian", "Fedora", "Red Hat", "CentOS", "SUSE", "openSUSE",
    "Gentoo", "Arch Linux", "Slackware", "Mandriva", "Mageia", "FreeBSD", "OpenBSD",
    "NetBSD", "Solaris",
})
MOBILE_OS_FAMILIES = frozenset({
    "iOS", "Android", "Windows Phone", "Windows Mobile", "BlackBerry OS", "KaiOS",
    "Firefox OS", "Symbian OS", "Symbian^3", "Nokia Series 40", "Nokia Series 30 Plus",
})

# ua-parser files Android TVs and Fire TVs under tablets: these markers tell them apart.
_TELEVISION = re.compile(r"Android TV|\bAFT[A-Z]|BRAVIA|SMART-TV|SmartTV|GoogleTV|HbbTV|CrKey|Web0S")


class UserAgentFacts(NamedTuple):
    browser_family: str | None
    browser_version: str | None
    device_category: str
    """"desktop", "mobile", "tablet" or "other" (bots, TVs, consoles, scripts, unknown)."""
    os_family: str | None
    os_version: str | None


UNKNOWN_USER_AGENT = UserAgentFacts(None, None, "other", None, None)


def describe_user_agent(user_agent: str | None) -> UserAgentFacts:
    """Browser, device category and OS of the agent; UNKNOWN_USER_AGENT if it is absent."""
    if not user_agent:
        return UNKNOWN_USER_AGENT
    return _describe(user_agent[:MAX_PARSED_LENGTH])


# The same few hundred agent strings make most of the traffic; caching the finished facts
# skips both the regex parse and the classification below.
@lru_cache(maxsize=4096)
def _describe(user_agent: str) -> UserAgentFacts:
    try:
        parsed = ua_parser.parse(user_agent)
    except ValueError:  # e.g. a lone surrogate, which the native matcher cannot encode
        return UNKNOWN_USER_AGENT
    browser, system, device = parsed.user_agent, parsed.os, parsed.device
    return UserAgentFacts(
        browser_family=_known(browser.family) if browser else None,
        browser_version=_version(browser.major, browser.minor) if browser else None,
        device_category=_device_category(user_agent, system.family if system else None, device),
        os_family=_known(system.family) if system else None,
        os_version=_version(system.major, system.minor) if system else None,
    )


def _device_category(user_agent: str, os_family: str | None, device: ua_parser.Device | None) -> str:
    if device is not None and device.family == "Spider":
        return "other"
    if _TELEVISION.search(user_agent):
        return "other"
    if _is_tablet(user_agent, os_family, device):
        return "tablet"
    if os_family in MOBILE_OS_FAMILIES or "Mobi" in user_agent:
        return "mobile"
    if os_family in DESKTOP_OS_FAMILIES:
        return "desktop"
    return "other"


def _is_tablet(user_agent: str, os_family: str | None, device: ua_parser.Device | None) -> bool:
    if "Tablet" in user_agent or (os_family is not None and "Tablet" in os_family):
        return True
    if device is not None and (
        device.family in ("iPad", "Kindle")
        or device.brand == "Generic_Android_Tablet"
        or "Tablet" in device.family
    ):
        return True
    # Android phones send "Mobile"; Android tablets, by Google's convention, do not.
    return os_family == "Android" and "Mobile" not in user_agent


def _known(family: str | None) -> str | None:
    return None if not family or family == "Other" else family


def _version(major: str | None, minor: str | None) -> str | None:
    if not major:
        return None
    return f"{major}.{minor}" if minor else major
