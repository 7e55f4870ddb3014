"""How a condition compares a found value with its own values.

Every comparison works on the *text form* of the value found in the context or
event:

- a string is case-folded, so "Chrome", "CHROME" and "chrome" are equal;
- a boolean reads "true" or "false";
- an integer reads as its decimal digits; a float as its shortest repr with a
  trailing ".0" dropped, so 2 and 2.0 both read "2" (JSON clients do not
  distinguish them);
- anything else (absent, None, a list, a dict) is *missing*.

A condition's own values are case-folded the same way when it is parsed.

=====================  ==========================================================
Operator               holds when the text form ...
=====================  ==========================================================
EQUAL                  equals any of the values
NOT_EQUAL              equals none of the values; holds when the value is missing
CONTAINS_ANY           contains any of the values as a substring
CONTAINS_ALL           contains every one of the values as a substring
NOT_CONTAINS_ANY       contains none of the values; holds when the value is missing
STARTS_WITH            starts with any of the values
ENDS_WITH              ends with any of the values
GREATER_THAN           is a number greater than the single value
GREATER_THAN_OR_EQUAL  is a number greater than or equal to the single value
LESS_THAN              is a number less than the single value
LESS_THAN_OR_EQUAL     is a number less than or equal to the single value
=====================  ==========================================================

Apart from the two negations, no operator holds for a missing value. A number
is a finite decimal with optional sign, fraction and exponent, surrounding
whitespace allowed ("42", " -0.5 ", "1e3"); "inf", "nan", "1,000", "0x10" and
version strings such as "120.0.1" are not numbers, so a comparison against
them does not hold.
"""

import math
import operator as relations
import re
from collections.abc import Callable, Sequence
from enum import StrEnum

type TextTest = Callable[[str | None], bool]


class Operator(StrEnum):
    EQUAL = "EQUAL"
    NOT_EQUAL = "NOT_EQUAL"
    CONTAINS_ANY = "CONTAINS_ANY"
    CONTAINS_ALL = "CONTAINS_ALL"
    NOT_CONTAINS_ANY = "NOT_CONTAINS_ANY"
    STARTS_WITH = "STARTS_WITH"
    ENDS_WITH = "ENDS_WITH"
    GREATER_THAN = "GREATER_THAN"
    GREATER_THAN_OR_EQUAL = "GREATER_THAN_OR_EQUAL"
    LESS_THAN = "LESS_THAN"
    LESS_THAN_OR_EQUAL = "LESS_THAN_OR_EQUAL"

    @property
    def is_comparison(self) -> bool:
        """Whether the operator compares numbers, taking exactly one numeric value."""
        return self in _RELATIONS


_RELATIONS: dict[Operator, Callable[[float, float], bool]] = {
    Operator.GREATER_THAN: relations.gt,
    Operator.GREATER_THAN_OR_EQUAL: relations.ge,
    Operator.LESS_THAN: relations.lt,
    Operator.LESS_THAN_OR_EQUAL: relations.le,
}

# ASCII digits only: float() would also accept other scripts' digits and "1_000".
_NUMBER = re.compile(
    r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?\s*", re.IGNORECASE
)


def as_text(value: object) -> str | None:
    """The text form of a found value, or None when it is missing."""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # beyond Python's int-to-str digit limit
            return None
    if isinstance(value, float):
        text = repr(value)
        return text.removesuffix(".0")
    return None


def parse_number(text: str) -> float | None:
    """The finite number ``text`` spells, or None."""
    if not _NUMBER.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def compile_test(operator: Operator, values: Sequence[str]) -> TextTest:
    """A predicate over text forms applying ``operator`` to case-folded ``values``.

    Comparison operators read ``values[0]``, which must already be known to be
    a number.
    """
    values = tuple(values)
    match operator:
        case Operator.EQUAL:
            accepted = frozenset(values)
            return lambda text: text in accepted
        case Operator.NOT_EQUAL:
            rejected = frozenset(values)
            return lambda text: text not in rejected
        case Operator.CONTAINS_ANY:
            return lambda text: (
                text is not None and any(value in text for value in values)
            )
        case Operator.CONTAINS_ALL:
            return lambda text: (
                text is not None and all(value in text for value in values)
            )
        case Operator.NOT_CONTAINS_ANY:
            return lambda text: (
                text is None or not any(value in text for value in values)
            )
        case Operator.STARTS_WITH:
            return lambda text: text is not None and text.startswith(values)
        case Operator.ENDS_WITH:
            return lambda text: text is not None and text.endswith(values)
    relation = _RELATIONS[operator]
    threshold = parse_number(values[0])
    if threshold is None:
        raise ValueError(f"{operator.value} compares with a number, not {values[0]!r}")

    def compares(text: str | None) -> bool:
        if text is None:
            return False
        number = parse_number(text)
        return number is not None and relation(number, threshold)

    return compares
