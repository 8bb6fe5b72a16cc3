"""The assets (datasets) of the bundled pipeline, named in one place.

The batch consumer emits one event per data type on ``history_asset(data_type)`` through the
alias ``HISTORY_ASSET_ALIAS``; the downstream DAGs schedule on the same function's result, so
name and URI always match (Airflow 3 identifies an asset by both).

URIs use the scheme ``workbench``: they name rows of the message history, not a Kafka topic or
a table on one particular host, so they stay the same on the native stack and in Compose.
"""

from __future__ import annotations

from urllib.parse import quote

from airflow.sdk import Asset, AssetAlias

HISTORY_ASSET_GROUP = "message_history"
HISTORY_URI_PREFIX = "workbench://message-history/"

HISTORY_ASSET_ALIAS = AssetAlias(name="workbench_message_history", group=HISTORY_ASSET_GROUP)
"""The batch consumer's outlet: it adds one concrete asset per data type seen in a run."""

KNOWN_DATA_TYPES: tuple[str, ...] = ("order", "user", "sensor_reading", "page_view", "payment")
"""Data types the sample producer writes and that have a downstream DAG."""

DATA_TYPE_ASSET_URIS: dict[str, str] = {dt: f"{HISTORY_URI_PREFIX}{dt}" for dt in KNOWN_DATA_TYPES}
"""The mapping data type -> asset URI; other data types get ``HISTORY_URI_PREFIX + quoted name``."""

COMMANDS_TOPIC = "workbench.commands"
COMMANDS_ASSET_URI = f"workbench://kafka-topic/{COMMANDS_TOPIC}"
SIMPLE_TOPIC = "workbench.simple"
SIMPLE_TOPIC_ASSET = Asset(name="workbench_simple_topic", uri=f"workbench://kafka-topic/{SIMPLE_TOPIC}")
"""Updated by the simple producer DAG; the simple consumer DAG runs on it."""


def history_asset_uri(data_type: str) -> str:
    """The asset URI of the message-history rows of one data type."""
    return DATA_TYPE_ASSET_URIS.get(data_type) or HISTORY_URI_PREFIX + quote(data_type, safe="")


def history_asset(data_type: str) -> Asset:
    """The asset of the message-history rows of one data type (same name and URI everywhere)."""
    return Asset(
        name=f"message_history_{data_type}",
        uri=history_asset_uri(data_type),
        group=HISTORY_ASSET_GROUP,
    )
