"""The marketing medium of a visit, from its referrer and the tags of its landing page."""

from __future__ import annotations

from collections.abc import Mapping

from enrichment.campaign import has_campaign_tags
from enrichment.channels import EMAIL, SEARCH, SOCIAL, channel_of_host

INTERNAL = "internal"
PAID = "paid"
DIRECT = "direct"
UNKNOWN = "unknown"

# Added to landing URLs by Google Ads, Meta and Microsoft Ads.
_CLICK_ID_PARAMS = frozenset({"gclid", "fbclid", "msclkid"})

# utm_medium values are free text: compared lower-case with separators removed, so that
# "Paid-Search", "paid_search" and "paidsearch" are one value.
_MEDIUM_BY_UTM = {
    **dict.fromkeys(("cpc", "ppc", "cpm", "paid", "paidsearch", "paidsocial", "display"), PAID),
    **dict.fromkeys(("email", "newsletter"), EMAIL),
    **dict.fromkeys(("social", "socialmedia", "socialnetwork"), SOCIAL),
    "organic": SEARCH,
}


def referral_medium(
    *,
    referrer_given: bool,
    referrer_host: str | None,
    page_host: str | None,
    page_params: Mapping[str, str],
    site_hosts: frozenset[str],
) -> str:
    """One of "internal", "paid", "email", "search", "social", "direct" or "unknown".

    A link within the site outranks everything; then what the marketer tagged the landing
    URL with; then what the referring host is known to be.
    """
    if referrer_host is not None and (referrer_host in site_hosts or referrer_host == page_host):
        return INTERNAL
    if not _CLICK_ID_PARAMS.isdisjoint(page_params):
        return PAID
    tagged = _MEDIUM_BY_UTM.get(_normalised(page_params.get("utm_medium", "")))
    if tagged is not None:
        return tagged
    if referrer_host is not None and (channel := channel_of_host(referrer_host)) is not None:
        return channel
    if not referrer_given and not has_campaign_tags(page_params):
        return DIRECT
    return UNKNOWN


def _normalised(medium: str) -> str:
    return medium.lower().replace("-", "").replace("_", "").replace(" ", "")
