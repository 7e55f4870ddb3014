"""Turns the raw facts of a request into a visit context.

Browser, device and operating system from the User-Agent, language from Accept-Language,
country from the IP address, marketing medium from the referrer, and campaign from the
landing page's UTM tags. Every function here takes junk without raising: what cannot be
read becomes None, "other" or "unknown".
"""

from __future__ import annotations

from enrichment.addresses import anonymise_ip
from enrichment.context import build_context, warm_up
from enrichment.urls import strip_query_params

__all__ = ["anonymise_ip", "build_context", "strip_query_params", "warm_up"]
