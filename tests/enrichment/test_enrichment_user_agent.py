from enrichment import build_context

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36"
)
CHROME_ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.144 Mobile Safari/537.36"
)
FIREFOX_ANDROID_TABLET = "Mozilla/5.0 (Android 13; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0"
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_SMARTPHONE = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)
ANDROID_TV = (
    "Mozilla/5.0 (Linux; Android 12; SHIELD Android TV Build/SR1A.211012.001) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/115.0 Safari/537.36"
)


def describe(user_agent):
    context = build_context(user_agent=user_agent, ip=None, referrer=None, page_url=None)
    return context["browser"], context["device"]


def test_chrome_on_windows_is_a_desktop():
    browser, device = describe(CHROME_WINDOWS)
    assert browser["family"] == "Chrome"
    assert browser["version"] == "120.0"
    assert device == {"category": "desktop", "osFamily": "Windows", "osVersion": "10"}


def test_safari_on_iphone_is_a_mobile():
    browser, device = describe(SAFARI_IPHONE)
    assert browser["family"] == "Mobile Safari"
    assert browser["version"] == "17.1"
    assert device == {"category": "mobile", "osFamily": "iOS", "osVersion": "17.1"}


def test_ipad_is_a_tablet():
    _, device = describe(SAFARI_IPAD)
    assert device == {"category": "tablet", "osFamily": "iOS", "osVersion": "16.6"}


def test_android_without_mobile_token_is_a_tablet():
    browser, device = describe(CHROME_ANDROID_TABLET)
    assert browser["family"] == "Chrome"
    assert device == {"category": "tablet", "osFamily": "Android", "osVersion": "13"}


def test_android_with_mobile_token_is_a_mobile():
    browser, device = describe(CHROME_ANDROID_PHONE)
    assert browser["family"] == "Chrome Mobile"
    assert device["category"] == "mobile"


def test_tablet_in_user_agent_is_a_tablet():
    _, device = describe(FIREFOX_ANDROID_TABLET)
    assert device["category"] == "tablet"


def test_firefox_on_linux_is_a_desktop_without_os_version():
    browser, device = describe(FIREFOX_LINUX)
    assert browser == {"family": "Firefox", "version": "121.0", "lang": None}
    assert device == {"category": "desktop", "osFamily": "Linux", "osVersion": None}


def test_safari_on_mac_is_a_desktop():
    browser, device = describe(SAFARI_MAC)
    assert browser["family"] == "Safari"
    assert device == {"category": "desktop", "osFamily": "Mac OS X", "osVersion": "10.15"}


def test_googlebot_is_other():
    browser, device = describe(GOOGLEBOT)
    assert browser["family"] == "Googlebot"
    assert device["category"] == "other"


def test_googlebot_posing_as_a_phone_is_still_other():
    _, device = describe(GOOGLEBOT_SMARTPHONE)
    assert device["category"] == "other"


def test_android_tv_is_other_not_a_tablet():
    _, device = describe(ANDROID_TV)
    assert device["category"] == "other"


def test_command_line_client_has_a_family_but_no_device():
    browser, device = describe("curl/8.4.0")
    assert browser["family"] == "curl"
    assert device == {"category": "other", "osFamily": None, "osVersion": None}


def test_unrecognised_user_agent_is_all_unknown():
    browser, device = describe("definitely not a browser")
    assert browser == {"family": None, "version": None, "lang": None}
    assert device == {"category": "other", "osFamily": None, "osVersion": None}


def test_missing_user_agent_is_all_unknown():
    context = build_context(user_agent=None, ip=None, referrer=None, page_url=None)
    assert context["browser"]["family"] is None
    assert context["device"]["category"] == "other"
    assert context["userAgent"] is None


def test_user_agent_is_kept_as_sent_minus_surrounding_space():
    context = build_context(user_agent=f"  {CHROME_WINDOWS}\n", ip=None, referrer=None, page_url=None)
    assert context["userAgent"] == CHROME_WINDOWS


def test_lone_surrogate_in_user_agent_is_replaced_not_raised():
    context = build_context(user_agent="Mozilla/5.0 \ud800", ip=None, referrer=None, page_url=None)
    assert context["userAgent"] == "Mozilla/5.0 \ufffd"


def test_huge_user_agent_is_parsed_from_its_start():
    browser, device = describe(CHROME_WINDOWS + " x" * 50_000)
    assert browser["family"] == "Chrome"
    assert device["category"] == "desktop"
