"""The bulk import's events and columns, built from validated values, are the models' byte for byte."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import pytest
from anju_common.clock import CLOCK
from anju_common.events import (
    HouseholdData,
    HouseholdUpdated,
    Location,
    MonitoringCategory,
    WorkerRegistered,
)
from anju_common.outbox import outbox_rows
from pydantic_core import to_json
from workers import bulk, pii, registration, views
from workers.event_rows import event_json, flat_payload, new_ids, outbox_row
from workers.skills import skill_ids_column
from workers.spreadsheet import ImportRow, row_values

from tests.workers.helpers import new_id_number, new_phone

SITE = uuid.uuid4()
LOCATIONS = [
    Location(
        site_id=SITE,
        county="惠水县",
        county_code="522731",
        province="贵州省",
        province_code="520000",
        lat=26.13,
        lon=106.66,
        name='基准安置点 "新村" \\ 一组',
    ),
    Location(site_id=SITE, name="无坐标安置点"),
]
HOUSEHOLDS = [
    HouseholdData(household_id=uuid.uuid4(), site_id=SITE),
    HouseholdData(
        household_id=uuid.uuid4(),
        site_id=SITE,
        registered_poor=True,
        monitoring_category=MonitoringCategory.sudden_hardship,
        labour_capable_count=3,
        employed_count=0,
        zero_employment=True,
        zero_employment_since=date(2026, 3, 1),
        version=7,
    ),
]
SKILLS = [
    "",
    "普工",
    "缝纫工:3:持证;普工",
    "电焊:5:否；厨师：2：已持证",
    "瓦工:4;木工:2;😀刺绣:1:持证",
    "𠀀𠀁字工:2",
]
OPTIONAL: dict[str, list[str]] = {
    "gender": ["", "女", "男"],
    "education": ["", "初中", '大专 "成人"'],
    "home_province": ["", "贵州省"],
    "home_county": ["", "惠水县"],
    "max_commute_km": ["", "50", "12.5", "5000", "0.1"],
    "caregiver": ["", "是", "否"],
    "physical_limitations": ["", "腰椎间盘突出;听力\\弱", '不能久站、"夜班"', "控制\x07符\x1f"],
    "expected_wage_min": ["", "0", "3500", "1000000"],
    "available_from": ["", "2026-03-01", "2027/1/9"],
    "unavailable_months": ["", "4,5,9-10", "12"],
    "employment_status": ["", "已就业", "季节性务工", "务农"],
    "sms_consent": ["", "是"],
    "share_consent": ["", "否", "同意"],
    "language_notes": ["", "只会说布依语\ttab"],
    "registered_poor": ["", "是"],
    "monitoring_category": ["", "边缘易致贫户", "无"],
    "labour_capable_count": ["", "0", "4"],
}


def _records(n: int) -> list[dict[str, str]]:
    rng = random.Random(14)
    out = []
    for i in range(n):
        with_id = i % 3 != 0
        record = {
            "household_ref": f"户-{i // 2:05d}",
            "name": rng.choice(["王秀英", "李 建国", "𠮷野家", "Ayşe 😀", 'O\'Brien "Jr"']),
            "phone": new_phone(),
            "livelihood_type": rng.choice(["外出务工", "就近就业", "亦工亦农", "返乡务农"]),
            "skills": SKILLS[i % len(SKILLS)],
        }
        if with_id:
            record["id_number"] = new_id_number(1960 + i % 45)
        else:
            record["birth_year"] = str(1960 + i % 45)
        for name, choices in OPTIONAL.items():
            record[name] = choices[rng.randrange(len(choices))]
        out.append(record)
    return out


def _value(v: Any) -> Any:
    return v.value if isinstance(v, StrEnum) else v


@pytest.fixture(autouse=True)
def _clock() -> Any:
    yield
    CLOCK.set(None)


def test_worker_registered_and_columns_match_the_models() -> None:
    records = _records(300)
    ids = iter(new_ids(3 * len(records)))
    for i, record in enumerate(records):
        row = ImportRow.model_validate(row_values(record))
        checked = bulk.checked_row(i + 2, row)
        assert checked.columns is not None and checked.household is not None
        household, location = HOUSEHOLDS[i % 2], LOCATIONS[i % 2]
        worker_id = next(ids)
        now = datetime(2026, 12, 2, 1, 2, 3, 0 if i % 5 == 0 else 456789, tzinfo=UTC)
        stored = bulk.worker_row(
            checked.columns,
            worker_id=worker_id,
            household_id=household.household_id,
            site_id=SITE,
            skill_ids=skill_ids_column(checked.columns["skills"]),
            now=now,
        )
        # The columns the model path stores (ciphertexts differ by nonce; they open to the same text).
        reference = {
            **bulk._WORKER_DEFAULTS,
            "id": worker_id,
            "created_at": now,
            "updated_at": now,
            **registration.new_worker_fields(row, household.household_id, SITE, pii.sealed_fields(row)),
        }
        cipher = pii.cipher()
        for name in ("phone_enc", "id_number_enc"):
            context = pii.PHONE_CTX if name == "phone_enc" else pii.ID_CTX
            opened = [
                cipher.decrypt(r[name], context=context) if r[name] else None for r in (stored, reference)
            ]
            assert opened[0] == opened[1]
            reference[name] = stored[name]
        assert {k: _value(v) for k, v in stored.items()} == {k: _value(v) for k, v in reference.items()}
        assert checked.household == (
            row.household_ref,
            row.registered_poor,
            row.monitoring_category.value,
            row.labour_capable_count,
        )

        CLOCK.set(now)
        event_id, request_id = next(ids), [None, "req-1", '请求 "2"'][i % 3]
        fast = event_json(
            WorkerRegistered,
            views.profile_payload(stored, flat_payload(household), flat_payload(location)),
            event_id=event_id,
            subject=str(worker_id),
            request_id=request_id,
        )
        model = WorkerRegistered.build(
            views.profile_data(reference, household, location), subject=worker_id, request_id=request_id
        ).model_copy(update={"id": event_id})
        assert fast == model.to_json()
        assert (
            outbox_row(
                WorkerRegistered, fast, event_id=event_id, subject=str(worker_id), topic_prefix="t-", now=now
            )
            == outbox_rows([model], topic_prefix="t-")[0]
        )


def test_household_updated_matches_the_model() -> None:
    CLOCK.set(datetime(2026, 12, 2, 1, 2, 3, tzinfo=UTC))
    for data in HOUSEHOLDS:
        for since in (None, date(2026, 12, 1)):
            signals = {
                "labour_capable_count": 2,
                "employed_count": 1,
                "zero_employment": since is not None,
                "zero_employment_since": since,
                "version": 2,
            }
            event_id = uuid.uuid4()
            fast = event_json(
                HouseholdUpdated,
                flat_payload(data, **signals),
                event_id=event_id,
                subject=str(data.household_id),
                request_id=None,
            )
            model = HouseholdUpdated.build(
                data.model_copy(update=signals), subject=data.household_id
            ).model_copy(update={"id": event_id})
            assert fast == model.to_json()


def test_ids_are_random_version_4() -> None:
    ids = new_ids(1000)
    assert (
        len(set(ids)) == 1000
        and {u.version for u in ids} == {4}
        and {u.variant for u in ids} == {uuid.RFC_4122}
    )
    assert to_json(ids[:1]) == f'["{ids[0]}"]'.encode()
