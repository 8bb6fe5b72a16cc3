"""Parse one DAG file the way Airflow 3's dag processor does, without waiting for it.

The editor's fast check on save (Kafka Airflow Workbench) runs this in the stack's Airflow 3
venv with the stack's environment (`stack.sh exec airflow3 python parse_dag_file.py ...`). It
builds a DagBag of the one file (import, cycle check, duplicate DAG ids, serialization) and
prints JSON: the DAG ids with their tasks, the errors with Airflow's traceback, the warnings.

    parse_dag_file.py [--bundle-root DIR] FILE     one file, one JSON object on stdout
    parse_dag_file.py --serve [--idle-exit SECONDS] [--timeout SECONDS]
        JSON lines on stdin ({"id": 1, "file": "/abs/dag.py", "bundleRoot": "/abs"}), one JSON
        line per request on stdout (the request's id plus the result). Airflow is imported once;
        each file is parsed in a forked child, so a DAG's module and the modules it imports are
        fresh every time (as in the dag processor) and a hanging file is killed after the timeout.
        The first line out is {"ready": true, "airflowVersion": ...}. Ends on EOF or when idle.

Anything the DAG file prints goes to stderr, so stdout carries only the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

# Quiet Airflow's own logging (the errors come back in the JSON) before it is imported.
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")


def parse_file(file: str, bundle_root: str | None) -> dict[str, Any]:
    """Parse `file` as the dag processor does; the result as a JSON-ready dict."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.dag_processing.processor import _serialize_dags
    from airflow.utils.file import might_contain_dag

    started = time.monotonic()
    path = Path(file).absolute()
    root = Path(bundle_root).absolute() if bundle_root else path.parent
    if str(root) not in sys.path:
        # The bundle root is on sys.path while its files are parsed (sibling imports work).
        sys.path.append(str(root))
    defined: list[str] = []

    class CountingDagBag(DagBag):
        """Notes every DAG bagged: Airflow keeps the last of two DAGs with one id in one file, silently."""

        def bag_dag(self, dag: Any) -> None:
            defined.append(dag.dag_id)
            super().bag_dag(dag)

    bag = CountingDagBag(dag_folder=str(path), bundle_path=root, bundle_name="workbench-check", load_op_links=False)
    errors: dict[str, str] = dict(bag.import_errors)

    class _Log:  # _serialize_dags logs through a structlog-like logger
        def exception(self, *args: object, **kwargs: object) -> None:
            pass

    _, serialization_errors = _serialize_dags(bag, _Log())  # type: ignore[arg-type]
    errors.update(serialization_errors)
    dags = []
    for dag in bag.dags.values():
        tasks = [
            {
                "taskId": task.task_id,
                "operator": getattr(task, "operator_name", None) or type(task).__name__,
                "downstream": sorted(task.downstream_task_ids),
            }
            for task in dag.tasks
        ]
        dags.append({"dagId": dag.dag_id, "fileloc": dag.fileloc, "tasks": tasks})
    warnings = [w for ws in bag.captured_warnings.values() for w in ws]
    return {
        "file": str(path),
        "skipped": not might_contain_dag(str(path), True),
        "dags": sorted(dags, key=lambda d: d["dagId"]),
        "errors": [{"file": str(root / rel) if not os.path.isabs(rel) else rel, "stackTrace": text} for rel, text in errors.items()],
        "warnings": warnings,
        "duplicateDagIds": sorted({dag_id for dag_id in defined if defined.count(dag_id) > 1}),
        "durationMs": round((time.monotonic() - started) * 1000, 1),
    }


def failure(file: str, message: str) -> dict[str, Any]:
    return {"file": file, "skipped": False, "dags": [], "errors": [{"file": file, "stackTrace": message}], "warnings": [], "duplicateDagIds": [], "durationMs": 0}


def parse_in_child(file: str, bundle_root: str | None, timeout: float) -> dict[str, Any]:
    """Fork, parse in the child, read its JSON through a pipe; kill it after `timeout` seconds."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        os.dup2(2, 1)  # whatever the DAG prints goes to stderr
        try:
            result = parse_file(file, bundle_root)
        except BaseException:  # the parse itself failed (not the DAG): say so, with the traceback
            result = failure(file, traceback.format_exc())
        data = json.dumps(result).encode()
        with os.fdopen(write_end, "wb") as out:
            out.write(data)
        os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return failure(file, f"TimeoutError: parsing {file} took longer than {timeout:g} s (the dag processor gives up after [dag_processor] dag_file_processor_timeout); look for slow top-level code")
            ready, _, _ = select.select([pipe], [], [], left)
            if not ready:
                continue
            chunk = pipe.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        return failure(file, f"SystemError: parsing {file} ended the parser (exit status {status}) before it answered")
    return json.loads(b"".join(chunks))


def serve(idle_exit: float, timeout: float) -> None:
    # Imported once here, so each forked child starts with them loaded (as the dag processor does).
    import airflow
    import airflow.sdk  # noqa: F401
    from airflow.dag_processing.processor import _serialize_dags  # noqa: F401
    from airflow.utils.file import might_contain_dag  # noqa: F401

    out = sys.stdout
    out.write(json.dumps({"ready": True, "airflowVersion": airflow.__version__, "python": sys.version.split()[0]}) + "\n")
    out.flush()
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], idle_exit)
        if not ready:
            return  # idle: the editor starts a new one when it needs it
        line = sys.stdin.readline()
        if not line:
            return
        if not line.strip():
            continue
        request_id: object = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            result = parse_in_child(str(request["file"]), request.get("bundleRoot"), timeout)
        except Exception:
            result = failure(str(line.strip()), traceback.format_exc())
        out.write(json.dumps({"id": request_id, **result}) + "\n")
        out.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?")
    parser.add_argument("--bundle-root", help="the folder whose relative paths Airflow reports (default: the file's folder)")
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--idle-exit", type=float, default=600.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.serve:
        serve(args.idle_exit, args.timeout)
    elif args.file:
        print(json.dumps(parse_in_child(args.file, args.bundle_root, args.timeout)))
    else:
        parser.error("give a FILE or --serve")


if __name__ == "__main__":
    main()
