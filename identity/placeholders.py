"""Recognise values that stand in for missing data instead of naming anyone.

Profiles are stitched by exact match, so accepting one of these as an
identity would merge every visitor who sent it into a single profile.
"""

# What forms, SDKs and JavaScript string coercion emit when the real value is
# absent. Compared case-insensitively.
_PLACEHOLDERS = frozenset(
    {
        "null",
        "undefined",
        "none",
        "nil",
        "nan",
        "anonymous",
        "unknown",
        "test",
        "n/a",
        "-",
        "0",
        "[object object]",
        "true",
        "false",
    }
)


def placeholder_reason(value: str) -> str | None:
    """Say why ``value`` is a placeholder, or return None when it is not one."""
    if value.casefold() in _PLACEHOLDERS:
        return f"{value!r} is a placeholder"
    if _is_one_repeated_character(value):
        return f"{value[0]!r} repeated {len(value)} times is a placeholder"
    return None


def _is_one_repeated_character(value: str) -> bool:
    """True for keyboard filler such as "aaaa" or "1111111".

    A single character is not "repeated": one-character values are judged by
    the placeholder list and by each identity's own rules.
    """
    return len(value) > 1 and len(set(value)) == 1
