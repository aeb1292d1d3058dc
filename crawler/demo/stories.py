"""Invented local-news story material (data/stories.toml), and filling its placeholders from a seeded RNG.

Everything is fiction about the made-up city 青禾市. A story template is a title and paragraphs with
placeholders (`{town}`, `{n1}` …); `fill_values` draws one value for each, so articles vary with the seed.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = tomllib.loads((Path(__file__).parent / "data" / "stories.toml").read_text(encoding="utf-8"))
CITY: str = DATA["city"]
SITE_NAME: str = DATA["site_name"]
PAPERS: tuple[str, ...] = tuple(DATA["papers"])
BUREAUS: tuple[str, ...] = tuple(DATA["bureaus"])
WORDING: dict[str, Any] = DATA["wording"]
_TOWNS = (*DATA["towns"], *DATA["more_towns"])
_VILLAGES = (*DATA["villages"], *DATA["more_villages"])


@dataclass(frozen=True, slots=True)
class StoryTemplate:
    """One kind of story; `paragraphs` entries starting with "[图]" are image captions."""

    pool: str
    topic: str
    title: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]
    bureau: str = ""


TEMPLATES = tuple(
    StoryTemplate(
        s["pool"], s["topic"], s["title"], tuple(s["paragraphs"]), tuple(s["tags"].split()), s.get("bureau", "")
    )
    for s in DATA["stories"]
)
POOLS: dict[str, tuple[StoryTemplate, ...]] = {
    pool: tuple(t for t in TEMPLATES if t.pool == pool) for pool in dict.fromkeys(t.pool for t in TEMPLATES)
}
SOCIAL, FARMING, GOVERNMENT, CITY_LIFE = POOLS["social"], POOLS["farming"], POOLS["government"], POOLS["city"]
(FEATURE,) = POOLS["feature"]


def person(rng: random.Random, *, gbk_only: bool = False) -> str:
    """A plausible invented Chinese name; `gbk_only` picks a given name outside GB2312."""
    given = rng.choice(DATA["gbk_only_given"]) if gbk_only else rng.choice(DATA["given"])
    return rng.choice(DATA["surnames"]) + given


def fill_values(rng: random.Random, template: StoryTemplate, month: int, day: int) -> dict[str, str]:
    """Random but seed-stable values for every placeholder a template may use."""
    district, district2 = rng.sample(DATA["districts"], 2)
    town, town2 = rng.sample(_TOWNS, 2)
    return {
        "city": CITY,
        "district": district,
        "district2": district2,
        "town": town,
        "town2": town2,
        "village": rng.choice(_VILLAGES),
        "road": rng.choice(DATA["roads"]),
        "school": rng.choice(DATA["schools"]),
        "crop": rng.choice(DATA["crops"]),
        "bureau": template.bureau or rng.choice(BUREAUS),
        "topic_word": rng.choice(WORDING["topic_words"]),
        "resident": person(rng),
        "official": person(rng),
        "n1": str(rng.randint(2, 48) * 10),
        "n2": str(rng.randint(60, 900)),
        "n3": str(rng.randint(20, 300)),
        "n4": str(rng.randint(3, 9)),
        "pct": str(rng.randint(8, 35)),
        "age": str(rng.randint(62, 86)),
        "year": "2015",
        "month": str(month),
        "day": str(day),
    }
