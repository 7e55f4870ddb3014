"""Parsing, classifying and anonymising client IP addresses."""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv6Address

type IPAddress = IPv4Address | IPv6Address

_IPV4_KEPT_BITS = 24
_IPV6_KEPT_BITS = 48
_IPV4_MASK = ((1 << _IPV4_KEPT_BITS) - 1) << (32 - _IPV4_KEPT_BITS)
_IPV6_MASK = ((1 << _IPV6_KEPT_BITS) - 1) << (128 - _IPV6_KEPT_BITS)


def parse_ip(value: object) -> IPAddress | None:
    """The address in `value`, or None if it is not a single, plain IP address.

    IPv4-mapped IPv6 addresses (how dual-stack sockets report IPv4 clients) come back
    as IPv4, so that they geolocate, anonymise and compare like the client's real address.
    """
    if not isinstance(value, str):
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public(address: IPAddress) -> bool:
    """Whether the address is routable on the internet, so a location can mean anything."""
    return address.is_global and not address.is_multicast


def anonymised(address: IPAddress) -> IPAddress:
    """The address with its host part zeroed: the last octet of IPv4, the last 80 bits of IPv6."""
    if isinstance(address, IPv4Address):
        return IPv4Address(int(address) & _IPV4_MASK)
    return IPv6Address(int(address) & _IPV6_MASK)


def anonymise_ip(ip: str) -> str | None:
    """`ip` with its host part zeroed ("203.0.113.77" -> "203.0.113.0"), None if it is no IP."""
    address = parse_ip(ip)
    return None if address is None else str(anonymised(address))
