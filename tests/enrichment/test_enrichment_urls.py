from enrichment import strip_query_params

TRACKING = frozenset({"gclid", "fbclid", "token"})


def test_removes_listed_parameters_and_keeps_the_order_of_the_rest():
    url = "https://example.com/p?b=2&gclid=x&a=1&fbclid=y&c=3"
    assert strip_query_params(url, TRACKING) == "https://example.com/p?b=2&a=1&c=3"


def test_names_are_compared_case_insensitively():
    assert strip_query_params("https://example.com/?GCLID=x&a=1", TRACKING) == "https://example.com/?a=1"


def test_excluded_names_are_case_insensitive_too():
    assert strip_query_params("https://example.com/?token=x&a=1", frozenset({"TOKEN"})) == "https://example.com/?a=1"


def test_percent_encoded_names_are_matched():
    assert strip_query_params("https://example.com/?tok%65n=x&a=1", TRACKING) == "https://example.com/?a=1"


def test_fragment_is_kept():
    assert strip_query_params("https://example.com/p?gclid=x&a=1#top", TRACKING) == "https://example.com/p?a=1#top"


def test_question_mark_goes_when_no_parameter_is_left():
    assert strip_query_params("https://example.com/p?gclid=x#top", TRACKING) == "https://example.com/p#top"


def test_kept_parameters_keep_their_encoding():
    url = "https://example.com/?q=a%20b+c&flag&gclid=x&e=%C3%A9"
    assert strip_query_params(url, TRACKING) == "https://example.com/?q=a%20b+c&flag&e=%C3%A9"


def test_every_occurrence_is_removed():
    assert strip_query_params("https://example.com/?token=1&a=1&token=2", TRACKING) == "https://example.com/?a=1"


def test_question_mark_inside_the_fragment_is_not_a_query():
    url = "https://example.com/#/route?token=x"
    assert strip_query_params(url, TRACKING) == url


def test_url_without_listed_parameters_is_unchanged():
    url = "https://example.com/p?a=1&&b=2&"
    assert strip_query_params(url, TRACKING) == url


def test_url_without_query_is_unchanged():
    assert strip_query_params("https://example.com/p", TRACKING) == "https://example.com/p"


def test_empty_exclusions_change_nothing():
    assert strip_query_params("https://example.com/?gclid=x", frozenset()) == "https://example.com/?gclid=x"


def test_relative_url():
    assert strip_query_params("/p?gclid=x&a=1", TRACKING) == "/p?a=1"


def test_not_a_string_gives_empty_string():
    assert strip_query_params(None, TRACKING) == ""
