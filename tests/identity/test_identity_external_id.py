import pytest

from identity import InvalidIdentity, normalize_external_id


def test_trims_surrounding_whitespace():
    assert normalize_external_id("  CRM-00042 \n") == "CRM-00042"


def test_keeps_case_punctuation_and_inner_spaces():
    assert normalize_external_id("Acct/42 Jane.Doe#1") == "Acct/42 Jane.Doe#1"


def test_accepts_printable_unicode():
    assert normalize_external_id("客户-42") == "客户-42"


def test_accepts_a_single_character():
    assert normalize_external_id("7") == "7"


def test_accepts_128_characters():
    external_id = "ab" * 64
    assert normalize_external_id(external_id) == external_id


def test_rejects_more_than_128_characters():
    with pytest.raises(InvalidIdentity, match="129 characters long; the limit is 128") as error:
        normalize_external_id("ab" * 64 + "c")
    assert error.value.field == "externalId"


@pytest.mark.parametrize(
    ("raw", "code_point"),
    [
        ("abc\x00def", "U+0000"),
        ("abc\tdef", "U+0009"),
        ("abc\ndef", "U+000A"),
        ("abc\x7fdef", "U+007F"),
        ("abc\u200bdef", "U+200B"),
        ("abc\u2028def", "U+2028"),
    ],
)
def test_rejects_non_printable_characters(raw, code_point):
    with pytest.raises(InvalidIdentity) as error:
        normalize_external_id(raw)
    assert error.value.field == "externalId"
    assert code_point in error.value.reason
