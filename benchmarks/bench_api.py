"""p50/p99 of POST /api/v1/quotes and POST /api/v1/quotes/{id}/confirm over HTTP, against a
real uvicorn server process on 127.0.0.1, with concurrent clients sending 100 requests a
second on a fixed schedule (open loop: a late answer delays no later request, and latency
counts from the scheduled instant). Each request is a different account's, with its own
token and Idempotency-Key. Baseline: GET /health at the same rate, in the same run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from typing import IO

import httpx
from sqlalchemy import Engine, insert

from benchmarks.common import Row
from benchmarks.databases import postgres_available, postgres_engine, sqlite_engine
from smsaddon import billing
from smsaddon.accounts.models import Account, Role, User
from smsaddon.accounts.tokens import create_token
from smsaddon.catalog import load_catalog
from smsaddon.config import DEFAULT_CATALOG
from smsaddon.db import session_factory, transaction, utcnow
from smsaddon.periods import Interval

RATE = 100  # requests a second
SECONDS = 6  # of load per figure
REQUESTS = RATE * SECONDS
CLIENTS = 32
TARGET_MS = 50.0

Call = Callable[[httpx.Client], httpx.Response]


def populate(engine: Engine, count: int) -> list[str]:
    """`count` accounts on plus, monthly, each with an owner and a token; the tokens."""
    catalog = load_catalog(DEFAULT_CATALOG)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(Account),
            [{"id": i, "name": f"Bench {i}", "created_at": now} for i in range(1, count + 1)],
        )
        conn.execute(
            insert(User),
            [
                {
                    "id": i,
                    "account_id": i,
                    "email": f"owner{i}@bench.test",
                    "name": f"Owner {i}",
                    "password_hash": "!",
                    "role": Role.PRIMARY_ADMIN,
                    "can_bill": True,
                    "created_at": now,
                }
                for i in range(1, count + 1)
            ],
        )
    tokens = []
    with transaction(session_factory(engine)) as session:
        for i in range(1, count + 1):
            billing.subscribe(
                session,
                account_id=i,
                plan="plus",
                interval=Interval.MONTHLY,
                catalog=catalog,
                now=now,
                anchor=now - timedelta(days=10),
            )
            tokens.append(
                create_token(session, user=session.get_one(User, i), name="bench", now=now)[1]
            )
    return tokens


@contextmanager
def server(url: str) -> Iterator[str]:
    """uvicorn serving the app on `url`'s database in its own process; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "SMSADDON_DATABASE_URL": url,
        "SMSADDON_API_RATE": "1000000",
        "SMSADDON_API_BURST": "1000000",
    }
    command = [sys.executable, "-m", "uvicorn", "smsaddon.web.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
               "--no-access-log"]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(base, process, log)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"the API server did not start:\n{log.read().decode()}")
        time.sleep(0.1)


def load(
    pool: ThreadPoolExecutor, client: httpx.Client, calls: list[Call], expect: int
) -> list[float]:
    """Send the calls at RATE a second from the pool's threads; latencies in ms, each from the
    instant its request was due. Raises if any answer is not `expect`."""
    start = time.perf_counter() + 0.2
    failures: list[str] = []

    def one(index: int, call: Call) -> float:
        due = start + index / RATE
        time.sleep(max(0.0, due - time.perf_counter()))
        response = call(client)
        latency = (time.perf_counter() - due) * 1000
        if response.status_code != expect:
            failures.append(f"{response.status_code} {response.text[:200]}")
        return latency

    latencies = list(pool.map(one, range(len(calls)), calls))
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, first: {failures[0]}")
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(open_engine: Callable[[], AbstractContextManager[Engine]], label: str) -> list[Row]:
    with open_engine() as engine:
        tokens = populate(engine, REQUESTS)
        url = engine.url.render_as_string(hide_password=False)
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        with (
            server(url) as base,
            httpx.Client(timeout=30, limits=limits) as client,
            ThreadPoolExecutor(max_workers=CLIENTS) as pool,
        ):
            list(pool.map(lambda _: client.get(f"{base}/health"), range(CLIENTS * 4)))  # warm
            health = load(pool, client, [_health(base)] * REQUESTS, 200)
            quote_ids: list[str] = [""] * REQUESTS
            quotes = load(
                pool,
                client,
                [_quote(base, token, quote_ids, i) for i, token in enumerate(tokens)],
                201,
            )
            confirms = load(
                pool,
                client,
                [_confirm(base, token, quote_ids[i]) for i, token in enumerate(tokens)],
                200,
            )
    rows = []
    for name, latencies in (
        ("POST /api/v1/quotes", quotes),
        ("POST /api/v1/quotes/{id}/confirm", confirms),
    ):
        for fraction, tag in ((0.5, "p50"), (0.99, "p99")):
            figure = percentile(latencies, fraction)
            rows.append(
                Row(
                    f"{name} {tag}, {RATE} req/s, {label}",
                    figure,
                    "ms",
                    f"GET /health {tag}",
                    percentile(health, fraction),
                    f"< {TARGET_MS:.0f} ms",
                    figure < TARGET_MS,
                )
            )
    return rows


def _health(base: str) -> Call:
    return lambda client: client.get(f"{base}/health")


def _quote(base: str, token: str, ids: list[str], index: int) -> Call:
    def call(client: httpx.Client) -> httpx.Response:
        response = client.post(
            f"{base}/api/v1/quotes",
            json={"kind": "add_addon"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"quote-{index}"},
        )
        if response.status_code == 201:
            ids[index] = response.json()["id"]
        return response

    return call


def _confirm(base: str, token: str, quote_id: str) -> Call:
    return lambda client: client.post(
        f"{base}/api/v1/quotes/{quote_id}/confirm",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"confirm-{quote_id}"},
    )


def run() -> list[Row]:
    rows = measure(sqlite_engine, "SQLite")
    if postgres_available():
        rows += measure(postgres_engine, "PostgreSQL")
    return rows


__all__ = ["run"]
