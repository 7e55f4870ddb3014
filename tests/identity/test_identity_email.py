import pytest

from identity import InvalidIdentity, normalize_email


def _email_of_length(length: int, local_part: str = "a" * 64) -> str:
    # Labels are capped at 63 characters, so the domain is built from several.
    head = f"{local_part}@{'b' * 63}.{'c' * 63}."
    tail = ".com"
    return head + "d" * (length - len(head) - len(tail)) + tail


def test_trims_surrounding_whitespace():
    assert normalize_email(" \t jane@example.com \n") == "jane@example.com"


def test_lower_cases_the_domain():
    assert normalize_email("jane@Example.COM") == "jane@example.com"


def test_lower_cases_the_local_part():
    assert normalize_email("Jane.Doe@example.com") == "jane.doe@example.com"


def test_keeps_plus_addressing():
    assert normalize_email("Jane+Newsletter@example.com") == "jane+newsletter@example.com"


def test_keeps_dots_in_the_local_part():
    assert normalize_email("j.a.n.e@gmail.com") == "j.a.n.e@gmail.com"


def test_keeps_a_unicode_domain_in_unicode_form():
    assert normalize_email("user@BÜCHER.de") == "user@bücher.de"


def test_reads_a_punycode_domain_as_its_unicode_form():
    assert normalize_email("user@xn--bcher-kva.de") == "user@bücher.de"


def test_lower_cases_a_unicode_local_part():
    assert normalize_email("José@example.com") == "josé@example.com"


@pytest.mark.parametrize(
    "raw",
    [
        "plainaddress",
        "@example.com",
        "user@",
        "user@@example.com",
        "user@example",
        "user name@example.com",
        "user@exa\nmple.com",
        "Jane <jane@example.com>",
        '"quoted"@example.com',
        "user@[192.0.2.1]",
        "user@example.test",
    ],
)
def test_rejects_invalid_syntax(raw):
    with pytest.raises(InvalidIdentity) as error:
        normalize_email(raw)
    assert error.value.field == "email"


def test_accepts_254_characters():
    email = _email_of_length(254)
    assert normalize_email(email) == email


def test_rejects_more_than_254_characters():
    with pytest.raises(InvalidIdentity, match="255 characters long; the limit is 254"):
        normalize_email(_email_of_length(255))


def test_rejects_254_characters_that_exceed_254_utf8_octets():
    with pytest.raises(InvalidIdentity, match="too long"):
        normalize_email(_email_of_length(254, local_part="é" + "a" * 63))
