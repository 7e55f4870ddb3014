"""Conditions and their incremental evaluation, shared by segments and outcomes."""

from rules.conditions import (
    MAX_CONDITIONS,
    MAX_COUNT,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    Condition,
    parse_conditions,
)
from rules.errors import RuleDefinitionError
from rules.evaluation import Rule, RuleSet, State
from rules.fields import CONTEXT_FIELDS, EVENT_FIELDS
from rules.operators import Operator

__all__ = [
    "CONTEXT_FIELDS",
    "EVENT_FIELDS",
    "MAX_CONDITIONS",
    "MAX_COUNT",
    "MAX_VALUES",
    "MAX_VALUE_LENGTH",
    "Condition",
    "Operator",
    "Rule",
    "RuleDefinitionError",
    "RuleSet",
    "State",
    "parse_conditions",
]
