"""Employment on real Kafka: hires and departures from matching move household signals and publish events."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from anju_common.events import (
    MatchStatus,
    MatchStatusChanged,
    MatchStatusChangedData,
    WorkerOptedOut,
    WorkerOptedOutData,
)
from anju_common.kafka import Producer
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.workers.helpers import headers, make_household, make_site, make_worker, office_today

pytestmark = pytest.mark.integration


def _status(w: dict[str, Any], to: MatchStatus, job: uuid.UUID, employer: uuid.UUID) -> MatchStatusChanged:
    data = MatchStatusChangedData(
        match_id=uuid.uuid4(),
        job_id=job,
        worker_id=uuid.UUID(w["id"]),
        household_id=uuid.UUID(w["household_id"]),
        site_id=uuid.UUID(w["site_id"]),
        employer_id=employer,
        from_status=MatchStatus.referred,
        to_status=to,
        job_title="缝纫工",
    )
    return MatchStatusChanged.build(data, subject=data.match_id)


def _events(infra: Infra, key: str, kind: str, count: int) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]]:
        records = infra.read_topic("workers.events", min_count=1, timeout=2)
        return [json.loads(r.value) for r in records if r.key == key.encode() and kind.encode() in r.value]

    result: list[dict[str, Any]] = wait_for(lambda: len(got := found()) >= count and got, timeout=20) or []
    return result


def test_hire_ends_zero_employment_and_leaving_restores_it(workers_client: TestClient, infra: Infra) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site, monitoring_category="marginal")
    w = make_worker(workers_client, household["id"])
    hid = household["id"]
    assert workers_client.get(f"/api/v1/households/{hid}").json()["zero_employment_since"] == office_today()
    job, employer = uuid.uuid4(), uuid.uuid4()
    hired = _status(w, MatchStatus.hired, job, employer)
    producer = Producer(infra.kafka_bootstrap)
    try:
        producer.publish(hired, infra.topic_prefix)
        producer.publish(hired, infra.topic_prefix)  # a redelivery counts once
        h = wait_for(
            lambda: (
                (x := workers_client.get(f"/api/v1/households/{hid}").json())["employed_count"] == 1 and x
            ),
            timeout=30,
        )
        assert h and h["zero_employment"] is False and h["zero_employment_since"] is None
        assert workers_client.get(f"/api/v1/workers/{w['id']}").json()["employment_status"] == "employed"
        changed = _events(infra, w["id"], "employment.changed", 1)
        assert len(changed) == 1
        data = changed[0]["data"]
        assert (
            data["cause"] == "hired"
            and data["previous_status"] == "unemployed"
            and data["job_id"] == str(job)
        )
        assert data["household"]["zero_employment"] is False and data["household"]["employed_count"] == 1
        updated = _events(infra, hid, "household.updated", 1)
        assert updated[-1]["data"]["zero_employment"] is False

        # A departure from another job the worker no longer holds changes nothing ...
        producer.publish(_status(w, MatchStatus.left, uuid.uuid4(), employer), infra.topic_prefix)
        # ... leaving the held job makes the household zero-employment again: a poverty-return signal.
        producer.publish(_status(w, MatchStatus.left, job, employer), infra.topic_prefix)
        h = wait_for(
            lambda: (x := workers_client.get(f"/api/v1/households/{hid}").json())["zero_employment"] and x,
            timeout=30,
        )
        assert h and h["employed_count"] == 0 and h["zero_employment_since"] == office_today()
        changed = _events(infra, w["id"], "employment.changed", 2)
        assert [e["data"]["cause"] for e in changed] == ["hired", "left_job"]
        assert changed[-1]["data"]["household"]["zero_employment"] is True
        assert _events(infra, hid, "household.updated", 1)[-1]["data"]["zero_employment"] is True
    finally:
        producer.close()


def test_referral_with_consent_lets_the_employer_see_a_reduced_profile(
    workers_client: TestClient, infra: Infra
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    sharing = make_worker(workers_client, household["id"], name="王秀英", share_consent=True)
    private = make_worker(workers_client, household["id"], name="李四", share_consent=False, id_number=None)
    employer = uuid.uuid4()
    as_employer = headers("employer", employer_id=str(employer))
    producer = Producer(infra.kafka_bootstrap)
    try:
        for w in (sharing, private):
            producer.publish(_status(w, MatchStatus.referred, uuid.uuid4(), employer), infra.topic_prefix)
        seen = wait_for(
            lambda: (
                workers_client.get(f"/api/v1/workers/{sharing['id']}", headers=as_employer).status_code == 200
            )
        )
        assert seen
    finally:
        producer.close()
    view = workers_client.get(f"/api/v1/workers/{sharing['id']}", headers=as_employer).json()
    assert view["name_masked"] == "王**" and "****" in view["phone_masked"]
    for hidden in ("name", "gender", "id_number_masked", "household_id", "language_notes"):
        assert hidden not in view
    assert workers_client.get(f"/api/v1/workers/{private['id']}", headers=as_employer).status_code == 404
    listed = workers_client.get("/api/v1/workers", headers=as_employer).json()["items"]
    assert [x["id"] for x in listed] == [sharing["id"]]
    other = headers("employer", employer_id=str(uuid.uuid4()))
    assert workers_client.get(f"/api/v1/workers/{sharing['id']}", headers=other).status_code == 404


def test_opt_out_withdraws_sms_consent(workers_client: TestClient, infra: Infra) -> None:
    site = make_site(workers_client)
    w = make_worker(workers_client, make_household(workers_client, site)["id"], sms_consent=True)
    producer = Producer(infra.kafka_bootstrap)
    try:
        ev = WorkerOptedOut.build(WorkerOptedOutData(worker_id=uuid.UUID(w["id"])), subject=w["id"])
        producer.publish(ev, infra.topic_prefix)
    finally:
        producer.close()
    assert wait_for(lambda: workers_client.get(f"/api/v1/workers/{w['id']}").json()["sms_consent"] is False)
    updated = _events(infra, w["id"], "worker.updated", 1)
    assert updated[-1]["data"]["sms_consent"] is False


def test_staff_record_employment_and_site_stats_follow(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    h1 = make_household(workers_client, site, monitoring_category="unstable")
    h2 = make_household(workers_client, site, labour_capable_count=3)
    a = make_worker(workers_client, h1["id"], livelihood_type="local")
    make_worker(workers_client, h1["id"], livelihood_type="migrant", id_number=None, name="王二")
    make_worker(workers_client, h2["id"], livelihood_type="local", id_number=None, name="王三")
    r = workers_client.post(
        f"/api/v1/workers/{a['id']}/employment", json={"status": "employed", "cause": "manual"}
    )
    assert r.status_code == 200 and r.json()["household"]["zero_employment"] is False
    arrears = workers_client.post(
        f"/api/v1/workers/{a['id']}/employment", json={"status": "employed", "cause": "wage_arrears"}
    )
    assert (
        arrears.status_code == 200
        and arrears.json()["worker"]["version"] == r.json()["worker"]["version"] + 1
    )
    same = workers_client.post(f"/api/v1/workers/{a['id']}/employment", json={"status": "employed"})
    assert same.json()["worker"]["version"] == arrears.json()["worker"]["version"]  # nothing changed
    bad = workers_client.post(f"/api/v1/workers/{a['id']}/employment", json={"status": "retired"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.status"
    stats = workers_client.get(f"/api/v1/sites/{site}/stats").json()
    assert stats["households"] == 2 and stats["labour_force"] == 5 and stats["employed"] == 1
    assert stats["employment_rate"] == 0.2
    assert stats["zero_employment_households"] == 1
    assert (
        stats["zero_employment"][0]["household_id"] == h2["id"] and stats["zero_employment"][0]["days"] == 0
    )
    by_type = {g["key"]: g for g in stats["by_livelihood_type"]}
    assert by_type["local"] == {"key": "local", "labour_force": 2, "employed": 1, "employment_rate": 0.5}
    by_cat = {g["key"]: g for g in stats["by_monitoring_category"]}
    assert (
        by_cat["unstable"]["zero_employment_households"] == 0
        and by_cat["none"]["zero_employment_households"] == 1
    )
    x = workers_client.get(f"/api/v1/sites/{site}/stats.xlsx")
    assert x.status_code == 200 and "attachment" in x.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(x.content))
    summary = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(values_only=True)}
    assert summary["劳动力 labour force"] == 5 and summary["零就业户 zero-employment households"] == 1
