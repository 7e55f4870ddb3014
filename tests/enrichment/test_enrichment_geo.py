import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from enrichment import build_context, geo
from enrichment.addresses import parse_ip

NO_LOCATION = {"country": None, "countryName": None, "region": None, "locality": None}


def geolocation(ip):
    return build_context(user_agent=None, ip=ip, referrer=None, page_url=None)["geolocation"]


def test_public_ipv4_in_the_united_states():
    assert geolocation("8.8.8.8") == {
        "country": "US", "countryName": "United States", "region": None, "locality": None
    }


def test_public_ipv4_in_the_united_kingdom():
    assert geolocation("81.2.69.160") == {
        "country": "GB", "countryName": "United Kingdom", "region": None, "locality": None
    }


def test_public_ipv6():
    assert geolocation("2001:4860:4860::8888")["country"] == "US"


def test_ipv4_mapped_ipv6_is_located_as_ipv4():
    assert geolocation("::ffff:81.2.69.160")["country"] == "GB"


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1",
        "0.0.0.0", "255.255.255.255", "224.0.0.1", "203.0.113.5", "::1", "fe80::1",
        "fd00::1", "2001:db8::1",
    ],
)
def test_private_loopback_and_reserved_addresses_have_no_location(ip):
    assert geolocation(ip) == NO_LOCATION


@pytest.mark.parametrize(
    "ip", [None, "", "junk", "999.1.1.1", "1.2.3", "8.8.8.8:443", "[::1]", "010.1.1.1", 8, "8.8.8.8 x"]
)
def test_malformed_addresses_have_no_location(ip):
    assert geolocation(ip) == NO_LOCATION


def test_surrounding_whitespace_is_ignored():
    assert geolocation(" 8.8.8.8\n")["country"] == "US"


def test_database_ships_with_the_package():
    import geoip2fast

    assert (Path(geoip2fast.__file__).parent / geo.DATA_FILE).is_file()
    assert geo.load_database()


def test_concurrent_first_lookups_load_the_database_once(monkeypatch):
    loads = []

    def slow_open():
        loads.append(threading.get_ident())
        time.sleep(0.05)
        return None

    monkeypatch.setattr(geo, "_open_database", slow_open)
    monkeypatch.setattr(geo, "_loaded", False)
    monkeypatch.setattr(geo, "_database", None)
    threads = [threading.Thread(target=geo.load_database) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1


def test_database_that_cannot_load_leaves_visits_unlocated(monkeypatch, caplog):
    monkeypatch.setattr(geo, "DATA_FILE", "missing.dat.gz")
    monkeypatch.setattr(geo, "_loaded", False)
    monkeypatch.setattr(geo, "_database", None)
    assert geo.locate(parse_ip("8.8.8.8")) == geo.UNKNOWN_LOCATION
    assert "could not be loaded" in caplog.text


@pytest.mark.slow
def test_loading_does_not_change_the_environment_of_child_processes():
    # geoip2fast sets PYTHONWARNINGS=ignore on import; a fresh interpreter shows whether it leaks.
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env.pop("PYTHONIOENCODING", None)
    code = "import os, enrichment; enrichment.warm_up(); print(os.environ.get('PYTHONWARNINGS'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "None"
