"""Matching compares places by GB/T 2260 code, so spellings of one province or county are the same place."""

from __future__ import annotations

import pytest
from anju_common.events import Location, WorkerData
from matching.engine.profiles import job_profile, worker_profile

from tests.matching.helpers import NORM, SITE, SITE_LAT, SITE_LON, Engine, job, worker


def _site_job(province: str | None, county: str | None = "惠水县", **codes: str) -> Location:
    return Location(site_id=SITE, province=province, county=county, lat=SITE_LAT, lon=SITE_LON, **codes)


def _ranked(workers: list[WorkerData], loc: Location) -> set[object]:
    e = Engine()
    for w in workers:
        e.add_worker(w)
    return set(e.ranked_ids(job(location=loc)))


@pytest.mark.parametrize(
    "loc",
    [
        _site_job("贵州"),
        _site_job("Guizhou"),
        _site_job("guizhou", "Huishui"),
        _site_job("贵州", province_code="520000", county_code="522731"),
        _site_job(None, None, province_code="520000"),
    ],
)
def test_a_job_at_the_site_in_another_spelling_of_the_province_is_local(loc: Location) -> None:
    local = worker(livelihood_type="local")
    # A migrant far from the site (毕节, ~200 km): proposed only if the job counted as cross-province.
    bijie = Location(county="七星关区", province="贵州省", lat=27.30, lon=105.29)
    migrant = worker(livelihood_type="migrant", location=bijie)
    ranked = _ranked([local, migrant], loc)
    assert local.worker_id in ranked
    assert migrant.worker_id not in ranked


def test_profiles_carry_codes_from_events_and_from_legacy_names() -> None:
    coded = worker(location=_site_job("随便写", province_code="520000", county_code="522731"))
    p = worker_profile(coded, NORM)
    assert (p.province, p.county) == ("520000", "522731")
    legacy = worker_profile(worker(), NORM)  # old events: names only
    assert (legacy.province, legacy.county, legacy.home_county) == ("520000", "522731", "520425")
    j = job_profile(job(location=_site_job("Guizhou", "惠水")), NORM)
    assert (j.province, j.county) == ("520000", "522731")


def test_a_job_in_another_province_by_code_is_still_cross_province() -> None:
    local = worker(livelihood_type="local", max_commute_km=5000)
    migrant = worker(livelihood_type="migrant", location=Location(province="贵州省", lat=27.30, lon=105.29))
    zhejiang = Location(province="浙江", province_code="330000", county="义乌", lat=29.3, lon=120.07)
    ranked = _ranked([local, migrant], zhejiang)
    assert migrant.worker_id in ranked and local.worker_id not in ranked


def test_returnee_matches_a_home_county_job_written_differently() -> None:
    returnee = worker(livelihood_type="returnee_agriculture", home_county="紫云苗族布依族自治县")
    home = Location(province="Guizhou", county="Ziyun", lat=25.75, lon=106.08)
    assert returnee.worker_id in _ranked([returnee], home)
