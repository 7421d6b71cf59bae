"""Engines and sessions. The entrypoint owns the transaction; services never commit.

SQLite: WAL, foreign keys on, every writing transaction begins IMMEDIATE (writers queue on the
database lock instead of failing on upgrade); a read-only one begins DEFERRED and takes no lock,
so reads never queue behind writers. PostgreSQL: psycopg 3, READ COMMITTED, with conditional
writes and row locks doing the serializing; a read-only transaction is READ ONLY there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL: bound every id a client sends

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on both SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # Straight to the driver: this runs once per transaction, on the ledger's hot path.
        readonly = bool(connection._execution_options.get(READONLY, False))
        pooled = connection.connection
        if pooled.info.get(READONLY, False) != readonly:  # only when it changes: cheap
            pooled.driver_connection.execute(f"PRAGMA query_only={int(readonly)}")
            pooled.info[READONLY] = readonly
        pooled.driver_connection.execute("BEGIN DEFERRED" if readonly else "BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


READONLY = "smsaddon_readonly"  # the execution option that marks a read-only transaction


class WriterLock:
    """SQLite has one writer at a time; threads of one process queue here rather than in
    SQLite's busy handler, which sleeps up to 100 ms between tries.

    Its holder is a thread (which may open a transaction inside its own, as tests do) or a
    request's unit of work, which begins in one thread and may end in another."""

    def __init__(self) -> None:
        self._free = threading.Condition()
        self._holder: object = None
        self._depth = 0

    @contextmanager
    def held(self, holder: object) -> Iterator[None]:
        with self._free:
            while self._holder is not None and self._holder != holder:
                self._free.wait()
            self._holder = holder
            self._depth += 1
        try:
            yield
        finally:
            with self._free:
                self._depth -= 1
                if self._depth == 0:
                    self._holder = None
                    self._free.notify()


_sqlite_writers: WeakKeyDictionary[Engine, WriterLock] = WeakKeyDictionary()
_sqlite_writers_guard = threading.Lock()


def _writer_lock(factory: sessionmaker[Session], holder: object) -> AbstractContextManager[None]:
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return nullcontext()
    with _sqlite_writers_guard:
        lock = _sqlite_writers.setdefault(bind, WriterLock())
    return lock.held(holder)


@contextmanager
def transaction(
    factory: sessionmaker[Session], *, readonly: bool = False, holder: object = None
) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception.

    `readonly=True` for a unit that only reads: on SQLite it takes neither the writer lock nor
    `BEGIN IMMEDIATE`; on PostgreSQL the transaction is READ ONLY, so a write in it fails.
    `holder`: who holds the SQLite writer lock (default: this thread); a request's unit of
    work passes itself, since it may end in another thread than the one it began in."""
    if not readonly:
        owner = threading.get_ident() if holder is None else holder
        with _writer_lock(factory, owner), factory() as session, session.begin():
            yield session
        return
    with factory() as session, session.begin():
        postgres = session.get_bind().dialect.name == "postgresql"
        session.connection(
            execution_options={"postgresql_readonly": True} if postgres else {READONLY: True}
        )
        yield session


def read_only(factory: sessionmaker[Session]) -> AbstractContextManager[Session]:
    """`transaction(factory, readonly=True)`."""
    return transaction(factory, readonly=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_ignoring_conflicts(session: Session, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the session's dialect (SQLite or PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()
