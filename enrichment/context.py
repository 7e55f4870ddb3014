"""The visit context: everything a request says about who visits and where from."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from enrichment import geo
from enrichment.addresses import anonymised, parse_ip
from enrichment.campaign import campaign
from enrichment.language import preferred_language
from enrichment.referrer import referral_medium
from enrichment.text import clean_text
from enrichment.urls import hostname, query_params, split_url
from enrichment.user_agent import describe_user_agent

# Longer than any written IP address: junk, and not to be held in the address cache.
_MAX_IP_LENGTH = 64


def build_context(
    *,
    user_agent: str | None,
    ip: str | None,
    referrer: str | None,
    page_url: str | None,
    accept_language: str | None = None,
    site_hosts: frozenset[str] = frozenset(),
    anonymise_ip: bool = False,
) -> dict[str, Any]:
    """A JSON- and BSON-ready description of the visit; unknown values are None.

    `site_hosts` are the site's own hostnames: a referrer from one of them (or from the
    page's own host) is internal navigation. With `anonymise_ip` the stored address has
    its host part zeroed; the location is still looked up from the full address.
    """
    user_agent = clean_text(user_agent)
    agent = describe_user_agent(user_agent)
    stored_ip, location = _address_facts(ip, anonymise_ip)

    referrer = clean_text(referrer)
    referrer_host = hostname(split_url(referrer))
    page = split_url(clean_text(page_url))
    page_params = query_params(page)

    return {
        "browser": {
            "family": agent.browser_family,
            "version": agent.browser_version,
            "lang": preferred_language(accept_language),
        },
        "device": {
            "category": agent.device_category,
            "osFamily": agent.os_family,
            "osVersion": agent.os_version,
        },
        "geolocation": {
            "country": location.country,
            "countryName": location.country_name,
            "region": location.region,
            "locality": location.locality,
        },
        "referrer": {
            # A referrer with no hostname is not a URL worth keeping, but it still tells
            # that the visit was not direct.
            "url": referrer if referrer_host is not None else None,
            "hostname": referrer_host,
            "medium": referral_medium(
                referrer_given=referrer is not None,
                referrer_host=referrer_host,
                page_host=hostname(page),
                page_params=page_params,
                site_hosts=_normalised_hosts(frozenset(site_hosts or ())),
            ),
        },
        "campaign": campaign(page_params),
        "userAgent": user_agent,
        "ip": stored_ip,
    }


def warm_up() -> None:
    """Load the GeoIP database, user-agent rules and suffix list now, not on the first request."""
    geo.load_database()
    build_context(
        user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
        ip=None,
        referrer="https://www.google.com/",
        page_url=None,
    )


def _address_facts(ip: str | None, anonymise: bool) -> tuple[str | None, geo.Location]:
    if not isinstance(ip, str) or len(ip) > _MAX_IP_LENGTH:
        return None, geo.UNKNOWN_LOCATION
    return _cached_address_facts(ip, bool(anonymise))


# A visitor sends many events from one address: parse, locate and anonymise it once.
@lru_cache(maxsize=4096)
def _cached_address_facts(ip: str, anonymise: bool) -> tuple[str | None, geo.Location]:
    address = parse_ip(ip)
    if address is None:
        return None, geo.UNKNOWN_LOCATION
    location = geo.locate(address)  # from the full address, whatever is stored
    if anonymise:
        address = anonymised(address)
    return str(address), location


@lru_cache(maxsize=64)
def _normalised_hosts(hosts: frozenset[str]) -> frozenset[str]:
    return frozenset(_host_names(hosts))


def _host_names(hosts: Iterable[object]) -> Iterable[str]:
    for host in hosts:
        if isinstance(host, str) and (name := host.strip().lower().rstrip(".")):
            yield name
