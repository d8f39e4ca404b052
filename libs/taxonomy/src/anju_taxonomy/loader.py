"""Read the shipped data files (occupations.tsv, trades.toml, certificates.toml, physical.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anju_taxonomy.model import Ambiguous, Certificate, Occupation, Relation, Sector, Trade

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
PHYSICAL_FILE = PACKAGE_DIR / "physical.toml"


class DataError(ValueError):
    """The data files contradict themselves (an unknown trade id in a relation, a duplicate id ...)."""


@dataclass(frozen=True)
class PhysicalTerm:
    """A physical requirement of a job, which is also a limitation a worker may have."""

    id: str
    zh: str
    en: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Data:
    """Everything in the data files, checked for consistency."""

    trades: dict[str, Trade]
    occupations: dict[str, Occupation]
    certificates: dict[str, Certificate]
    sectors: dict[str, Sector]
    ambiguous: tuple[Ambiguous, ...]
    distinct: frozenset[frozenset[str]]
    physical: dict[str, PhysicalTerm]
    # Two trades the data keeps apart (a narrower post, another employer) that offices write as one job:
    # {a, b} -> (why_zh, why_en). They score as the same trade.
    same: dict[frozenset[str], tuple[str, str]] = field(default_factory=dict)


def _strs(raw: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in (raw or ()) if str(x).strip())


def _trade(raw: dict[str, Any]) -> Trade:
    regional = []
    for item in _strs(raw.get("regional")):
        alias, _, where = item.partition("@")
        regional.append((alias.strip(), where.strip()))
    related = tuple(
        Relation(
            id=str(r["id"]),
            credit=float(r.get("credit", 0.5)),
            why_zh=str(r.get("why_zh", "")),
            why_en=str(r.get("why_en", "")),
        )
        for r in raw.get("related", ())
    )
    return Trade(
        id=str(raw["id"]),
        zh=str(raw["zh"]),
        en=str(raw.get("en", raw["id"])),
        sector=str(raw.get("sector", "")),
        codes=_strs(raw.get("codes")),
        aliases=_strs(raw.get("aliases")),
        regional=tuple(regional),
        entry_level=bool(raw.get("entry_level", False)),
        licences=_strs(raw.get("licences")),
        related=related,
    )


def _occupations(path: Path, trades: dict[str, Trade]) -> dict[str, Occupation]:
    rows: dict[str, tuple[int, str, str | None]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            code, lvl, name = parts[0].strip(), parts[1].strip(), parts[2].strip()
            parent = parts[3].strip() if len(parts) > 3 and parts[3].strip() else None
            rows[code] = (int(lvl) if lvl.isdigit() else code.count("-") + 1, name, parent)
    by_code: dict[str, list[str]] = {}
    for t in trades.values():
        for code in t.codes:
            by_code.setdefault(code, []).append(t.id)
    children: dict[str, list[str]] = {}
    for child, (_, _, up_code) in rows.items():
        if up_code:
            children.setdefault(up_code, []).append(child)
    out: dict[str, Occupation] = {}
    for code, (level, name, parent) in rows.items():
        path_items: list[tuple[str, str]] = [(code, name)]
        up, seen = parent, {code}
        while up and up in rows and up not in seen:
            seen.add(up)
            path_items.append((up, rows[up][1]))
            up = rows[up][2]
        out[code] = Occupation(
            code=code,
            level=level,
            name=name,
            parent_code=parent,
            path=tuple(reversed(path_items)),
            trades=tuple(by_code.get(code, ())),
            children=tuple(sorted(children.get(code, ()))),
        )
    return out


def load(data_dir: Path = DATA_DIR, physical_file: Path = PHYSICAL_FILE) -> Data:
    """Read and check the data files of one directory."""
    raw = tomllib.loads((data_dir / "trades.toml").read_text(encoding="utf-8"))
    trades: dict[str, Trade] = {}
    for item in raw.get("trade", ()):
        t = _trade(item)
        if t.id in trades:
            raise DataError(f"trade {t.id} is defined twice")
        trades[t.id] = t
    sectors = {
        str(k): Sector(id=str(k), zh=str(v.get("zh", k)), en=str(v.get("en", k)))
        for k, v in raw.get("sectors", {}).items()
    }
    for t in trades.values():
        for r in t.related:
            if r.id not in trades:
                raise DataError(f"trade {t.id} relates to unknown trade {r.id}")
    ambiguous = tuple(
        Ambiguous(alias=str(a["alias"]), trades=_strs(a.get("trades")), hint_zh=str(a.get("hint_zh", "")))
        for a in raw.get("ambiguous", ())
    )
    for a in ambiguous:
        unknown = [x for x in a.trades if x not in trades]
        if unknown:
            raise DataError(f"ambiguous alias {a.alias} names unknown trades {unknown}")
    distinct = frozenset(frozenset((str(d["a"]), str(d["b"]))) for d in raw.get("distinct", ()))
    same: dict[frozenset[str], tuple[str, str]] = {}
    for d in raw.get("same", ()):
        pair = frozenset((str(d["a"]), str(d["b"])))
        unknown = [x for x in pair if x not in trades]
        if unknown or len(pair) != 2:
            raise DataError(f"same-trade pair {sorted(pair)} names unknown trades {unknown}")
        if pair in distinct:
            raise DataError(f"trades {sorted(pair)} are declared both distinct and the same")
        same[pair] = (str(d.get("why_zh", "")), str(d.get("why_en", "")))
    certificates: dict[str, Certificate] = {}
    cert_file = data_dir / "certificates.toml"
    if cert_file.exists():
        for c in tomllib.loads(cert_file.read_text(encoding="utf-8")).get("certificate", ()):
            certificates[str(c["id"])] = Certificate(
                id=str(c["id"]),
                zh=str(c["zh"]),
                en=str(c.get("en", c["id"])),
                aliases=_strs(c.get("aliases")),
                issuer_zh=str(c.get("issuer_zh", "")),
                course_zh=str(c.get("course_zh", "")),
                course_en=str(c.get("course_en", "")),
                mandatory=bool(c.get("mandatory", True)),
            )
    physical: dict[str, PhysicalTerm] = {}
    if physical_file.exists():
        for p in tomllib.loads(physical_file.read_text(encoding="utf-8")).get("term", ()):
            physical[str(p["id"])] = PhysicalTerm(
                id=str(p["id"]), zh=str(p["zh"]), en=str(p["en"]), aliases=_strs(p.get("aliases"))
            )
    return Data(
        trades=trades,
        occupations=_occupations(data_dir / "occupations.tsv", trades),
        certificates=certificates,
        sectors=sectors,
        ambiguous=ambiguous,
        distinct=distinct,
        physical=physical,
        same=same,
    )
