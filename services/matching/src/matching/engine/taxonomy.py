"""The skill taxonomy shipped as data (data/skills.json): canonical skills, aliases, occupation codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "skills.json"


@dataclass(frozen=True, slots=True)
class Skill:
    """A canonical skill with its names in Chinese and English and the local aliases."""

    id: str
    zh: str
    en: str
    category: str
    entry_level: bool
    occupation_code: str | None
    occupation_name: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhysicalTerm:
    """A physical requirement of a job, which is also a limitation a worker may have."""

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """Every canonical skill and physical term, by id."""

    skills: dict[str, Skill]
    physical: dict[str, PhysicalTerm]
    sources: tuple[dict[str, Any], ...]

    def skill(self, skill_id: str) -> Skill | None:
        """A skill by id."""
        return self.skills.get(skill_id)

    def is_entry_level(self, skill_id: str | None) -> bool:
        """Entry-level skills (普工, 包装工 ...) are learnt on the job: nobody is blocked for lacking them."""
        skill = self.skills.get(skill_id) if skill_id else None
        return bool(skill and skill.entry_level)

    def label(self, skill_id: str | None, text: str) -> tuple[str, str]:
        """Chinese and English display names of a skill id, or the free text itself."""
        skill = self.skills.get(skill_id) if skill_id else None
        return (skill.zh, skill.en) if skill else (text, text)


def _skill(raw: dict[str, Any]) -> Skill:
    return Skill(
        id=raw["id"],
        zh=raw["zh"],
        en=raw["en"],
        category=raw["category"],
        entry_level=bool(raw.get("entry_level", False)),
        occupation_code=raw.get("occupation_code"),
        occupation_name=raw.get("occupation_name"),
        aliases=tuple(raw.get("aliases", ())),
    )


def load_taxonomy(path: Path = DATA_FILE) -> Taxonomy:
    """Read the taxonomy file."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    skills = {s["id"]: _skill(s) for s in raw["skills"]}
    physical = {
        p["id"]: PhysicalTerm(id=p["id"], zh=p["zh"], en=p["en"], aliases=tuple(p.get("aliases", ())))
        for p in raw.get("physical", [])
    }
    return Taxonomy(skills=skills, physical=physical, sources=tuple(raw.get("sources", ())))


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The taxonomy shipped with the service (read once)."""
    return load_taxonomy()
