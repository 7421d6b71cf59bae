"""The raw-SQL kit for hot paths (the ledger, the queue, bulk inserts): plain SQL on the
driver's cursor of the caller's connection, inside the transaction the caller owns; it never
begins or commits. Its contract is written in docs/architecture.md.

A spend is three statements on SQLite and one on PostgreSQL; SQLAlchemy's per-execution
work (~50 µs a statement) would cost more than the database does, so ledger statements skip
it. Each is written once with `:name` parameters, works on SQLite and PostgreSQL alike
(`{lock}` becomes `FOR NO KEY UPDATE` on PostgreSQL), and binds and reads times exactly as
`UTCDateTime` does. Driver errors come out as SQLAlchemy's `DBAPIError` family, as they would
from `Session.execute`. Every statement goes through `execute`, one place to observe (or, in
tests, to break) them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from smsaddon.db import Base, UTCDateTime

Db = Session | Connection
Row = tuple[Any, ...]
PAGE = 1000  # rows per SQLite statement (within its limit of parameters)


class Statement:
    __slots__ = ("_by_dialect", "text")

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        self._by_dialect: dict[str, str] = {}

    def sql(self, dialect: str) -> str:
        sql = self._by_dialect.get(dialect)
        if sql is None:
            if dialect == "postgresql":
                sql = re.sub(
                    r"(?<![:\w]):(\w+)", r"%(\1)s", self.text.format(lock="FOR NO KEY UPDATE")
                )
            else:
                sql = self.text.format(lock="")
            self._by_dialect[dialect] = sql
        return sql


class _Driver:
    """Per dialect: how times go in and come out, and which errors the driver raises."""

    def __init__(self, dialect: Dialect) -> None:
        impl = UTCDateTime().dialect_impl(dialect)
        self.dialect = dialect
        self.name = dialect.name
        self._bind_time: Callable[[Any], Any] = impl.bind_processor(dialect) or _same
        self.read_time: Callable[[Any], Any] = impl.result_processor(dialect, None) or _same
        self.error: type[Exception] = dialect.loaded_dbapi.Error
        self._last: tuple[Any, Any] = (None, None)

    def bind_time(self, moment: datetime) -> Any:
        """`moment` as the driver takes it (a service binds the same `now` several times)."""
        last = self._last
        if last[0] == moment:
            return last[1]
        bound = self._bind_time(moment)
        self._last = (moment, bound)
        return bound


def _same(value: Any) -> Any:
    return value


_drivers: dict[int, _Driver] = {}


def _driver(dialect: Dialect) -> _Driver:
    driver = _drivers.get(id(dialect))
    if driver is None or driver.dialect is not dialect:
        driver = _drivers[id(dialect)] = _Driver(dialect)
    return driver


def connection(db: Db) -> Connection:
    """The connection to run on, in a transaction (begun here if the caller has not yet)."""
    if isinstance(db, Session):
        db.flush()
        return db.connection()
    if not db.in_transaction():
        db.begin()
    return db


def read_time(conn: Connection, value: Any) -> datetime:
    moment: datetime = _driver(conn.dialect).read_time(value)
    return moment


def execute(conn: Connection, sql: str, params: Any) -> tuple[list[Row], int]:
    """Run one statement: its rows, if any, and its row count."""
    driver = _driver(conn.dialect)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        found = list(cursor.fetchall()) if cursor.description is not None else []
        return found, int(cursor.rowcount)
    except driver.error as exc:
        raise DBAPIError.instance(sql, params, exc, driver.error, dialect=conn.dialect) from exc
    finally:
        cursor.close()


def _bind(driver: _Driver, params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: driver.bind_time(v) if isinstance(v, datetime) else v for k, v in params.items()}


def rows(conn: Connection, statement: Statement, **params: Any) -> list[Row]:
    driver = _driver(conn.dialect)
    return execute(conn, statement.sql(driver.name), _bind(driver, params))[0]


def rows_each(
    conn: Connection, queries: Sequence[tuple[Statement, Mapping[str, Any]]]
) -> list[list[Row]]:
    """The rows of each (statement, parameters) query (sent together on PostgreSQL, in one
    round trip)."""
    driver = _driver(conn.dialect)
    bound = [(statement.sql(driver.name), _bind(driver, params)) for statement, params in queries]
    if driver.name != "postgresql":
        return [execute(conn, sql, params)[0] for sql, params in bound]
    raw = conn.connection.dbapi_connection
    cursors: list[Any] = []
    try:
        with raw.pipeline():  # type: ignore[union-attr]
            for sql, params in bound:
                cursors.append(raw.cursor().execute(sql, params))  # type: ignore[union-attr]
        return [list(cursor.fetchall()) for cursor in cursors]
    except driver.error as exc:
        raise DBAPIError.instance(None, None, exc, driver.error, dialect=conn.dialect) from exc
    finally:
        for cursor in cursors:
            cursor.close()


def one(conn: Connection, statement: Statement, **params: Any) -> Row | None:
    found = rows(conn, statement, **params)
    return found[0] if found else None


def scalar(conn: Connection, statement: Statement, **params: Any) -> Any:
    row = one(conn, statement, **params)
    return None if row is None else row[0]


def write(conn: Connection, statement: Statement, **params: Any) -> int:
    """Run a statement without results; the number of rows it changed."""
    driver = _driver(conn.dialect)
    return execute(conn, statement.sql(driver.name), _bind(driver, params))[1]


def rows_in(conn: Connection, text: str, keys: Sequence[Any], **params: Any) -> list[Row]:
    """Rows of `text`, a query with `IN :keys` in its WHERE clause, for every key in `keys`."""
    if conn.dialect.name == "postgresql":  # one statement, the keys as an array
        return rows(
            conn, Statement(text.replace("IN :keys", "= ANY(:keys)")), keys=list(keys), **params
        )
    found: list[Row] = []
    for start in range(0, len(keys), PAGE):
        page = keys[start : start + PAGE]
        marks = ", ".join(f":k{i}" for i in range(len(page)))
        statement = Statement(text.replace("IN :keys", f"IN ({marks})"))
        found += rows(conn, statement, **params, **{f"k{i}": key for i, key in enumerate(page)})
    return found


def insert_many(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    values: Sequence[Sequence[Any]],
    *,
    suffix: str = "",
) -> list[Row]:
    """Insert rows of `values` in a few statements; the rows any RETURNING in `suffix` gave.

    PostgreSQL takes each column as one array (`unnest`, sent in binary): the statement stays
    short and the same whatever the number of rows. SQLite takes multi-row VALUES, PAGE rows
    at a time.
    """
    if not values:
        return []
    driver = _driver(conn.dialect)
    names = ", ".join(columns)
    if driver.name == "postgresql":
        types = Base.metadata.tables[table].c
        arrays = ", ".join(f"%b::{types[c].type.compile(driver.dialect)}[]" for c in columns)
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {suffix}"
        params = [
            [driver.bind_time(v) if isinstance(v, datetime) else v for v in column]
            for column in zip(*values, strict=True)
        ]
        return execute(conn, sql, params)[0]
    one_row = "(" + ", ".join(["?"] * len(columns)) + ")"
    found: list[Row] = []
    for start in range(0, len(values), PAGE):
        page = values[start : start + PAGE]
        sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one_row] * len(page))} {suffix}"
        params = [
            driver.bind_time(v) if isinstance(v, datetime) else v for row in page for v in row
        ]
        found += execute(conn, sql, params)[0]
    return found
