"""After the hire on the real stack: placements from matching's hires, follow-ups moved by the timer (the
kit clock moved by the tests), SMS replies and staff records, site alerts, retention and the refusal of
automated matching."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from anju_common.clock import CLOCK
from anju_common.events import (
    EmployerKind,
    Event,
    JobData,
    JobPosted,
    Location,
    MatchStatus,
    MatchStatusChanged,
    MatchStatusChangedData,
    ReplyKind,
    Shift,
    WorkerReplied,
    WorkerRepliedData,
)
from anju_common.kafka import Producer
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from tests.workers.helpers import headers, make_household, make_site, make_worker

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Asia/Shanghai")


# ------------------------------------------------------------------ helpers
@pytest.fixture
def clock() -> Iterator[Any]:
    """Set the process clock to 10:00 office time on a day; back to the wall clock afterwards."""

    def move(day: date) -> None:
        CLOCK.set(datetime(day.year, day.month, day.day, 10, 0, tzinfo=TZ))

    try:
        yield move
    finally:
        CLOCK.set(None)


@pytest.fixture
def producer(infra: Infra) -> Iterator[Any]:
    """Publish events into this run's topics."""
    p = Producer(infra.kafka_bootstrap)

    def publish(*events: Event) -> None:
        for ev in events:
            p.publish(ev, infra.topic_prefix)

    try:
        yield publish
    finally:
        p.close()


def _hire(w: dict[str, Any], job: uuid.UUID, employer: uuid.UUID, match: uuid.UUID | None = None) -> Event:
    data = MatchStatusChangedData(
        match_id=match or uuid.uuid4(),
        job_id=job,
        worker_id=uuid.UUID(w["id"]),
        household_id=uuid.UUID(w["household_id"]),
        site_id=uuid.UUID(w["site_id"]),
        employer_id=employer,
        from_status=MatchStatus.referred,
        to_status=MatchStatus.hired,
        job_title="缝纫工",
    )
    return MatchStatusChanged.build(data, subject=data.match_id)


def _job(job: uuid.UUID, employer: uuid.UUID, name: str, kind: EmployerKind) -> Event:
    data = JobData(
        job_id=job,
        employer_id=employer,
        employer_name=name,
        employer_kind=kind,
        title="缝纫工",
        headcount=5,
        wage_min=3200,
        wage_max=4000,
        location=Location(county="惠水县", province="贵州省", lat=26.1, lon=106.6),
        shift=Shift.day,
    )
    return JobPosted.build(data, subject=job)


def _reply(w: dict[str, Any], reply: ReplyKind, follow_up_id: str | None = None) -> Event:
    data = WorkerRepliedData(
        worker_id=uuid.UUID(w["id"]),
        reply=reply,
        follow_up_id=uuid.UUID(follow_up_id) if follow_up_id else None,
    )
    return WorkerReplied.build(data, subject=w["id"])


def _events(infra: Infra, key: str, kind: str, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]]:
        # The whole topic, up to its end (it holds thousands of events after the import tests: allow time).
        records = infra.read_topic("workers.events", min_count=1, timeout=20)
        return [
            json.loads(r.value)
            for r in records
            if r.key == key.encode() and json.loads(r.value)["type"].endswith(kind)
        ]

    result: list[dict[str, Any]] = (
        wait_for(lambda: len(got := found()) >= count and got, timeout=timeout) or []
    )
    assert len(result) >= count, f"expected {count} {kind} events keyed {key}, got {len(result)}"
    return result


def _placements(client: TestClient, worker_id: str, count: int = 1) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = client.get(f"/api/v1/workers/{worker_id}/placements").json()["items"]
        return items

    got: list[dict[str, Any]] = wait_for(lambda: len(x := found()) >= count and x, timeout=60) or []
    assert len(got) == count, got
    return got


def _placement(client: TestClient, pid: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/placements/{pid}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _until(client: TestClient, pid: str, check: Any, timeout: float = 60) -> dict[str, Any]:
    got: dict[str, Any] | None = wait_for(lambda: check(x := _placement(client, pid)) and x, timeout=timeout)
    assert got, _placement(client, pid)
    return got


def _hired_worker(
    client: TestClient, producer: Any, site: str | None = None, **worker: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A worker of a one-member household, hired through matching's event; (worker, placement)."""
    site = site or make_site(client)
    household = make_household(client, site, labour_capable_count=1)
    w = make_worker(client, household["id"], id_number=None, **worker)
    producer(_hire(w, uuid.uuid4(), uuid.uuid4()))
    placement = _placements(client, w["id"])[0]
    return w, placement


def _plus_months(d: date, n: int) -> date:
    """The test's own month arithmetic (start days are at most 28 here)."""
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, d.day)


# ------------------------------------------------------------------ placements and follow-ups
def test_a_hire_becomes_one_placement_with_follow_ups_and_the_jobs_terms(
    workers_client: TestClient, infra: Infra, producer: Any
) -> None:
    site = make_site(workers_client)
    w = make_worker(workers_client, make_household(workers_client, site)["id"], id_number=None)
    job, employer, match = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    hired = _hire(w, job, employer, match)
    replayed = _hire(w, job, employer, match)  # matching re-sent the hire under a new event id
    producer(hired, hired, replayed)
    p = _placements(workers_client, w["id"])[0]
    assert p["match_id"] == str(match) and p["job_id"] == str(job) and p["employer_id"] == str(employer)
    assert p["status"] == "active" and p["livelihood_type"] == "local" and p["job_title"] == "缝纫工"
    start = date.fromisoformat(p["started_on"])
    assert [(f["month_offset"], f["status"]) for f in p["follow_ups"]] == [
        (n, "scheduled") for n in (1, 3, 6)
    ]
    if start.day <= 28:
        assert [f["due_on"] for f in p["follow_ups"]] == [
            _plus_months(start, n).isoformat() for n in (1, 3, 6)
        ]
    # The job's event (after the hire here) fills in the employer's name, the job kind, wage and place.
    producer(_job(job, employer, "惠水县扶贫车间", EmployerKind.workshop))
    p = _until(workers_client, p["id"], lambda x: x["job_kind"] == "workshop")
    assert p["employer_name"] == "惠水县扶贫车间" and p["wage_cny"] == 3200 and p["place"] == "惠水县"
    started = _events(infra, p["id"], "placement.started", 1)
    time.sleep(1)
    assert len(_events(infra, p["id"], "placement.started", 1)) == 1, "a replayed hire made a second one"
    data = started[0]["data"]
    assert data["worker_id"] == w["id"] and data["match_id"] == str(match) and data["status"] == "active"
    assert workers_client.get(f"/api/v1/workers/{w['id']}").json()["employment_status"] == "employed"
    # Staff of another site see none of it.
    other = headers("office_staff", [make_site(workers_client)])
    assert workers_client.get(f"/api/v1/placements/{p['id']}", headers=other).status_code == 404
    assert workers_client.get(f"/api/v1/workers/{w['id']}/placements", headers=other).status_code == 404
    patch = {"wage_cny": 1, "version": p["version"]}
    assert workers_client.patch(f"/api/v1/placements/{p['id']}", json=patch, headers=other).status_code == 404
    end = {"reason": "left"}
    assert (
        workers_client.post(f"/api/v1/placements/{p['id']}/end", json=end, headers=other).status_code == 404
    )
    assert _placement(workers_client, p["id"])["status"] == "active"
    employer_view = headers("employer", employer_id=str(employer))
    assert workers_client.get(f"/api/v1/placements/{p['id']}", headers=employer_view).status_code == 403


def test_follow_up_falls_due_on_its_date_and_goes_overdue_three_days_later(
    workers_client: TestClient, infra: Infra, producer: Any, clock: Any
) -> None:
    w, p = _hired_worker(workers_client, producer)
    first = p["follow_ups"][0]
    due = date.fromisoformat(first["due_on"])
    clock(due - timedelta(days=1))
    time.sleep(1)
    assert _placement(workers_client, p["id"])["follow_ups"][0]["status"] == "scheduled"
    clock(due)
    p = _until(workers_client, p["id"], lambda x: x["follow_ups"][0]["status"] == "due")
    assert (
        p["follow_ups"][0]["fell_due_on"] == due.isoformat() and p["follow_ups"][1]["status"] == "scheduled"
    )
    fell = [e for e in _events(infra, p["id"], "follow_up.fell_due", 1) if e["data"]["month_offset"] == 1]
    assert fell[0]["data"]["follow_up_id"] == first["id"] and fell[0]["data"]["worker_id"] == w["id"]
    clock(due + timedelta(days=2))
    time.sleep(1)
    assert _placement(workers_client, p["id"])["follow_ups"][0]["status"] == "due"
    clock(due + timedelta(days=3))
    p = _until(workers_client, p["id"], lambda x: x["follow_ups"][0]["status"] == "overdue")
    assert p["follow_ups"][0]["outcome"] == "no_reply"
    overdue = _events(infra, p["id"], "follow_up.went_overdue", 1)
    assert overdue[0]["data"]["follow_up_id"] == first["id"] and overdue[0]["data"]["status"] == "overdue"


def test_reply_left_ends_the_placement_and_the_household_falls_back_to_zero(
    workers_client: TestClient, infra: Infra, producer: Any, clock: Any
) -> None:
    w, p = _hired_worker(workers_client, producer)
    household = workers_client.get(f"/api/v1/households/{w['household_id']}").json()
    assert household["zero_employment"] is False
    first = p["follow_ups"][0]
    clock(date.fromisoformat(first["due_on"]))
    _until(workers_client, p["id"], lambda x: x["follow_ups"][0]["status"] == "due")
    reply = _reply(w, ReplyKind.left_job, first["id"])
    producer(reply, reply, _reply(w, ReplyKind.left_job, first["id"]))
    p = _until(workers_client, p["id"], lambda x: x["status"] == "ended")
    assert p["end_reason"] == "left" and p["ended_on"] == first["due_on"]
    assert [(f["status"], f["outcome"], f["channel"]) for f in p["follow_ups"]] == [
        ("done", "left", "sms"),
        ("cancelled", None, None),
        ("cancelled", None, None),
    ]
    worker = workers_client.get(f"/api/v1/workers/{w['id']}").json()
    assert worker["employment_status"] == "unemployed"
    household = workers_client.get(f"/api/v1/households/{w['household_id']}").json()
    assert household["zero_employment"] is True and household["employed_count"] == 0
    recorded = _events(infra, p["id"], "follow_up.recorded", 1)
    assert recorded[0]["data"]["outcome"] == "left" and recorded[0]["data"]["channel"] == "sms"
    ended = _events(infra, p["id"], "placement.ended", 1)
    assert ended[0]["data"]["end_reason"] == "left" and ended[0]["data"]["status"] == "ended"
    changed = _events(infra, w["id"], "employment.changed", 2)
    assert [e["data"]["cause"] for e in changed] == ["hired", "left_job"]
    assert changed[-1]["data"]["household"]["zero_employment"] is True
    alerts = _events(infra, w["site_id"], "site.alert_raised", 1)
    # (the site's employed count also fell from 1 to 0 since last month: an employment_drop may follow)
    fell = [a["data"] for a in alerts if a["data"]["kind"] == "household_fell_back_to_zero"]
    assert [(a["household_id"], a["worker_id"]) for a in fell] == [(w["household_id"], w["id"])]
    assert "零就业" in fell[0]["zh"] and "zero employment" in fell[0]["en"]
    stats = workers_client.get(f"/api/v1/sites/{w['site_id']}/stats").json()
    assert stats["fell_back_to_zero_this_month"] == 1
    assert stats["fell_back_to_zero"][0]["household_id"] == w["household_id"]
    time.sleep(1)  # replays change nothing
    assert len(_events(infra, p["id"], "follow_up.recorded", 1)) == 1
    assert len(_events(infra, p["id"], "placement.ended", 1)) == 1


def test_reply_wages_unpaid_raises_the_arrears_signal_and_alert(
    workers_client: TestClient, infra: Infra, producer: Any, clock: Any
) -> None:
    w, p = _hired_worker(workers_client, producer)
    first = p["follow_ups"][0]
    clock(date.fromisoformat(first["due_on"]))
    _until(workers_client, p["id"], lambda x: x["follow_ups"][0]["status"] == "due")
    producer(_reply(w, ReplyKind.wages_unpaid, first["id"]))
    p = _until(workers_client, p["id"], lambda x: x["follow_ups"][0]["status"] == "done")
    assert p["status"] == "active" and p["follow_ups"][0]["outcome"] == "wage_arrears"
    assert workers_client.get(f"/api/v1/workers/{w['id']}").json()["employment_status"] == "employed"
    changed = _events(infra, w["id"], "employment.changed", 2)
    assert (
        changed[-1]["data"]["cause"] == "wage_arrears"
        and changed[-1]["data"]["employment_status"] == "employed"
    )
    alerts = _events(infra, w["site_id"], "site.alert_raised", 1)
    alert = next(a["data"] for a in alerts if a["data"]["kind"] == "wage_arrears")
    assert alert["kind"] == "wage_arrears" and alert["worker_id"] == w["id"]
    assert "工资未发" in alert["zh"] and "unpaid wages" in alert["en"]
    recorded = _events(infra, p["id"], "follow_up.recorded", 1)[0]["data"]
    assert recorded["outcome"] == "wage_arrears" and recorded["follow_up_id"] == first["id"]
    # An on-the-job reply to another worker's follow-up is ignored.
    other, _ = _hired_worker(workers_client, producer)
    producer(_reply(other, ReplyKind.on_job, p["follow_ups"][1]["id"]))
    time.sleep(1.5)
    assert _placement(workers_client, p["id"])["follow_ups"][1]["status"] == "scheduled"


def test_staff_record_a_follow_up_by_phone_or_visit(
    workers_client: TestClient, infra: Infra, producer: Any, clock: Any
) -> None:
    w, p = _hired_worker(workers_client, producer)
    staff = headers("office_staff", [w["site_id"]])
    url = f"/api/v1/placements/{p['id']}/follow-ups"
    early = workers_client.post(
        url, json={"channel": "phone", "outcome": "on_job", "note": "电话回访在岗"}, headers=staff
    )
    assert early.status_code == 201, early.text
    assert early.json()["month_offset"] == 0 and early.json()["channel"] == "phone"
    assert early.json()["recorded_by"] == "test-office_staff"
    p = _placement(workers_client, p["id"])
    assert [f["status"] for f in p["follow_ups"]] == ["done", "scheduled", "scheduled", "scheduled"]
    first = next(f for f in p["follow_ups"] if f["month_offset"] == 1)
    clock(date.fromisoformat(first["due_on"]))
    _until(workers_client, p["id"], lambda x: any(f["status"] == "due" for f in x["follow_ups"]))
    visit = workers_client.post(url, json={"channel": "visit", "outcome": "on_job"}, headers=staff)
    assert visit.status_code == 201 and visit.json()["id"] == first["id"] and visit.json()["status"] == "done"
    recorded = _events(infra, p["id"], "follow_up.recorded", 2)
    assert sorted(e["data"]["channel"] for e in recorded) == ["phone", "visit"]
    bad = workers_client.post(url, json={"channel": "sms", "outcome": "on_job"}, headers=staff)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.channel"
    unknown = workers_client.post(
        url, json={"channel": "visit", "outcome": "on_job", "follow_up_id": str(uuid.uuid4())}, headers=staff
    )
    assert unknown.status_code == 404
    other = headers("office_staff", [make_site(workers_client)])
    assert (
        workers_client.post(url, json={"channel": "visit", "outcome": "on_job"}, headers=other).status_code
        == 404
    )
    left = workers_client.post(
        url, json={"channel": "visit", "outcome": "left", "note": "已回家务农"}, headers=staff
    )
    assert left.status_code == 201
    p = _placement(workers_client, p["id"])
    assert p["status"] == "ended" and p["end_reason"] == "left"
    assert workers_client.get(f"/api/v1/workers/{w['id']}").json()["employment_status"] == "unemployed"
    again = workers_client.post(url, json={"channel": "visit", "outcome": "on_job"}, headers=staff)
    assert again.status_code == 409


def test_staff_complete_the_terms_and_end_a_placement(
    workers_client: TestClient, infra: Infra, producer: Any
) -> None:
    w, p = _hired_worker(workers_client, producer)
    url = f"/api/v1/placements/{p['id']}"
    terms = {"wage_cny": 3500, "contract_type": "劳动合同", "social_insurance": True, "place": "惠水县工业园"}
    assert workers_client.patch(url, json=terms).status_code == 428
    assert workers_client.patch(url, json=terms, headers={"If-Match": 'W/"99"'}).status_code == 412
    start = date.fromisoformat(p["started_on"]) - timedelta(days=10)
    r = workers_client.patch(
        url, json={**terms, "started_on": start.isoformat()}, headers={"If-Match": f'W/"{p["version"]}"'}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["ETag"] == f'W/"{p["version"] + 1}"'
    assert (body["wage_cny"], body["contract_type"], body["social_insurance"], body["place"]) == (
        3500,
        "劳动合同",
        True,
        "惠水县工业园",
    )
    expected = [_plus_months(start, n).isoformat() for n in (1, 3, 6)] if start.day <= 28 else None
    if expected:
        assert [f["due_on"] for f in body["follow_ups"]] == expected  # follow-ups moved with the start
    bad = workers_client.patch(url, json={"wage_cny": -1, "version": body["version"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.wage_cny"
    null = workers_client.patch(url, json={"started_on": None, "version": body["version"]})
    assert null.status_code == 422 and null.json()["errors"][0]["field"] == "body.started_on"
    early = workers_client.post(
        f"{url}/end", json={"reason": "dismissed", "ended_on": (start - timedelta(days=1)).isoformat()}
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "body.ended_on"
    wrong = workers_client.post(f"{url}/end", json={"reason": "fired"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "body.reason"
    ended = workers_client.post(f"{url}/end", json={"reason": "dismissed", "note": "试用期未通过"})
    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "ended" and ended.json()["end_reason"] == "dismissed"
    assert all(f["status"] == "cancelled" for f in ended.json()["follow_ups"])
    assert workers_client.post(f"{url}/end", json={"reason": "left"}).status_code == 409
    assert workers_client.get(f"/api/v1/workers/{w['id']}").json()["employment_status"] == "unemployed"
    data = _events(infra, p["id"], "placement.ended", 1)[0]["data"]
    assert data["end_reason"] == "dismissed" and data["wage_cny"] == 3500 and data["social_insurance"] is True
    assert workers_client.get(f"/api/v1/placements/{uuid.uuid4()}").status_code == 404


def test_staff_recording_the_worker_unemployed_ends_the_placement(
    workers_client: TestClient, infra: Infra, producer: Any
) -> None:
    w, p = _hired_worker(workers_client, producer)
    seasonal = workers_client.post(f"/api/v1/workers/{w['id']}/employment", json={"status": "seasonal"})
    assert seasonal.status_code == 200, seasonal.text
    assert workers_client.get(f"/api/v1/placements/{p['id']}").json()["status"] == "active", "still working"
    r = workers_client.post(f"/api/v1/workers/{w['id']}/employment", json={"status": "unemployed"})
    assert r.status_code == 200, r.text
    assert r.json()["worker"]["employment_status"] == "unemployed"
    ended = workers_client.get(f"/api/v1/placements/{p['id']}").json()
    assert (ended["status"], ended["end_reason"]) == ("ended", "left")
    assert all(f["status"] == "cancelled" for f in ended["follow_ups"]), "no check-in about a job gone"
    assert _events(infra, p["id"], "placement.ended", 1)[0]["data"]["end_reason"] == "left"


# ------------------------------------------------------------------ statistics
def test_retention_on_a_generated_site_equals_a_count_and_totals_equal_their_breakdowns(
    workers_client: TestClient, producer: Any
) -> None:
    site = make_site(workers_client)
    jobs = {
        EmployerKind.workshop: (uuid.uuid4(), uuid.uuid4(), "扶贫车间甲"),
        EmployerKind.enterprise: (uuid.uuid4(), uuid.uuid4(), "企业乙"),
    }
    producer(*(_job(job, emp, name, kind) for kind, (job, emp, name) in jobs.items()))
    today = datetime.now(TZ).date()
    # (days before today it started, days it lasted or None, kind, livelihood type)
    plan = [
        (10, None, EmployerKind.workshop, "local"),
        (40, None, EmployerKind.workshop, "migrant"),
        (45, 20, EmployerKind.enterprise, "local"),
        (70, 35, EmployerKind.workshop, "local"),
        (100, None, EmployerKind.enterprise, "migrant"),
        (120, 60, EmployerKind.enterprise, "local"),
        (160, 100, EmployerKind.workshop, "migrant"),
        (200, None, EmployerKind.workshop, "local"),
        (230, 190, EmployerKind.enterprise, "migrant"),
        (250, 20, EmployerKind.workshop, "local"),
    ]
    rows = []
    declared = make_household(workers_client, site, labour_capable_count=3)  # 3 declared, 1 registered
    make_worker(workers_client, declared["id"], id_number=None, name="王大")
    for ago, lasted, kind, lt in plan:
        household = make_household(workers_client, site)
        w = make_worker(workers_client, household["id"], id_number=None, livelihood_type=lt)
        job, emp, _ = jobs[kind]
        producer(_hire(w, job, emp))
        p = _placements(workers_client, w["id"])[0]
        start = today - timedelta(days=ago)
        if start.day > 28:
            start -= timedelta(days=3)
        r = workers_client.patch(
            f"/api/v1/placements/{p['id']}", json={"started_on": start.isoformat(), "version": p["version"]}
        )
        assert r.status_code == 200, r.text
        end = None
        if lasted is not None:
            end = start + timedelta(days=lasted)
            ended = workers_client.post(
                f"/api/v1/placements/{p['id']}/end", json={"reason": "left", "ended_on": end.isoformat()}
            )
            assert ended.status_code == 200, ended.text
        rows.append((start, end, kind.value, lt, str(emp)))

    def known() -> dict[str, Any] | None:
        got: dict[str, Any] = workers_client.get(f"/api/v1/sites/{site}/stats").json()
        kinds = {g["key"] for g in got["retention"]["by_job_kind"]}
        return got if "unknown" not in kinds else None

    stats = wait_for(known, timeout=30)
    assert stats, "the jobs' events never filled in the job kinds"
    retention = stats["retention"]
    assert retention["months"] == [1, 3, 6] and retention["placements"] == len(plan)
    assert retention["active"] == sum(1 for r in rows if r[1] is None)

    def count(subset: list[tuple[Any, ...]], n: int) -> tuple[int, int]:
        old = [r for r in subset if _plus_months(r[0], n) <= today]
        kept = [r for r in old if r[1] is None or r[1] >= _plus_months(r[0], n)]
        return len(old), len(kept)

    def check(figures: list[dict[str, Any]], subset: list[tuple[Any, ...]]) -> None:
        assert [(f["months"], f["started"], f["retained"]) for f in figures] == [
            (n, *count(subset, n)) for n in (1, 3, 6)
        ]

    check(retention["overall"], rows)
    assert count(rows, 1)[0] > count(rows, 1)[1] > 0  # the generated site tests something
    for key, index in (("by_job_kind", 2), ("by_livelihood_type", 3), ("by_employer", 4)):
        groups = {g["key"]: g for g in retention[key]}
        assert set(groups) == {r[index] for r in rows}, key
        for k, g in groups.items():
            check(g["figures"], [r for r in rows if r[index] == k])
    assert {g["name"] for g in retention["by_employer"]} == {"扶贫车间甲", "企业乙"}
    # Totals are the sums of their breakdowns (a declared member not registered is in the labour force).
    for key in ("labour_force", "employed"):
        assert stats[key] == sum(g[key] for g in stats["by_livelihood_type"]), key
        assert stats[key] == sum(g[key] for g in stats["by_monitoring_category"]), key
    assert stats["households"] == sum(g["households"] for g in stats["by_monitoring_category"])
    assert {g["key"]: g["labour_force"] for g in stats["by_livelihood_type"]}["not_registered"] == 2
    assert stats["labour_force"] == 3 + len(plan) and stats["employed"] == stats["retention"]["active"]
    x = workers_client.get(f"/api/v1/sites/{site}/stats.xlsx")
    wb = load_workbook(io.BytesIO(x.content))
    sheet = wb["留存率 retention"]
    overall = [row for row in sheet.iter_rows(values_only=True) if row[1] == "all"]
    assert [(r[3], r[4], r[5]) for r in overall] == [(n, *count(rows, n)) for n in (1, 3, 6)]
    by_type = wb["按就业类型 by livelihood"]
    assert sum(row[1] for row in list(by_type.iter_rows(values_only=True))[1:]) == stats["labour_force"]


def test_a_month_on_month_employment_drop_raises_one_alert(
    workers_client: TestClient, infra: Infra, clock: Any, workers_db: str
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    staff = [make_worker(workers_client, household["id"], id_number=None, name=f"王{i}") for i in range(5)]
    for w in staff:
        r = workers_client.post(f"/api/v1/workers/{w['id']}/employment", json={"status": "employed"})
        assert r.status_code == 200
    engine = create_engine(workers_db.replace("postgresql://", "postgresql+psycopg://", 1))

    def snapshot(month: str) -> int | None:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT employed FROM site_employment_month WHERE site_id = :s AND month = :m"),
                {"s": uuid.UUID(site), "m": month},
            ).first()
        return None if row is None else int(row[0])

    try:
        clock(date(2031, 3, 20))
        assert wait_for(lambda: snapshot("2031-03") == 5, timeout=30)
        clock(date(2031, 4, 2))
        assert wait_for(lambda: snapshot("2031-04") == 5, timeout=30)
        time.sleep(1)
        assert not [
            e
            for e in _events(infra, site, "site.alert_raised", 0, 3)
            if e["data"]["kind"] == "employment_drop"
        ]
        for w in staff[:2]:
            workers_client.post(f"/api/v1/workers/{w['id']}/employment", json={"status": "unemployed"})
        assert wait_for(lambda: snapshot("2031-04") == 3, timeout=30)
        workers_client.post(f"/api/v1/workers/{staff[2]['id']}/employment", json={"status": "unemployed"})
        assert wait_for(lambda: snapshot("2031-04") == 2, timeout=30)
        time.sleep(1)
    finally:
        engine.dispose()
    drops = [
        e for e in _events(infra, site, "site.alert_raised", 1) if e["data"]["kind"] == "employment_drop"
    ]
    assert len(drops) == 1
    d = drops[0]["data"]
    # The timer may have seen the count between the two changes (4, a 20 % drop already).
    assert (d["month"], d["previous_employed"]) == ("2031-04", 5) and d["employed"] in (3, 4)
    assert f"降至 {d['employed']} 人" in d["zh"]


# ------------------------------------------------------------------ refusing automated matching
def test_refusing_automated_matching_by_staff_and_by_sms_is_recorded_published_and_exported(
    workers_client: TestClient, infra: Infra, producer: Any
) -> None:
    site = make_site(workers_client)
    household = make_household(workers_client, site)
    a = make_worker(workers_client, household["id"], id_number=None, name="李明")
    b = make_worker(workers_client, household["id"], id_number=None, name="张华")
    assert a["automated_matching_refused"] is False and a["automated_matching_refused_at"] is None
    r = workers_client.patch(
        f"/api/v1/workers/{a['id']}", json={"automated_matching_refused": True, "version": a["version"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["automated_matching_refused"] is True and r.json()["automated_matching_refused_at"]
    null = workers_client.patch(
        f"/api/v1/workers/{a['id']}",
        json={"automated_matching_refused": None, "version": r.json()["version"]},
    )
    assert null.status_code == 422 and null.json()["errors"][0]["field"] == "body.automated_matching_refused"
    updated = _events(infra, a["id"], "worker.updated", 1)
    assert updated[-1]["data"]["automated_matching_refused"] is True
    sms = _reply(b, ReplyKind.refuse_automation)
    producer(sms, sms)
    got = wait_for(
        lambda: (
            (x := workers_client.get(f"/api/v1/workers/{b['id']}").json())["automated_matching_refused"] and x
        ),
        timeout=30,
    )
    assert got and datetime.fromisoformat(got["automated_matching_refused_at"]) == sms.time
    assert _events(infra, b["id"], "worker.updated", 1)[-1]["data"]["automated_matching_refused"] is True
    stats = workers_client.get(f"/api/v1/sites/{site}/stats").json()
    assert [x["worker_id"] for x in stats["automated_matching_refusals"]] == [a["id"], b["id"]]
    assert stats["automated_matching_refusals"][0]["name_masked"] == "李*"
    wb = load_workbook(io.BytesIO(workers_client.get(f"/api/v1/sites/{site}/stats.xlsx").content))
    listed = list(wb["拒绝自动推荐 refusals"].iter_rows(values_only=True))[1:]
    assert [row[0] for row in listed] == [a["id"], b["id"]] and all(row[2] for row in listed)
