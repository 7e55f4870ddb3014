import pytest

from enrichment import anonymise_ip, build_context, geo
from enrichment import context as context_module
from enrichment.geo import locate


def test_ipv4_loses_its_last_octet():
    assert anonymise_ip("203.0.113.77") == "203.0.113.0"


def test_ipv6_loses_its_last_80_bits():
    assert anonymise_ip("2001:db8:abcd:1234:5678:9abc:def0:1234") == "2001:db8:abcd::"


def test_ipv6_is_written_in_compressed_form():
    assert anonymise_ip("2001:0DB8:0000:0000:0000:0000:0000:0001") == "2001:db8::"


def test_ipv4_mapped_ipv6_is_anonymised_as_ipv4():
    assert anonymise_ip("::ffff:81.2.69.160") == "81.2.69.0"


@pytest.mark.parametrize("ip", [None, "", "junk", "1.2.3.4.5", "300.1.1.1", "::g", 12345, b"1.2.3.4"])
def test_malformed_address_gives_none(ip):
    assert anonymise_ip(ip) is None


def test_context_keeps_the_full_address_by_default():
    context = build_context(user_agent=None, ip="81.2.69.160", referrer=None, page_url=None)
    assert context["ip"] == "81.2.69.160"


def test_context_stores_the_anonymised_address_but_locates_the_full_one(monkeypatch):
    located = []

    def spy(address):
        located.append(str(address))
        return locate(address)

    monkeypatch.setattr(geo, "locate", spy)
    context_module._cached_address_facts.cache_clear()  # an earlier test may have cached this IP
    context = build_context(
        user_agent=None, ip="81.2.69.160", referrer=None, page_url=None, anonymise_ip=True
    )
    assert context["ip"] == "81.2.69.0"
    assert located == ["81.2.69.160"]
    assert context["geolocation"]["country"] == "GB"


def test_context_stores_anonymised_ipv6():
    context = build_context(
        user_agent=None, ip="2001:4860:4860::8888", referrer=None, page_url=None, anonymise_ip=True
    )
    assert context["ip"] == "2001:4860:4860::"
    assert context["geolocation"]["country"] == "US"


def test_context_normalises_the_stored_address():
    context = build_context(user_agent=None, ip=" 2001:4860:4860:0:0:0:0:8888 ", referrer=None, page_url=None)
    assert context["ip"] == "2001:4860:4860::8888"


def test_context_stores_none_for_a_malformed_address():
    context = build_context(user_agent=None, ip="not an ip", referrer=None, page_url=None, anonymise_ip=True)
    assert context["ip"] is None
