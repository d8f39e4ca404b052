"""Event payload builders and engine set-up shared by the matching tests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from anju_common.events import (
    HouseholdData,
    JobData,
    Location,
    SkillData,
    TrainingData,
    WorkerData,
)
from anju_taxonomy import default_vocabulary
from matching.engine.index import JobIndex, WorkerIndex
from matching.engine.profiles import household_profile, job_profile, training_profile, worker_profile
from matching.engine.rules import Params

SITE = uuid.UUID("5f0c6f5e-2a8e-4a59-9c55-0a2c1f6e8c11")
OTHER_SITE = uuid.UUID("6a1d7f6e-3b9f-4b6a-8d66-1b3d2f7f9d22")
TODAY = date(2026, 11, 25)
# 惠水县 resettlement site (Guizhou) and places around it.
SITE_LAT, SITE_LON = 26.13, 106.65
NORM = default_vocabulary()


def household(**over: Any) -> HouseholdData:
    """A household at the site, not zero-employment."""
    body: dict[str, Any] = {"household_id": uuid.uuid4(), "site_id": SITE}
    body.update(over)
    return HouseholdData(**body)


def worker(**over: Any) -> WorkerData:
    """A local sewing worker living at the site."""
    hh = over.pop("household", None) or household(site_id=over.get("site_id", SITE))
    body: dict[str, Any] = {
        "worker_id": uuid.uuid4(),
        "household_id": hh.household_id,
        "site_id": hh.site_id,
        "location": Location(
            site_id=hh.site_id, county="惠水县", province="贵州省", lat=SITE_LAT, lon=SITE_LON
        ),
        "home_county": "紫云县",
        "home_province": "贵州省",
        "birth_year": 1988,
        "skills": [SkillData(name="缝纫工", level=3)],
        "livelihood_type": "local",
        "max_commute_km": 15.0,
        "sms_consent": True,
        "household": hh,
    }
    body.update(over)
    return WorkerData(**body)


def job(**over: Any) -> JobData:
    """An open sewing job in a workshop 3 km from the site."""
    body: dict[str, Any] = {
        "job_id": uuid.uuid4(),
        "employer_id": over.pop("employer_id", uuid.uuid4()),
        "employer_name": "王家社区扶贫车间",
        "employer_kind": "workshop",
        "title": "缝纫工",
        "skills": ["车工"],
        "headcount": 2,
        "wage_min": 2800,
        "wage_max": 4200,
        "location": Location(
            site_id=SITE, county="惠水县", province="贵州省", lat=26.15, lon=106.67, name="王家车间"
        ),
        "shift": "day",
    }
    body.update(over)
    return JobData(**body)


def training(**over: Any) -> TrainingData:
    """An open sewing course at the site."""
    body: dict[str, Any] = {
        "training_id": uuid.uuid4(),
        "provider": "县人社局",
        "title": "缝纫工培训班",
        "skills_taught": ["缝纫工"],
        "location": Location(site_id=SITE, county="惠水县", province="贵州省", lat=26.14, lon=106.66),
        # a week ahead of whatever day the suite runs on (a course that has started is never offered)
        "starts_on": max(date(2026, 12, 10), date.today() + timedelta(days=7)),
        "seats": 30,
        "seats_left": 12,
        "subsidy_cny": 1200,
    }
    body.update(over)
    return TrainingData(**body)


class Engine:
    """Worker and job indexes filled from payloads, as the service does."""

    def __init__(self, params: Params | None = None) -> None:
        self.params = params or Params()
        self.workers = WorkerIndex(NORM, self.params)
        self.jobs = JobIndex(NORM, self.params, self.workers.names)

    def add_worker(self, data: WorkerData) -> WorkerData:
        self.workers.upsert(worker_profile(data, NORM), household_profile(data.household))
        return data

    def add_job(self, data: JobData, seats_left: int | None = None) -> JobData:
        self.jobs.upsert(job_profile(data, NORM, seats_left))
        return data

    def add_training(self, data: TrainingData) -> TrainingData:
        self.jobs.upsert_training(training_profile(data, NORM))
        return data

    def rank(self, data: JobData, limit: int = 50, seats_left: int | None = None) -> list[Any]:
        return self.workers.rank(job_profile(data, NORM, seats_left), TODAY, limit)

    def ranked_ids(self, data: JobData, **kw: Any) -> list[uuid.UUID]:
        return [r.worker_id for r in self.rank(data, **kw)]

    def jobs_for(self, data: WorkerData, limit: int = 20) -> list[Any]:
        p = worker_profile(data, NORM)
        return self.jobs.rank_for_worker(p, household_profile(data.household), TODAY, limit)
