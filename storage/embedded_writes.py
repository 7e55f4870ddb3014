"""Corrections 7 and 8 of the embedded store (mongoeco 4.11.0, SQLite engine, wire server);
see storage.embedded_corrections for the others and how they are applied. 8 is
tagged_type_at below.

7. One SQLite transaction per write command. The wire server runs the documents of an
   `insert`, `update` or `delete` command one after another, and the engine commits each
   on its own: its own BEGIN IMMEDIATE, its own commit writing every page it touched
   (the document, its index entries, the change outbox) to the write-ahead log, so a
   command of 20 upserts rewrites the same index and outbox pages 20 times. The
   documents of one such command (of more than one document, outside client
   transactions) now share one transaction, committed when the command ends, before
   its answer. Each document is still written under its own savepoint, which the engine
   rolls back when that document fails (a duplicate key, a refused update): what an
   ordered or unordered command answers and keeps is what it was. A crash during the
   command keeps none of its documents where it kept those before the cut: both are
   states a MongoDB client must expect of a command that never answered, and none is
   ever half a document.

   While such a command's writes are open no other command that may write runs (they
   wait for it, as they waited for one another's documents already), reads inside it
   see its earlier documents as before, reads of other commands see the store as it was
   before it or, on the engine's shared connection, part of it (as they could before),
   and a hand-over of committed changes due meanwhile is made once it commits (its
   changes are not committed before). A command that fails to commit fails whole, with
   nothing of it kept.

Measured back to back on the ingest benchmark (store CPU, load 1-2 on two cores), 7 and 8
together: import of 3,000 events 6.6-6.9 -> 5.8-6.3 ms per event; 20 browsers' 1-event
/collect batches 28.2 -> 28.8 ms per batch (unchanged: their commands hold 10-20
documents and SQLite's commit was a small part of each; the cost is the Python of
mongoeco's layers, per document). SQLite commits for 13 write commands: 150 -> 11.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

# Commands that never write: they run beside a command whose writes are open, as they
# ran beside its documents before. Any other command waits for its turn.
READ_COMMANDS = frozenset({
    "find", "getMore", "count", "distinct", "listIndexes", "listCollections", "listDatabases",
    "hello", "isMaster", "ismaster", "ping", "buildInfo", "buildinfo", "connectionStatus", "whatsmyuri",
    "killCursors", "endSessions", "serverStatus", "dbStats", "collStats", "explain", "getParameter",
    "listCommands", "hostInfo", "getCmdLineOpts", "getLog", "currentOp", "dbHash", "validate",
    "saslStart", "saslContinue", "authenticate", "logout", "getnonce",
})
# The commands whose documents share one transaction, and the field listing them.
GROUPED_COMMANDS = {"insert": "documents", "update": "updates", "delete": "deletes"}

_grouping: contextvars.ContextVar[Any] = contextvars.ContextVar("embedded_write_group", default=None)
"""The engine whose transaction the current command's documents share (worker threads
see it: the engine copies the context into each job)."""


class _EngineWrites:
    """The turn of one engine's writing commands, and its open transaction if any."""

    def __init__(self) -> None:
        self.turn = asyncio.Lock()
        self.open = False
        self.owed_hand_overs: dict[int, Any] = {}
        """Change-stream sinks owed a hand-over once the open transaction commits."""


_writes_of: weakref.WeakKeyDictionary[Any, _EngineWrites] = weakref.WeakKeyDictionary()


def apply() -> Callable[[], None]:
    """Apply correction 7; return a function that takes it back."""
    from mongoeco.engines.adapter import EngineSpiAdapter
    from mongoeco.engines.sqlite import SQLiteEngine
    from mongoeco.wire import _executor_passthrough as passthrough

    from storage.embedded_corrections import _replaced

    execute = passthrough._execute_database_command
    dedicated_reader = SQLiteEngine._can_use_dedicated_reader
    dispatch = EngineSpiAdapter.dispatch_committed_changes

    async def _execute_database_command(database, context):
        engine = getattr(database, "_engine", None)
        if not isinstance(engine, SQLiteEngine) or _only_reads(context.command_document):
            return await execute(database, context)
        writes = _writes_of.get(engine)
        if writes is None:
            writes = _writes_of[engine] = _EngineWrites()
        async with writes.turn:
            if not _groupable(engine, context):
                return await execute(database, context)
            return await _in_one_transaction(engine, writes, lambda: execute(database, context))

    def _can_use_dedicated_reader(self, context):
        # A read of the command's own: it must see the command's uncommitted documents,
        # which only the shared connection holds.
        if _grouping.get() is self:
            return False
        return dedicated_reader(self, context)

    def dispatch_committed_changes(self, sink):
        writes = _writes_of.get(self.engine)
        if writes is not None and writes.open and sink is not None:
            # Its changes commit with the command: handed over then, in the same order.
            writes.owed_hand_overs.setdefault(id(sink), (self, sink))
            return None
        return dispatch(self, sink)

    return _replaced([
        (passthrough, "_execute_database_command", _execute_database_command),
        (SQLiteEngine, "_can_use_dedicated_reader", _can_use_dedicated_reader),
        (EngineSpiAdapter, "dispatch_committed_changes", dispatch_committed_changes),
    ])


def _only_reads(command: dict[str, Any]) -> bool:
    name = next(iter(command), None)
    if name == "aggregate":
        pipeline = command.get("pipeline")
        return isinstance(pipeline, list) and not any(
            isinstance(stage, dict) and ("$out" in stage or "$merge" in stage) for stage in pipeline
        )
    return name in READ_COMMANDS


def _groupable(engine: Any, context: Any) -> bool:
    """A command of several documents, outside client transactions, on a connected engine
    with no transaction of its own open."""
    field = GROUPED_COMMANDS.get(context.command_name)
    items = context.command_document.get(field) if field else None
    session = context.session
    return (
        isinstance(items, list) and len(items) > 1
        and not (session is not None and getattr(session, "in_transaction", False))
        and engine._connection is not None
        and engine._transaction_owner_session_id is None
    )


async def _in_one_transaction(engine: Any, writes: _EngineWrites, command: Callable[[], Awaitable[Any]]) -> Any:
    # Begun and committed on the event loop's thread, as the engine hands changes over:
    # no cancellation can come between the command and either.
    if not _begin(engine):
        return await command()
    writes.open = True
    token = _grouping.set(engine)
    try:
        # Whatever the command answers (its refused documents rolled back to their own
        # savepoints), or if it is cancelled, what it wrote is kept, as it was when each
        # document was committed on its own.
        return await command()
    finally:
        _grouping.reset(token)
        try:
            _commit(engine)
        finally:
            writes.open = False
            _hand_over(writes)


def _begin(engine: Any) -> bool:
    with engine._lock:
        conn = engine._connection
        if conn is None or conn.in_transaction:
            return False
        conn.execute("BEGIN IMMEDIATE")
        return True


def _commit(engine: Any) -> None:
    with engine._lock:
        conn = engine._connection
        if conn is None or not conn.in_transaction:
            return
        try:
            conn.commit()
        except BaseException:
            try:
                conn.rollback()
            finally:
                # Caches of what the rolled-back documents changed.
                engine._session_runtime._clear_rollback_sensitive_caches()
            raise


def _hand_over(writes: _EngineWrites) -> None:
    """The hand-overs owed while the transaction was open, made as the engine's caller
    makes them: a failure marks the sink, as a failed hand-over after a write does."""
    owed, writes.owed_hand_overs = writes.owed_hand_overs, {}
    for adapter, sink in owed.values():
        try:
            adapter.dispatch_committed_changes(sink)
        except Exception as error:
            mark_failure = getattr(sink, "mark_publish_failure", None)
            if callable(mark_failure):
                mark_failure(error)


def tagged_type_at(engine: Any, document: Any, path: list[str]) -> str | None:
    """The type tag of the value at a dotted path of a document as the engine stores it
    (the codec's encoding, read the way SQLite's JSON paths read it: a number part indexes
    an array, a name part reads an object's key), encoding only what the path reaches.

    Correction 8: correction 2 checked each written document for tagged values by
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
