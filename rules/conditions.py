"""Validation of raw condition definitions into immutable, pre-compiled conditions."""

import dataclasses
from collections.abc import Mapping

from rules.errors import RuleDefinitionError
from rules.fields import field_path, is_context_field, read
from rules.operators import Operator, TextTest, as_text, compile_test, parse_number

MAX_CONDITIONS = 20
MAX_VALUES = 100
MAX_VALUE_LENGTH = 500
# A session's count stops at its condition's target, so bounding targets keeps
# every stored count a 32-bit integer in BSON.
MAX_COUNT = 1_000_000

_KEYS = frozenset({"field", "operator", "values", "count"})


@dataclasses.dataclass(frozen=True, slots=True)
class Condition:
    """One validated condition; build it with :func:`parse_conditions`.

    ``values`` are case-folded and de-duplicated. ``count`` is None for a
    context field and the number of matching events needed (at least 1) for
    an event field.
    """

    field: str
    operator: Operator
    values: tuple[str, ...]
    count: int | None
    path: tuple[str, ...] = dataclasses.field(init=False, repr=False, compare=False)
    accepts: TextTest = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        path = field_path(self.field)
        if path is None:
            raise ValueError(f"unknown field {self.field!r}")
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "accepts", compile_test(self.operator, self.values))

    @property
    def reads_context(self) -> bool:
        return is_context_field(self.field)

    @property
    def events_needed(self) -> int:
        """``count`` of an event condition; a context condition counts no events."""
        if self.count is None:
            raise ValueError(f"{self.field} is a context field: it counts no events")
        return self.count

    def matches(self, source: object) -> bool:
        """Whether ``source`` satisfies the operator; ``count`` plays no part here.

        ``source`` is the visit context for a context field, else one event.
        """
        return self.accepts(as_text(read(source, self.path)))


def parse_conditions(raw: list[dict]) -> tuple[Condition, ...]:
    """Validate raw condition definitions.

    Raises :class:`RuleDefinitionError` naming the first offending part.
    """
    if not isinstance(raw, (list, tuple)):
        raise RuleDefinitionError("conditions", "must be a list")
    if not raw:
        raise RuleDefinitionError("conditions", "at least one condition is required")
    if len(raw) > MAX_CONDITIONS:
        raise RuleDefinitionError(
            "conditions",
            f"at most {MAX_CONDITIONS} conditions are allowed, got {len(raw)}",
        )
    return tuple(
        _parse_condition(item, f"conditions[{index}]") for index, item in enumerate(raw)
    )


def _parse_condition(raw: object, path: str) -> Condition:
    if not isinstance(raw, Mapping):
        raise RuleDefinitionError(path, "must be an object")
    for key in raw:
        if key not in _KEYS:
            raise RuleDefinitionError(path, f"unknown key {_quoted(key)}")
    field = _parse_field(raw.get("field"), f"{path}.field")
    operator = _parse_operator(raw.get("operator"), f"{path}.operator")
    values = _parse_values(raw.get("values"), operator, f"{path}.values")
    count = _parse_count(raw.get("count"), field, f"{path}.count")
    return Condition(field, operator, values, count)


def _parse_field(raw: object, path: str) -> str:
    if not isinstance(raw, str):
        raise RuleDefinitionError(path, "must be a string")
    if len(raw) > MAX_VALUE_LENGTH:
        raise RuleDefinitionError(path, f"longer than {MAX_VALUE_LENGTH} characters")
    if field_path(raw) is None:
        raise RuleDefinitionError(path, f"unknown field {_quoted(raw)}")
    return raw


def _parse_operator(raw: object, path: str) -> Operator:
    if not isinstance(raw, str):
        raise RuleDefinitionError(path, "must be a string")
    try:
        return Operator(raw)
    except ValueError:
        raise RuleDefinitionError(path, f"unknown operator {_quoted(raw)}") from None


def _parse_values(raw: object, operator: Operator, path: str) -> tuple[str, ...]:
    if not isinstance(raw, (list, tuple)):
        raise RuleDefinitionError(path, "must be a list of strings")
    if not raw:
        raise RuleDefinitionError(path, "at least one value is required")
    if operator.is_comparison and len(raw) != 1:
        raise RuleDefinitionError(
            path, f"{operator} takes exactly one value, got {len(raw)}"
        )
    if len(raw) > MAX_VALUES:
        raise RuleDefinitionError(
            path, f"at most {MAX_VALUES} values are allowed, got {len(raw)}"
        )
    for index, value in enumerate(raw):
        value_path = f"{path}[{index}]"
        if not isinstance(value, str):
            raise RuleDefinitionError(value_path, "must be a string")
        if not value:
            # An empty needle is contained in, and starts, every text.
            raise RuleDefinitionError(value_path, "must not be empty")
        if len(value) > MAX_VALUE_LENGTH:
            raise RuleDefinitionError(
                value_path, f"longer than {MAX_VALUE_LENGTH} characters"
            )
        if operator.is_comparison and parse_number(value) is None:
            raise RuleDefinitionError(
                value_path, f"{operator} needs a number, got {_quoted(value)}"
            )
    return tuple(dict.fromkeys(value.casefold() for value in raw))


def _parse_count(raw: object, field: str, path: str) -> int | None:
    if is_context_field(field):
        if raw is not None:
            raise RuleDefinitionError(
                path, f"not allowed on context field {_quoted(field)}"
            )
        return None
    if raw is None:
        return 1
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise RuleDefinitionError(path, "must be an integer")
    if raw < 1:
        raise RuleDefinitionError(path, "must be at least 1")
    if raw > MAX_COUNT:
        raise RuleDefinitionError(path, f"must be at most {MAX_COUNT}")
    return raw


def _quoted(value: object, limit: int = 60) -> str:
    """repr of ``value`` cut short, so an absurd input cannot flood an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
