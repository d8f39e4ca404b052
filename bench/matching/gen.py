"""Synthetic resettlement-site data for the matching benchmark and the offline evaluation.

Every worker has latent canonical skills; what the office wrote down is a noisy spelling of them (Chinese
name, a local alias, English, a pinyin spelling, a typo) or free text. Jobs are written the same way.
The latent truth is what the offline evaluation labels against. For the offline evaluation a third of each
trade's aliases are held out of the vocabulary the engine gets (`held_out`), and the generator writes those
held-out spellings, so precision@k stops measuring the data file against itself.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace
from datetime import date

from anju_common.events import (
    EmployerKind,
    EmploymentStatus,
    HouseholdData,
    JobData,
    LivelihoodType,
    Location,
    MonitoringCategory,
    Shift,
    SkillData,
    WorkerData,
)
from anju_taxonomy import Data, Trade, default_vocabulary
from pypinyin import lazy_pinyin

TAX = default_vocabulary()
CORE = sorted((t for t in TAX.trades.values() if not t.entry_level), key=lambda t: t.id)
ENTRY = sorted((t for t in TAX.trades.values() if t.entry_level), key=lambda t: t.id)
# Spellings the generator may use for each trade (all aliases by default; held-out ones for the evaluation).
SPELLINGS: dict[str, tuple[str, ...]] = {t.id: t.aliases for t in TAX.trades.values()}


def held_out(data: Data, seed: int) -> tuple[Data, dict[str, tuple[str, ...]]]:
    """The data with a third of each trade's Chinese aliases removed, and the removed ones by trade."""
    rnd = random.Random(seed)
    trades: dict[str, Trade] = {}
    held: dict[str, tuple[str, ...]] = {}
    ambiguous = {a.alias for a in data.ambiguous}
    for t in data.trades.values():
        chinese = [a for a in t.aliases if not a.isascii() and a not in ambiguous]
        out = tuple(sorted(rnd.sample(chinese, len(chinese) // 3))) if len(chinese) >= 3 else ()
        held[t.id] = out
        # Out of the regional notes too: a note names an alias, and the vocabulary reads notes as names.
        trades[t.id] = replace(
            t,
            aliases=tuple(a for a in t.aliases if a not in out),
            regional=tuple((a, r) for a, r in t.regional if a not in out),
        )
    return replace(data, trades=trades), held


FREE_TEXT = [
    "苗族银饰锻制",
    "蜡染工艺",
    "酸汤鱼烹饪",
    "刺梨加工",
    "民族服饰制作",
    "山地马拉松向导",
    "芦笙制作",
]
COUNTIES = [
    "惠水县",
    "长顺县",
    "罗甸县",
    "紫云县",
    "平塘县",
    "独山县",
    "三都县",
    "荔波县",
    "望谟县",
    "册亨县",
]
# Guizhou: sites spread over the province; labour-cooperation cities in Zhejiang and Guangdong.
GZ_LAT, GZ_LON = (24.8, 28.8), (104.0, 109.2)
COOP = [
    ("浙江省", "义乌市", 29.31, 120.07),
    ("广东省", "东莞市", 23.02, 113.75),
    ("浙江省", "宁波市", 29.87, 121.55),
]


@dataclass(frozen=True)
class Site:
    """A resettlement site."""

    site_id: uuid.UUID
    county: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Truth:
    """What the generator knows about a worker beyond what was written down."""

    skills: frozenset[str]
    certificates: frozenset[str] = frozenset()


def spell(rnd: random.Random, skill_id: str) -> str:
    """One way an office might write a canonical skill."""
    s = TAX.trades[skill_id]
    roll = rnd.random()
    if roll < 0.45:
        return s.zh
    if roll < 0.75 and SPELLINGS.get(skill_id):
        return rnd.choice(SPELLINGS[skill_id])
    if roll < 0.85:
        return s.en
    if roll < 0.93:
        return "".join(lazy_pinyin(s.zh))
    text = s.zh
    if len(text) >= 3:
        i = rnd.randrange(len(text))
        return text[:i] + text[i + 1 :] + text[i]  # a transposition typo
    return text + "工"


def sites(rnd: random.Random, n: int = 40) -> list[Site]:
    """Resettlement sites across the province."""
    return [
        Site(uuid.uuid4(), rnd.choice(COUNTIES), rnd.uniform(*GZ_LAT), rnd.uniform(*GZ_LON)) for _ in range(n)
    ]


def workers(rnd: random.Random, n: int, where: list[Site]) -> tuple[list[WorkerData], dict[uuid.UUID, Truth]]:
    """n workers in households of about three, near their sites."""
    out: list[WorkerData] = []
    truth: dict[uuid.UUID, Truth] = {}
    hh: HouseholdData | None = None
    site = where[0]
    for i in range(n):
        if i % 3 == 0:
            site = rnd.choice(where)
            zero = rnd.random() < 0.08
            hh = HouseholdData(
                household_id=uuid.uuid4(),
                site_id=site.site_id,
                zero_employment=zero,
                zero_employment_since=date(2026, rnd.randint(6, 11), 1) if zero else None,
                monitoring_category=MonitoringCategory(
                    rnd.choice(["none"] * 8 + ["unstable", "marginal", "sudden_hardship"])
                ),
            )
        assert hh is not None
        latent = set(rnd.sample([s.id for s in CORE], rnd.choice([0, 1, 1, 2, 2, 3])))
        latent |= set(rnd.sample([s.id for s in ENTRY], rnd.choice([0, 1, 2])))
        # Licensed trades (welders, drivers, cooks) are mostly recorded with their licence.
        written = [
            SkillData(
                name=spell(rnd, s),
                level=rnd.randint(1, 5),
                certified=rnd.random() < (0.7 if TAX.licences(s) else 0.15),
            )
            for s in sorted(latent)
        ]
        held = TAX.held_certificates(
            c for w, s in zip(written, sorted(latent), strict=True) if w.certified for c in TAX.licences(s)
        )
        if rnd.random() < 0.1:
            written.append(SkillData(name=rnd.choice(FREE_TEXT), level=rnd.randint(1, 5)))
        kind = rnd.choices(["local", "migrant", "worker_peasant", "returnee_agriculture"], [50, 25, 15, 10])[
            0
        ]
        w = WorkerData(
            worker_id=uuid.uuid4(),
            household_id=hh.household_id,
            site_id=site.site_id,
            location=Location(
                site_id=site.site_id,
                county=site.county,
                province="贵州省",
                lat=site.lat + rnd.gauss(0, 0.02),
                lon=site.lon + rnd.gauss(0, 0.02),
            ),
            home_county=rnd.choice(COUNTIES),
            home_province="贵州省",
            birth_year=rnd.randint(1958, 2009),
            skills=written,
            livelihood_type=LivelihoodType(kind),
            max_commute_km=rnd.choice([5.0, 10.0, 15.0, 20.0, 30.0, 50.0]),
            caregiver=rnd.random() < 0.25,
            physical_limitations=rnd.choice([[]] * 9 + [["不能提重物"], ["恐高"]]),
            expected_wage_min=rnd.choice([None, 2000, 2500, 3000, 3500, 4500]),
            unavailable_months=rnd.sample(range(1, 13), 2) if kind == "worker_peasant" else [],
            employment_status=EmploymentStatus(
                rnd.choices(["unemployed", "seasonal", "employed"], [70, 15, 15])[0]
            ),
            sms_consent=True,
            household=hh,
        )
        out.append(w)
        truth[w.worker_id] = Truth(frozenset(latent), held)
    return out, truth


def jobs(
    rnd: random.Random, n: int, where: list[Site]
) -> tuple[list[JobData], dict[uuid.UUID, frozenset[str]]]:
    """n open jobs: workshops at the sites, county towns, labour cooperation, public-welfare posts."""
    out: list[JobData] = []
    truth: dict[uuid.UUID, frozenset[str]] = {}
    for _ in range(n):
        kind = rnd.choices(
            ["workshop", "enterprise", "labor_cooperation", "public_welfare"], [45, 35, 12, 8]
        )[0]
        site = rnd.choice(where)
        if kind == "labor_cooperation":
            province, county, lat, lon = rnd.choice(COOP)
            loc = Location(
                county=county, province=province, lat=lat + rnd.gauss(0, 0.05), lon=lon + rnd.gauss(0, 0.05)
            )
        else:
            spread = 0.03 if kind == "workshop" else 0.12
            loc = Location(
                site_id=site.site_id,
                county=site.county,
                province="贵州省",
                lat=site.lat + rnd.gauss(0, spread),
                lon=site.lon + rnd.gauss(0, spread),
            )
        need = {rnd.choice(CORE).id} if rnd.random() < 0.7 else set()
        if rnd.random() < 0.5:
            need.add(rnd.choice(ENTRY).id)
        skills = [spell(rnd, s) for s in sorted(need)]
        title = TAX.trades[sorted(need)[0]].zh if need else "普工"
        j = JobData(
            job_id=uuid.uuid4(),
            employer_id=uuid.uuid4(),
            employer_name=f"{site.county}{rnd.choice(['扶贫车间', '工业园', '合作社', '公司'])}",
            employer_kind=EmployerKind(kind),
            title=title,
            skills=skills,
            headcount=rnd.randint(1, 20),
            wage_min=(wmin := rnd.choice([2000, 2500, 3000, 3500, 4500])),
            wage_max=wmin + rnd.choice([500, 1000, 2000]),
            location=loc,
            shift=Shift(rnd.choices(["day", "night", "flexible", "part_time"], [60, 10, 20, 10])[0]),
            caregiver_friendly=kind == "workshop" and rnd.random() < 0.5,
            dormitory=kind == "labor_cooperation",
            cross_province=kind == "labor_cooperation",
            min_age=rnd.choice([16, 18, 18, 20]),
            max_age=rnd.choice([45, 50, 55, 60, 65]),
            physical_requirements=rnd.choice([[]] * 8 + [["重体力"], ["高处作业"]]),
        )
        out.append(j)
        truth[j.job_id] = frozenset(need)
    return out, truth
