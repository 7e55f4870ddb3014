"""Country of an IP address, from the GeoLite2-derived database that geoip2fast ships.

The geoip2fast wheel ships country data only (IPv4 and IPv6); its city-level files are
downloaded from the project's release page, which this service must not depend on at run
time. Region and locality are therefore always None.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from enrichment.addresses import IPAddress, is_public

if TYPE_CHECKING:
    from geoip2fast import GeoIP2Fast

logger = logging.getLogger(__name__)

DATA_FILE = "geoip2fast-ipv6.dat.gz"
"""Country networks for IPv4 and IPv6, in the geoip2fast package directory."""


class Location(NamedTuple):
    country: str | None
    country_name: str | None
    region: str | None
    locality: str | None


UNKNOWN_LOCATION = Location(None, None, None, None)

_load_lock = threading.Lock()
_loaded = False
_database: GeoIP2Fast | None = None


def locate(address: IPAddress | None) -> Location:
    """Where the address is registered; UNKNOWN_LOCATION for private, reserved or unlisted ones."""
    if address is None or not is_public(address):
        return UNKNOWN_LOCATION
    database = _get_database()
    if database is None:
        return UNKNOWN_LOCATION
    result = database.lookup(str(address))
    # Misses come back as "--" (not found, private) or "" (rejected), never as an exception.
    if result.is_private or len(result.country_code) != 2 or not result.country_code.isalpha():
        return UNKNOWN_LOCATION
    return Location(result.country_code, result.country_name or None, None, None)


def load_database() -> bool:
    """Load the database now rather than on the first lookup; False if it cannot be loaded."""
    return _get_database() is not None


def _get_database() -> GeoIP2Fast | None:
    global _loaded, _database
    if not _loaded:
        with _load_lock:
            if not _loaded:
                _database = _open_database()
                _loaded = True
    return _database


def _open_database() -> GeoIP2Fast | None:
    started = time.perf_counter()
    try:
        with _environment_kept("PYTHONWARNINGS", "PYTHONIOENCODING"):
            import geoip2fast
        # An absolute path: given a bare name, geoip2fast looks in the working directory first.
        path = Path(geoip2fast.__file__).with_name(DATA_FILE)
        database = geoip2fast.GeoIP2Fast(geoip2fast_data_file=str(path))
    except Exception:
        # Geolocation is an enrichment: losing it must not lose the events it decorates.
        logger.exception("GeoIP database could not be loaded; visits will have no location")
        return None
    logger.info("Loaded %s in %.0f ms", DATA_FILE, (time.perf_counter() - started) * 1000)
    return database


@contextmanager
def _environment_kept(*names: str) -> Iterator[None]:
    # Importing geoip2fast sets PYTHONWARNINGS=ignore (and PYTHONIOENCODING) in os.environ,
    # which would silence warnings in every subprocess this service starts afterwards.
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
