"""Product recalls of the local source API: an incremental, paged feed like France's RappelConso.

The stack has no internet, so the streaming pipeline (product_recalls_ingest DAG -> Kafka ->
Spark -> PostgreSQL) polls this instead. It behaves like the real API where it matters:

- records keyed by a stable ``reference_fiche`` with a ``date_publication`` and about twenty
  more fields, some nested (lists, objects), some null, text with accents;
- ``GET /recalls?published_since=ISO&page=n&page_size=k`` (ascending by publication, then id;
  ``published_since`` inclusive) and ``GET /recalls/count?published_since=ISO``;
- new records appear as time passes (a record is visible once its publication time is past);
- occasionally the same record is served twice, once at the end of a page and once at the start
  of the next (every ``duplicate_every``-th record).

Every record is a pure function of (feed, index): nothing is stored, a restart serves the same
records, and a million-record feed costs no memory.

The default feed ``main`` publishes two recalls per hour since 2025-01-01 (about 17,000 by late
2026). Tests and benchmarks create their own feeds through the control endpoints (the stack is
local, 127.0.0.1 only) and read them with ``feed=<name>``, so they never touch ``main``:

- ``POST /recalls/control/feeds`` {name, published, seed?, start?, step_seconds?, group?,
  duplicate_every?, page_overlap?} creates or replaces a feed whose first ``published`` records
  are visible;
- ``POST /recalls/control/feeds/{name}/publish`` {count} makes ``count`` more records appear;
- ``GET /recalls/control/feeds``, ``DELETE /recalls/control/feeds/{name}``.

``page_overlap`` (k) makes every page after the first start k positions early, as an API whose
result shifts between two page requests does.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

router = APIRouter(tags=["recalls"])

MAIN_FEED = "main"
MAX_PAGE_SIZE = 5000
_FEED_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


@dataclass(frozen=True)
class Feed:
    """A deterministic sequence of recalls; record i is published at start + (i // group) * step."""

    name: str
    seed: int
    start: datetime
    step_seconds: float
    group: int  # records sharing one publication time
    duplicate_every: int  # 0 = never; else record i with i % n == n - 1 is served twice
    page_overlap: int  # positions a page (after the first) repeats from the previous one
    published: int | None  # visible records; None = decided by the clock (main feed)
    id_prefix: str

    def published_at(self, index: int) -> datetime:
        return self.start + timedelta(seconds=(index // self.group) * self.step_seconds)

    def visible(self, now: datetime) -> int:
        """How many records exist now (indices 0 .. visible-1)."""
        if self.published is not None:
            return self.published
        if now < self.start:
            return 0
        steps = int((now - self.start).total_seconds() // self.step_seconds)
        return (steps + 1) * self.group

    def first_index_since(self, since: datetime | None) -> int:
        """The first index published at or after ``since``."""
        if since is None or since <= self.start:
            return 0
        seconds = (since - self.start).total_seconds()
        steps = int(-(-seconds // self.step_seconds))  # ceil
        # float rounding: step back while the previous step is still >= since
        while steps > 0 and self.start + timedelta(seconds=(steps - 1) * self.step_seconds) >= since:
            steps -= 1
        return steps * self.group


MAIN = Feed(
    name=MAIN_FEED,
    seed=20250101,
    start=datetime(2025, 1, 1, tzinfo=UTC),
    step_seconds=3600.0,
    group=2,
    duplicate_every=997,
    page_overlap=0,
    published=None,
    id_prefix="RC",
)

_feeds: dict[str, Feed] = {}
_feeds_lock = threading.Lock()


def _feed(name: str) -> Feed:
    if name == MAIN_FEED:
        return MAIN
    with _feeds_lock:
        feed = _feeds.get(name)
    if feed is None:
        raise HTTPException(404, f"no recall feed {name!r}: create it with POST /recalls/control/feeds or use feed=main")
    return feed


# ---------------------------------------------------------------------------------------------
# Paging with duplicates: served positions over the indices [first, end) of a feed
# ---------------------------------------------------------------------------------------------


def _dups_before(feed: Feed, index: int) -> int:
    """Duplicated records among indices [0, index)."""
    return index // feed.duplicate_every if feed.duplicate_every > 0 else 0


def _position(feed: Feed, first: int, index: int) -> int:
    """Served position of the first copy of record ``index`` in a listing that starts at ``first``."""
    return (index - first) + _dups_before(feed, index) - _dups_before(feed, first)


def _served_length(feed: Feed, first: int, end: int) -> int:
    return _position(feed, first, end) if end > first else 0


def _indices_at(feed: Feed, first: int, end: int, lo: int, hi: int) -> list[int]:
    """The record indices served at positions [lo, hi) of the listing [first, end)."""
    # largest index whose first copy is at or before position lo
    a, b = first, end
    while b - a > 1:
        mid = (a + b) // 2
        if _position(feed, first, mid) <= lo:
            a = mid
        else:
            b = mid
    out: list[int] = []
    index, pos = a, _position(feed, first, a)
    while pos < hi and index < end:
        copies = 2 if feed.duplicate_every > 0 and index % feed.duplicate_every == feed.duplicate_every - 1 else 1
        for _ in range(copies):
            if lo <= pos < hi:
                out.append(index)
            pos += 1
        index += 1
    return out


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------

_CATEGORIES: dict[str, list[str]] = {
    "Alimentation": ["Viandes", "Produits laitiers", "Céréales et produits de boulangerie", "Plats préparés et snacks", "Fruits et légumes"],
    "Hygiène-Beauté": ["Cosmétiques", "Produits d'hygiène corporelle"],
    "Appareils électriques, outils": ["Petit électroménager", "Chargeurs et câbles"],
    "Automobiles et moyens de déplacement": ["Trottinettes électriques", "Vélos et accessoires"],
    "Équipements de communication": ["Téléphones", "Montres connectées"],
    "Bébés-Enfants (hors alimentaire)": ["Jouets", "Articles de puériculture"],
}
_BRANDS = ["Délices d'Aurélie", "Maison Lefèvre", "Bœuf Élégant", "La Fromagère", "Électro Plus", "Brasserie du Nord", "Côté Santé", "Petits Pas"]
_MOTIFS = [
    ("Présence de Listeria monocytogenes", "Listeria monocytogenes (agent responsable de la listériose)"),
    ("Présence de salmonelles", "Salmonella spp (agent responsable de la salmonellose)"),
    ("Présence d'allergène non mentionné : lait", "Allergènes"),
    ("Présence de corps étrangers (morceaux de verre)", "Blessures"),
    ("Risque de surchauffe de la batterie", "Brûlures, incendie"),
    ("Petites pièces détachables", "Étouffement"),
]
_COMPLEMENTS = [
    None,
    "Les personnes âgées et les femmes enceintes doivent être particulièrement vigilantes.",
    "Risque d'intoxication alimentaire.",
    None,
]
_ZONES = ["France entière", "Île-de-France", "Auvergne-Rhône-Alpes", "Bretagne", "Provence-Alpes-Côte d'Azur"]
_DISTRIBUTORS = ["Carrefour", "E.Leclerc", "Intermarché", "Auchan", "Système U", "Lidl", "Boulanger", "Darty"]
_TEMPERATURES = [None, "Produit à conserver au réfrigérateur", "Produit à conserver à température ambiante", "Produit à conserver au congélateur"]


def _rng(feed: Feed, index: int) -> random.Random:
    digest = hashlib.blake2b(f"{feed.seed}:{feed.name}:{index}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def reference_fiche(feed: Feed, index: int) -> str:
    return f"{feed.id_prefix}-{index:07d}"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record(feed: Feed, index: int) -> dict[str, Any]:
    """Recall number ``index`` of ``feed`` (the same every time it is asked for)."""
    r = _rng(feed, index)
    ref = reference_fiche(feed, index)
    published = feed.published_at(index)
    category = r.choice(sorted(_CATEGORIES))
    motif, risk = r.choice(_MOTIFS)
    sale_start = published.date() - timedelta(days=r.randint(10, 120))
    sale_end = sale_start + timedelta(days=r.randint(5, 60))
    lots = [
        {
            "gtin": f"3{r.randint(10**11, 10**12 - 1)}",
            "lot": f"L{r.randint(1000, 9999)}{r.choice('ABCDEF')}",
            "date": (sale_end + timedelta(days=r.randint(0, 30))).isoformat() if r.random() < 0.8 else None,
            "type_de_date": r.choice(["DLC", "DDM", None]),
        }
        for _ in range(r.randint(1, 3))
    ]
    base = f"https://rappel.conso.example/fiche/{ref}"
    return {
        "reference_fiche": ref,
        "ndeg_de_version": r.randint(1, 3),
        "rappelguid": str(uuid.UUID(int=r.getrandbits(128), version=4)),
        "date_publication": _iso(published),
        "nature_juridique_du_rappel": r.choice(["Volontaire", "Volontaire", "Imposé par l'autorité"]),
        "categorie_de_produit": category,
        "sous_categorie_de_produit": r.choice(_CATEGORIES[category]),
        "nom_de_la_marque_du_produit": r.choice(_BRANDS),
        "noms_des_modeles_ou_references": f"Référence {r.randint(100, 999)} « édition spéciale »",
        "identification_des_produits": lots,
        "conditionnements": r.choice(["Barquette 500 g", "Boîte de 12", "Carton", "À l'unité", None]),
        "date_debut_fin_de_commercialisation": f"Du {sale_start:%d/%m/%Y} au {sale_end:%d/%m/%Y}" if r.random() < 0.9 else None,
        "temperature_de_conservation": r.choice(_TEMPERATURES) if category == "Alimentation" else None,
        "marque_de_salubrite": f"FR {r.randint(10, 99)}.{r.randint(100, 999)}.{r.randint(100, 999)} CE" if category == "Alimentation" and r.random() < 0.6 else None,
        "zone_geographique_de_vente": r.choice(_ZONES),
        "distributeurs": ", ".join(r.sample(_DISTRIBUTORS, r.randint(1, 3))) if r.random() < 0.85 else None,
        "motif_du_rappel": motif,
        "risques_encourus_par_le_consommateur": risk,
        "description_complementaire_du_risque": r.choice(_COMPLEMENTS),
        "preconisations_sanitaires": "Les personnes qui auraient consommé ce produit et qui présenteraient des symptômes sont invitées à consulter leur médecin traitant.",
        "conduites_a_tenir_par_le_consommateur": r.sample(["Ne plus consommer", "Ne plus utiliser le produit", "Rapporter le produit au point de vente", "Contacter le service consommateur", "Détruire le produit"], 2),
        "contact": {
            "numero": f"0{r.randint(800, 899)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}" if r.random() < 0.7 else None,
            "courriel": None if r.random() < 0.5 else f"consommateurs@{r.choice(['exemple', 'fabricant', 'marque'])}.fr",
        },
        "modalites_de_compensation": r.choice(["Remboursement", "Échange", "Réparation", None]),
        "date_de_fin_de_la_procedure_de_rappel": (published.date() + timedelta(days=r.randint(30, 180))).isoformat() if r.random() < 0.7 else None,
        "liens_vers_les_images": [f"{base}/image-{n}.jpg" for n in range(r.randint(0, 3))],
        "lien_vers_la_liste_des_produits": f"{base}/produits.pdf" if r.random() < 0.3 else None,
        "lien_vers_la_liste_des_distributeurs": f"{base}/distributeurs.pdf" if r.random() < 0.3 else None,
        "lien_vers_affichette_pdf": f"{base}/affichette.pdf",
        "lien_vers_la_fiche_rappel": base,
    }


# ---------------------------------------------------------------------------------------------
# Read endpoints
# ---------------------------------------------------------------------------------------------


def _parse_since(value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(
            422, f"published_since={value!r} is not an ISO-8601 date or date-time (e.g. 2025-06-01 or 2025-06-01T12:00:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/recalls")
def list_recalls(
    published_since: Annotated[str | None, Query(description="ISO-8601; records published at or after it")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    feed: Annotated[str, Query(description="main, or a feed made with POST /recalls/control/feeds")] = MAIN_FEED,
) -> dict[str, Any]:
    """One page of the recalls published since ``published_since``, oldest first."""
    f = _feed(feed)
    first = f.first_index_since(_parse_since(published_since))
    end = max(first, f.visible(_now()))
    total = _served_length(f, first, end)
    lo = (page - 1) * page_size - (f.page_overlap if page > 1 else 0)
    hi = page * page_size
    records = [record(f, i) for i in _indices_at(f, first, end, max(lo, 0), min(hi, total))] if lo < total else []
    return {"total": total, "page": page, "page_size": page_size, "records": records}


@router.get("/recalls/count")
def count_recalls(
    published_since: Annotated[str | None, Query()] = None,
    feed: Annotated[str, Query()] = MAIN_FEED,
) -> dict[str, int]:
    """Distinct recalls published since ``published_since`` (duplicates served by paging not counted)."""
    f = _feed(feed)
    first = f.first_index_since(_parse_since(published_since))
    return {"count": max(0, f.visible(_now()) - first)}


# ---------------------------------------------------------------------------------------------
# Control endpoints (tests and benchmarks): feeds of their own
# ---------------------------------------------------------------------------------------------


class FeedSpec(BaseModel):
    name: str = Field(description="lower-case letters, digits and '-', at most 48; not 'main'")
    published: int = Field(ge=0, le=10_000_000, description="records visible from the start")
    seed: int = 1
    start: datetime | None = Field(default=None, description="publication time of record 0 (default: now - 1 day)")
    step_seconds: float = Field(default=1.0, gt=0)
    group: int = Field(default=1, ge=1, le=1000)
    duplicate_every: int = Field(default=0, ge=0)
    page_overlap: int = Field(default=0, ge=0, le=1000)


class PublishSpec(BaseModel):
    count: int = Field(ge=0, le=10_000_000)


def _describe(feed: Feed, now: datetime) -> dict[str, Any]:
    out = asdict(feed)
    out["start"] = _iso(feed.start)
    out["visible"] = feed.visible(now)
    return out


@router.post("/recalls/control/feeds", status_code=201)
def create_feed(spec: FeedSpec) -> dict[str, Any]:
    if spec.name == MAIN_FEED or not _FEED_NAME.match(spec.name):
        raise HTTPException(422, f"feed name {spec.name!r}: use lower-case letters, digits and '-' (at most 48), not 'main'")
    start = spec.start or (_now() - timedelta(days=1))
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    feed = Feed(
        name=spec.name,
        seed=spec.seed,
        start=start,
        step_seconds=spec.step_seconds,
        group=spec.group,
        duplicate_every=spec.duplicate_every,
        page_overlap=spec.page_overlap,
        published=spec.published,
        id_prefix=spec.name.upper(),
    )
    with _feeds_lock:
        _feeds[spec.name] = feed
    return _describe(feed, _now())


@router.post("/recalls/control/feeds/{name}/publish")
def publish(name: str, spec: PublishSpec) -> dict[str, Any]:
    with _feeds_lock:
        feed = _feeds.get(name)
        if feed is None:
            raise HTTPException(404, f"no recall feed {name!r} (the main feed follows the clock and cannot be published to)")
        feed = replace(feed, published=(feed.published or 0) + spec.count)
        _feeds[name] = feed
    return _describe(feed, _now())


@router.get("/recalls/control/feeds")
def list_feeds() -> list[dict[str, Any]]:
    now = _now()
    with _feeds_lock:
        feeds = [MAIN, *_feeds.values()]
    return [_describe(f, now) for f in feeds]


@router.delete("/recalls/control/feeds/{name}", status_code=204)
def delete_feed(name: str) -> Response:
    with _feeds_lock:
        if _feeds.pop(name, None) is None:
            raise HTTPException(404, f"no recall feed {name!r}")
    return Response(status_code=204)
