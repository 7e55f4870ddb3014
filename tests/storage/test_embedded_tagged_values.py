"""Correction 7 of the embedded store: the type tag at a path of a written document is
the one the engine stores there."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bson import Decimal128, ObjectId
from bson.son import SON
from mongoeco.engines import SQLiteEngine

from storage import embedded_corrections, embedded_tagged_values

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def stored_tag(engine: SQLiteEngine, document: Any, path: list[str]) -> str | None:
    """The tag at the path of the document as the engine stores it, read in full."""
    value = embedded_corrections._value_at(json.loads(engine._serialize_document(document)), path)
    tag = value.get("$mongoeco") if isinstance(value, dict) else None
    return tag.get("type") if isinstance(tag, dict) else None


def test_tagged_values_are_found_as_in_the_stored_document(tmp_path: Path):
    engine = SQLiteEngine(str(tmp_path / "codec.sqlite"))
    documents = [
        {"_id": "a", "price": Decimal128("1.5"), "at": NOW, "ref": ObjectId("650000000000000000000001"),
         "items": [{"price": Decimal128("2")}, (NOW, 3)], "uid": uuid.UUID(int=7), "blob": b"\x00\x01",
         "nested": {"deep": {"price": Decimal128("3")}, "0": NOW}, "son": SON([("price", Decimal128("4"))]),
         "looks": {"$mongoeco": {"type": "decimal", "value": "1"}}, "plain": "text", "n": 3, "none": None},
        {"_id": ObjectId("650000000000000000000002"), "price": 7, "items": []},
    ]
    paths = ["price", "at", "ref", "items", "items.0.price", "items.1", "items.1.0", "items.5", "uid", "blob",
             "nested", "nested.deep.price", "nested.0", "son", "son.price", "looks", "looks.$mongoeco", "plain",
             "n", "none", "missing", "_id", "price.0", "items.price"]
    for document in documents:
        for dotted in paths:
            path = dotted.split(".")
            found = embedded_tagged_values.tagged_type_at(engine, document, path)
            assert found == stored_tag(engine, document, path), (document["_id"], dotted)
    assert embedded_tagged_values.tagged_type_at(engine, documents[0], ["items", "0", "price"]) == "decimal128_public"
