"""The recalls router of the source API (stack/source_api/recalls.py), in-process with FastAPI's
TestClient: paging, the published_since filter, duplicates across pages, the clock-driven main
feed, control feeds and bad input. The pipeline tests use the running service."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from source_api import recalls  # noqa: E402


@pytest.fixture()
def client() -> TestClient:
    app = FastAPI()
    app.include_router(recalls.router)
    return TestClient(app)


def walk(client: TestClient, page_size: int, **params: object) -> tuple[list[dict], int]:
    out: list[dict] = []
    page = 1
    while True:
        body = client.get("/recalls", params={"page": page, "page_size": page_size, **params}).json()
        out.extend(body["records"])
        if page * page_size >= body["total"]:
            return out, body["total"]
        page += 1


def make_feed(client: TestClient, **spec: object) -> str:
    r = client.post("/recalls/control/feeds", json=spec)
    assert r.status_code == 201, r.text
    return str(spec["name"])


def test_paging_serves_every_record_and_the_duplicates(client: TestClient) -> None:
    name = make_feed(client, name="t-paging", published=1000, duplicate_every=97, group=3)
    records, total = walk(client, 64, feed=name)
    ids = [r["reference_fiche"] for r in records]
    # 1000 distinct records, 10 of them (indices 96, 193, ...) served twice
    assert len(set(ids)) == 1000
    assert total == len(ids) == 1010
    assert sorted(ref for ref, n in Counter(ids).items() if n == 2) == [f"T-PAGING-{i:07d}" for i in range(96, 1000, 97)]
    assert client.get("/recalls/count", params={"feed": name}).json() == {"count": 1000}
    # oldest first; three records share each publication time
    dates = [r["date_publication"] for r in records]
    assert dates == sorted(dates)
    assert len(set(dates)) == 334


def test_a_duplicate_straddles_a_page_boundary(client: TestClient) -> None:
    name = make_feed(client, name="t-straddle", published=20, duplicate_every=10)
    page1 = client.get("/recalls", params={"feed": name, "page_size": 10}).json()["records"]
    page2 = client.get("/recalls", params={"feed": name, "page_size": 10, "page": 2}).json()["records"]
    assert page1[-1]["reference_fiche"] == page2[0]["reference_fiche"] == "T-STRADDLE-0000009"
    assert page1[-1] == page2[0]


def test_published_since_is_inclusive(client: TestClient) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    name = make_feed(client, name="t-since", published=100, start=start.isoformat(), step_seconds=60, group=2)
    since = (start + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    records, total = walk(client, 7, feed=name, published_since=since)
    assert total == 80 and len(records) == 80
    assert records[0]["reference_fiche"] == "T-SINCE-0000020"
    assert records[0]["date_publication"] == "2026-03-01T00:10:00Z"
    assert client.get("/recalls/count", params={"feed": name, "published_since": since}).json() == {"count": 80}
    # a date without a time and a time between two publications
    assert client.get("/recalls/count", params={"feed": name, "published_since": "2026-03-01T00:09:30+00:00"}).json() == {"count": 80}
    assert client.get("/recalls/count", params={"feed": name, "published_since": "2026-03-02"}).json() == {"count": 0}


def test_page_overlap_repeats_the_end_of_the_previous_page(client: TestClient) -> None:
    name = make_feed(client, name="t-overlap", published=30, page_overlap=3)
    records, _ = walk(client, 10, feed=name)
    ids = [r["reference_fiche"] for r in records]
    assert len(ids) == 36 and len(set(ids)) == 30
    assert ids[10:13] == ids[7:10]


def test_records_are_stable_nested_and_have_nulls(client: TestClient) -> None:
    name = make_feed(client, name="t-shape", published=200, seed=5)
    first, _ = walk(client, 50, feed=name)
    again, _ = walk(client, 200, feed=name)
    assert first == again
    rec = first[0]
    assert len(rec) >= 20
    assert isinstance(rec["identification_des_produits"], list) and "gtin" in rec["identification_des_produits"][0]
    assert isinstance(rec["contact"], dict)
    for field in ("description_complementaire_du_risque", "distributeurs", "date_de_fin_de_la_procedure_de_rappel"):
        assert any(r[field] is None for r in first), field
        assert any(r[field] is not None for r in first), field
    assert any("é" in r["motif_du_rappel"] or "É" in r["risques_encourus_par_le_consommateur"] for r in first)


def test_new_records_appear(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    name = make_feed(client, name="t-publish", published=5)
    assert client.post(f"/recalls/control/feeds/{name}/publish", json={"count": 7}).json()["visible"] == 12
    assert client.get("/recalls/count", params={"feed": name}).json() == {"count": 12}
    # the main feed follows the clock: two recalls an hour
    monkeypatch.setattr(recalls, "_now", lambda: datetime(2025, 1, 2, 0, 30, tzinfo=UTC))
    assert client.get("/recalls/count").json() == {"count": 50}
    monkeypatch.setattr(recalls, "_now", lambda: datetime(2025, 1, 2, 1, 0, tzinfo=UTC))
    assert client.get("/recalls/count").json() == {"count": 52}
    assert client.get("/recalls/count", params={"published_since": "2025-01-02T00:00:00Z"}).json() == {"count": 4}


def test_bad_input_says_what_to_do(client: TestClient) -> None:
    r = client.get("/recalls", params={"published_since": "yesterday"})
    assert r.status_code == 422 and "ISO-8601" in r.json()["detail"]
    r = client.get("/recalls", params={"feed": "nope"})
    assert r.status_code == 404 and "POST /recalls/control/feeds" in r.json()["detail"]
    assert client.get("/recalls", params={"page_size": 100000}).status_code == 422
    r = client.post("/recalls/control/feeds", json={"name": "main", "published": 1})
    assert r.status_code == 422 and "not 'main'" in r.json()["detail"]
    assert client.delete("/recalls/control/feeds/t-shape").status_code in (204, 404)
    assert client.delete("/recalls/control/feeds/absent").status_code == 404
