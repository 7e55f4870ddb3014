"""Narrow corrections of the embedded store (mongoeco 4.11.0, SQLite engine): work whose
cost grows with the number of stored documents, or that every command repeats without
need. Applied by the embedded-store
launcher only when the installed mongoeco is the version they were written against;
each keeps the engine's results and only avoids work (tests compare both).

1. The one-document lookup behind update, upsert and findAndModify. An equality on a
   string or ObjectId `_id` names one storage key, so the lookup reads that row and
   tests the whole filter on it with the engine's own matcher, where the engine used
   an index-free SQL scan whenever the filter held more than the `_id` or the document
   did not exist (every upsert of a new document). A string equality on a field with a
   single-field index whose values are never arrays is answered by the index also when
   nothing matches, where the engine scanned the collection again after the miss.
2. The per-collection cache of data features (is a field ever an array, does it ever
   hold a decimal) that decides how a filter is translated. The engine forgets all of
   a collection's features at every write, so the next filtered operation scans every
   document once per feature. A write can only make a feature appear, and only through
   the documents it writes: features of those two kinds are now checked on the written
   documents; other kinds are forgotten as before.
3. Change delivery. After every write the engine hands committed changes from its
   change outbox to the change-stream hub: it takes a consumer lease, starts and joins
   a lease-renewing thread, checkpoints each change, compacts the outbox and releases
   the lease, each step its own SQLite commit: about 0.3-0.6 ms, 30-40% of a one-
   statement update. When the hub has nobody who can receive changes (no watcher, no
   journal), the engine records them as gaps, and the hand-over only moves the hub's
   next token and empties the outbox. The wire server cannot open a change stream, so
   on it that is always the case. Such hand-overs are now owed and made together: at
   most DELIVERY_WINDOW_SECONDS later, and before anything reads what they change (the
   hub's state, offsets and watcher registration, its closing, the engine's
   diagnostics that serverStatus and $planCacheStats show, its disconnection). What a
   client or a change stream can observe is what it was; the same changes reach the
   hub in the same order. A hub with a watcher or a journal, and writes inside
   transactions, keep the engine's own handling (this replaces an earlier form that
   handed over once per write command). A hand-over checkpoints its consumer once per
   run of changes read together, through the last one delivered (also when the
   consumer fails midway), where the engine committed a checkpoint per change.
   Measured (store CPU per command, 200 stored documents): update_one by _id 1.2-1.4 ms
   -> 0.7-0.75 ms, upsert of a new document 1.17 -> 0.73 ms; one hand-over of 100
   changes costs 4 ms where 100 hand-overs cost 30-57 ms.
4. The entries of single-field indexes. All of them live in one table, and the engine
   gives every single-field index its own SQL index over that table, each with the
   same columns (collection, index name, value, storage key): every entry written or
   removed, of any collection, updates every copy (11 for this service's indexes),
   which also multiplies the pages each commit writes. One shared SQL index now
   serves all of them; the per-index copies are dropped when the store opens and
   after an index is created. The catalog keeps each index's own physical name, and
   dropping an index drops only that name, never the shared index: the unmodified
   engine recreates the copies it names when it opens the file, so the file stays
   usable without this correction. Measured (store CPU per write, in process, the
   service's 16 indexes, 3,000 events): 1.31-1.41 ms -> 1.16-1.18 ms.

5. Renewal of the change consumers' registrations. A thread of the engine renews them
   every minute on a connection of its own; when another connection holds SQLite's
   write lock longer than the busy timeout at that moment (a long write of many
   documents), the renewal fails with "database is locked", the thread ends, and the
   failure is raised when the engine disconnects: the store stops with an error after
   its last writes. A registration lasts an hour, so a renewal that finds the file busy
   is now made at the next tick instead. Unlike 1-4 this changes no cost, so the store
   applies it also when measured without the others.

6. Sorted reads (storage.embedded_sorted_reads). Before sorting in SQL the engine asks,
   once per sort field, whether any match holds that field as an array or as a number
   SQL cannot order; those questions read every document of the collection. They are
   now restricted to the storage keys that serve the read itself, as correction 1
   restricts it. A limited read sorted by a field that its filter requires to be a date
   walks that field's single-field index and stops at the window's last match, where
   the engine read and sorted every match.
7. Correction 2 checks written documents for tagged values by encoding only the values
   at the cached paths (storage.embedded_tagged_values.tagged_type_at), where it encoded
   and decoded each whole document once more.
8-16. Work every command or statement repeats (storage.embedded_command_costs):
   8. update statements with $setOnInsert, $push, $addToSet or $bit reuse the engine's
   compiled plans of their shape, where each was compiled twice in full; 9. the engine's
   update no longer copies a statement's document images twice more after copying them
   once; 10. the codec checks each value it encodes once, where it checked a value once
   per document around it; 11. a read's own SQLite connection is kept for the next read,
   where each read opened and closed one; 12. an update's change record is put together
   from the encoding of the document just stored, where the engine encoded it again;
   13. decoding a stored document no longer inspects the codec's decode function first;
   14. a command document made of plain values (an event's upsert) is taken into the
   engine in one walk, where the codec encoded it, decoded it and copied it again;
   15. an update hands the document it read and the one it wrote to its outcome and
   change record, where it copied each again; 16. a document made of plain values is
   encoded in one walk, where the codec checked it and then walked it value by value.

Corrections 3 and 4 together, measured on the service (store CPU): one 1-event /collect
batch at a time 22-24 -> 17-18 ms per batch; the ingest benchmark's import 3.8-3.9 ->
3.0-3.3 ms per event, its 20 concurrent browsers 15.4-16.1 -> 14.6-14.8 ms per batch.
Corrections 8-13 together, on a shared, busy machine (store CPU): the ingest benchmark's
import 5.5-6.0 -> 4.1-5.2 ms per event, its 20 browsers 27.8-30.3 -> 20.5-23.9 ms per
batch (8-12: 23.5-23.9, 8-13: 20.5); a find by `_id` `$in` 1.9-2.3 -> 1.4-1.5 ms, an update of a session holding 60
list items 2.4-3.4 -> 1.7-2.2 ms, a two-statement session upsert 5.9-6.1 -> 4.8-5.2 ms.
Correction 14, store CPU per event (benchmarks/event_upserts.py: 3,000 new events stored
by storage.events.insert_all_or_none in batches of 100, the service's indexes), five runs
each alternating on a shared machine: 2.25-3.04 (median 2.67) -> 2.18-2.57 (median 2.43)
ms; earlier runs of the same upserts sent directly: median 2.78 -> 2.53 and 2.56 -> 2.19
ms. On the ingest benchmark's import it is within that benchmark's noise (4.0-4.4 ->
4.3-4.4 ms per event, two runs each).
Corrections 15 and 16 together, store CPU, runs alternating with runs without them on a
shared machine (`benchmarks/ingest_scaling.py --import-events 5000 --collect-events
2000`): while it was quiet, the import 6.8 and 7.5 -> 6.4 and 5.4 ms per event, the 20
browsers 34.0 and 34.5 -> 29.2 and 28.9 ms per batch; while it was busy (load 6-9), 9.4-10.2
-> 8.0-8.5 ms per event and 47.6-51.4 -> 31.2-44.1 ms per batch. benchmarks/event_upserts.py
(2,000 events): 3.96 and 4.02 -> 3.62 and 3.62 ms per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import version
from typing import Any

from bson import ObjectId

from storage import embedded_tagged_values

CORRECTED_VERSION = "4.11.0"
# How long changes nobody listens to may wait to be handed over, at most: they are
# handed over earlier to anything that reads the hub or the change outbox.
DELIVERY_WINDOW_SECONDS = 0.5
_written = threading.local()
_HAND_OVER = "_dispatch_engine_changes"
_SHARED_SCALAR_INDEX = "idx_scalar_index_entries_lookup"
_CREATE_SHARED_SCALAR_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {_SHARED_SCALAR_INDEX} "
    "ON scalar_index_entries (collection_id, index_name, type_score, element_key, storage_key)"
)
_INDEX_DROPS = ("_drop_index_sync", "_drop_indexes_sync", "_drop_collection_sync")


class _Within:
    """Whether this thread is inside a call that `marking` wrapped (such calls may nest):
    how a correction tells the engine's own call it changes from the same code reached
    another way."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __bool__(self) -> bool:
        return bool(getattr(self._local, "depth", 0))

    def marking(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def marked(*args: Any, **kwargs: Any) -> Any:
            self._local.depth = getattr(self._local, "depth", 0) + 1
            try:
                return call(*args, **kwargs)
            finally:
                self._local.depth -= 1
        return marked


_own_physical_names = _Within()
_HUB_READERS = ("register_watcher", "current_offset", "offset_after_token", "offset_at_or_after_cluster_time", "close")


def applicable() -> bool:
    return version("mongoeco") == CORRECTED_VERSION


@contextlib.contextmanager
def applied() -> Iterator[None]:
    """The corrections in force inside the block (for tests comparing both)."""
    undo = apply()
    try:
        yield
    finally:
        undo()


def apply() -> Any:
    """Apply the corrections; return a function that takes them back."""
    from mongoeco.engines import _sqlite_read_fast_path_runtime as fast_paths
    from mongoeco.engines._sqlite_connection import sqlite_read_scope
    from mongoeco.engines.sqlite import SQLiteEngine

    from storage import embedded_command_costs, embedded_sorted_reads

    originals: dict[str, Callable[..., Any]] = {
        "_select_first_document_for_plan": SQLiteEngine._select_first_document_for_plan,
        "_rebuild_scalar_entries_for_document": SQLiteEngine._rebuild_scalar_entries_for_document,
        "_invalidate_collection_features_cache": SQLiteEngine._invalidate_collection_features_cache,
        "_ensure_ttl_index_entries_sync": SQLiteEngine._ensure_ttl_index_entries_sync,
        "_compile_read_execution_plan": SQLiteEngine._compile_read_execution_plan,
    }
    compile_read = originals["_compile_read_execution_plan"]
    ensure_ttl_entries = originals["_ensure_ttl_index_entries_sync"]
    select_first = originals["_select_first_document_for_plan"]
    rebuild_scalar = originals["_rebuild_scalar_entries_for_document"]
    invalidate = originals["_invalidate_collection_features_cache"]

    def _select_first_document_for_plan(self, db_name, coll_name, plan, *, hint=None, context=None):
        if hint is None:
            found = _by_storage_key(self, db_name, coll_name, plan, context)
            if found is not _UNDECIDED:
                return found
            if _index_answers_misses(self, fast_paths, db_name, coll_name, plan):
                conn = self._require_connection(context)
                with self._bind_connection(conn), sqlite_read_scope(conn):
                    return fast_paths.select_first_document_for_scalar_index(
                        self, db_name, coll_name, field=plan.field, value=plan.value,
                        null_matches_undefined=plan.null_matches_undefined,
                    )
        return select_first(self, db_name, coll_name, plan, hint=hint, context=context)

    def _rebuild_scalar_entries_for_document(self, conn, db_name, coll_name, storage_key, document, indexes):
        pending = getattr(_written, "documents", None)
        if pending is None:
            pending = _written.documents = []
        pending.append((self, db_name, coll_name, document))
        return rebuild_scalar(self, conn, db_name, coll_name, storage_key, document, indexes)

    def _invalidate_collection_features_cache(self, db_name=None, coll_name=None):
        pending, _written.documents = getattr(_written, "documents", None) or [], []
        written = [doc for engine, db, coll, doc in pending if (engine, db, coll) == (self, db_name, coll_name)]
        if db_name is None or coll_name is None or not written:
            return invalidate(self, db_name, coll_name)
        _keep_features(self, db_name, coll_name, written)
        return None

    def _ensure_ttl_index_entries_sync(self, conn):
        ensure_ttl_entries(self, conn)
        for table in ("ttl_index_entries", "multikey_entries"):
            conn.execute(f"CREATE INDEX IF NOT EXISTS idx_{table}_storage ON {table} (collection_id, storage_key)")

    def _compile_read_execution_plan(self, db_name, coll_name, semantics, *, select_clause="document", hint=None):
        planned = compile_read(self, db_name, coll_name, semantics, select_clause=select_clause, hint=hint)
        if semantics.collation is not None or not getattr(planned, "use_sql", False) or not planned.sql:
            return planned
        narrowing = _narrowing(self, fast_paths, db_name, coll_name, semantics.query_plan)
        heads = _DOCUMENTS_OF_COLLECTION.findall(planned.sql)
        if (
            narrowing is None
            or len(heads) != 1
            or "?" in planned.sql.split(heads[0])[0]
            or tuple(planned.params[:2]) != (db_name, coll_name)
        ):
            return planned
        fragment, params = narrowing
        return dataclasses.replace(
            planned,
            sql=planned.sql.replace(heads[0], f"{heads[0]} AND {fragment}"),
            params=(db_name, coll_name, *params, *planned.params[2:]),
        )

    corrections: dict[str, Callable[..., Any]] = {
        "_select_first_document_for_plan": _select_first_document_for_plan,
        "_rebuild_scalar_entries_for_document": _rebuild_scalar_entries_for_document,
        "_invalidate_collection_features_cache": _invalidate_collection_features_cache,
        "_ensure_ttl_index_entries_sync": _ensure_ttl_index_entries_sync,
        "_compile_read_execution_plan": _compile_read_execution_plan,
    }
    for name, correction in corrections.items():
        setattr(SQLiteEngine, name, correction)
    undo_sorted_reads = embedded_sorted_reads.correct_sorted_reads()
    undo_delivery = _deliver_when_observed()
    undo_shared_index = _share_scalar_entry_index()
    undo_renewal = renew_registrations_when_free()
    undo_update_plans = embedded_command_costs.keep_update_plans()
    undo_image_copies = embedded_command_costs.own_fresh_images()
    undo_value_checks = embedded_command_costs.check_encoded_values_once()
    undo_reader_connections = embedded_command_costs.keep_reader_connections()
    undo_change_encoding = embedded_command_costs.reuse_written_encoding()
    undo_decode_inspection = embedded_command_costs.decode_without_inspecting()
    undo_plain_documents = embedded_command_costs.take_plain_documents_directly()
    undo_image_hand_over = embedded_command_costs.hand_over_images()
    undo_plain_encodings = embedded_command_costs.encode_plain_documents_directly()

    def undo() -> None:
        undo_plain_encodings()
        undo_image_hand_over()
        undo_plain_documents()
        undo_decode_inspection()
        undo_change_encoding()
        undo_reader_connections()
        undo_value_checks()
        undo_image_copies()
        undo_update_plans()
        undo_sorted_reads()
        for name, original in originals.items():
            setattr(SQLiteEngine, name, original)
        undo_delivery()
        undo_shared_index()
        undo_renewal()

    return undo


def renew_registrations_when_free() -> Callable[[], None]:
    """Correction 5: a renewal of the consumers' registrations that finds the file busy
    waits for the next tick; return a function that takes it back."""
    from mongoeco.engines import sqlite as sqlite_module
    from mongoeco.engines.sqlite import SQLiteEngine

    def _maintain_ephemeral_registrations(self, state):
        connection = None
        try:
            connection = self._create_sqlite_connection()
            while not state.stop.wait(sqlite_module._EPHEMERAL_CHANGE_CONSUMER_HEARTBEAT_SECONDS):
                try:
                    sqlite_module._sqlite_renew_ephemeral_consumers(
                        connection, owner_instance=self._change_dispatch_owner, now_epoch=time.time(),
                        ttl_seconds=sqlite_module._EPHEMERAL_CHANGE_CONSUMER_TTL_SECONDS,
                    )
                    connection.commit()
                except sqlite3.OperationalError as error:
                    if not _is_busy(error):
                        raise
                    # The registrations outlive many ticks; the next one renews them.
                    connection.rollback()
        except BaseException as error:
            state.fail(error)
        finally:
            if connection is not None:
                connection.close()

    return _replaced([(SQLiteEngine, "_maintain_ephemeral_registrations", _maintain_ephemeral_registrations)])


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


def _replaced(replacements: Iterable[tuple[Any, str, Any]]) -> Callable[[], None]:
    """Set each (owner, attribute, replacement); return a function that puts back what
    was there before (as stored: a property or staticmethod stays one)."""
    replacements = list(replacements)
    originals = [(owner, name, inspect.getattr_static(owner, name)) for owner, name, _ in replacements]
    for owner, name, replacement in replacements:
        setattr(owner, name, replacement)

    def undo() -> None:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)

    return undo


def _deliver_when_observed() -> Callable[[], None]:
    """Correction 3: changes nobody listens to are handed over coalesced, at the latest
    before anything reads what the hand-over changes. A hub with watchers or a journal
    and writes inside transactions keep the engine's own handling."""
    from mongoeco._change_streams.hub import ChangeStreamHub
    from mongoeco.api._async._collection_runtime import CollectionRuntimeCoordinator
    from mongoeco.engines.sqlite import SQLiteEngine

    deliver = CollectionRuntimeCoordinator._dispatch_engine_changes
    owed = _OwedDeliveries(deliver)

    def _dispatch_engine_changes(self, operation_context=None):
        session = getattr(operation_context, "session", None)
        if session is not None and session.in_transaction:
            return deliver(self, operation_context)  # the engine hands over at commit
        hub = self._collection._change_hub
        listened = getattr(hub, "should_publish_events", None)
        if callable(listened) and not listened() and owed.owe(self):
            return None
        # What is owed first: a hand-over reads the hub's state, which must not start
        # another hand-over to the same hub.
        owed.settle(hub=hub)
        return deliver(self, operation_context)

    def settling_hub(read: Callable[..., Any]) -> Callable[..., Any]:
        def settled(self, *args, **kwargs):
            owed.settle(hub=self)
            return read(self, *args, **kwargs)
        return settled

    def settling_engine(read: Callable[..., Any]) -> Callable[..., Any]:
        # The engine's diagnostics include the change outbox (serverStatus, $planCacheStats).
        def settled(self, *args, **kwargs):
            owed.settle(engine=self)
            return read(self, *args, **kwargs)
        return settled

    def settling_engine_async(close: Callable[..., Any]) -> Callable[..., Any]:
        async def settled(self, *args, **kwargs):
            owed.settle(engine=self)
            return await close(self, *args, **kwargs)
        return settled

    deliver_serially = SQLiteEngine._dispatch_committed_changes_serial
    hub_state = ChangeStreamHub.__dict__["state"]
    hub_readers = {name: getattr(ChangeStreamHub, name) for name in _HUB_READERS}
    diagnostics, disconnect = SQLiteEngine._runtime_diagnostics_info, SQLiteEngine.disconnect
    setattr(CollectionRuntimeCoordinator, _HAND_OVER, _dispatch_engine_changes)
    ChangeStreamHub.state = property(settling_hub(hub_state.fget))  # type: ignore[method-assign,assignment]
    for name, read in hub_readers.items():
        setattr(ChangeStreamHub, name, settling_hub(read))
    SQLiteEngine._runtime_diagnostics_info = settling_engine(diagnostics)  # type: ignore[method-assign]
    SQLiteEngine.disconnect = settling_engine_async(disconnect)  # type: ignore[method-assign]
    SQLiteEngine._dispatch_committed_changes_serial = _checkpointing_once_per_run  # type: ignore[method-assign]

    def undo() -> None:
        owed.settle()
        SQLiteEngine._dispatch_committed_changes_serial = deliver_serially  # type: ignore[method-assign]
        setattr(CollectionRuntimeCoordinator, _HAND_OVER, deliver)
        ChangeStreamHub.state = hub_state  # type: ignore[method-assign]
        for name, read in hub_readers.items():
            setattr(ChangeStreamHub, name, read)
        SQLiteEngine._runtime_diagnostics_info = diagnostics  # type: ignore[method-assign]
        SQLiteEngine.disconnect = disconnect  # type: ignore[method-assign]

    return undo


def _share_scalar_entry_index() -> Callable[[], None]:
    """Correction 4: one SQL index serves the entries of every single-field index. The
    catalog keeps each index's own physical name, so that the unmodified engine, which
    recreates the physical indexes it names when it opens a file, can still use the file."""
    from mongoeco.engines import _sqlite_index_runtime as index_runtime
    from mongoeco.engines import sqlite as sqlite_module
    from mongoeco.engines.sqlite import SQLiteEngine

    load_indexes = SQLiteEngine._load_indexes
    backfill = SQLiteEngine._backfill_scalar_indexes_sync
    create_index = SQLiteEngine._create_index_sync
    drops = {name: getattr(SQLiteEngine, name) for name in _INDEX_DROPS}
    shared_catalogs: dict[int, tuple[Any, Any]] = {}

    def ensure_scalar_physical_indexes_sync(engine, conn, indexes):
        if not any(engine._supports_scalar_index(index) and index.get("scalar_physical_name") for index in indexes):
            return
        had_transaction = conn.in_transaction
        conn.execute(_CREATE_SHARED_SCALAR_INDEX)
        if not had_transaction and conn.in_transaction:
            conn.commit()

    def _load_indexes(self, db_name, coll_name):
        indexes = load_indexes(self, db_name, coll_name)
        if _own_physical_names:
            return indexes
        if isinstance(indexes, list) and not hasattr(indexes, "ttl_indexes"):
            return [_on_shared_index(index) for index in indexes]
        # Catalogs are shared and immutable: share their renamed copy too.
        shared = shared_catalogs.get(id(indexes))
        if shared is None or shared[0] is not indexes:
            if len(shared_catalogs) > 256:
                shared_catalogs.clear()
            shared = shared_catalogs[id(indexes)] = (indexes, type(indexes)(map(_on_shared_index, indexes)))
        return shared[1]

    def _backfill_scalar_indexes_sync(self, conn):
        backfill(self, conn)
        _drop_own_scalar_indexes(self, conn)

    def _create_index_sync(self, *args, **kwargs):
        created = create_index(self, *args, **kwargs)
        with self._lock:
            conn = self._connection
            if conn is not None and not conn.in_transaction:
                _drop_own_scalar_indexes(self, conn)
                conn.commit()
        return created

    # Dropping an index drops the physical index its record names: its own, never the
    # shared one that other indexes use.
    return _replaced([
        (index_runtime, "ensure_scalar_physical_indexes_sync", ensure_scalar_physical_indexes_sync),
        (sqlite_module, "_sqlite_runtime_ensure_scalar_physical_indexes_sync", ensure_scalar_physical_indexes_sync),
        (SQLiteEngine, "_load_indexes", _load_indexes),
        (SQLiteEngine, "_backfill_scalar_indexes_sync", _backfill_scalar_indexes_sync),
        (SQLiteEngine, "_create_index_sync", _create_index_sync),
        *((SQLiteEngine, name, _own_physical_names.marking(drop)) for name, drop in drops.items()),
    ])


def _on_shared_index(index: Any) -> Any:
    if not index.scalar_physical_name:
        return index
    return dataclasses.replace(index, scalar_physical_name=_SHARED_SCALAR_INDEX)


def _drop_own_scalar_indexes(engine, conn) -> None:
    """Drop the per-index copies of the entry index (the engine creates them when it opens
    a file and with each new index), keeping the shared one while any index needs it."""
    named = {row[0] for row in conn.execute(
        "SELECT scalar_physical_name FROM indexes WHERE scalar_physical_name IS NOT NULL")}
    present = {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scalar_index_entries'")}
    for name in sorted(named & present - {_SHARED_SCALAR_INDEX}):
        conn.execute(f"DROP INDEX {engine._quote_identifier(name)}")
    if named:
        conn.execute(_CREATE_SHARED_SCALAR_INDEX)


def _checkpointing_once_per_run(self, consumer_id, consumer, *, generation, heartbeat):
    """The engine's serial delivery of committed changes, checkpointing the consumer once
    per run of changes read together (through the last one delivered, also when the
    consumer or the lease fails midway) where the engine made one commit per change."""
    from mongoeco.engines import _sqlite_outbox as outbox

    with self._change_delivery_storage() as conn:
        checkpoint = outbox.consumer_checkpoint(conn, consumer_id)
        through_sequence = outbox.outbox_info(conn)["newestSequence"]
    while checkpoint < through_sequence:
        with self._change_delivery_storage() as conn:
            checkpoint = outbox.consumer_checkpoint(conn, consumer_id)
            changes = outbox.read_committed_changes(
                conn, after_sequence=checkpoint, through_sequence=through_sequence,
                deserialize_document=self._deserialize_document,
            )
        if not changes:
            break
        delivered = None
        try:
            for change in changes:
                heartbeat.raise_if_failed()
                consumer(change.for_delivery())
                heartbeat.raise_if_failed()
                delivered = change.sequence
        finally:
            if delivered is not None:
                with self._change_delivery_storage() as conn:
                    outbox.checkpoint_consumer(
                        conn, consumer_id, delivered,
                        lease_owner=self._change_dispatch_owner, lease_generation=generation,
                    )
                    conn.commit()
                with self._lock:
                    self._change_outbox_checkpoints[consumer_id] = checkpoint = delivered
    heartbeat.raise_if_failed()
    with self._change_delivery_storage() as conn:
        outbox.compact_change_outbox(conn, max_entries=self._change_outbox_max_entries)
        conn.commit()


class _OwedDeliveries:
    """Hand-overs owed to change-stream hubs, one per engine and hub: a hand-over
    delivers everything committed until then, in order."""

    def __init__(self, deliver: Callable[[Any], None]) -> None:
        self._deliver = deliver
        self._owed: dict[tuple[int, int], Any] = {}
        self._guard = threading.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    def owe(self, coordinator: Any) -> bool:
        """Note a hand-over owed to the coordinator's hub; False when none can be
        scheduled (no running event loop): the caller hands over now."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        key = (id(coordinator._engine_spi.engine), id(coordinator._collection._change_hub))
        with self._guard:
            self._owed.setdefault(key, coordinator)
            if self._timer is None or self._timer_loop is not loop:
                self._timer_loop = loop
                self._timer = loop.call_later(DELIVERY_WINDOW_SECONDS, self._settle_on_time)
        return True

    def _settle_on_time(self) -> None:
        with self._guard:
            self._timer = None
        self.settle()

    def settle(self, *, hub: Any = None, engine: Any = None) -> None:
        """Make the owed hand-overs (to one hub, or of one engine, or all)."""
        with self._guard:
            due = [
                key for key, coordinator in self._owed.items()
                if (hub is None or coordinator._collection._change_hub is hub)
                and (engine is None or coordinator._engine_spi.engine is engine)
            ]
            coordinators = [self._owed.pop(key) for key in due]
        # Outside the guard: delivering reads the hub's state, which settles again.
        for coordinator in coordinators:
            self._deliver(coordinator)


_UNDECIDED = object()
_DOCUMENTS_OF_COLLECTION = re.compile(r"FROM\s+documents\s+WHERE\s+db_name\s*=\s*\?\s+AND\s+coll_name\s*=\s*\?")


def _by_storage_key(engine, db_name: str, coll_name: str, plan, context) -> Any:
    """The document an `_id` equality names, if it matches the whole filter; None if
    none does; _UNDECIDED when the filter names no single storage key."""
    from mongoeco.core.filtering import QueryEngine
    from mongoeco.core.query_plan import AndCondition, EqualsCondition

    clauses = plan.clauses if isinstance(plan, AndCondition) else [plan]
    ids = [
        clause.value for clause in clauses
        if isinstance(clause, EqualsCondition) and clause.field == "_id"
        # Numbers equal across types (1 == 1.0) and documents compare by shape: their
        # storage key is not the only one that can match.
        and type(clause.value) in (str, ObjectId)
    ]
    if not ids:
        return _UNDECIDED
    conn = engine._require_connection(context)
    if engine._collection_options_or_empty_sync(conn, db_name, coll_name).get("collation"):
        return _UNDECIDED  # the engine's matcher would need the collection's collation
    row = conn.execute(
        "SELECT storage_key, document FROM documents WHERE db_name = ? AND coll_name = ? AND storage_key = ?",
        (db_name, coll_name, engine._storage_key(ids[0])),
    ).fetchone()
    if row is None:
        return None
    storage_key, serialized = row
    document = engine._deserialize_document(serialized)
    return (storage_key, document) if QueryEngine.match_plan(document, plan) else None


def _narrowing(engine, fast_paths, db_name: str, coll_name: str, plan) -> tuple[str, list[Any]] | None:
    """A restriction of the documents table that every match of the filter meets: by
    storage key for an `_id` equality or `$in`, by index entries for an indexed field."""
    from mongoeco.core.query_plan import AndCondition

    clauses = plan.clauses if isinstance(plan, AndCondition) else [plan]
    # The narrowest restriction: ids, then a unique index, then any plain index.
    candidates: list[tuple[bool, int, dict[str, Any], list[Any]]] = []
    for clause in clauses:
        accepted = _accepted_values(clause)
        if accepted is None:
            continue
        field, values = accepted
        if field == "_id":
            if all(type(value) in (str, ObjectId) for value in values):
                return _by_storage_keys(engine, values)
            continue
        index = _string_index(engine, fast_paths, db_name, coll_name, field, values)
        if index is not None:
            candidates.append((not index.get("unique"), len(candidates), index, values))
    if not candidates:
        return None
    _, _, index, values = min(candidates, key=lambda candidate: candidate[:2])
    return _by_index_entries(engine, db_name, coll_name, index, values)


def _accepted_values(clause) -> tuple[str, list[Any]] | None:
    """The top-level field of an equality or `$in` and the values it accepts; None for
    any other clause."""
    from mongoeco.core.query_plan import EqualsCondition, InCondition

    if isinstance(clause, EqualsCondition):
        values = [clause.value]
    elif isinstance(clause, InCondition):
        values = list(clause.values)
    else:
        return None
    if not values or "." in clause.field:
        return None
    return clause.field, values


def _by_storage_keys(engine, ids: list[Any]) -> tuple[str, list[Any]]:
    marks = ", ".join("?" for _ in ids)
    return f"storage_key IN ({marks})", [engine._storage_key(value) for value in ids]


def _string_index(
    engine, fast_paths, db_name: str, coll_name: str, field: str, values: list[Any]
) -> dict[str, Any] | None:
    """The single-field index whose entries hold every match of these string values:
    none for other values, a partial or collated index, or a field that is ever an array."""
    if not all(type(value) is str for value in values):
        return None
    index = fast_paths._find_scalar_index(engine, db_name, coll_name, field)
    if (
        index is None or index.get("partial_filter_expression") or index.get("collation")
        or engine._field_is_top_level_array_in_collection(db_name, coll_name, field)
    ):
        return None
    return index


def _by_index_entries(
    engine, db_name: str, coll_name: str, index: dict[str, Any], values: list[Any]
) -> tuple[str, list[Any]] | None:
    collection_id = engine._lookup_collection_id(engine._require_connection(), db_name, coll_name)
    if collection_id is None:
        return None
    keys_by_score: dict[int, list[str]] = {}
    for value in values:
        element_type, element_key = engine._multikey_value_signature(value)
        keys_by_score.setdefault(engine._multikey_type_score(element_type), []).append(element_key)
    entries, params = [], [collection_id, index["name"]]
    for score, keys in keys_by_score.items():
        # One IN list per type: SQLite then seeks the index once per key.
        entries.append(f"(type_score = ? AND element_key IN ({', '.join('?' for _ in keys)}))")
        params += [score, *keys]
    return (
        "storage_key IN (SELECT storage_key FROM scalar_index_entries WHERE collection_id = ? "
        f"AND index_name = ? AND ({' OR '.join(entries)}))",
        params,
    )


def _index_answers_misses(engine, fast_paths, db_name: str, coll_name: str, plan) -> bool:
    """Whether the engine's index lookup for this filter, finding nothing, means that no
    document matches: a string equality on a top-level field with a single-field index,
    in a collection where that field is never an array."""
    from mongoeco.core.query_plan import EqualsCondition

    return (
        isinstance(plan, EqualsCondition)
        and plan.field != "_id"
        and "." not in plan.field
        and type(plan.value) is str
        and fast_paths._find_scalar_index(engine, db_name, coll_name, plan.field) is not None
        and not engine._field_is_top_level_array_in_collection(db_name, coll_name, plan.field)
    )


def _keep_features(engine, db_name: str, coll_name: str, written: list[dict[str, Any]]) -> None:
    """Keep the cached features that the written documents cannot change."""
    cache = engine._collection_features_cache
    for key in [key for key in cache if key[0] == db_name and key[1] == coll_name]:
        kind, _, rest = key[2].partition(":")
        value = cache[key]
        if value is True and kind in ("top_level_array", "tagged_type"):
            continue  # present already; a write elsewhere cannot remove it
        if value is False and kind == "top_level_array":
            if any(isinstance(_value_at(doc, rest.split(".")), list) for doc in written):
                cache[key] = True
            continue
        if value is False and kind == "tagged_type":
            field, _, value_type = rest.rpartition(":")
            path = field.split(".")
            if any(embedded_tagged_values.tagged_type_at(engine, doc, path) == value_type for doc in written):
                cache[key] = True
            continue
        del cache[key]


def _value_at(document: Any, path: list[str]) -> Any:
    """The value at a dotted path as SQLite's JSON path of the engine reads it: a number
    part indexes an array, a name part reads an object's key."""
    for part in path:
        if part.isdigit():
            if not isinstance(document, list) or int(part) >= len(document):
                return None
            document = document[int(part)]
        elif isinstance(document, dict) and part in document:
            document = document[part]
        else:
            return None
    return document
