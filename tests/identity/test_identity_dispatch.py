import pytest

from identity import (
    InvalidIdentity,
    normalize_cookie_id,
    normalize_email,
    normalize_external_id,
    normalize_identity,
    normalize_phone,
)


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("COOKIE", " GA1.2.345 ", "GA1.2.345"),
        ("EMAIL", "Jane@Example.com", "jane@example.com"),
        ("PHONE", "(650) 253-0000", "+16502530000"),
        ("EXTERNAL_ID", " CRM-42 ", "CRM-42"),
    ],
)
def test_dispatches_on_kind(kind, raw, expected):
    assert normalize_identity(kind, raw) == expected


def test_passes_the_default_region_to_phone_numbers():
    assert normalize_identity("PHONE", "020 7946 0000", default_region="GB") == "+442079460000"


def test_default_region_is_keyword_only():
    with pytest.raises(TypeError):
        normalize_identity("PHONE", "020 7946 0000", "GB")


@pytest.mark.parametrize(
    ("kind", "field"),
    [("COOKIE", "cookieId"), ("EMAIL", "email"), ("PHONE", "phone"), ("EXTERNAL_ID", "externalId")],
)
def test_rejections_name_the_field_of_the_kind(kind, field):
    with pytest.raises(InvalidIdentity) as error:
        normalize_identity(kind, "undefined")
    assert error.value.field == field


@pytest.mark.parametrize("kind", ["email", "SMS", "", "USER_ID"])
def test_unknown_kind_is_a_programming_error(kind):
    with pytest.raises(ValueError, match="unknown identity kind") as error:
        normalize_identity(kind, "jane@example.com")
    assert not isinstance(error.value, InvalidIdentity)


@pytest.mark.parametrize("kind", ["COOKIE", "EMAIL", "EXTERNAL_ID"])
def test_unsupported_default_region_is_a_programming_error_for_every_kind(kind):
    with pytest.raises(ValueError, match="default_region") as error:
        normalize_identity(kind, "abc123", default_region="XX")
    assert not isinstance(error.value, InvalidIdentity)


@pytest.mark.parametrize(
    "normalize", [normalize_email, normalize_phone, normalize_external_id, normalize_cookie_id]
)
@pytest.mark.parametrize("raw", [None, 42, b"abc"])
def test_non_string_input_is_a_programming_error(normalize, raw):
    with pytest.raises(TypeError, match="must be a str"):
        normalize(raw)
