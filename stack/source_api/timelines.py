"""Game-character timelines: the per-day records of the daily pipeline (DAG daily_timeline_export).

Modelled on a game's public "character timeline" API: a roster of characters and, for every
UTC day, a list of events (dungeon clears, items obtained, level-ups...). The events of a day are
computed from the date alone (a seeded generator), so every request for a day returns the same
records, and a backfill of last month reads exactly what the first run read. Only events that
have already happened are served: a day in the future has none, today fills up as it goes.

    GET /timelines?date=YYYY-MM-DD&page=1&page_size=100
    GET /timelines?start=<ISO-8601>&end=<ISO-8601>&page=1&page_size=100   (half-open [start, end))
      -> {"date", "start", "end", "total", "page", "page_size", "records": [...]}
    GET /timelines/characters -> {"characters": [...]}
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

router = APIRouter(tags=["timelines"])

MAX_RANGE_DAYS = 31
MIN_EVENTS_PER_DAY = 20
MAX_EVENTS_PER_DAY = 80

RECORD_FIELDS: tuple[str, ...] = (
    "event_id",
    "occurred_at",
    "character_id",
    "server_id",
    "character_name",
    "adventure_name",
    "guild_name",
    "job_name",
    "job_grow_name",
    "level",
    "code",
    "event_name",
    "detail",
)
"""The fields of a timeline record, in CSV column order."""


@dataclass(frozen=True)
class Character:
    character_id: str
    server_id: str
    character_name: str
    adventure_name: str
    guild_name: str
    job_name: str
    job_grow_name: str
    level: int


def _character(server: str, name: str, adventure: str, guild: str, job: str, grow: str, level: int) -> Character:
    digest = hashlib.sha256(f"{server}/{name}".encode()).hexdigest()[:32]
    return Character(digest, server, name, adventure, guild, job, grow, level)


ROSTER: tuple[Character, ...] = (
    _character("cain", "Seria", "Lantern", "Night Owls", "Slayer (M)", "Blade Master", 110),
    _character("cain", "Kiri", "Lantern", "Night Owls", "Gunner (F)", "Ranger", 108),
    _character("diregie", "Ozma", "Ashen", "", "Mage (M)", "Elementalist", 105),
    _character("siroco", "Bakal", "Dragonfall", "Sky Keep", "Fighter (F)", "Striker", 110),
    _character("siroco", "Luke", "Dragonfall", "Sky Keep", "Priest (M)", "Crusader", 97),
    _character("prey", "Ilya", "Wanderers", "", "Thief", "Rogue", 110),
    _character("casillas", "Hilder", "Saint Horn", "Apostles", "Knight", "Elven Knight", 103),
    _character("anton", "Rosie", "Gear Works", "Mechanics", "Gunner (F)", "Mechanic", 110),
    _character("hilder", "Kalio", "Tidebreak", "", "Demonic Lancer", "Vanguard", 92),
    _character("bakal", "Linus", "Blacksmiths", "Anvil", "Slayer (M)", "Berserker", 110),
)

_DUNGEONS = ("Moonlight Tavern", "Bakal Raid", "Lotus Raid", "Fiend War", "Ozma Raid", "Black Crescent")
_ITEMS = ("Fairy of Dawn", "Ancient Library Key", "Grand Ascension", "Tears of the Hero", "Sword of Kusanagi")

# (code, event name); _detail makes the detail text of each kind
_EVENT_KINDS: tuple[tuple[int, str], ...] = (
    (201, "dungeon cleared"),
    (209, "raid cleared"),
    (401, "level up"),
    (504, "item obtained from dungeon"),
    (505, "item obtained from raid"),
    (513, "item reinforced"),
)


def _day_rng(day: date) -> random.Random:
    seed = int.from_bytes(hashlib.sha256(f"timelines:{day.isoformat()}".encode()).digest()[:8], "big")
    return random.Random(seed)


def _detail(rng: random.Random, code: int, level: int) -> str:
    if code in (201, 209):
        return f"{rng.choice(_DUNGEONS)} in {rng.randint(180, 1800)} s"
    if code == 401:
        return f"level {level} -> {level + 1}"
    if code in (504, 505):
        return rng.choice(_ITEMS)
    return f"{rng.choice(_ITEMS)} +{rng.randint(8, 15)}"


def events_of_day(day: date) -> list[dict[str, Any]]:
    """Every event of one UTC day (also those not yet happened), sorted by time and id."""
    rng = _day_rng(day)
    count = rng.randint(MIN_EVENTS_PER_DAY, MAX_EVENTS_PER_DAY)
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    drafts = []
    for _ in range(count):
        at = midnight + timedelta(seconds=rng.randrange(86_400))
        who = rng.choice(ROSTER)
        code, name = rng.choice(_EVENT_KINDS)
        drafts.append((at, who, code, name, _detail(rng, code, who.level)))
    drafts.sort(key=lambda d: d[0])
    records = []
    for i, (at, who, code, name, detail) in enumerate(drafts, start=1):
        records.append(
            {
                "event_id": f"{day:%Y%m%d}-{i:03d}",
                "occurred_at": at.isoformat().replace("+00:00", "Z"),
                "character_id": who.character_id,
                "server_id": who.server_id,
                "character_name": who.character_name,
                "adventure_name": who.adventure_name,
                "guild_name": who.guild_name,
                "job_name": who.job_name,
                "job_grow_name": who.job_grow_name,
                "level": who.level,
                "code": code,
                "event_name": name,
                "detail": detail,
            }
        )
    return records


def events_between(start: datetime, end: datetime, now: datetime | None = None) -> list[dict[str, Any]]:
    """The events with start <= occurred_at < end that have happened by ``now`` (UTC)."""
    now = now or datetime.now(UTC)
    stop = min(end, now + timedelta(microseconds=1))
    out: list[dict[str, Any]] = []
    day = start.astimezone(UTC).date()
    while datetime.combine(day, time(0), tzinfo=UTC) < stop:
        for record in events_of_day(day):
            at = datetime.fromisoformat(record["occurred_at"])
            if start <= at < stop:
                out.append(record)
        day += timedelta(days=1)
    return out


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # naive times are UTC, as in Airflow's data intervals
    return value.astimezone(UTC)


def _interval(day: date | None, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    if day is not None:
        if start is not None or end is not None:
            raise HTTPException(400, "give either date=YYYY-MM-DD or start= and end=, not both")
        begin = datetime.combine(day, time(0), tzinfo=UTC)
        return begin, begin + timedelta(days=1)
    if start is None or end is None:
        raise HTTPException(400, "give date=YYYY-MM-DD, or start= and end= (ISO-8601, end exclusive)")
    begin, finish = _as_utc(start), _as_utc(end)
    if finish <= begin:
        raise HTTPException(400, f"end ({finish.isoformat()}) must be after start ({begin.isoformat()})")
    if finish - begin > timedelta(days=MAX_RANGE_DAYS):
        raise HTTPException(400, f"the range is longer than {MAX_RANGE_DAYS} days: ask for it in smaller pieces")
    return begin, finish


@router.get("/timelines")
def list_timelines(
    date_: Annotated[date | None, Query(alias="date", description="one UTC day, YYYY-MM-DD")] = None,
    start: Annotated[datetime | None, Query(description="range start, ISO-8601 (UTC when no offset)")] = None,
    end: Annotated[datetime | None, Query(description="range end (exclusive), ISO-8601")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """One page of the timeline events of a day or of a [start, end) range, oldest first."""
    begin, finish = _interval(date_, start, end)
    records = events_between(begin, finish)
    first = (page - 1) * page_size
    return {
        "date": date_.isoformat() if date_ else None,
        "start": begin.isoformat().replace("+00:00", "Z"),
        "end": finish.isoformat().replace("+00:00", "Z"),
        "total": len(records),
        "page": page,
        "page_size": page_size,
        "records": records[first : first + page_size],
    }


@router.get("/timelines/characters")
def list_characters() -> dict[str, Any]:
    """The roster whose events the timelines list."""
    return {"characters": [c.__dict__ for c in ROSTER]}
