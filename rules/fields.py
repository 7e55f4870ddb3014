"""The fields a condition can read, and where each one lives.

Context fields are read from the session's visit context; event fields (the
"journey pattern" fields) are read from each event. A field name is a dotted
path into its source, except that ``attributes.<name>`` takes everything after
the first dot as one attribute name, so attribute names may contain dots.
"""

CONTEXT_FIELDS = frozenset(
    {
        "browser.family",
        "browser.version",
        "browser.lang",
        "device.category",
        "device.osFamily",
        "geolocation.country",
        "geolocation.region",
        "geolocation.locality",
        "referrer.medium",
        "referrer.hostname",
        "referrer.url",
        "campaign.source",
        "campaign.medium",
        "campaign.name",
        "campaign.term",
        "campaign.content",
        "authenticated",
    }
)

EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "eventName": ("name",),
    "page.url": ("page", "url"),
    "page.title": ("page", "title"),
    "searchQuery": ("query",),
}

ATTRIBUTE_PREFIX = "attributes."


def is_context_field(field: str) -> bool:
    return field in CONTEXT_FIELDS


def field_path(field: str) -> tuple[str, ...] | None:
    """Where ``field`` lives in its source, or None if there is no such field."""
    if field in CONTEXT_FIELDS:
        return tuple(field.split("."))
    if field in EVENT_FIELDS:
        return EVENT_FIELDS[field]
    if field.startswith(ATTRIBUTE_PREFIX) and len(field) > len(ATTRIBUTE_PREFIX):
        return ("attributes", field[len(ATTRIBUTE_PREFIX) :])
    return None


def read(source: object, path: tuple[str, ...]) -> object:
    """The value at ``path`` in ``source``; None if a step is missing or not a dict."""
    for key in path:
        if not isinstance(source, dict):
            return None
        source = source.get(key)
    return source
