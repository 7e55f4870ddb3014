import pytest

from identity import (
    InvalidIdentity,
    normalize_cookie_id,
    normalize_email,
    normalize_external_id,
    normalize_phone,
)

NORMALIZERS_BY_FIELD = {
    "email": normalize_email,
    "phone": normalize_phone,
    "externalId": normalize_external_id,
    "cookieId": normalize_cookie_id,
}

every_field = pytest.mark.parametrize("field", NORMALIZERS_BY_FIELD)

PLACEHOLDERS = [
    "null",
    "undefined",
    "none",
    "nil",
    "nan",
    "anonymous",
    "unknown",
    "test",
    "n/a",
    "-",
    "0",
    "[object Object]",
    "true",
    "false",
]


def _rejection(field: str, raw: str) -> InvalidIdentity:
    with pytest.raises(InvalidIdentity) as error:
        NORMALIZERS_BY_FIELD[field](raw)
    return error.value


@every_field
@pytest.mark.parametrize("raw", PLACEHOLDERS)
def test_rejects_placeholders(field, raw):
    rejection = _rejection(field, raw)
    assert rejection.field == field
    assert rejection.reason.startswith(f"{raw!r} is a placeholder, not ")


@every_field
@pytest.mark.parametrize("raw", ["NULL", "Undefined", "N/A", "[OBJECT OBJECT]", "TRUE", "NaN"])
def test_rejects_placeholders_in_any_case(field, raw):
    assert "is a placeholder" in _rejection(field, raw).reason


@every_field
def test_rejects_placeholders_surrounded_by_whitespace(field):
    assert _rejection(field, "  null \n").reason.startswith("'null' is a placeholder")


@every_field
@pytest.mark.parametrize("raw", ["", " ", "\t\n", "\u3000"])
def test_rejects_blank_values(field, raw):
    rejection = _rejection(field, raw)
    assert (rejection.field, rejection.reason) == (field, "must not be blank")


@every_field
@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("aaaa", "'a' repeated 4 times is a placeholder"),
        ("1111111", "'1' repeated 7 times is a placeholder"),
        ("xx", "'x' repeated 2 times is a placeholder"),
        ("....", "'.' repeated 4 times is a placeholder"),
    ],
)
def test_rejects_one_repeated_character(field, raw, reason):
    rejection = _rejection(field, raw)
    assert rejection.field == field
    assert rejection.reason.startswith(reason)


def test_reason_names_what_the_value_should_have_been():
    assert str(_rejection("email", "null")) == "email: 'null' is a placeholder, not an email address"


@pytest.mark.parametrize("raw", ["nullable", "test-user-1", "none.of.these", "aaab"])
def test_accepts_values_that_merely_contain_a_placeholder(raw):
    assert normalize_external_id(raw) == raw
