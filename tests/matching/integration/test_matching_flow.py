"""The matching service end to end on real Kafka and PostgreSQL: events in, proposals and API out."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from anju_common.events import (
    EmploymentChanged,
    EmploymentChangedData,
    EmploymentStatus,
    Event,
    HouseholdData,
    JobClosed,
    JobClosedData,
    JobData,
    JobPosted,
    Location,
    MatchProposed,
    MatchStatusChanged,
    NotificationSent,
    NotificationSentData,
    ReplyKind,
    SkillData,
    TrainingOffered,
    TrainingPublished,
    WorkerData,
    WorkerRegistered,
    WorkerReplied,
    WorkerRepliedData,
    WorkerUpdated,
    ZeroEmploymentAlerted,
    parse_event,
)
from anju_common.kafka import Producer
from anju_common.principal import Principal, sign_principal
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient

from tests.matching.helpers import OTHER_SITE, SITE, household, job, training, worker

pytestmark = pytest.mark.integration
SECRET = "dev-internal-secret-change-me-please-32b"


@pytest.fixture(scope="module")
def producer(minfra: Infra) -> Iterator[Producer]:
    p = Producer(minfra.kafka_bootstrap, client_id="matching-tests")
    yield p
    p.close()


_SPOTS = itertools.count()


def spot(site: uuid.UUID = SITE) -> tuple[Location, Location]:
    """A home and a workshop 3 km apart and 50 km from other tests' places, so tests never meet."""
    lat = 27.0 + 0.5 * next(_SPOTS)
    home = Location(site_id=site, county="惠水县", province="贵州省", lat=lat, lon=106.65)
    work = Location(
        site_id=site, county="惠水县", province="贵州省", lat=lat + 0.02, lon=106.67, name="王家车间"
    )
    return home, work


def publish(producer: Producer, minfra: Infra, *events: Event) -> None:
    for ev in events:
        producer.publish(ev, minfra.topic_prefix)


def own_events(minfra: Infra, kind: type[Event], **match: Any) -> list[Any]:
    out = []
    for rec in minfra.read_topic("matching.events", timeout=2):
        ev = parse_event(rec.value)
        if isinstance(ev, kind) and all(getattr(ev.data, k) == v for k, v in match.items()):
            out.append(ev)
    return out


def wait_events(minfra: Infra, kind: type[Event], count: int, timeout: float = 20, **match: Any) -> list[Any]:
    found = wait_for(lambda: len(own_events(minfra, kind, **match)) >= count, timeout=timeout, interval=0.3)
    assert found, (
        f"expected {count} {kind.__name__} with {match}, got {len(own_events(minfra, kind, **match))}"
    )
    return own_events(minfra, kind, **match)


def headers(role: str, **kw: Any) -> dict[str, str]:
    return {"X-Anju-Principal": sign_principal(Principal(sub=f"test-{role}", role=role, **kw), SECRET)}  # type: ignore[arg-type]


def wait_worker(client: TestClient, worker_id: uuid.UUID) -> None:
    ok = wait_for(lambda: client.get(f"/api/v1/workers/{worker_id}/matches").status_code == 200, timeout=20)
    assert ok, f"worker {worker_id} never reached the read model"


def wait_status(client: TestClient, match_id: str, status: str) -> dict[str, Any]:
    body: dict[str, Any] = wait_for(
        lambda: (r := client.get(f"/api/v1/matches/{match_id}").json()).get("status") == status and r,
        timeout=20,
    )
    assert body, f"match {match_id} never reached {status}"
    return body


def propose(
    client: TestClient, minfra: Infra, producer: Producer, n_workers: int = 1, **over: Any
) -> tuple[list[WorkerData], JobData, list[Any]]:
    """Workers registered at a fresh place, then a one-seat job next to them; waits for its proposals."""
    home, work = spot()
    ws = [worker(location=home, **over) for _ in range(n_workers)]
    j = job(headcount=1, location=work)
    publish(producer, minfra, *(WorkerRegistered.build(w, subject=w.worker_id) for w in ws))
    for w in ws:
        wait_worker(client, w.worker_id)
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    return ws, j, wait_events(minfra, MatchProposed, n_workers, job_id=j.job_id)


def test_job_posted_in_match_proposed_out(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    a, b = worker(location=home), worker(location=home)
    welder = worker(location=home, skills=[SkillData(name="电焊", level=4)])
    publish(producer, minfra, *(WorkerRegistered.build(w, subject=w.worker_id) for w in (a, b, welder)))
    for w in (a, b, welder):
        wait_worker(matching_app, w.worker_id)
    j = job(headcount=1, location=work)
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    proposed = wait_events(minfra, MatchProposed, 2, job_id=j.job_id)
    assert {e.data.worker_id for e in proposed} == {a.worker_id, b.worker_id}
    ev = proposed[0]
    assert ev.data.job_title == "缝纫工" and ev.data.employer_name == "王家社区扶贫车间"
    assert (ev.data.wage_min, ev.data.wage_max, ev.data.place) == (2800, 4200, "王家车间")
    assert ev.data.employer_id == j.employer_id
    assert set(ev.data.breakdown) == {"skill", "commute", "wage", "schedule", "household"}
    assert ev.data.reasons and all(r.zh and r.en for r in ev.data.reasons)
    assert ev.key() == str(ev.data.match_id).encode()
    body = matching_app.get(f"/api/v1/jobs/{j.job_id}/matches", params={"include_ranking": True}).json()
    assert {m["worker_id"] for m in body["matches"]} == {str(a.worker_id), str(b.worker_id)}
    assert body["matches"][0]["status"] == "proposed"
    assert len(body["ranking"]) == 2 and body["ranking"][0]["reasons"]


def test_replaying_the_same_events_twice_proposes_nothing_new(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    w = worker(location=home)
    j = job(headcount=1, location=work)
    first = [WorkerRegistered.build(w, subject=w.worker_id), JobPosted.build(j, subject=j.job_id)]
    publish(producer, minfra, first[0])
    wait_worker(matching_app, w.worker_id)
    publish(producer, minfra, first[1])
    wait_events(minfra, MatchProposed, 1, job_id=j.job_id)
    # The same envelopes again (redelivery), and new envelopes with the same versions (a replayed topic).
    again = [WorkerRegistered.build(w, subject=w.worker_id), JobPosted.build(j, subject=j.job_id)]
    publish(producer, minfra, *first, *again, *first, *again)
    from matching.models import event_tables
    from sqlalchemy import func, select

    engine = matching_app.app.state.runtime.engine  # type: ignore[attr-defined]
    ids = [str(e.id) for e in again]

    def seen() -> bool:
        with engine.connect() as conn:
            n = conn.execute(
                select(func.count())
                .select_from(event_tables.inbox)
                .where(event_tables.inbox.c.event_id.in_(ids))
            ).scalar_one()
        return bool(n == len(ids))

    assert wait_for(seen, timeout=20)
    time.sleep(1.0)
    assert len(own_events(minfra, MatchProposed, job_id=j.job_id)) == 1
    assert len(own_events(minfra, MatchProposed, worker_id=w.worker_id)) == 1


def test_out_of_order_worker_events_keep_the_newest_version(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    v1 = worker(location=home)
    # Certified: welding legally needs the licence, and this test is about versions.
    v2 = v1.model_copy(update={"skills": [SkillData(name="电焊", level=3, certified=True)], "version": 2})
    publish(producer, minfra, WorkerUpdated.build(v2, subject=v1.worker_id))
    wait_worker(matching_app, v1.worker_id)
    publish(producer, minfra, WorkerRegistered.build(v1, subject=v1.worker_id))  # older, arrives late
    time.sleep(1.5)
    state = matching_app.app.state.runtime.matching  # type: ignore[attr-defined]
    profile = state.workers.get(v1.worker_id)
    assert profile is not None and profile.skill_ids() == {"welder"}
    j = job(headcount=1, location=work)  # a sewing job: the v1 profile would match, v2 does not
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    welding = job(headcount=1, location=work, skills=["焊工"])
    publish(producer, minfra, JobPosted.build(welding, subject=welding.job_id))
    assert wait_events(minfra, MatchProposed, 1, job_id=welding.job_id)[0].data.worker_id == v1.worker_id
    assert own_events(minfra, MatchProposed, job_id=j.job_id) == []


def test_wage_arrears_mark_the_worker_as_a_priority(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, _ = spot()
    w = worker(location=home)
    publish(producer, minfra, WorkerRegistered.build(w, subject=w.worker_id))
    wait_worker(matching_app, w.worker_id)
    state = matching_app.app.state.runtime.matching  # type: ignore[attr-defined]
    assert not state.workers.get(w.worker_id).risk
    change = EmploymentChangedData(
        worker_id=w.worker_id,
        household_id=w.household_id,
        site_id=w.site_id,
        previous_status=EmploymentStatus.unemployed,
        employment_status=EmploymentStatus.unemployed,
        cause="wage_arrears",
        household=w.household,
        version=2,
    )
    publish(producer, minfra, EmploymentChanged.build(change, subject=w.worker_id))
    assert wait_for(lambda: state.workers.get(w.worker_id).risk, timeout=20)


def test_status_api_transitions_emit_events_and_illegal_ones_get_409(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    _, j, proposed = propose(matching_app, minfra, producer, share_consent=True)
    match_id = str(proposed[0].data.match_id)
    url = f"/api/v1/matches/{match_id}/status"

    bad = matching_app.post(url, json={"status": "hired"}, headers={"Accept-Language": "en"})
    assert bad.status_code == 409
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "proposed" in bad.json()["detail"] and "hired" in bad.json()["detail"]
    assert matching_app.post(url, json={"status": "maybe"}).status_code == 422

    employer = headers("employer", employer_id=j.employer_id)
    assert matching_app.get(f"/api/v1/matches/{match_id}", headers=employer).status_code == 404
    for status in ("notified", "interested", "referred"):
        r = matching_app.post(url, json={"status": status, "note": "办公室电话确认"})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    assert matching_app.get(f"/api/v1/matches/{match_id}", headers=employer).status_code == 200
    stranger = headers("employer", employer_id=uuid.uuid4())
    assert matching_app.get(f"/api/v1/matches/{match_id}", headers=stranger).status_code == 404
    assert matching_app.post(url, json={"status": "expired"}, headers=employer).status_code == 403
    hired = matching_app.post(url, json={"status": "hired"}, headers=employer)
    assert hired.status_code == 200
    detail = matching_app.get(f"/api/v1/matches/{match_id}").json()
    assert [h["to_status"] for h in detail["history"]] == [
        "proposed",
        "notified",
        "interested",
        "referred",
        "hired",
    ]
    changes = wait_events(minfra, MatchStatusChanged, 4, match_id=uuid.UUID(match_id))
    assert [c.data.to_status for c in changes] == ["notified", "interested", "referred", "hired"]
    assert all(c.data.employer_id == j.employer_id for c in changes)
    assert matching_app.post(url, json={"status": "hired"}).status_code == 409


def test_scoping_office_staff_and_employers(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    (w,), j, proposed = propose(matching_app, minfra, producer)
    match_id = proposed[0].data.match_id
    own = headers("office_staff", site_ids=[SITE])
    other = headers("office_staff", site_ids=[OTHER_SITE])
    assert matching_app.get(f"/api/v1/matches/{match_id}", headers=own).status_code == 200
    assert matching_app.get(f"/api/v1/matches/{match_id}", headers=other).status_code == 404
    assert matching_app.get(f"/api/v1/workers/{w.worker_id}/matches", headers=other).status_code == 404
    assert matching_app.get(f"/api/v1/jobs/{j.job_id}/matches", headers=other).status_code == 404
    employer = headers("employer", employer_id=j.employer_id)
    assert matching_app.get(f"/api/v1/jobs/{j.job_id}/matches", headers=employer).json()["matches"] == []
    r = matching_app.get(
        f"/api/v1/jobs/{j.job_id}/matches", headers=employer, params={"include_ranking": True}
    )
    assert r.status_code == 403
    other_employer = headers("employer", employer_id=uuid.uuid4())
    assert matching_app.get(f"/api/v1/jobs/{j.job_id}/matches", headers=other_employer).status_code == 404


def test_notification_sent_and_worker_replies_move_the_match(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    (yes, no), _, proposed = propose(matching_app, minfra, producer, 2)
    props = {e.data.worker_id: e for e in proposed}
    for w in (yes, no):
        ev = props[w.worker_id]
        sent = NotificationSentData(
            notification_id=uuid.uuid4(),
            worker_id=w.worker_id,
            template="match_proposed",
            provider="fake",
            source_event_id=ev.id,
        )
        publish(producer, minfra, NotificationSent.build(sent, subject=sent.notification_id))
        wait_status(matching_app, str(ev.data.match_id), "notified")
    for w, reply, status in ((yes, "interested", "interested"), (no, "not_interested", "declined")):
        data = WorkerRepliedData(
            worker_id=w.worker_id, reply=ReplyKind(reply), match_id=props[w.worker_id].data.match_id
        )
        publish(producer, minfra, WorkerReplied.build(data, subject=w.worker_id))
        wait_status(matching_app, str(props[w.worker_id].data.match_id), status)


def test_job_closed_expires_open_proposals(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    _, j, proposed = propose(matching_app, minfra, producer)
    match_id = proposed[0].data.match_id
    closed = JobClosedData(job_id=j.job_id, employer_id=j.employer_id, reason="filled", version=2)
    publish(producer, minfra, JobClosed.build(closed, subject=j.job_id))
    wait_status(matching_app, str(match_id), "expired")
    ev = wait_events(minfra, MatchStatusChanged, 1, match_id=match_id)[0]
    assert (ev.data.from_status, ev.data.to_status) == ("proposed", "expired")
    # An older job.updated arriving late does not reopen it.
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    time.sleep(1.5)
    assert matching_app.get(f"/api/v1/matches/{match_id}").json()["status"] == "expired"


def test_worker_registered_gets_the_best_jobs_within_the_weekly_cap(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    place = Location(county="长顺县", province="贵州省", lat=25.99, lon=106.45, name="长顺工业园")
    jobs = [job(headcount=3, location=place, title=f"缝纫工{i}") for i in range(5)]
    publish(producer, minfra, *(JobPosted.build(x, subject=x.job_id) for x in jobs))
    time.sleep(2.0)
    w = worker(location=Location(site_id=SITE, county="长顺县", province="贵州省", lat=26.0, lon=106.46))
    publish(producer, minfra, WorkerRegistered.build(w, subject=w.worker_id))
    proposals = wait_events(minfra, MatchProposed, 3, worker_id=w.worker_id)
    time.sleep(1.0)
    proposals = own_events(minfra, MatchProposed, worker_id=w.worker_id)
    assert len(proposals) == 3, "at most 3 open proposals per worker per week"
    assert {p.data.job_id for p in proposals} <= {x.job_id for x in jobs}


def test_training_offered_then_rematch_after_the_course(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    place = Location(site_id=SITE, county="罗甸县", province="贵州省", lat=25.42, lon=106.75, name="罗甸车间")
    j = job(headcount=2, location=place, skills=["缝纫工"])
    course = training(
        location=Location(site_id=SITE, county="罗甸县", province="贵州省", lat=25.43, lon=106.76)
    )
    publish(
        producer,
        minfra,
        JobPosted.build(j, subject=j.job_id),
        TrainingPublished.build(course, subject=course.training_id),
    )
    time.sleep(2.0)
    loc = Location(site_id=SITE, county="罗甸县", province="贵州省", lat=25.425, lon=106.755)
    w = worker(location=loc, skills=[SkillData(name="包装工")])
    publish(producer, minfra, WorkerRegistered.build(w, subject=w.worker_id))
    offer = wait_events(minfra, TrainingOffered, 1, worker_id=w.worker_id)[0]
    assert offer.data.training_id == course.training_id
    assert j.job_id in offer.data.unlocks_job_ids
    assert offer.data.missing_skills == ["缝纫工"]
    assert (offer.data.title, offer.data.subsidy_cny, offer.data.starts_on) == (
        "缝纫工培训班",
        1200,
        course.starts_on,
    )
    body = matching_app.get(f"/api/v1/workers/{w.worker_id}/matches").json()
    assert body["training_offers"][0]["training_id"] == str(course.training_id)
    trained = w.model_copy(
        update={"skills": [SkillData(name="缝纫工", level=1, certified=True)], "version": 2}
    )
    publish(producer, minfra, WorkerUpdated.build(trained, subject=w.worker_id))
    proposed = wait_events(minfra, MatchProposed, 1, worker_id=w.worker_id)
    assert proposed[0].data.job_id == j.job_id
    done = wait_for(
        lambda: (
            matching_app.get(f"/api/v1/workers/{w.worker_id}/matches").json()["training_offers"][0]["status"]
            == "completed"
        ),
        timeout=10,
    )
    assert done


def test_a_new_course_is_offered_to_workers_it_unlocks_jobs_for(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    j = job(headcount=2, location=work, skills=["电焊"])
    packer = worker(location=home, skills=[SkillData(name="包装工")])
    # Welding legally needs the special-operations licence: the welder holds it, the packer does not.
    welder = worker(location=home, skills=[SkillData(name="焊工", level=2, certified=True)])
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    publish(producer, minfra, *(WorkerRegistered.build(w, subject=w.worker_id) for w in (packer, welder)))
    wait_events(minfra, MatchProposed, 1, job_id=j.job_id)
    wait_worker(matching_app, packer.worker_id)
    assert own_events(minfra, TrainingOffered, worker_id=packer.worker_id) == []
    course = training(title="电焊工特种作业取证培训", skills_taught=["电焊"], location=work)
    publish(producer, minfra, TrainingPublished.build(course, subject=course.training_id))
    offer = wait_events(minfra, TrainingOffered, 1, worker_id=packer.worker_id)[0]
    assert offer.data.training_id == course.training_id
    assert offer.data.unlocks_job_ids == [j.job_id]
    # The skill and the licence are the gap; the offer names the licence and the course that leads to it.
    assert "电焊工" in offer.data.missing_skills
    (licence,) = [m for m in offer.data.missing_skills if m != "电焊工"]
    assert "特种作业操作证" in licence and "培训" in licence
    time.sleep(1.0)
    assert own_events(minfra, TrainingOffered, worker_id=welder.worker_id) == [], "the welder needs no course"


def test_a_course_with_few_seats_is_offered_to_the_workers_it_helps_most_not_the_first_ids(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    assert home.lat is not None
    farther = Location(
        site_id=home.site_id, county=home.county, province=home.province, lat=home.lat - 0.06, lon=home.lon
    )
    j = job(headcount=1, location=work, skills=["电焊"])
    # Three packers 9 km out with the smallest ids there are, one next to the workshop with the largest.
    low = [
        worker(
            worker_id=uuid.UUID(int=uuid.uuid4().int >> 16),
            location=farther,
            skills=[SkillData(name="包装工")],
        )
        for _ in range(3)
    ]
    top = 2**128 - 1 - (uuid.uuid4().int >> 16)
    near = worker(worker_id=uuid.UUID(int=top), location=work, skills=[SkillData(name="包装工")])
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    publish(producer, minfra, *(WorkerRegistered.build(w, subject=w.worker_id) for w in (*low, near)))
    for w in (*low, near):
        wait_worker(matching_app, w.worker_id)
    course = training(
        title="电焊工特种作业取证培训", skills_taught=["电焊"], location=work, seats=1, seats_left=1
    )
    publish(producer, minfra, TrainingPublished.build(course, subject=course.training_id))
    offers = wait_events(minfra, TrainingOffered, 3, training_id=course.training_id)
    time.sleep(1.0)
    offered = [o.data.worker_id for o in own_events(minfra, TrainingOffered, training_id=course.training_id)]
    assert len(offered) == 3, "one seat: three offers"
    assert near.worker_id in offered, "the worker the course helps most is offered it, whatever the ids"
    assert {o.data.worker_id for o in offers} <= {w.worker_id for w in (*low, near)}


def test_zero_employment_deadline_alerts_and_proposes_public_welfare_posts(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    far = Location(
        site_id=OTHER_SITE, county="平塘县", province="贵州省", lat=25.83, lon=107.32, name="平塘公益岗"
    )
    welfare = job(
        employer_kind="public_welfare", skills=["保洁"], location=far, title="保洁公益岗", headcount=5
    )
    publish(producer, minfra, JobPosted.build(welfare, subject=welfare.job_id))
    since = date.today() - timedelta(days=30)
    hh: HouseholdData = household(site_id=OTHER_SITE, zero_employment=True, zero_employment_since=since)
    loc = Location(site_id=OTHER_SITE, county="平塘县", province="贵州省", lat=25.831, lon=107.321)
    w = worker(household=hh, location=loc, skills=[SkillData(name="电焊")], max_commute_km=5)
    time.sleep(1.5)
    # The worker's own proposals fill the weekly cap first, so the deadline post is the only one left.
    publish(producer, minfra, WorkerRegistered.build(w, subject=w.worker_id))
    wait_worker(matching_app, w.worker_id)
    first = wait_events(minfra, MatchProposed, 1, worker_id=w.worker_id)
    workers = matching_app.app.state.runtime.workers  # type: ignore[attr-defined]
    ticker = next(x for x in workers if type(x).__name__ == "ZeroEmploymentTicker")
    assert ticker.tick() >= 1
    alert = wait_events(minfra, ZeroEmploymentAlerted, 1, household_id=hh.household_id)[0]
    assert alert.data.zero_employment_since == since
    assert alert.data.working_days >= 10
    assert ticker.tick() == 0, "one alert per zero-employment spell"
    assert len(own_events(minfra, ZeroEmploymentAlerted, household_id=hh.household_id)) == 1
    assert {p.data.job_id for p in first} == {welfare.job_id} or welfare.job_id in alert.data.proposed_job_ids


def test_match_preview_ranks_without_storing_and_rejects_bad_input(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    w = worker(location=home)
    publish(producer, minfra, WorkerRegistered.build(w, subject=w.worker_id))
    wait_worker(matching_app, w.worker_id)
    body = {
        "title": "缝纫工",
        "skills": ["sewing machinist"],
        "headcount": 3,
        "wage_min": 2800,
        "wage_max": 3800,
        "location": {"county": "惠水县", "province": "贵州省", "lat": work.lat, "lon": work.lon},
        "shift": "day",
    }
    r = matching_app.post("/api/v1/match-preview", json=body, params={"limit": 5})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["normalised_skills"] == ["sewing_machinist"]
    assert [x["worker_id"] for x in out["ranking"]] == [str(w.worker_id)]
    assert own_events(minfra, MatchProposed, worker_id=w.worker_id) == [], "a preview proposes nothing"
    assert out["ranking"][0]["breakdown"]["skill"] > 0
    bad = matching_app.post("/api/v1/match-preview", json={**body, "wage_min": 5000})
    assert bad.status_code == 422 and "wage_min" in bad.json()["detail"]
    missing = matching_app.post(
        "/api/v1/match-preview", json={k: v for k, v in body.items() if k != "location"}
    )
    assert missing.status_code == 422 and "location" in missing.json()["detail"]
    employer = headers("employer", employer_id=uuid.uuid4())
    assert matching_app.post("/api/v1/match-preview", json=body, headers=employer).status_code == 403
    assert matching_app.get("/api/v1/match-preview").status_code == 405
    assert matching_app.get(f"/api/v1/matches/{uuid.uuid4()}").status_code == 404
    assert matching_app.get("/api/v1/matches/not-a-uuid").status_code == 422


EMPLOYER_MATCH_FIELDS = {
    "id",
    "job_id",
    "worker_id",
    "status",
    "job_title",
    "wage_min",
    "wage_max",
    "place",
    "version",
    "created_at",
    "updated_at",
}


def _refer(client: TestClient, match_id: str, note: str) -> None:
    for status in ("notified", "interested", "referred"):
        r = client.post(f"/api/v1/matches/{match_id}/status", json={"status": status, "note": note})
        assert r.status_code == 200, r.text


def test_employers_get_their_own_shape_and_only_consenting_referred_workers(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    monitored = household(monitoring_category="unstable", zero_employment=True)
    ws, j, proposed = propose(
        matching_app, minfra, producer, n_workers=2, household=monitored, caregiver=True
    )
    sharing, private = ws
    assert sharing.worker_id != private.worker_id
    by_worker = {e.data.worker_id: str(e.data.match_id) for e in proposed}
    note = "已电话联系 13812345678，身份证 522731198603151234 已核对"
    for match_id in by_worker.values():
        _refer(matching_app, match_id, note)
    # Only one of them agreed that employers see them.
    publish(
        producer,
        minfra,
        WorkerUpdated.build(
            sharing.model_copy(update={"share_consent": True, "version": 2}), subject=sharing.worker_id
        ),
    )
    employer = headers("employer", employer_id=j.employer_id)

    def listed() -> list[dict[str, Any]]:
        body = matching_app.get(f"/api/v1/jobs/{j.job_id}/matches", headers=employer).json()
        items: list[dict[str, Any]] = body["matches"]
        return items

    assert wait_for(lambda: len(listed()) == 1, timeout=20)
    [seen] = listed()
    assert set(seen) == EMPLOYER_MATCH_FIELDS
    assert seen["worker_id"] == str(sharing.worker_id)
    private_match = by_worker[private.worker_id]
    assert matching_app.get(f"/api/v1/matches/{private_match}", headers=employer).status_code == 404
    assert (
        matching_app.get(f"/api/v1/workers/{private.worker_id}/matches", headers=employer).status_code == 404
    )
    detail = matching_app.get(f"/api/v1/matches/{seen['id']}", headers=employer)
    worker_view = matching_app.get(f"/api/v1/workers/{sharing.worker_id}/matches", headers=employer)
    changed = matching_app.post(
        f"/api/v1/matches/{seen['id']}/status", json={"status": "rejected"}, headers=employer
    )
    assert detail.status_code == worker_view.status_code == changed.status_code == 200
    assert set(changed.json()) == EMPLOYER_MATCH_FIELDS
    assert [set(m) for m in worker_view.json()["matches"]] == [EMPLOYER_MATCH_FIELDS]
    assert set(detail.json()) == EMPLOYER_MATCH_FIELDS | {"history"}
    assert {k for h in detail.json()["history"] for k in h} == {"from_status", "to_status", "note", "at"}
    for r in (
        detail,
        worker_view,
        changed,
        matching_app.get(f"/api/v1/jobs/{j.job_id}/matches", headers=employer),
    ):
        for secret in (
            str(monitored.household_id),
            str(SITE),
            "防返贫",
            "零就业",
            "照料",
            "score",
            "reasons",
        ):
            assert secret not in r.text, (r.request.url, secret)
    # Notes were masked on the way in, so nobody (not even staff) reads the numbers back.
    staff_detail = matching_app.get(f"/api/v1/matches/{private_match}").json()
    assert staff_detail["household_id"] == str(monitored.household_id) and staff_detail["reasons"]
    for r in (detail, matching_app.get(f"/api/v1/matches/{private_match}")):
        assert "13812345678" not in r.text and "522731198603151234" not in r.text
        assert "138****5678" in r.text
