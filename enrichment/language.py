"""The visitor's preferred language from an Accept-Language header."""

from __future__ import annotations

import re

# RFC 5646 in outline: a 1-8 letter language then 1-8 character subtags. Underscores are
# accepted because some app clients send locale names ("en_GB") instead of tags.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")
# Browsers send a handful of languages; the first valid one is all that is wanted.
_MAX_SCANNED = 256


def preferred_language(accept_language: str | None) -> str | None:
    """The first language tag of the header, in canonical case ("en-gb;q=0.9" -> "en-GB")."""
    if not isinstance(accept_language, str):
        return None
    for entry in accept_language[:_MAX_SCANNED].split(","):
        tag = entry.partition(";")[0].strip()
        if _LANGUAGE_TAG.fullmatch(tag):
            return _canonical_case(tag.replace("_", "-"))
    return None


def _canonical_case(tag: str) -> str:
    # BCP 47 casing, so that "en-gb" (older Safari) and "en-GB" count as one language:
    # language lower, script title ("Hant"), region upper; all lower after a singleton.
    language, *subtags = tag.split("-")
    parts = [language.lower()]
    in_extension = False
    for subtag in subtags:
        in_extension = in_extension or len(subtag) == 1
        if in_extension:
            parts.append(subtag.lower())
        elif len(subtag) == 2:
            parts.append(subtag.upper())
        elif len(subtag) == 4 and subtag.isalpha():
            parts.append(subtag.title())
        else:
            parts.append(subtag.lower())
    return "-".join(parts)
