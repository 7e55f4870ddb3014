"""Campaign tags (UTM parameters) of a landing page."""

from __future__ import annotations

from collections.abc import Mapping

# Context key -> query parameter.
_UTM_PARAMS = {
    "source": "utm_source",
    "medium": "utm_medium",
    "name": "utm_campaign",
    "term": "utm_term",
    "content": "utm_content",
}


def campaign(page_params: Mapping[str, str]) -> dict[str, str | None]:
    """The page's UTM tags, each None when absent. `page_params` has lower-case names."""
    return {key: page_params.get(param) for key, param in _UTM_PARAMS.items()}


def has_campaign_tags(page_params: Mapping[str, str]) -> bool:
    return any(name.startswith("utm_") for name in page_params)
