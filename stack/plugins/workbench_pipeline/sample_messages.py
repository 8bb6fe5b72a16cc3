"""Test messages like the seeds' producer writes: JSON with a ``data_type`` field.

Deterministic for a given seed, so tests and benchmarks can say exactly what they produced.
Used by the simple producer DAG, the pytest suite and the load benchmark.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from workbench_pipeline.assets import KNOWN_DATA_TYPES

_CITIES = ("Taipei", "Berlin", "Lagos", "Lima", "Osaka", "Oslo", "Perth", "Quito")
_PAGES = ("/", "/pricing", "/docs", "/blog", "/signup", "/checkout", "/account")
_SENSORS = ("temperature", "humidity", "pressure", "co2")
_CURRENCIES = ("EUR", "USD", "TWD", "JPY")


def _body(data_type: str, rng: random.Random, n: int) -> dict[str, object]:
    if data_type == "order":
        return {
            "order_id": f"o-{n}",
            "customer_id": f"c-{rng.randrange(10_000)}",
            "items": [
                {"sku": f"sku-{rng.randrange(500)}", "qty": rng.randint(1, 5), "price": round(rng.uniform(1, 200), 2)}
                for _ in range(rng.randint(1, 3))
            ],
        }
    if data_type == "user":
        name = "".join(rng.choices(string.ascii_lowercase, k=8))
        return {"user_id": f"u-{n}", "name": name.title(), "email": f"{name}@example.com", "city": rng.choice(_CITIES)}
    if data_type == "sensor_reading":
        kind = rng.choice(_SENSORS)
        return {"sensor_id": f"s-{rng.randrange(200)}", "kind": kind, "value": round(rng.uniform(-10, 100), 3)}
    if data_type == "page_view":
        return {
            "session_id": f"sess-{rng.randrange(50_000)}",
            "page": rng.choice(_PAGES),
            "ms_on_page": rng.randrange(60_000),
        }
    if data_type == "payment":
        return {
            "payment_id": f"p-{n}",
            "order_id": f"o-{rng.randrange(n + 1)}",
            "amount": round(rng.uniform(1, 999), 2),
            "currency": rng.choice(_CURRENCIES),
            "status": rng.choice(("authorized", "captured", "refunded")),
        }
    return {"note": "no data type this pipeline knows"}


def sample_message(
    n: int,
    rng: random.Random,
    *,
    data_type: str | None = None,
    target_bytes: int = 0,
    base_time: datetime | None = None,
) -> tuple[str, bytes]:
    """Message number ``n`` as (key, JSON bytes); padded with a ``padding`` field to ~target_bytes."""
    dt = data_type or rng.choice(KNOWN_DATA_TYPES)
    when = (base_time or datetime(2026, 1, 1, tzinfo=UTC)) + timedelta(seconds=n)
    record: dict[str, object] = {"data_type": dt, "seq": n, "event_time": when.isoformat(), **_body(dt, rng, n)}
    text = json.dumps(record, separators=(",", ":"))
    if target_bytes and len(text) < target_bytes - 14:
        record["padding"] = "x" * (target_bytes - len(text) - 14)
        text = json.dumps(record, separators=(",", ":"))
    return f"{dt}-{n}", text.encode("utf-8")


def sample_messages(
    count: int,
    *,
    seed: int = 42,
    target_bytes: int = 0,
    data_types: tuple[str, ...] = KNOWN_DATA_TYPES,
) -> Iterator[tuple[str, bytes]]:
    """``count`` messages, data types in rotation (so every type appears), as (key, value)."""
    rng = random.Random(seed)
    for n in range(count):
        yield sample_message(n, rng, data_type=data_types[n % len(data_types)], target_bytes=target_bytes)


def simple_topic_messages(count: int = 10, run_id: str = "manual") -> Iterator[tuple[str, str]]:
    """``producer_function`` of the simple producer DAG: (key, value) pairs for ProduceToTopicOperator.

    Keys are ``<run_id>/<n>``, so a consumer can tell which producer run wrote a message.
    """
    for n, (_, value) in enumerate(sample_messages(int(count), seed=int(datetime.now(UTC).timestamp()))):
        yield f"{run_id}/{n}", value.decode("utf-8")
