import pytest

from enrichment import build_context


def lang(accept_language):
    context = build_context(
        user_agent=None, ip=None, referrer=None, page_url=None, accept_language=accept_language
    )
    return context["browser"]["lang"]


def test_first_tag_of_a_weighted_list():
    assert lang("en-GB,en;q=0.9,fr;q=0.8") == "en-GB"


def test_single_language():
    assert lang("de") == "de"


def test_tag_case_is_made_canonical():
    assert lang("EN-gb, en") == "en-GB"


def test_script_subtag_is_title_case():
    assert lang("zh-hant-tw") == "zh-Hant-TW"


def test_locale_name_with_underscore_becomes_a_tag():
    assert lang("en_US") == "en-US"


def test_wildcard_is_skipped():
    assert lang("*, fr-CA;q=0.5") == "fr-CA"


@pytest.mark.parametrize("header", [None, "", "   ", "*", ";q=0.9", "12-34", "<script>", "en-", 42])
def test_unreadable_header_gives_none(header):
    assert lang(header) is None
