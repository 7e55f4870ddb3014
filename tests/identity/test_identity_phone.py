import pytest

from identity import InvalidIdentity, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "+44 20 7946 0000",
        "+442079460000",
        "+44 (0)20 7946 0000",
        "011 44 20 7946 0000",
        "tel:+44-20-7946-0000",
    ],
)
def test_formats_of_one_uk_number_give_one_e164(raw):
    assert normalize_phone(raw) == "+442079460000"


@pytest.mark.parametrize(
    "raw",
    ["(650) 253-0000", "650.253.0000", "650-253-0000", "1 650 253 0000", "+1 650 253 0000"],
)
def test_formats_of_one_us_number_give_one_e164(raw):
    assert normalize_phone(raw) == "+16502530000"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+33 1 42 68 53 00", "+33142685300"),
        ("+49 30 901820", "+4930901820"),
        ("+81 3-3224-9999", "+81332249999"),
        ("+61 3 9876 5432", "+61398765432"),
        ("+55 11 91234-5678", "+5511912345678"),
        ("+91 98765 43210", "+919876543210"),
    ],
)
def test_international_numbers_from_several_countries(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("020 7946 0000", "GB", "+442079460000"),
        ("0044 20 7946 0000", "GB", "+442079460000"),
        ("01 42 68 53 00", "FR", "+33142685300"),
        ("030 901820", "DE", "+4930901820"),
        ("(03) 9876 5432", "AU", "+61398765432"),
        ("(11) 91234-5678", "BR", "+5511912345678"),
    ],
)
def test_reads_national_numbers_in_the_default_region(raw, region, expected):
    assert normalize_phone(raw, region) == expected


def test_default_region_is_us():
    assert normalize_phone("(650) 253-0000") == "+16502530000"


def test_international_numbers_ignore_the_default_region():
    assert normalize_phone("+44 20 7946 0000", "FR") == "+442079460000"


def test_trims_surrounding_whitespace():
    assert normalize_phone("  +44 20 7946 0000\n") == "+442079460000"


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "000-000-0000",
        "+1 555 0100",
        "555-0100",
        "not a number",
        "+999 1234 5678",
        "12" * 150,
    ],
)
def test_rejects_invalid_numbers(raw):
    with pytest.raises(InvalidIdentity) as error:
        normalize_phone(raw)
    assert error.value.field == "phone"


def test_rejects_a_national_number_from_another_region():
    with pytest.raises(InvalidIdentity, match="read as US numbers"):
        normalize_phone("020 7946 0000")


def test_rejects_one_repeated_digit_however_it_is_formatted():
    with pytest.raises(InvalidIdentity, match="'7' repeated 10 times is a placeholder"):
        normalize_phone("+44 7777 777777")


def test_rejects_an_extension():
    with pytest.raises(InvalidIdentity, match="extension"):
        normalize_phone("+1 650 253 0000 ext. 123")


@pytest.mark.parametrize("region", ["XX", "ZZ", "us", "USA", "", None])
def test_unsupported_default_region_is_a_programming_error(region):
    with pytest.raises(ValueError, match="default_region") as error:
        normalize_phone("+44 20 7946 0000", region)
    assert not isinstance(error.value, InvalidIdentity)
