"""The stack's local source API: the outside system the bundled pipeline DAGs read from.

Run by `stack/native/stack.sh` (service `source-api`) with uvicorn from the Airflow 3 venv:
``uvicorn --app-dir stack source_api.app:app``. No network, no database: every response is
computed from the request, so the same request always gives the same answer.
"""
