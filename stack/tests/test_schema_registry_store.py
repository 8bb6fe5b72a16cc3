"""The local registry's storage after PostgreSQL ended its connections.

PostgreSQL ends every connection when it restarts (the stack restarts it on its own, without
the registry) or when an administrator terminates them. The registry's pooled connections are
then dead, and a request that ran on one answered 500 (error 50001, "terminating connection due
to administrator command") until each of them had failed once: the Schemas row under a Kafka
connection showed that error instead of the subjects. Here the real PostgreSQL of the stack ends
the pool's connections with pg_terminate_backend, as a restart does, and every request after
that must still be served.
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schema_registry.store import Store, database_url  # noqa: E402

POOL_SIZE = 3


def _end_backends(pids: list[int]) -> None:
    """Terminates these server processes and waits until they are gone."""
    with psycopg.connect(database_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
        deadline = time.monotonic() + 10
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)).fetchone()[0] > 0:
            assert time.monotonic() < deadline, f"PostgreSQL did not end backends {pids} within 10 s"
            time.sleep(0.05)


def test_requests_after_the_server_ended_the_pooled_connections_are_served() -> None:
    store = Store(pool_size=POOL_SIZE)
    try:
        # Fill the pool: hold POOL_SIZE connections at once, then give them back.
        with ExitStack() as held:
            conns = [held.enter_context(store.connection()) for _ in range(POOL_SIZE)]
            pids = [conn.info.backend_pid for conn in conns]
        assert len(set(pids)) == POOL_SIZE

        _end_backends(pids)

        # More requests than dead connections: each one is served, on a live connection.
        for _ in range(POOL_SIZE + 1):
            with store.connection() as conn:
                assert conn.info.backend_pid not in pids
                subjects = store.subjects(conn, deleted=False)
                assert isinstance(subjects, list)
    finally:
        store.close()


def test_a_pooled_connection_that_answers_is_reused() -> None:
    store = Store(pool_size=1)
    try:
        with store.connection() as conn:
            first = conn.info.backend_pid
        with store.connection() as conn:
            assert conn.info.backend_pid == first
    finally:
        store.close()
