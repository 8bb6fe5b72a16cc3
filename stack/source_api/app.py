"""The FastAPI app of the local source API: health plus one router per data set."""

from __future__ import annotations

from fastapi import FastAPI

from .recalls import router as recalls_router
from .timelines import router as timelines_router

app = FastAPI(
    title="Kafka Airflow Workbench source API",
    description="Deterministic sample data for the bundled pipelines (local stack only).",
    version="1",
)


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe of `stack.sh status` and the tests."""
    return {"status": "ok"}


app.include_router(timelines_router)
app.include_router(recalls_router)
