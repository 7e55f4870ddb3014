import pytest

from enrichment import build_context

LANDING = "https://shop.example.com/products/42"


def referrer_of(referrer, page_url=LANDING, site_hosts=frozenset()):
    context = build_context(
        user_agent=None, ip=None, referrer=referrer, page_url=page_url, site_hosts=site_hosts
    )
    return context["referrer"]


def medium(referrer, page_url=LANDING, site_hosts=frozenset()):
    return referrer_of(referrer, page_url, site_hosts)["medium"]


def test_referrer_url_and_hostname_are_kept():
    assert referrer_of("https://WWW.Google.com/search?q=shoes") == {
        "url": "https://WWW.Google.com/search?q=shoes",
        "hostname": "www.google.com",
        "medium": "search",
    }


@pytest.mark.parametrize(
    "referrer",
    [
        "https://www.google.com/", "https://www.google.co.uk/", "https://google.de/",
        "https://www.bing.com/search?q=x", "https://duckduckgo.com/", "https://search.yahoo.com/",
        "https://uk.search.yahoo.com/", "https://www.baidu.com/", "https://yandex.ru/",
        "https://www.ecosia.org/", "https://search.brave.com/",
        "android-app://com.google.android.googlequicksearchbox/",
    ],
)
def test_search_engines(referrer):
    assert medium(referrer) == "search"


@pytest.mark.parametrize(
    "referrer",
    [
        "https://www.facebook.com/", "https://l.facebook.com/l.php?u=x", "https://t.co/abc",
        "https://twitter.com/", "https://x.com/someone", "https://www.linkedin.com/feed/",
        "https://lnkd.in/abc", "https://www.instagram.com/", "https://www.reddit.com/r/x",
        "https://www.youtube.com/watch?v=1", "https://www.pinterest.co.uk/", "https://www.tiktok.com/",
    ],
)
def test_social_networks(referrer):
    assert medium(referrer) == "social"


@pytest.mark.parametrize(
    "referrer",
    [
        "https://mail.google.com/mail/u/0/", "https://outlook.live.com/mail/0/",
        "https://outlook.office.com/", "https://mail.yahoo.com/", "https://uk.mail.yahoo.com/",
        "android-app://com.google.android.gm/",
    ],
)
def test_webmail_is_email_not_search(referrer):
    assert medium(referrer) == "email"


def test_utm_medium_email_is_email():
    assert medium(None, page_url=f"{LANDING}?utm_source=newsletter&utm_medium=email") == "email"


@pytest.mark.parametrize(
    "hostname", ["notgoogle.com", "google.example.com", "google.github.io", "mygoogle.co.uk", "xt.co"]
)
def test_hostnames_are_matched_by_registrable_domain_not_substring(hostname):
    assert medium(f"https://{hostname}/") == "unknown"


@pytest.mark.parametrize("query", ["gclid=abc", "fbclid=abc", "msclkid=abc", "GCLID=abc"])
def test_ad_click_ids_are_paid(query):
    assert medium("https://www.google.com/", page_url=f"{LANDING}?{query}") == "paid"


@pytest.mark.parametrize("utm_medium", ["cpc", "ppc", "paid", "paidsearch", "display", "CPC", "paid-search"])
def test_paid_utm_mediums_are_paid(utm_medium):
    assert medium("https://www.bing.com/", page_url=f"{LANDING}?utm_medium={utm_medium}") == "paid"


def test_utm_medium_outranks_the_referring_host():
    assert medium("https://www.google.com/", page_url=f"{LANDING}?utm_medium=social") == "social"


def test_referrer_on_the_page_host_is_internal():
    assert medium("https://shop.example.com/cart") == "internal"


def test_referrer_on_a_site_host_is_internal():
    assert medium("https://blog.example.com/post", site_hosts=frozenset({"blog.example.com"})) == "internal"


def test_site_hosts_are_compared_case_insensitively():
    assert medium("https://blog.example.com/", site_hosts=frozenset({"Blog.Example.com."})) == "internal"


def test_internal_outranks_paid_tags():
    assert medium("https://shop.example.com/", page_url=f"{LANDING}?gclid=abc") == "internal"


def test_sibling_subdomain_not_listed_is_not_internal():
    assert medium("https://blog.example.com/") == "unknown"


def test_no_referrer_and_no_tags_is_direct():
    assert referrer_of(None) == {"url": None, "hostname": None, "medium": "direct"}


def test_blank_referrer_is_direct():
    assert medium("   ") == "direct"


def test_no_referrer_with_unclassified_utm_is_unknown():
    assert medium(None, page_url=f"{LANDING}?utm_source=partner&utm_medium=affiliate") == "unknown"


def test_unknown_site_is_unknown():
    assert medium("https://some-blog.example.org/article") == "unknown"


@pytest.mark.parametrize("referrer", ["not a url", "http://[::1", "about:blank", "http://\uff03.com/"])
def test_unreadable_referrer_is_unknown_without_url(referrer):
    assert referrer_of(referrer) == {"url": None, "hostname": None, "medium": "unknown"}
