import pytest

from identity import InvalidIdentity, normalize_cookie_id


@pytest.mark.parametrize(
    "raw",
    [
        "GA1.2.1234567890.1699999999",
        "3f2b6c1e-8d4a-4b7e-9c2d-1a2b3c4d5e6f",
        "sess:Abc_DEF-1.2",
        "x",
    ],
)
def test_accepts_typical_cookie_ids_unchanged(raw):
    assert normalize_cookie_id(raw) == raw


def test_trims_surrounding_whitespace():
    assert normalize_cookie_id("\t abc123 \n") == "abc123"


def test_accepts_128_characters():
    cookie_id = "ab" * 64
    assert normalize_cookie_id(cookie_id) == cookie_id


def test_rejects_more_than_128_characters():
    with pytest.raises(InvalidIdentity, match="129 characters long; the limit is 128") as error:
        normalize_cookie_id("ab" * 64 + "c")
    assert error.value.field == "cookieId"


@pytest.mark.parametrize(
    ("raw", "code_point"),
    [
        ("abc def", "U+0020"),
        ("abc;def", "U+003B"),
        ("abc=def", "U+003D"),
        ("abc/def", "U+002F"),
        ("abc+def", "U+002B"),
        ("café", "U+00E9"),
        ("abc\x00def", "U+0000"),
        ("abc\ndef", "U+000A"),
    ],
)
def test_rejects_characters_outside_the_allowed_set(raw, code_point):
    with pytest.raises(InvalidIdentity) as error:
        normalize_cookie_id(raw)
    assert error.value.field == "cookieId"
    assert code_point in error.value.reason
