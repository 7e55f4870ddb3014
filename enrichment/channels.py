"""Which kind of site a referring hostname belongs to: webmail, search engine or social network."""

from __future__ import annotations

from functools import cache, lru_cache

from publicsuffixlist import PublicSuffixList

EMAIL = "email"
SEARCH = "search"
SOCIAL = "social"

# Matched against the hostname and each of its parent domains, so "uk.mail.yahoo.com"
# matches "mail.yahoo.com" while "notgoogle.com" matches nothing.
_CHANNEL_BY_DOMAIN: dict[str, str] = {
    **dict.fromkeys((
        "mail.google.com", "inbox.google.com", "outlook.live.com", "outlook.office.com",
        "outlook.office365.com", "mail.yahoo.com", "mail.aol.com", "mail.proton.me",
        "mail.protonmail.com", "mail.zoho.com", "mail.zoho.eu", "mail.yandex.ru",
        "mail.yandex.com", "e.mail.ru", "mail.gmx.net", "mail.gmx.com", "navigator.gmx.net",
        "navigator.web.de", "email.t-online.de", "mail.qq.com", "mail.163.com", "fastmail.com",
        "tuta.com", "mail.tutanota.com",
        "com.google.android.gm",  # Gmail app, as an android-app:// referrer
    ), EMAIL),
    **dict.fromkeys((
        "bing.com", "duckduckgo.com", "baidu.com", "ecosia.org", "ask.com", "aol.com",
        "search.brave.com", "startpage.com", "qwant.com", "kagi.com", "mojeek.com",
        "naver.com", "daum.net", "seznam.cz", "sogou.com", "so.com", "ya.ru",
        "com.google.android.googlequicksearchbox",  # Google app, as an android-app:// referrer
    ), SEARCH),
    **dict.fromkeys((
        "facebook.com", "fb.com", "fb.me", "messenger.com", "instagram.com", "threads.net",
        "t.co", "twitter.com", "x.com", "linkedin.com", "lnkd.in", "reddit.com", "redd.it",
        "youtube.com", "youtu.be", "pin.it", "tiktok.com", "snapchat.com", "tumblr.com",
        "bsky.app", "mastodon.social", "vk.com", "ok.ru", "weibo.com", "quora.com",
        "whatsapp.com", "wa.me", "t.me", "telegram.org", "discord.com", "line.me",
        "com.facebook.katana", "com.instagram.android", "com.linkedin.android",
        "com.reddit.frontpage", "com.twitter.android", "com.zhiliaoapp.musically",
    ), SOCIAL),
}

# Services run under a country domain each (google.co.uk, yandex.ru, pinterest.de), matched
# by the name just left of the public suffix: the registrable domain, not a substring.
_CHANNEL_BY_BRAND: dict[str, str] = {
    "google": SEARCH,
    "yahoo": SEARCH,
    "yandex": SEARCH,
    "pinterest": SOCIAL,
}


@lru_cache(maxsize=4096)
def channel_of_host(host: str) -> str | None:
    """EMAIL, SEARCH or SOCIAL for a known referring host, else None."""
    labels = host.split(".")
    for start in range(len(labels)):
        channel = _CHANNEL_BY_DOMAIN.get(".".join(labels[start:]))
        if channel is not None:
            return channel
    registrable = _public_suffixes().privatesuffix(host)
    if registrable is None:
        return None
    return _CHANNEL_BY_BRAND.get(registrable.partition(".")[0])


@cache
def _public_suffixes() -> PublicSuffixList:
    # ICANN suffixes only: with private ones (github.io, blogspot.com) anyone could register
    # "google.github.io" and pass for a search engine.
    return PublicSuffixList(only_icann=True)
