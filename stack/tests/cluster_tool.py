"""The native stack's three-broker Kafka cluster for pipeline tests (``stack.sh up cluster``).

Brokers 1, 2 and 3 on 127.0.0.1:19092-19094, replication factor 3, min.insync.replicas 2.
Started through stack.sh (reused when it runs), brokers killed by their process id and
restarted through stack.sh; like test/integration/cluster.ts it writes a lease file while a
test process uses the cluster, and the last user stops it (KAW_KEEP_CLUSTER=1 keeps it up).
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

STACK_SCRIPT = Path(__file__).resolve().parents[1] / "native" / "stack.sh"
FIRST_PORT = int(os.environ.get("KAW_CLUSTER_PORT", "19092"))
BROKER_IDS = (1, 2, 3)


def _state_dir() -> Path:
    cache = Path(os.environ.get("KAW_CACHE", Path.home() / ".cache" / "kafka-airflow-workbench"))
    return Path(os.environ.get("KAW_STATE", cache / "state"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stack(*args: str, timeout: float = 240) -> str:
    done = subprocess.run(["bash", str(STACK_SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"stack.sh {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


class TestCluster:
    """Start with ``TestCluster.start()``; always ``close()`` (a fixture's teardown)."""

    __test__ = False  # not a pytest test class

    bootstrap = ",".join(f"127.0.0.1:{FIRST_PORT + i - 1}" for i in BROKER_IDS)

    def __init__(self) -> None:
        self._state = _state_dir()
        self._lease = self._state / "cluster" / "users" / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._admin: AdminClient | None = None

    @classmethod
    def start(cls) -> TestCluster:
        cluster = cls()
        cluster._lease.parent.mkdir(parents=True, exist_ok=True)
        cluster._lease.write_text(f"{os.getpid()}\n")
        try:
            _stack("up", "cluster")
        except BaseException:
            cluster._lease.unlink(missing_ok=True)
            raise
        return cluster

    def admin(self) -> AdminClient:
        if self._admin is None:
            self._admin = AdminClient({"bootstrap.servers": self.bootstrap})
        return self._admin

    def create_topic(self, name: str, partitions: int = 3) -> None:
        """Replication factor 3, min.insync.replicas 2; waits until every partition has a full ISR."""
        topic = NewTopic(name, num_partitions=partitions, replication_factor=3, config={"min.insync.replicas": "2"})
        for future in self.admin().create_topics([topic]).values():
            future.result(timeout=30)
        self.wait_until(
            f"topic {name} has {partitions} partitions with full ISRs",
            lambda: len(parts := self.partitions(name)) == partitions and all(len(p["isr"]) == 3 for p in parts),
        )

    def delete_topic(self, name: str) -> None:
        for future in self.admin().delete_topics([name], operation_timeout=30).values():
            future.result(timeout=30)

    def partitions(self, topic: str) -> list[dict[str, object]]:
        """Leader, replicas and ISR of each partition (fresh metadata)."""
        meta = self.admin().list_topics(topic, timeout=10).topics.get(topic)
        if meta is None or meta.error is not None:
            return []
        return [
            {"partition": p.id, "leader": p.leader, "replicas": list(p.replicas), "isr": list(p.isrs)}
            for p in sorted(meta.partitions.values(), key=lambda p: p.id)
        ]

    def coordinator(self, group: str) -> int:
        """The broker id of the group's coordinator."""
        described = self.admin().describe_consumer_groups([group], request_timeout=10)[group].result(timeout=15)
        return int(described.coordinator.id)

    def pid(self, broker: int) -> int | None:
        try:
            pid = int((self._state / "pids" / f"cluster-{broker}.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if _alive(pid) else None

    def kill(self, broker: int) -> None:
        """SIGKILL (a crash: no controlled shutdown); returns once the process is gone."""
        pid = self.pid(broker)
        assert pid is not None, f"cluster broker {broker} is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid):
            assert time.monotonic() < deadline, f"cluster broker {broker} (pid {pid}) survived SIGKILL"
            time.sleep(0.05)

    def start_broker(self, broker: int) -> None:
        """Starts the broker on its data; returns once the cluster lists it."""
        _stack("cluster", "start", str(broker))

    def restore(self) -> None:
        """Starts every broker that is down."""
        _stack("up", "cluster")

    def wait_until(self, what: str, probe: object, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if callable(probe) and probe():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:.0f} s until {what}")
            time.sleep(0.25)

    def close(self) -> None:
        """Stops the cluster unless another live test process uses it or KAW_KEEP_CLUSTER=1."""
        self._lease.unlink(missing_ok=True)
        self._admin = None  # its connections would log every broker going down
        gc.collect()
        if os.environ.get("KAW_KEEP_CLUSTER") == "1":
            return
        others = []
        for lease in self._lease.parent.glob("*"):
            pid = int(lease.name.split("-")[0]) if lease.name.split("-")[0].isdigit() else 0
            if pid > 0 and _alive(pid):
                others.append(lease.name)
            else:
                lease.unlink(missing_ok=True)
        if not others:
            _stack("down", "cluster")
