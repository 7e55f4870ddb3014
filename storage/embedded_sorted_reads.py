"""Correction 6 of the embedded store (see storage.embedded_corrections): a sorted read
led by an equality on an indexed field costs what reading the matches costs.

Before it sorts in SQL, the engine asks whether any match holds a sort field as an
array or as a number type SQL cannot order (a 64-bit integer, a decimal): one query
per sort field, `SELECT 1 FROM documents WHERE <filter> AND <that field is such a
value> LIMIT 1`. The read itself is restricted to the storage keys that the filter's
`_id` or single-field index names (correction 1); these questions were not, and as
they usually find nothing, each read every document of the collection. They are now
restricted the same way: every match of the filter is among those storage keys, so
the answer, and with it the plan and the result, is the engine's own.

The engine asks them only for reads without a collation (a collation sends a read to
its Python plan first), which is also when the restriction holds.

A read that no equality restricts but whose filter requires its first sort field to
be a date (`{"lastActivityAt": {"$type": "date", "$lt": t}}`, sorted by `lastActivityAt`
then `_id`, limited), where that field has a single-field index, was read whole and
sorted: the engine orders by an index only a sort on one field whose values are all
numbers, all strings or all booleans. Such a read now walks the index's date entries in
the sort's direction (within the filter's bounds by dates) and stops at the (skip +
limit)-th match, keeping every match that shares that one's date; the engine's sorter
then orders those and takes the window. Every match is a date with one entry (the
field is never an array in the collection), and entries order dates as the engine
does, so no match that belongs in the window is left out. (The `$type` is needed: the
engine compares values of different types in BSON order, so `$lt` a date also matches
strings, numbers, null and documents, which MongoDB does not match.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any


def correct_sorted_reads() -> Callable[[], None]:
    """Install correction 6; return a function that takes it back."""
    from mongoeco.engines import _sqlite_read_fast_path_runtime as fast_paths
    from mongoeco.engines import sqlite as sqlite_module
    from mongoeco.engines.sqlite import SQLiteEngine

    from storage.embedded_corrections import _narrowing, _replaced

    compile_read = SQLiteEngine._compile_read_execution_plan

    def _compile_read_execution_plan(self, db_name, coll_name, semantics, *, select_clause="document", hint=None):
        walk = None
        if select_clause == "document" and hint is None:
            walk = _index_walk(self, fast_paths, db_name, coll_name, semantics)
        if walk is not None:
            # The engine's plan of the filter alone says whether SQL answers it exactly.
            unsorted = compile_read(
                self, db_name, coll_name, dataclasses.replace(semantics, sort=None, skip=0, limit=None),
                select_clause=select_clause, hint=hint,
            )
            if unsorted.use_sql and not unsorted.apply_python_residual and not unsorted.apply_python_sort:
                return _walk_plan(self, db_name, coll_name, semantics, walk)
        return compile_read(self, db_name, coll_name, semantics, select_clause=select_clause, hint=hint)

    def _sort_requires_python(self, db_name, coll_name, plan, sort):
        narrowing = _narrowing(self, fast_paths, db_name, coll_name, plan) if sort else None

        def fetchone(sql: str, params: tuple[Any, ...]) -> Any:
            if narrowing is not None:
                sql, params = _restricted(sql, params, db_name, coll_name, narrowing)
            return self._require_connection().execute(sql, params).fetchone()

        # The engine's own check (SQLiteEngine._sort_requires_python), asked through fetchone.
        return sqlite_module._sqlite_sort_requires_python(
            db_name=db_name,
            coll_name=coll_name,
            plan=plan,
            sort=sort,
            plan_has_array_traversing_paths=self._plan_has_array_traversing_paths,
            translate_query_plan=sqlite_module.translate_query_plan,
            field_traverses_array_in_collection=self._field_traverses_array_in_collection,
            field_contains_tagged_bytes_in_collection=self._field_contains_tagged_bytes_in_collection,
            field_contains_tagged_undefined_in_collection=self._field_contains_tagged_undefined_in_collection,
            fetchone=fetchone,
            type_expression_sql=sqlite_module.type_expression_sql,
            json_path_for_field=sqlite_module.json_path_for_field,
        )

    return _replaced([
        (SQLiteEngine, "_sort_requires_python", _sort_requires_python),
        (SQLiteEngine, "_compile_read_execution_plan", _compile_read_execution_plan),
    ])


def _restricted(
    sql: str, params: tuple[Any, ...], db_name: str, coll_name: str, narrowing: tuple[str, list[Any]]
) -> tuple[str, tuple[Any, ...]]:
    """The query with its documents restricted by `narrowing`, right after the namespace
    that leads its WHERE; the query unchanged when it does not have that shape."""
    from storage.embedded_corrections import _DOCUMENTS_OF_COLLECTION

    heads = _DOCUMENTS_OF_COLLECTION.findall(sql)
    if len(heads) != 1 or "?" in sql.split(heads[0])[0] or tuple(params[:2]) != (db_name, coll_name):
        return sql, params
    fragment, fragment_params = narrowing
    return (
        sql.replace(heads[0], f"{heads[0]} AND {fragment}"),
        (db_name, coll_name, *fragment_params, *params[2:]),
    )


@dataclasses.dataclass(frozen=True)
class _Walk:
    """The entries of a single-field index that a sorted read walks: one type, within bounds."""

    index_name: str
    physical_name: str
    collection_id: int
    type_score: int
    bounds: tuple[tuple[str, str], ...]  # (SQL comparison, entry key)
    descending: bool


_COMPARISONS = {"LessThanCondition": "<", "LessThanOrEqualCondition": "<=", "GreaterThanCondition": ">",
                "GreaterThanOrEqualCondition": ">=", "EqualsCondition": "="}


def _index_walk(engine, fast_paths, db_name: str, coll_name: str, semantics) -> _Walk | None:
    """The walk that serves this read: its filter requires its first sort field to be a
    date, that field has a plain single-field index, the read has a limit, and no `_id`
    or indexed equality restricts it (that restriction reads fewer documents)."""
    from mongoeco.core.query_plan import TypeCondition

    from storage.embedded_corrections import _narrowing

    if (
        not semantics.sort or semantics.limit is None or semantics.limit <= 0 or semantics.hint is not None
        or semantics.collation is not None or semantics.text_query is not None
    ):
        return None
    field, direction = semantics.sort[0]
    if direction not in (1, -1) or "." in field or field == "_id":
        return None
    clauses = list(_conjuncts(semantics.query_plan))
    if not any(
        isinstance(clause, TypeCondition) and clause.field == field and clause.aliases == {"date"}
        for clause in clauses
    ):
        return None
    bounds = []
    for clause in clauses:
        comparison = _COMPARISONS.get(type(clause).__name__)
        if comparison is None or clause.field != field or not isinstance(clause.value, datetime):
            continue  # the filter still applies it
        signature = engine._multikey_value_signature(clause.value)
        if signature is None or signature[0] != "datetime":
            return None
        bounds.append((comparison, signature[1]))
    index = engine._find_scalar_sort_index(db_name, coll_name, field)
    if (
        index is None or index.get("collation")
        or engine._field_is_top_level_array_in_collection(db_name, coll_name, field)
        or _narrowing(engine, fast_paths, db_name, coll_name, semantics.query_plan) is not None
    ):
        return None
    collection_id = engine._lookup_collection_id(engine._require_connection(), db_name, coll_name)
    if collection_id is None:
        return None
    return _Walk(
        index_name=str(index["name"]), physical_name=str(index["scalar_physical_name"]),
        collection_id=collection_id, type_score=engine._multikey_type_score("datetime"),
        bounds=tuple(bounds), descending=direction == -1,
    )


def _conjuncts(plan) -> Any:
    """The clauses that every match meets, nested conjunctions opened."""
    from mongoeco.core.query_plan import AndCondition

    if isinstance(plan, AndCondition):
        for clause in plan.clauses:
            yield from _conjuncts(clause)
    else:
        yield plan


def _walk_plan(engine, db_name: str, coll_name: str, semantics, walk: _Walk) -> Any:
    """The engine's plan for a read whose SQL selects the candidates and whose sort and
    window its Python sorter applies, with SQL that walks the index."""
    from mongoeco.engines.sqlite_planner import SQLiteReadExecutionPlan, _hybrid_lineage, _hybrid_physical_plan

    where_sql, where_params = engine._translate_query_plan_with_multikey(db_name, coll_name, semantics.query_plan)
    entries = "scalar_index_entries"

    def walked(bounds: tuple[tuple[str, str], ...]) -> tuple[str, list[Any]]:
        return (
            f"FROM {entries} INDEXED BY {engine._quote_identifier(walk.physical_name)} "
            f"JOIN documents ON documents.db_name = ? AND documents.coll_name = ? "
            f"AND documents.storage_key = {entries}.storage_key "
            f"WHERE {entries}.collection_id = ? AND {entries}.index_name = ? AND {entries}.type_score = ? "
            + "".join(f"AND {entries}.element_key {comparison} ? " for comparison, _ in bounds)
            + f"AND ({where_sql})"
        ), [
            db_name, coll_name, walk.collection_id, walk.index_name, walk.type_score,
            *(key for _, key in bounds), *where_params,
        ]

    order = "DESC" if walk.descending else "ASC"
    # The key of the last match the window can need: every match from the start of the
    # walk up to it, ties included (all of them when there are fewer).
    to_last, to_last_params = walked(walk.bounds)
    last = f"(SELECT {entries}.element_key {to_last} ORDER BY {entries}.element_key {order} LIMIT 1 OFFSET ?)"
    # Where the walk ends, only that key bounds the range SQLite reads (it uses one bound
    # a side); the filter still applies the others.
    ends = ("<", "<=") if not walk.descending else (">", ">=")
    from_start, from_start_params = walked(tuple(bound for bound in walk.bounds if bound[0] not in ends))
    within, beyond_every_date = (">=", "''") if walk.descending else ("<=", "char(1114111)")
    up_to_last = f"{entries}.element_key {within} coalesce({last}, {beyond_every_date})"
    sql = f"SELECT documents.document {from_start} AND {up_to_last}"
    reason = "the first sort field's index gives the candidates; the engine sorts them"
    return SQLiteReadExecutionPlan(
        semantics=semantics,
        strategy="hybrid",
        execution_lineage=_hybrid_lineage(semantics, reason),
        physical_plan=_hybrid_physical_plan(semantics, reason),
        use_sql=True,
        sql=sql,
        params=(*from_start_params, *to_last_params, semantics.skip + semantics.limit - 1),
        apply_python_sort=True,
        fallback_reason=reason,
    )
