"""Correction 7 of the embedded store (mongoeco 4.11.0, SQLite engine); see
storage.embedded_corrections for the others and how they are applied.

7. Correction 2 checks each written document for tagged values (decimals and the other
   values the engine's codec stores tagged). It encoded and decoded each whole document
   once more to do so, about a tenth of the store's CPU per written document; it now
   encodes only the values at the paths it asks about (tagged_type_at).
"""

from __future__ import annotations

import json
from typing import Any


def tagged_type_at(engine: Any, document: Any, path: list[str]) -> str | None:
    """The type tag of the value at a dotted path of a document as the engine stores it
    (the codec's encoding, read the way SQLite's JSON paths read it: a number part indexes
    an array, a name part reads an object's key), encoding only what the path reaches.

    Correction 7: correction 2 checked each written document for tagged values by
    encoding and decoding all of it once more, about a tenth of the store's CPU per
    written document."""
    from mongoeco.core.codec import DocumentCodec

    codec = engine._codec
    value, encoded = document, False
    if codec is not DocumentCodec:  # another codec: its encoding as stored, all of it
        value, encoded = json.loads(engine._serialize_document(document)), True
    for part in path:
        if not encoded and not _encodes_to_its_own_shape(value):
            value, encoded = codec.encode(value), True
        if part.isdigit():
            if not isinstance(value, (list, tuple)) or int(part) >= len(value):
                return None
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    if not encoded:
        value = codec.encode(value)
    tag = value.get(DocumentCodec._MARKER) if isinstance(value, dict) else None
    return tag.get(DocumentCodec._TYPE) if isinstance(tag, dict) else None


def _encodes_to_its_own_shape(value: Any) -> bool:
    """Whether the codec encodes this container into one with the same keys or items
    (a plain object that does not look like a tagged value, or an array)."""
    from mongoeco.core.codec import DocumentCodec, _InternalBsonArray, _InternalBsonDocument

    if type(value) in (list, tuple, _InternalBsonArray):
        return True
    return type(value) in (dict, _InternalBsonDocument) and DocumentCodec._MARKER not in value
