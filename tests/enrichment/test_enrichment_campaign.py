from enrichment import build_context

NO_CAMPAIGN = {"source": None, "medium": None, "name": None, "term": None, "content": None}


def campaign(page_url):
    return build_context(user_agent=None, ip=None, referrer=None, page_url=page_url)["campaign"]


def test_all_utm_parameters():
    url = (
        "https://shop.example.com/?utm_source=google&utm_medium=cpc&utm_campaign=spring+sale"
        "&utm_term=red%20shoes&utm_content=banner-a"
    )
    assert campaign(url) == {
        "source": "google", "medium": "cpc", "name": "spring sale", "term": "red shoes", "content": "banner-a"
    }


def test_missing_parameters_are_none():
    assert campaign("https://shop.example.com/?utm_source=news") == {**NO_CAMPAIGN, "source": "news"}


def test_parameter_names_are_case_insensitive():
    assert campaign("https://shop.example.com/?UTM_Source=news")["source"] == "news"


def test_blank_values_are_none():
    assert campaign("https://shop.example.com/?utm_source=&utm_medium=%20") == NO_CAMPAIGN


def test_first_of_repeated_parameters_wins():
    assert campaign("https://shop.example.com/?utm_source=a&utm_source=b")["source"] == "a"


def test_parameters_after_the_fragment_are_ignored():
    assert campaign("https://shop.example.com/#utm_source=a") == NO_CAMPAIGN


def test_no_page_url_has_no_campaign():
    assert campaign(None) == NO_CAMPAIGN


def test_malformed_page_url_has_no_campaign():
    assert campaign("http://[bad/?utm_source=x") == NO_CAMPAIGN
