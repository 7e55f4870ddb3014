import json
import random

import bson
import pytest

from enrichment import build_context, geo, warm_up

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
KEYS = {
    "browser": {"family", "version", "lang"},
    "device": {"category", "osFamily", "osVersion"},
    "geolocation": {"country", "countryName", "region", "locality"},
    "referrer": {"url", "hostname", "medium"},
    "campaign": {"source", "medium", "name", "term", "content"},
    "userAgent": None,
    "ip": None,
}
PLAIN_TYPES = (str, int, float, bool, type(None))


def assert_shape(context):
    assert context.keys() == KEYS.keys()
    for key, inner in KEYS.items():
        if inner is None:
            assert isinstance(context[key], PLAIN_TYPES)
        else:
            assert context[key].keys() == inner
            assert all(isinstance(value, PLAIN_TYPES) for value in context[key].values())
    json.dumps(context, allow_nan=False)
    bson.encode(context)


def test_full_context():
    context = build_context(
        user_agent=CHROME_WINDOWS,
        ip="81.2.69.160",
        referrer="https://www.google.co.uk/",
        page_url="https://shop.example.com/?utm_source=google&utm_campaign=spring",
        accept_language="en-GB,en;q=0.9",
        site_hosts=frozenset({"shop.example.com"}),
    )
    assert context == {
        "browser": {"family": "Chrome", "version": "120.0", "lang": "en-GB"},
        "device": {"category": "desktop", "osFamily": "Windows", "osVersion": "10"},
        "geolocation": {"country": "GB", "countryName": "United Kingdom", "region": None, "locality": None},
        "referrer": {"url": "https://www.google.co.uk/", "hostname": "www.google.co.uk", "medium": "search"},
        "campaign": {"source": "google", "medium": None, "name": "spring", "term": None, "content": None},
        "userAgent": CHROME_WINDOWS,
        "ip": "81.2.69.160",
    }
    assert_shape(context)


def test_nothing_known_still_has_every_key():
    context = build_context(user_agent=None, ip=None, referrer=None, page_url=None)
    assert_shape(context)
    assert context["device"]["category"] == "other"
    assert context["referrer"]["medium"] == "direct"


def test_contexts_do_not_share_mutable_parts():
    first = build_context(user_agent=CHROME_WINDOWS, ip="8.8.8.8", referrer=None, page_url=None)
    first["browser"]["family"] = "changed"
    first["geolocation"]["country"] = "changed"
    second = build_context(user_agent=CHROME_WINDOWS, ip="8.8.8.8", referrer=None, page_url=None)
    assert second["browser"]["family"] == "Chrome"
    assert second["geolocation"]["country"] == "US"


def test_warm_up_loads_the_geoip_database():
    warm_up()
    assert geo._loaded and geo._database is not None


def test_site_hosts_may_be_any_iterable_of_names():
    context = build_context(
        user_agent=None, ip=None, referrer="https://a.example/", page_url=None, site_hosts={"a.example"}
    )
    assert context["referrer"]["medium"] == "internal"


JUNK = [
    None, "", " ", "\x00", "\ud800", "\udfff\ud800", "💥" * 100, "x" * 100_000, "http://", "://",
    "http://[::1", "http://[zz]/", "http://a.com:99999999/", "http://\uff03.com", "?utm_source",
    "%%%", "&&&=&=", "a" * 5000 + "?" + "utm_source=x&" * 2000, 0, 1.5, b"bytes", ["list"], {"d": 1},
]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_in_any_field_never_raises(junk):
    context = build_context(
        user_agent=junk, ip=junk, referrer=junk, page_url=junk, accept_language=junk, anonymise_ip=True
    )
    assert_shape(context)


def test_random_text_never_raises():
    rng = random.Random(20240618)
    alphabet = "abc.:/?#&=%[]@-_ \t\n;,*0123456789\ud800é中💥"
    for _ in range(500):
        fields = ["".join(rng.choices(alphabet, k=rng.randrange(40))) for _ in range(5)]
        context = build_context(
            user_agent=fields[0], ip=fields[1], referrer=fields[2], page_url=fields[3],
            accept_language=fields[4], site_hosts=frozenset({fields[2][:5]}),
        )
        assert_shape(context)
