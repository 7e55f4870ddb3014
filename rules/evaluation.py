"""Incremental evaluation of rules over a session's events.

A session's progress is a small state dict mapping ``"<rule id>:<condition
index>"`` to the number of events so far that satisfied that event condition.
Counts stop at the condition's target, so the state never holds more than one
entry per event condition and no number larger than its target, however long
the session runs; folding in one event costs the same on the ten-thousandth
event as on the first.

Keys name conditions by position, so a rule whose conditions are edited needs
a new id (or its sessions' states dropped) for old counts not to carry over.
"""

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from rules.conditions import Condition
from rules.errors import RuleDefinitionError
from rules.fields import read
from rules.operators import TextTest, as_text

type State = Mapping[str, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    id: str
    conditions: tuple[Condition, ...]


class _Tally(NamedTuple):
    key: str
    target: int


class _EventTest(NamedTuple):
    """One distinct event test, shared by every rule condition that uses it."""

    accepts: TextTest
    tallies: tuple[_Tally, ...]


class _EventField(NamedTuple):
    path: tuple[str, ...]
    tests: tuple[_EventTest, ...]
    # Decided once up front: only the negations hold for a missing value, so an
    # event without this field need not run any test.
    tests_when_missing: tuple[_EventTest, ...]


class _CompiledRule(NamedTuple):
    id: str
    tallies: tuple[_Tally, ...]
    context_slots: tuple[int, ...]


class RuleSet:
    """A fixed collection of rules evaluated together, one event at a time.

    Identical conditions are evaluated once per event or call, however many
    rules share them.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        context_slots: dict[Condition, int] = {}
        # Event conditions differing only in count share one test.
        event_tests: dict[tuple, tuple[TextTest, list[_Tally]]] = {}
        compiled: list[_CompiledRule] = []
        seen_ids: set[str] = set()

        for position, rule in enumerate(rules):
            _check_rule(rule, position, seen_ids)
            seen_ids.add(rule.id)
            tallies: list[_Tally] = []
            slots: list[int] = []
            for index, condition in enumerate(rule.conditions):
                if condition.reads_context:
                    slot = context_slots.setdefault(condition, len(context_slots))
                    slots.append(slot)
                    continue
                tally = _Tally(f"{rule.id}:{index}", condition.events_needed)
                test_key = (condition.path, condition.operator, condition.values)
                _, sharing = event_tests.setdefault(test_key, (condition.accepts, []))
                sharing.append(tally)
                tallies.append(tally)
            compiled.append(_CompiledRule(rule.id, tuple(tallies), tuple(slots)))

        self._rules = tuple(compiled)
        self._context_conditions = tuple(context_slots)
        self._event_fields = _group_by_field(event_tests)

    def advance(
        self, state: State, context: object, event: Mapping[str, Any] | None
    ) -> tuple[State, list[str]]:
        """Fold one event (or None: a context-only re-check) into the state.

        Returns the new state and the ids of the rules whose conditions all
        hold now, in rule order. The given state is never mutated: when the
        event changes no count it is returned as is, so ``new is state`` tells
        the caller there is nothing to save. Start a session with ``{}`` and
        pass back each state this method returns.
        """
        if event is not None:
            if not isinstance(event, dict):
                raise TypeError(
                    f"event must be a dict or None, not {type(event).__name__}"
                )
            state = self._fold(state, event)
        return state, self.matching(state, context)

    def matching(self, state: State, context: object) -> list[str]:
        """Ids of the rules whose conditions all hold now, in rule order.

        Each distinct context condition is evaluated at most once per call.
        """
        conditions = self._context_conditions
        verdicts: list[bool | None] = [None] * len(conditions)
        held = []
        # Each ``else`` below runs only when its loop found nothing failing.
        for rule_id, tallies, context_slots in self._rules:
            for key, target in tallies:
                if state.get(key, 0) < target:
                    break
            else:
                for slot in context_slots:
                    if verdicts[slot] is None:
                        verdicts[slot] = conditions[slot].matches(context)
                    if not verdicts[slot]:
                        break
                else:
                    held.append(rule_id)
        return held

    def _fold(self, state: State, event: dict) -> State:
        folded: dict[str, int] | None = None  # copied on the first count that moves
        for field in self._event_fields:
            text = as_text(read(event, field.path))
            satisfied: Sequence[_EventTest]
            if text is None:
                satisfied = field.tests_when_missing
            else:
                satisfied = [test for test in field.tests if test.accepts(text)]
            for test in satisfied:
                for key, target in test.tallies:
                    count = (state if folded is None else folded).get(key, 0)
                    if count < target:
                        if folded is None:
                            folded = dict(state)
                        folded[key] = count + 1
        return state if folded is None else folded


def _group_by_field(
    event_tests: dict[tuple, tuple[TextTest, list[_Tally]]],
) -> tuple[_EventField, ...]:
    by_path: dict[tuple[str, ...], list[_EventTest]] = {}
    for (path, *_), (accepts, tallies) in event_tests.items():
        by_path.setdefault(path, []).append(_EventTest(accepts, tuple(tallies)))
    return tuple(
        _EventField(path, tuple(tests), tuple(t for t in tests if t.accepts(None)))
        for path, tests in by_path.items()
    )


def _check_rule(rule: object, position: int, seen_ids: set[str]) -> None:
    path = f"rules[{position}]"
    if not isinstance(rule, Rule):
        raise RuleDefinitionError(path, "must be a Rule")
    if not isinstance(rule.id, str) or not rule.id:
        raise RuleDefinitionError(f"{path}.id", "must be a non-empty string")
    if rule.id in seen_ids:
        # Two rules with one id would share, and corrupt, each other's counts.
        raise RuleDefinitionError(f"{path}.id", f"duplicate rule id {rule.id!r}")
    if not rule.conditions:
        raise RuleDefinitionError(
            f"{path}.conditions", "at least one condition is required"
        )
    for index, condition in enumerate(rule.conditions):
        if not isinstance(condition, Condition):
            raise RuleDefinitionError(
                f"{path}.conditions[{index}]", "must be a Condition"
            )
