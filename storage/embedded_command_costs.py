"""Corrections 8 to 16 of the embedded store (mongoeco 4.11.0; see
storage.embedded_corrections for the others and how they are applied): work that every
command, or every statement of a write command, repeats although its outcome is already
known. Each keeps the engine's answers (tests compare both) and could be offered
upstream as it stands.

8. Compiled update plans. Every update statement is compiled twice (once as an update,
   once as the insert of an upsert): its paths parsed, checked for conflicts and for
   being mutable, its operands checked. The engine keeps the compiled plans of an
   update's shape (its operators and their field paths) and binds each statement's
   values into them, but only for `$set`, `$unset`, `$inc`, `$mul`, `$min` and `$max`;
   updates with `$setOnInsert`, `$push`, `$addToSet` or `$bit` (every upsert and session
   update this service sends) were compiled in full, each statement twice, about a tenth
   of the store's CPU per statement. What compiling does depends only on the shape,
   except the operand checks of `$push` and `$addToSet` (a `$slice` that is not a
   number, `$each` that is not an array): those shapes are now kept too, and on reuse
   those checks run on the statement's own operands, in the order compiling runs them,
   so that a statement is refused exactly when, and with the error that, compiling it
   would refuse it.
9. Copies of an update's document images. The SQLite engine's update hands back the
   document before and after the statement in an outcome object, each image passed in as
   a deep copy it has just made; the outcome deep-copies both again when built, and again
   when the engine rebuilds it with the change's sequence number: up to four more copies
   of the document per statement (a session document with its token and page lists among them).
   Inside the engine's update every image given to an outcome is such a fresh copy that
   nothing else holds (and a rebuilt outcome replaces the one it was built from), so
   these copies are now skipped there; the outcome's checks run as before, and outcomes
   built anywhere else copy as before.
10. Checks of encoded values. The engine's codec encodes every document it stores, every
   change it records and every command document it receives. Encoding a document first
   checks all of it (keys are strings, no sets, numbers within BSON's range) and then
   encodes each value, each of which checks itself and everything below it again: a
   value at depth d was checked d + 1 times, building a wrapper object for every number
   each time. Inside a document that has passed the check, values are now not checked
   again. The first check of an encoding is the one that ran first before, so a value
   is refused exactly when, and with the error that, it was refused before.
11. Connections of reads. A read of more than one document (a find by `_id` `$in`, by
   an indexed key) opens a SQLite connection of its own for its snapshot: it opens the
   file, sets the journal mode, parses the schema and reloads the collection's index
   catalog, then closes it all when the read ends. Those connections are now kept, up
   to IDLE_READERS, and the next read takes one: ended (rolled back) before it is kept,
   it begins a new snapshot as a new connection would, and its cached catalogs are
   checked against the file's data version before use, as on every connection. Kept
   connections are closed when the engine closes its readers at disconnection, and a
   read that ends after that closes its own.
12. The record of an update's change. After writing a document, the engine's update
   records the change in its change outbox, and to do so encodes the whole document once
   more, inside the change's description (whose digest identifies the change, and which
   is stored whole when someone listens): a second full encoding of every written
   document. The description is a JSON object whose `full_document` member is the
   encoding of a copy of the document the update has just encoded for storage; it is now
   put together from that encoding and the encodings of its other members, which gives
   the same text (JSON is written member by member). Only a change whose document equals
   the one the same update encoded last is put together so; any other is encoded whole.
13. Decoding stored documents. Every stored document holding a tagged value (a date, an
   ObjectId, a decimal: every event and session) is decoded through the codec's decode,
   and before each such decode the engine inspected decode's signature to learn whether
   it takes `preserve_bson_wrappers`. The answer for a decode function is now kept; a
   decode that is not a plain function (a bound method, a callable object) is inspected
   each time as before.
14. Command documents taken into the engine. Every statement of an update command (and
   every filter) is taken over from the wire by DocumentCodec.to_internal: the codec
   encodes the whole document into its tagged JSON form (checking every value), decodes
   that again, and copies the result into the engine's immutable documents: three walks
   of the document and a tagged object built and parsed for every date and ObjectId,
   about a tenth of the store's CPU for an event's upsert, which carries the whole event.
   For a document made only of plain dicts (string keys, no tagged-value marker), lists,
   strings, booleans, None, integers within int64, floats, dates, ObjectIds and the
   engine's int32, int64 and double wrappers, what the round trip gives is known value by
   value: the value itself, a date normalized as encoding normalizes it and read back
   from its text, a new ObjectId from its text, a new wrapper of the same number. Such
   documents are now converted in one walk into the same immutable documents; anything
   else (any other type, a subclass, a key that is not a string, an integer beyond int64)
   takes the codec's own round trip, which raises its own errors.
15. Copies of an update's document images. The engine's update reads the stored document,
   copies it into the document it updates, and then hands its outcome a copy of each
   (the image before and after the statement); the change record of the update copies the
   image after once more, only to encode it. None of these documents is used after: the
   document read was read for this update alone (nothing else holds it) and is only
   read, never changed, once copied; the updated document is the update's own copy;
   neither is used after its image is made; and encoding does not change what it
   encodes. The images now go to the outcome, and the image after to
   the change record, without these three copies of the whole document per statement (a
   new document's upsert: two). Outcomes own their images as before: nothing else holds
   them. A document the update did not read or copy itself (a replacement, the seed of
   an upsert) is copied as before.
16. Encoding of plain documents. The codec encodes a value by first checking it (for a
   document: everything in it) and then walking it, a call per value through a chain
   of type tests (SON, dict, list, set, datetime, keys, decimals, UUIDs, ObjectIds,
   binaries, regexes, timestamps, codes, references, bytes...), building a number
   wrapper for each number it checks: about a tenth of the store's CPU, for every
   document it stores and every value it indexes. For a value made only of plain
   dicts, lists, strings, booleans, None, integers within int64, floats, dates,
   ObjectIds and the engine's int32, int64 and double wrappers (the same kinds as
   correction 14), what the encoding gives is known kind by kind: the value itself, or
   the same tagged value the codec builds (a date normalized and written as its text,
   an ObjectId as its text, a wrapper with its number). Such values are now encoded in
   one walk that builds exactly that; none of them can be refused. Anything else (a
   dict holding the codec's marker key, any other type, a subclass, a key that is not a
   string, an integer beyond int64) takes the codec's own encoding, which refuses what
   it refuses, and everything inside it goes that way too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from storage.embedded_corrections import _replaced, _Within

_decode_takes_wrapper_option: dict[Any, bool] = {}

# Operators whose compiled instructions hold their operand unchanged, as the engine's
# own cached ones do; the only operand-dependent step of their compiling is
# validate_array_update_operand, which reuse repeats.
_KEPT_OPERATORS = frozenset({"$setOnInsert", "$push", "$addToSet", "$bit"})
_in_engine_update = _Within()


class _PerUpdate:
    """State a correction keeps for the engine update under way on this thread, fresh for
    each (an update within an update has its own), None outside any."""

    def __init__(self, fresh: Callable[[], Any]) -> None:
        self._fresh = fresh
        self._local = threading.local()

    @property
    def current(self) -> Any:
        return getattr(self._local, "current", None)

    @current.setter
    def current(self, value: Any) -> None:
        self._local.current = value

    def scoping(self, update: Callable[..., Any]) -> Callable[..., Any]:
        def _update_with_operation_sync(engine: Any, *args: Any, **kwargs: Any) -> Any:
            outer, self.current = self.current, self._fresh()
            try:
                return update(engine, *args, **kwargs)
            finally:
                self.current = outer
        return _update_with_operation_sync


_update_encodings = _PerUpdate(tuple)
"""Correction 12: the document the update under way last encoded, and its encoding."""
# Stands in for a document image while the outcome's own checks run: they ask only
# whether an image is there.
_IMAGE_PRESENT: dict[str, Any] = {}
_encoding = threading.local()
_NOT_ENCODING = object()  # what is being encoded outside any encoding (never a value)
IDLE_READERS = 4
_opening_reader = _Within()
# Guards the kept connections of every engine; taken alone, never while waiting for
# another lock, so that it cannot join a cycle with the engine's and the readers' locks.
_kept_readers_guard = threading.Lock()
_NOT_PLAIN = object()  # a document the codec's own round trip must take
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def keep_update_plans() -> Callable[[], None]:
    """Install correction 8; return a function that takes it back."""
    from mongoeco.api import operations
    from mongoeco.core.operators import UpdateEngine
    from mongoeco.core.update_array_operators import validate_array_update_operand

    get_or_compile = operations._get_or_compile_update_plan_templates

    def _get_or_compile_update_plan_templates(cache_key, *, update_spec, dialect, selector_filter):
        reused = cache_key in operations._UPDATE_PLAN_TEMPLATE_CACHE
        if reused:
            # Compiling checks these operands; the reused plans were compiled from others.
            for operator, params in update_spec.items():
                if operator in _KEPT_OPERATORS:
                    for _path, value in UpdateEngine._iter_ordered_update_items(params, dialect=dialect):
                        validate_array_update_operand(operator, value)
        return get_or_compile(cache_key, update_spec=update_spec, dialect=dialect, selector_filter=selector_filter)

    replacements: list[tuple[Any, str, Any]] = [
        (operations, "_CACHEABLE_UPDATE_OPERATORS", operations._CACHEABLE_UPDATE_OPERATORS | _KEPT_OPERATORS),
        (operations, "_get_or_compile_update_plan_templates", _get_or_compile_update_plan_templates),
    ]
    undo = _replaced(replacements)

    def undo_and_forget() -> None:
        undo()
        # Plans kept for the added operators must not outlive the correction.
        operations._clear_update_plan_template_cache()

    return undo_and_forget


def own_fresh_images() -> Callable[[], None]:
    """Install correction 9; return a function that takes it back."""
    from mongoeco.engines.results import MutationOutcome
    from mongoeco.engines.sqlite import SQLiteEngine

    check_and_copy = MutationOutcome.__post_init__
    update = SQLiteEngine._update_with_operation_sync

    def __post_init__(self) -> None:
        if not _in_engine_update:
            return check_and_copy(self)
        images = (self.before_document, self.after_document)
        for name, image in zip(("before_document", "after_document"), images, strict=True):
            object.__setattr__(self, name, None if image is None else _IMAGE_PRESENT)
        check_and_copy(self)
        for name, image in zip(("before_document", "after_document"), images, strict=True):
            object.__setattr__(self, name, image)
        return None

    return _replaced([
        (MutationOutcome, "__post_init__", __post_init__),
        (SQLiteEngine, "_update_with_operation_sync", _in_engine_update.marking(update)),
    ])


def check_encoded_values_once() -> Callable[[], None]:
    """Install correction 10; return a function that takes it back."""
    from mongoeco.core import codec

    encode = codec.DocumentCodec.__dict__["encode"].__func__
    check = codec.validate_bson_value

    def validate_bson_value(value: Any) -> None:
        if getattr(_encoding, "checked", False):
            return  # inside a value whose check covered everything below it
        check(value)
        if value is getattr(_encoding, "value", _NOT_ENCODING):
            _encoding.checked = True

    def encode_checking_once(data: Any) -> Any:
        if getattr(_encoding, "checked", False):
            return encode(data)
        # The encoding of data checks data first (a document, all of it), or each of its
        # items in turn (an array): only a check of data itself covers what lies below.
        outer = getattr(_encoding, "value", _NOT_ENCODING)
        _encoding.value = data
        try:
            return encode(data)
        finally:
            _encoding.value, _encoding.checked = outer, False

    return _replaced([
        (codec, "validate_bson_value", validate_bson_value),
        (codec.DocumentCodec, "encode", staticmethod(encode_checking_once)),
    ])


def keep_reader_connections() -> Callable[[], None]:
    """Install correction 11; return a function that takes it back."""
    import sqlite3

    from mongoeco.engines._sqlite_connection import SQLiteConnection
    from mongoeco.engines._sqlite_reader import SQLiteScanReader
    from mongoeco.engines.sqlite import SQLiteEngine

    create = SQLiteEngine._create_sqlite_connection
    open_reader = SQLiteScanReader._open
    close_readers = SQLiteEngine._close_scan_readers_sync

    class _KeptReaderConnection(SQLiteConnection):
        """A read's own connection, kept for the next read when the read closes it."""

        engine: Any = None

        def close(self) -> None:
            engine = self.engine
            if engine is not None and _keep(engine, self):
                return
            super().close()

    def _keep(engine: Any, connection: Any) -> bool:
        idle = _idle_readers(engine)
        try:
            if connection.in_transaction:
                connection.rollback()  # the read's snapshot ends here, as at a close
        except sqlite3.Error:
            return False
        with _kept_readers_guard:
            # A disconnection marks itself before it closes the kept connections.
            if engine._disconnecting or engine._connection_count == 0 or len(idle) >= IDLE_READERS:
                return False
            idle.append(connection)
        return True

    def _create_sqlite_connection(self):
        if not _opening_reader or self._path == ":memory:":
            return create(self)
        with _kept_readers_guard:
            idle = _idle_readers(self)
            kept = idle.pop() if idle else None
        if kept is not None:
            return kept
        # The engine's own set-up of a connection, on the kept kind.
        connection = sqlite3.connect(self._path, check_same_thread=False, factory=_KeptReaderConnection)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            SQLiteConnection.close(connection)
            raise
        connection.engine = self
        return connection

    def _close_scan_readers_sync(self):
        try:
            return close_readers(self)
        finally:
            with _kept_readers_guard:
                idle, self.__dict__["_kept_reader_connections"] = _idle_readers(self), []
            for connection in idle:
                SQLiteConnection.close(connection)

    undo = _replaced([
        (SQLiteEngine, "_create_sqlite_connection", _create_sqlite_connection),
        (SQLiteScanReader, "_open", _opening_reader.marking(open_reader)),
        (SQLiteEngine, "_close_scan_readers_sync", _close_scan_readers_sync),
    ])
    return undo


def _idle_readers(engine: Any) -> list[Any]:
    return engine.__dict__.setdefault("_kept_reader_connections", [])


_DESCRIPTION_MEMBERS = ("operation_type", "db_name", "coll_name", "document_key", "full_document", "update_description")


def reuse_written_encoding() -> Callable[[], None]:
    """Install correction 12; return a function that takes it back."""
    from mongoeco.core.json_compat import json_dumps_compact
    from mongoeco.engines import sqlite as sqlite_module
    from mongoeco.engines.sqlite import SQLiteEngine

    serialize = SQLiteEngine._serialize_document
    append_change = sqlite_module._sqlite_append_change
    update = SQLiteEngine._update_with_operation_sync

    def _serialize_document(self, document):
        encoded = serialize(self, document)
        if _update_encodings.current is not None:
            _update_encodings.current = (document, encoded)
        return encoded

    def _sqlite_append_change(conn, *, full_document=None, serialize_document, **change):
        written = _update_encodings.current
        if written and full_document is not None and full_document == written[0]:
            document_encoding = written[1]

            def serialize_description(description):
                if tuple(description) != _DESCRIPTION_MEMBERS or description["full_document"] is not full_document:
                    return serialize_document(description)
                members = [
                    f"{json_dumps_compact(name)}:"
                    f"{document_encoding if name == 'full_document' else serialize_document(value)}"
                    for name, value in description.items()
                ]
                return "{" + ",".join(members) + "}"

            return append_change(conn, full_document=full_document, serialize_document=serialize_description, **change)
        return append_change(conn, full_document=full_document, serialize_document=serialize_document, **change)

    return _replaced([
        (SQLiteEngine, "_serialize_document", _serialize_document),
        (sqlite_module, "_sqlite_append_change", _sqlite_append_change),
        (SQLiteEngine, "_update_with_operation_sync", _update_encodings.scoping(update)),
    ])


def decode_without_inspecting() -> Callable[[], None]:
    """Install correction 13; return a function that takes it back."""
    import inspect
    import types

    from mongoeco.engines.sqlite import SQLiteEngine

    decode_payload = SQLiteEngine._decode_codec_payload

    def _decode_codec_payload(self, payload, *, preserve_bson_wrappers):
        decode = self._codec.decode
        if not isinstance(decode, types.FunctionType):
            return decode_payload(self, payload, preserve_bson_wrappers=preserve_bson_wrappers)
        takes_option = _decode_takes_wrapper_option.get(decode)
        if takes_option is None:
            try:
                takes_option = "preserve_bson_wrappers" in inspect.signature(decode).parameters
            except (TypeError, ValueError):
                takes_option = False
            _decode_takes_wrapper_option[decode] = takes_option
        if not takes_option:
            return decode(payload)
        return decode(payload, preserve_bson_wrappers=preserve_bson_wrappers)

    return _replaced([(SQLiteEngine, "_decode_codec_payload", _decode_codec_payload)])


def _plain_walk(
    *, documents: tuple[type, ...], arrays: tuple[type, ...], document: Callable[[dict[str, Any]], Any],
    array: Callable[[list[Any]], Any], other: Callable[[type, Any], Any],
) -> Callable[[Any], Any]:
    """A conversion of a value made only of plain kinds in one walk, or _NOT_PLAIN: the
    kinds `documents` (string keys, without the codec's marker key: its encoding may tag
    such a document) and `arrays`, rebuilt by `document` and `array` from their converted
    items; strings, booleans, None and floats as they are; integers within int64 as they
    are; anything else as `other` converts it (by its exact type), _NOT_PLAIN included."""
    from mongoeco.core.codec import DocumentCodec

    marker = DocumentCodec._MARKER
    unchanged = frozenset({str, bool, type(None), float})

    def converted(value: Any) -> Any:
        kind = type(value)
        if kind in unchanged:
            return value
        if kind in documents:
            if marker in value:
                return _NOT_PLAIN
            items = {}
            for key, item in value.items():
                if type(key) is not str:
                    return _NOT_PLAIN
                item = converted(item)
                if item is _NOT_PLAIN:
                    return _NOT_PLAIN
                items[key] = item
            return document(items)
        if kind in arrays:
            elements = []
            for item in value:
                item = converted(item)
                if item is _NOT_PLAIN:
                    return _NOT_PLAIN
                elements.append(item)
            return array(elements)
        if kind is int:
            return value if _INT64_MIN <= value <= _INT64_MAX else _NOT_PLAIN
        return other(kind, value)

    def walked(value: Any) -> Any:
        try:
            return converted(value)
        except RecursionError:
            return _NOT_PLAIN

    return walked


def _as_built(value: Any) -> Any:
    return value


def take_plain_documents_directly() -> Callable[[], None]:
    """Install correction 14; return a function that takes it back."""
    from datetime import datetime

    from mongoeco.core import codec

    round_trip = codec.DocumentCodec.__dict__["to_internal"].__func__
    object_id = codec.ObjectId
    # The engine's wrappers, which the wire gives for BSON's typed numbers (an int64).
    wrappers = {codec.BsonInt32: int, codec.BsonInt64: int, codec.BsonDouble: float}
    normalize_date, normalize_object_id = codec.normalize_utc_bson_datetime, codec.normalize_object_id

    def other(kind: type, value: Any) -> Any:
        if kind is datetime:
            # What encoding writes and decoding reads back.
            return datetime.fromisoformat(normalize_date(value).isoformat())
        if kind is object_id:
            return object_id(str(normalize_object_id(value)))
        if kind in wrappers:
            return kind(wrappers[kind](value.value))
        return _NOT_PLAIN

    converted = _plain_walk(documents=(dict,), arrays=(list,), document=codec._InternalBsonDocument,
                            array=codec._InternalBsonArray, other=other)

    def to_internal(data: Any) -> Any:
        if type(data) in (dict, list):
            taken = converted(data)
            if taken is not _NOT_PLAIN:
                return taken
        return round_trip(data)

    return _replaced([(codec.DocumentCodec, "to_internal", staticmethod(to_internal))])


class _UpdateImages:
    """What one engine update has read from the store and copied: the documents it read
    (nothing else holds them), the copies it made, and the ones it handed to its outcome.
    Each kept by identity, and alive, until the update ends."""

    def __init__(self) -> None:
        self.read: dict[int, Any] = {}
        self.copied_once: set[int] = set()
        self.made: dict[int, Any] = {}
        self.given: dict[int, Any] = {}


_update_images = _PerUpdate(_UpdateImages)


def hand_over_images() -> Callable[[], None]:
    """Install correction 15; return a function that takes it back."""
    from mongoeco.engines import _sqlite_modify_ops as modify_ops
    from mongoeco.engines import sqlite as sqlite_module
    from mongoeco.engines.sqlite import SQLiteEngine

    copy_in_update = modify_ops.deepcopy
    copy_in_engine = sqlite_module.deepcopy
    select_first = SQLiteEngine._select_first_document_for_plan
    update = SQLiteEngine._update_with_operation_sync

    def _select_first_document_for_plan(self, *args, **kwargs):
        selected = select_first(self, *args, **kwargs)
        images = _update_images.current
        if images is not None and selected is not None:
            images.read[id(selected[1])] = selected[1]
        return selected

    def copy_unless_last_use(value: Any, memo: Any = None) -> Any:
        images = _update_images.current
        if images is None or memo is not None or not isinstance(value, dict):
            return copy_in_update(value, memo)
        key = id(value)
        # The update's own copy (its new document), or the stored document after the
        # copy that became the new document: this copy is the outcome's image, the last
        # use of either.
        if key in images.made or key in images.copied_once:
            images.given[key] = value
            return value
        copied = copy_in_update(value)
        images.made[id(copied)] = copied
        if key in images.read:
            images.copied_once.add(key)
        return copied

    def copy_unless_given(value: Any, memo: Any = None) -> Any:
        images = _update_images.current
        if images is not None and memo is None and id(value) in images.given:
            return value  # the change record only encodes it
        return copy_in_engine(value, memo)

    return _replaced([
        (modify_ops, "deepcopy", copy_unless_last_use),
        (sqlite_module, "deepcopy", copy_unless_given),
        (SQLiteEngine, "_select_first_document_for_plan", _select_first_document_for_plan),
        (SQLiteEngine, "_update_with_operation_sync", _update_images.scoping(update)),
    ])


_encoding_in_full = _Within()


def encode_plain_documents_directly() -> Callable[[], None]:
    """Install correction 16; return a function that takes it back."""
    from datetime import datetime

    from mongoeco._types._bson_objectid import OBJECT_ID_TYPES
    from mongoeco.core import codec

    # Values inside an encoding that takes the codec's own way go that way too, not tried
    # again one by one.
    encode_in_full = _encoding_in_full.marking(codec.DocumentCodec.__dict__["encode"].__func__)
    object_ids: tuple[type, ...] = tuple(OBJECT_ID_TYPES)
    tagged = codec.DocumentCodec._tagged_value
    wrappers = {codec.BsonInt32: "int32", codec.BsonInt64: "int64", codec.BsonDouble: "double"}
    normalize_date, normalize_object_id = codec.normalize_utc_bson_datetime, codec.normalize_object_id

    def other(kind: type, value: Any) -> Any:
        if kind is datetime:
            return tagged("datetime", normalize_date(value).isoformat())
        if kind in object_ids:
            return tagged("objectid", str(normalize_object_id(value)))
        if kind in wrappers:
            return tagged(wrappers[kind], value.value)
        return _NOT_PLAIN

    encoded = _plain_walk(documents=(dict, codec._InternalBsonDocument), arrays=(list, codec._InternalBsonArray),
                          document=_as_built, array=_as_built, other=other)

    def encode_plain_directly(data: Any) -> Any:
        if not _encoding_in_full:
            plain = encoded(data)
            if plain is not _NOT_PLAIN:
                return plain
        return encode_in_full(data)

    return _replaced([(codec.DocumentCodec, "encode", staticmethod(encode_plain_directly))])
