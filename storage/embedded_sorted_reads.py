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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def narrow_sort_checks() -> Callable[[], None]:
    """Install correction 6; return a function that takes it back."""
    from mongoeco.engines import _sqlite_read_fast_path_runtime as fast_paths
    from mongoeco.engines import sqlite as sqlite_module
    from mongoeco.engines.sqlite import SQLiteEngine

    from storage.embedded_corrections import _narrowing, _replaced

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

    return _replaced([(SQLiteEngine, "_sort_requires_python", _sort_requires_python)])


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
