"""Canonical forms for the values that identify a visitor.

Profiles are stitched together by exact match on these strings, so every
spelling of one identity must map to one string, and values that would
identify nobody (or everybody) are refused with an ``InvalidIdentity``.

The reasons written here quote a submitted value only when it is a
placeholder or a single offending character: reasons may end up in logs, and
anything more would be personal data.

Passing something other than a ``str`` raises ``TypeError``, and an unknown
``default_region`` or identity kind raises ``ValueError``: those are mistakes
in the calling code, not in the client's data.
"""

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .errors import InvalidIdentity
from .placeholders import placeholder_reason

__all__ = [
    "InvalidIdentity",
    "normalize_cookie_id",
    "normalize_email",
    "normalize_external_id",
    "normalize_identity",
    "normalize_phone",
]

# RFC 5321 caps a forward path at 256 octets including the angle brackets.
EMAIL_MAX_LENGTH = 254
ID_MAX_LENGTH = 128

_NOT_A_COOKIE_ID_CHARACTER = re.compile(r"[^A-Za-z0-9._:-]")


def normalize_email(raw: str) -> str:
    """Return the address with a lower-cased local part and normalised domain.

    Internationalised domains keep the Unicode form the validator produces,
    so "bücher.de" and "xn--bcher-kva.de" give the same result.
    """
    email = _present(raw, "email", "an email address")
    # Checked before validating so an enormous input costs nothing to refuse.
    # The validator then holds the normalised address to 254 UTF-8 octets,
    # which also bounds the result: lower-casing never yields more code points
    # than the original had octets.
    _require_at_most(EMAIL_MAX_LENGTH, email, "email")
    try:
        validated = validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidIdentity("email", str(error)) from error
    # Local parts are case-sensitive by the RFC but not at any mainstream
    # provider. Splitting "Jane@" and "jane@" into two profiles is a worse
    # error than merging the rare mailboxes that differ only by case.
    return f"{validated.local_part.lower()}@{validated.domain}"


def normalize_phone(raw: str, default_region: str = "US") -> str:
    """Return the number in E.164 form, e.g. "+442079460000".

    Numbers written without a country code are read as numbers of
    ``default_region`` (an ISO 3166-1 alpha-2 code such as "US" or "GB").
    """
    _require_supported_region(default_region)
    text = _present(raw, "phone", "a phone number")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidIdentity("phone", error.args[0]) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentity(
            "phone",
            "is not a valid phone number (numbers without a country code "
            f"are read as {default_region} numbers)",
        )
    # Judged on the digits so "777-777-7777" fares like "7777777777".
    placeholder = placeholder_reason(phonenumbers.national_significant_number(number))
    if placeholder is not None:
        raise InvalidIdentity("phone", f"{placeholder}, not a phone number")
    # E.164 has no room for an extension, and dropping it would merge everyone
    # who sits behind the same switchboard.
    if number.extension:
        raise InvalidIdentity(
            "phone", "includes an extension; a direct number is needed to identify one person"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_external_id(raw: str) -> str:
    """Return the trimmed id, otherwise unchanged: ids are opaque and case-sensitive."""
    external_id = _present(raw, "externalId", "an external id")
    _require_at_most(ID_MAX_LENGTH, external_id, "externalId")
    for character in external_id:
        if not character.isprintable():
            raise InvalidIdentity(
                "externalId", f"contains the non-printable character {_describe(character)}"
            )
    return external_id


def normalize_cookie_id(raw: str) -> str:
    """Return the trimmed id, otherwise unchanged: cookie values are case-sensitive."""
    cookie_id = _present(raw, "cookieId", "a cookie id")
    _require_at_most(ID_MAX_LENGTH, cookie_id, "cookieId")
    disallowed = _NOT_A_COOKIE_ID_CHARACTER.search(cookie_id)
    if disallowed is not None:
        raise InvalidIdentity(
            "cookieId",
            f"contains {_describe(disallowed.group())}; only ASCII letters, "
            "digits, '.', '_', ':' and '-' are allowed",
        )
    return cookie_id


def normalize_identity(kind: str, raw: str, *, default_region: str = "US") -> str:
    """Normalise ``raw`` as the identity ``kind`` names (a GraphQL IdentityType name)."""
    # Checked for every kind so a bad region is caught before the first phone arrives.
    _require_supported_region(default_region)
    match kind:
        case "COOKIE":
            return normalize_cookie_id(raw)
        case "EMAIL":
            return normalize_email(raw)
        case "PHONE":
            return normalize_phone(raw, default_region)
        case "EXTERNAL_ID":
            return normalize_external_id(raw)
    raise ValueError(
        f"unknown identity kind {kind!r}; expected COOKIE, EMAIL, PHONE or EXTERNAL_ID"
    )


def _present(raw: str, field: str, noun: str) -> str:
    """Trim ``raw`` and refuse it when nothing real is left."""
    if not isinstance(raw, str):
        raise TypeError(f"{field} must be a str, not {type(raw).__name__}")
    value = raw.strip()
    if not value:
        raise InvalidIdentity(field, "must not be blank")
    placeholder = placeholder_reason(value)
    if placeholder is not None:
        raise InvalidIdentity(field, f"{placeholder}, not {noun}")
    return value


def _require_at_most(limit: int, value: str, field: str) -> None:
    if len(value) > limit:
        raise InvalidIdentity(field, f"is {len(value)} characters long; the limit is {limit}")


def _require_supported_region(region: str) -> None:
    if not isinstance(region, str) or region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"default_region {region!r} is not a region phonenumbers supports; "
            "expected an upper-case ISO 3166-1 alpha-2 code such as 'US'"
        )


def _describe(character: str) -> str:
    # repr() escapes what cannot be shown, the code point removes any doubt.
    return f"{character!r} (U+{ord(character):04X})"
