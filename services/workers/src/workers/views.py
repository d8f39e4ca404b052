"""How workers, households and sites look from outside: API views and event payloads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anju_common.events import HouseholdData, Location, SkillData, WorkerData
from anju_common.pii import mask_id_number, mask_phone
from anju_common.places import location_of

from workers.event_rows import without_none
from workers.identity import mask_name
from workers.models import Household, Site, Worker
from workers.pii import decrypt_id_number, decrypt_phone
from workers.schemas import HouseholdPublic, SitePublic, SkillOut, WorkerPublic, WorkerSharedPublic


def worker_public(w: Worker) -> WorkerPublic:
    """Staff view: everything, with phone and ID number masked."""
    return WorkerPublic(
        id=w.id,
        household_id=w.household_id,
        site_id=w.site_id,
        name=w.name,
        gender=w.gender,  # type: ignore[arg-type]
        birth_year=w.birth_year,
        phone_masked=mask_phone(decrypt_phone(w)),
        id_number_masked=mask_id_number(decrypt_id_number(w)),
        education=w.education,
        home_county=w.home_county,
        home_county_code=w.home_county_code,
        home_province=w.home_province,
        home_province_code=w.home_province_code,
        skills=[SkillOut.model_validate(s) for s in w.skills],
        livelihood_type=w.livelihood_type,
        max_commute_km=w.max_commute_km,
        caregiver=w.caregiver,
        physical_limitations=list(w.physical_limitations),
        expected_wage_min=w.expected_wage_min,
        available_from=w.available_from,
        unavailable_months=list(w.unavailable_months),
        employment_status=w.employment_status,
        sms_consent=w.sms_consent,
        share_consent=w.share_consent,
        automated_matching_refused=w.automated_matching_refused,
        automated_matching_refused_at=w.automated_matching_refused_at,
        language_notes=w.language_notes,
        active=w.active,
        deactivated_reason=w.deactivated_reason,
        deactivated_at=w.deactivated_at,
        erased=w.erased_at is not None,
        version=w.version,
        created_at=w.created_at,
        updated_at=w.updated_at,
    )


def worker_shared(w: Worker) -> WorkerSharedPublic:
    """Employer view of a referred, consenting worker: reduced and masked."""
    return WorkerSharedPublic(
        id=w.id,
        name_masked=mask_name(w.name),
        phone_masked=mask_phone(decrypt_phone(w)),
        birth_year=w.birth_year,
        education=w.education,
        skills=[SkillOut.model_validate(s) for s in w.skills],
        livelihood_type=w.livelihood_type,
        available_from=w.available_from,
        expected_wage_min=w.expected_wage_min,
        employment_status=w.employment_status,
    )


def household_data(h: Household) -> HouseholdData:
    """Event payload of a household's priority signals."""
    return HouseholdData(
        household_id=h.id,
        site_id=h.site_id,
        registered_poor=h.registered_poor,
        monitoring_category=h.monitoring_category,
        labour_capable_count=h.labour_capable_count,
        employed_count=h.employed_count,
        zero_employment=h.zero_employment,
        zero_employment_since=h.zero_employment_since,
        version=h.version,
    )


def site_location(site: Site) -> Location:
    """A site as an event location."""
    return location_of(site, site_id=site.id, name=site.name)


def worker_data(w: Worker, household: Household, site: Site) -> WorkerData:
    """Event payload of a worker's matching profile: no name, phone, ID number or gender."""
    return profile_data(w.model_dump(), household_data(household), site_location(site))


def profile_data(row: Mapping[str, Any], household: HouseholdData, location: Location) -> WorkerData:
    """WorkerData from a worker's column values (an ORM row or a bulk-insert dict)."""
    return WorkerData(
        worker_id=row["id"],
        household_id=row["household_id"],
        site_id=row["site_id"],
        location=location,
        home_county=row["home_county"],
        home_county_code=row.get("home_county_code"),
        home_province=row["home_province"],
        home_province_code=row.get("home_province_code"),
        birth_year=row["birth_year"] or 0,
        education=row["education"],
        skills=[SkillData.model_validate(s) for s in row["skills"]],
        livelihood_type=row["livelihood_type"],
        max_commute_km=row["max_commute_km"],
        caregiver=row["caregiver"],
        physical_limitations=list(row["physical_limitations"]),
        expected_wage_min=row["expected_wage_min"],
        available_from=row["available_from"],
        unavailable_months=list(row["unavailable_months"]),
        employment_status=row["employment_status"],
        sms_consent=row["sms_consent"],
        share_consent=row["share_consent"],
        automated_matching_refused=bool(row.get("automated_matching_refused") or False),
        active=row["active"],
        household=household,
        version=row["version"],
    )


def profile_payload(
    row: Mapping[str, Any], household: Mapping[str, Any], location: Mapping[str, Any]
) -> dict[str, Any]:
    """profile_data(row, …) as the JSON-ready values its to_json writes (None fields left out), for import
    rows whose values are already validated; household and location as their payloads."""
    return without_none(
        {
            "worker_id": row["id"],
            "household_id": row["household_id"],
            "site_id": row["site_id"],
            "location": location,
            "home_county": row["home_county"],
            "home_county_code": row.get("home_county_code"),
            "home_province": row["home_province"],
            "home_province_code": row.get("home_province_code"),
            "birth_year": row["birth_year"] or 0,
            "education": row["education"],
            "skills": [
                {"name": s["name"], "level": s.get("level", 1), "certified": s.get("certified", False)}
                for s in row["skills"]
            ],
            "livelihood_type": row["livelihood_type"],
            "max_commute_km": float(row["max_commute_km"]),
            "caregiver": row["caregiver"],
            "physical_limitations": list(row["physical_limitations"]),
            "expected_wage_min": row["expected_wage_min"],
            "available_from": row["available_from"],
            "unavailable_months": list(row["unavailable_months"]),
            "employment_status": row["employment_status"],
            "sms_consent": row["sms_consent"],
            "share_consent": row["share_consent"],
            "automated_matching_refused": bool(row.get("automated_matching_refused") or False),
            "active": row["active"],
            "household": household,
            "version": row["version"],
        }
    )


def site_public(s: Site) -> SitePublic:
    """Response shape of a site."""
    return SitePublic.model_validate(s, from_attributes=True)


def household_public(h: Household) -> HouseholdPublic:
    """Response shape of a household."""
    return HouseholdPublic.model_validate(h, from_attributes=True)
