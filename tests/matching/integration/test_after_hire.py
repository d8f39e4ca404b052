"""After the hire, on real Kafka and PostgreSQL: a placement that ends reopens matching, pairs come back after
the cool-down, TD and refusal stop automatic proposals, staff propose by hand, every decision is explained,
a course reply is accepted, stale offers expire, and the zero-employment deadline fires on a moved clock."""

from __future__ import annotations

import functools
import itertools
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from anju_common.clock import Clock
from anju_common.events import (
    EmploymentChanged,
    EmploymentChangedData,
    EmploymentStatus,
    Event,
    JobPosted,
    JobUpdated,
    Location,
    MatchProposed,
    MatchStatusChanged,
    PlacementData,
    PlacementEnded,
    ReplyKind,
    SkillData,
    TrainingOfferAccepted,
    TrainingOffered,
    TrainingPublished,
    WorkerData,
    WorkerOptedOut,
    WorkerOptedOutData,
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
_SPOTS = itertools.count()


@pytest.fixture(scope="module")
def producer(minfra: Infra) -> Iterator[Producer]:
    p = Producer(minfra.kafka_bootstrap, client_id="matching-after-hire-tests")
    yield p
    p.close()


def spot(site: uuid.UUID = SITE) -> tuple[Location, Location]:
    """A home and a workshop 3 km apart, 50 km from every other test's places (east of the flow tests')."""
    lat = 27.0 + 0.5 * next(_SPOTS)
    home = Location(site_id=site, county="惠水县", province="贵州省", lat=lat, lon=108.65)
    work = Location(site_id=site, county="惠水县", province="贵州省", lat=lat + 0.02, lon=108.67, name="车间")
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


def register(client: TestClient, minfra: Infra, producer: Producer, *ws: WorkerData) -> None:
    publish(producer, minfra, *(WorkerRegistered.build(w, subject=w.worker_id) for w in ws))
    for w in ws:
        path = f"/api/v1/workers/{w.worker_id}/matches"
        ok = wait_for(functools.partial(lambda p: client.get(p).status_code == 200, path))
        assert ok, f"worker {w.worker_id} never reached the read model"


def wait_status(client: TestClient, match_id: object, status: str) -> dict[str, Any]:
    body: dict[str, Any] = wait_for(
        lambda: (r := client.get(f"/api/v1/matches/{match_id}").json()).get("status") == status and r,
        timeout=20,
    )
    assert body, f"match {match_id} never reached {status}"
    return body


def hire(client: TestClient, match_id: object) -> None:
    for status in ("notified", "interested", "referred", "hired"):
        r = client.post(f"/api/v1/matches/{match_id}/status", json={"status": status})
        assert r.status_code == 200, r.text


def employment(w: WorkerData, status: EmploymentStatus, previous: EmploymentStatus, version: int) -> Event:
    data = EmploymentChangedData(
        worker_id=w.worker_id,
        household_id=w.household_id,
        site_id=w.site_id,
        previous_status=previous,
        employment_status=status,
        cause="hired" if status == EmploymentStatus.employed else "left_job",
        household=w.household,
        version=version,
    )
    return EmploymentChanged.build(data, subject=w.worker_id)


def test_a_placement_that_ends_reopens_the_seat_and_matching(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    a = worker(location=home)
    register(matching_app, minfra, producer, a)
    j = job(headcount=1, location=work)
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    (first,) = wait_events(minfra, MatchProposed, 1, job_id=j.job_id)
    hire(matching_app, first.data.match_id)
    publish(producer, minfra, employment(a, EmploymentStatus.employed, EmploymentStatus.unemployed, 2))
    state = matching_app.app.state.runtime.matching  # type: ignore[attr-defined]
    assert wait_for(lambda: state.workers.get(a.worker_id).employment_status == "employed", timeout=20)
    # While a is employed, a newcomer and a second job arrive: the job is full, a is not a candidate.
    b = worker(location=home)
    register(matching_app, minfra, producer, b)
    other = job(headcount=1, location=work, title="包装工")
    publish(producer, minfra, JobPosted.build(other, subject=other.job_id))
    wait_events(minfra, MatchProposed, 1, job_id=other.job_id, worker_id=b.worker_id)
    assert own_events(minfra, MatchProposed, job_id=j.job_id, worker_id=b.worker_id) == []

    placement = PlacementData(
        placement_id=uuid.uuid4(),
        worker_id=a.worker_id,
        household_id=a.household_id,
        site_id=a.site_id,
        job_id=j.job_id,
        match_id=first.data.match_id,
        started_on=date(2026, 11, 1),
        status="ended",
        ended_on=date(2026, 11, 30),
        end_reason="left",
    )
    publish(producer, minfra, PlacementEnded.build(placement, subject=placement.placement_id))
    wait_status(matching_app, first.data.match_id, "left")
    (left,) = wait_events(minfra, MatchStatusChanged, 1, match_id=first.data.match_id, to_status="left")
    assert (left.data.from_status, left.data.actor) == ("hired", "system")
    # jobs frees the seat (job.updated with one hire fewer): the seat is proposed again, not to a (cool-down).
    publish(producer, minfra, JobUpdated.build(j.model_copy(update={"version": 2}), subject=j.job_id))
    wait_events(minfra, MatchProposed, 1, job_id=j.job_id, worker_id=b.worker_id)
    # workers reports a unemployed: a is matched again at once (the other job, with the risk priority).
    publish(producer, minfra, employment(a, EmploymentStatus.unemployed, EmploymentStatus.employed, 3))
    (again,) = wait_events(minfra, MatchProposed, 1, worker_id=a.worker_id, job_id=other.job_id)
    assert any(r.code == "household.risk_signal" for r in again.data.reasons)
    time.sleep(1.0)
    assert len(own_events(minfra, MatchProposed, job_id=j.job_id, worker_id=a.worker_id)) == 1


def test_a_pair_that_ended_is_proposed_again_after_the_cooldown_with_history_kept(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    w = worker(location=home)
    register(matching_app, minfra, producer, w)
    j = job(headcount=1, location=work)
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    (first,) = wait_events(minfra, MatchProposed, 1, job_id=j.job_id)
    no = WorkerRepliedData(
        worker_id=w.worker_id, reply=ReplyKind.not_interested, match_id=first.data.match_id
    )
    publish(producer, minfra, WorkerReplied.build(no, subject=w.worker_id))
    wait_status(matching_app, first.data.match_id, "declined")
    # Within the cool-down a job change proposes nothing to the pair.
    publish(producer, minfra, JobUpdated.build(j.model_copy(update={"version": 2}), subject=j.job_id))
    time.sleep(2.0)
    assert len(own_events(minfra, MatchProposed, job_id=j.job_id)) == 1
    # 31 days later (the default cool-down is 30) the pair is proposed again: a second match, the first kept.
    from matching.models import Match
    from sqlalchemy import update
    from sqlmodel import Session, col

    engine = matching_app.app.state.runtime.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        month_ago = datetime.now(UTC) - timedelta(days=31)
        session.execute(
            update(Match).where(col(Match.id) == first.data.match_id).values(updated_at=month_ago)
        )
        session.commit()
    publish(producer, minfra, JobUpdated.build(j.model_copy(update={"version": 3}), subject=j.job_id))
    proposals = wait_events(minfra, MatchProposed, 2, job_id=j.job_id, worker_id=w.worker_id)
    (second,) = [p.data.match_id for p in proposals if p.data.match_id != first.data.match_id]
    assert second != first.data.match_id
    body = matching_app.get(f"/api/v1/workers/{w.worker_id}/matches").json()
    assert {m["id"]: m["status"] for m in body["matches"]} == {
        str(first.data.match_id): "declined",
        str(second): "proposed",
    }
    # One live match per pair: the database refuses a second live row.
    from sqlalchemy.exc import IntegrityError

    with Session(engine) as session:
        live = session.get(Match, second)
        assert live is not None
        twin = Match(**{**live.model_dump(), "id": uuid.uuid4(), "proposed_event_id": None})
        session.add(twin)
        with pytest.raises(IntegrityError):
            session.commit()


def test_td_and_refusal_stop_automatic_proposals_and_free_the_slots(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    n1, n2, n3 = (worker(location=home) for _ in range(3))
    td = worker(location=home)
    refused = worker(location=home, automated_matching_refused=True)
    register(matching_app, minfra, producer, n1, n2, n3, td, refused)
    out = WorkerOptedOutData(worker_id=td.worker_id)
    publish(producer, minfra, WorkerOptedOut.build(out, subject=td.worker_id))
    state = matching_app.app.state.runtime.matching  # type: ignore[attr-defined]
    assert wait_for(lambda: state.no_auto.get(td.worker_id) == "opted_out", timeout=20)
    assert state.no_auto.get(refused.worker_id) == "refused"
    j = job(headcount=1, location=work)  # 3 proposals per seat
    publish(producer, minfra, JobPosted.build(j, subject=j.job_id))
    proposed = wait_events(minfra, MatchProposed, 3, job_id=j.job_id)
    time.sleep(1.0)
    proposed = own_events(minfra, MatchProposed, job_id=j.job_id)
    assert {p.data.worker_id for p in proposed} == {n1.worker_id, n2.worker_id, n3.worker_id}
    # n3 refuses automated matching later: the open proposal expires and frees its slot for a newcomer.
    by_worker = {p.data.worker_id: p.data.match_id for p in proposed}
    publish(
        producer,
        minfra,
        WorkerUpdated.build(
            n3.model_copy(update={"automated_matching_refused": True, "version": 2}), subject=n3.worker_id
        ),
    )
    wait_status(matching_app, by_worker[n3.worker_id], "expired")
    (gone,) = wait_events(minfra, MatchStatusChanged, 1, match_id=by_worker[n3.worker_id])
    assert gone.data.note == "automated matching refused"
    late = worker(location=home)
    register(matching_app, minfra, producer, late)
    wait_events(minfra, MatchProposed, 1, job_id=j.job_id, worker_id=late.worker_id)
    for w in (td, refused):
        assert own_events(minfra, MatchProposed, worker_id=w.worker_id) == []
    # SMS consent given again after the TD ends it (an older snapshot does not).
    publish(producer, minfra, WorkerUpdated.build(td.model_copy(update={"version": 2}), subject=td.worker_id))
    assert wait_for(lambda: td.worker_id not in state.no_auto, timeout=20)


def test_staff_propose_by_hand_through_the_hard_filters(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    refused = worker(location=home, automated_matching_refused=True)
    unlicensed = worker(location=home, skills=[SkillData(name="电焊", level=3)])
    register(matching_app, minfra, producer, refused, unlicensed)
    j = job(headcount=1, location=work)
    welding = job(headcount=1, location=work, skills=["电焊"], title="电焊工")
    publish(producer, minfra, *(JobPosted.build(x, subject=x.job_id) for x in (j, welding)))
    state = matching_app.app.state.runtime.matching  # type: ignore[attr-defined]
    assert wait_for(
        lambda: state.jobs.get(welding.job_id) is not None and state.jobs.get(j.job_id), timeout=20
    )
    staff = headers("office_staff", site_ids=[SITE])
    url = f"/api/v1/jobs/{j.job_id}/matches"
    r = matching_app.post(
        url, json={"worker_id": str(refused.worker_id), "reason": "本人来站要求人工推荐"}, headers=staff
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["status"] == "proposed" and made["worker_id"] == str(refused.worker_id)
    history = matching_app.get(f"/api/v1/matches/{made['id']}").json()["history"]
    assert history[0]["actor"] == "office_staff:test-office_staff"
    assert "本人来站要求人工推荐" in history[0]["note"]
    wait_events(minfra, MatchProposed, 1, match_id=uuid.UUID(made["id"]))
    again = matching_app.post(
        url, json={"worker_id": str(refused.worker_id), "reason": "再来一次"}, headers=staff
    )
    assert again.status_code == 409
    # The hard filters still apply: 422 naming the failed filter in Chinese and English.
    bad = matching_app.post(
        f"/api/v1/jobs/{welding.job_id}/matches",
        json={"worker_id": str(unlicensed.worker_id), "reason": "试试"},
        headers=staff,
    )
    assert bad.status_code == 422, bad.text
    problem = bad.json()
    assert [f["code"] for f in problem["failed_filters"]] == ["certificate"]
    assert "证" in problem["failed_filters"][0]["zh"] and "licence" in problem["failed_filters"][0]["en"]
    assert "certificate" in problem["detail"]
    assert (
        "硬性条件"
        in matching_app.post(
            f"/api/v1/jobs/{welding.job_id}/matches",
            json={"worker_id": str(unlicensed.worker_id), "reason": "试试"},
            headers={**staff, "Accept-Language": "zh"},
        ).json()["detail"]
    )
    employer = headers("employer", employer_id=j.employer_id)
    body = {"worker_id": str(refused.worker_id), "reason": "x"}
    assert matching_app.post(url, json=body, headers=employer).status_code == 403
    other = headers("office_staff", site_ids=[OTHER_SITE])
    assert matching_app.post(url, json=body, headers=other).status_code == 404
    assert (
        matching_app.post(url, json={"worker_id": str(refused.worker_id)}, headers=staff).status_code == 422
    )


def test_explain_lists_every_filter_the_score_the_rank_and_the_match(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    far_home = Location(
        site_id=SITE, county="惠水县", province="贵州省", lat=(home.lat or 0.0) + 0.4, lon=home.lon
    )
    best = worker(location=home, skills=[SkillData(name="缝纫工", level=4)])
    second = worker(location=home, skills=[SkillData(name="缝纫工", level=1)])
    far = worker(location=far_home, max_commute_km=10)
    unlicensed = worker(location=home, skills=[SkillData(name="电焊", level=3)])
    register(matching_app, minfra, producer, best, second, far, unlicensed)
    j = job(headcount=1, location=work)
    welding = job(headcount=1, location=work, skills=["电焊"], title="电焊工")
    publish(producer, minfra, *(JobPosted.build(x, subject=x.job_id) for x in (j, welding)))
    proposed = wait_events(minfra, MatchProposed, 2, job_id=j.job_id)
    staff = headers("office_staff", site_ids=[SITE])

    def explain(job_id: uuid.UUID, w: WorkerData, hdrs: dict[str, str] = staff) -> Any:
        return matching_app.get(
            f"/api/v1/jobs/{job_id}/matches/explain", params={"worker_id": str(w.worker_id)}, headers=hdrs
        )

    top = explain(j.job_id, best).json()
    assert set(top) == {
        "job_id",
        "worker_id",
        "eligible",
        "filters",
        "score",
        "breakdown",
        "reasons",
        "rank",
        "match",
    }
    assert top["eligible"] is True and top["rank"] == 1
    from matching.engine.rules import FILTERS

    assert [f["code"] for f in top["filters"]] == list(FILTERS)
    assert all(f["passed"] and f["zh"] and f["en"] for f in top["filters"])
    assert {"skill", "commute", "wage", "schedule", "household"} <= set(top["breakdown"])
    # The same score and reasons the ranking gave (it can never disagree with it).
    ranked = matching_app.get(f"/api/v1/jobs/{j.job_id}/matches", params={"include_ranking": True}).json()
    by_id = {r["worker_id"]: r for r in ranked["ranking"]}
    assert top["score"] == by_id[str(best.worker_id)]["score"]
    assert [r["code"] for r in top["reasons"]] == [r["code"] for r in by_id[str(best.worker_id)]["reasons"]]
    assert explain(j.job_id, second).json()["rank"] == 2
    mine = {p.data.worker_id: p.data.match_id for p in proposed}
    assert top["match"] == {"id": str(mine[best.worker_id]), "status": "proposed"}

    away = explain(j.job_id, far).json()
    assert away["eligible"] is False and away["score"] is None and away["rank"] is None
    (reach,) = [f for f in away["filters"] if not f["passed"]]
    assert reach["code"] == "reach" and "公里" in reach["zh"] and "km" in reach["en"]
    assert away["match"] is None
    assert [r["code"] for r in away["reasons"]] == ["blocked.reach"]

    licence = explain(welding.job_id, unlicensed).json()
    failed = [f for f in licence["filters"] if not f["passed"]]
    assert [f["code"] for f in failed] == ["certificate"]
    assert "特种作业操作证" in failed[0]["zh"] and "licence" in failed[0]["en"]

    assert explain(j.job_id, best, headers("employer", employer_id=j.employer_id)).status_code == 403
    assert explain(j.job_id, best, headers("office_staff", site_ids=[OTHER_SITE])).status_code == 404
    assert explain(uuid.uuid4(), best).status_code == 404
    assert matching_app.get(f"/api/v1/jobs/{j.job_id}/matches/explain").status_code == 422


def test_a_course_reply_is_accepted_and_a_hire_expires_the_other_offers(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    course = training(location=work)
    j = job(headcount=2, location=work, skills=["缝纫工"])
    publish(
        producer,
        minfra,
        JobPosted.build(j, subject=j.job_id),
        TrainingPublished.build(course, subject=course.training_id),
    )
    time.sleep(1.5)
    packer = worker(location=home, skills=[SkillData(name="包装工")])
    register(matching_app, minfra, producer, packer)
    (offer,) = wait_events(minfra, TrainingOffered, 1, worker_id=packer.worker_id)
    yes = WorkerRepliedData(
        worker_id=packer.worker_id, reply=ReplyKind.interested, offer_id=offer.data.offer_id
    )
    publish(producer, minfra, WorkerReplied.build(yes, subject=packer.worker_id))
    (accepted,) = wait_events(minfra, TrainingOfferAccepted, 1, offer_id=offer.data.offer_id)
    assert (accepted.data.training_id, accepted.data.worker_id) == (course.training_id, packer.worker_id)
    assert accepted.data.channel == "sms"
    body = matching_app.get(f"/api/v1/workers/{packer.worker_id}/matches").json()
    assert body["training_offers"][0]["status"] == "interested"

    # A worker proposed two jobs and hired on one: the other proposal expires at once.
    w = worker(location=home)
    register(matching_app, minfra, producer, w)
    two = job(headcount=1, location=work, title="缝纫工二")
    publish(producer, minfra, JobPosted.build(two, subject=two.job_id))
    mine = {
        p.data.job_id: p.data.match_id for p in wait_events(minfra, MatchProposed, 2, worker_id=w.worker_id)
    }
    hired, stale = mine[j.job_id], mine[two.job_id]
    hire(matching_app, hired)
    wait_status(matching_app, stale, "expired")
    (ev,) = wait_events(minfra, MatchStatusChanged, 1, match_id=stale)
    assert ev.data.note == "hired elsewhere"


def test_zero_employment_deadline_fires_once_the_clock_passes_it(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    clock = Clock()
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday, 10:00 in Asia/Shanghai
    clock.set(start)
    since = start.date()
    hh = household(zero_employment=True, zero_employment_since=since)
    home, _ = spot()
    w = worker(household=hh, location=home)
    register(matching_app, minfra, producer, w)
    runtime = matching_app.app.state.runtime  # type: ignore[attr-defined]
    ticker = next(x for x in runtime.workers if type(x).__name__ == "ZeroEmploymentTicker")
    saved = ticker.clock
    ticker.clock = clock
    try:
        ticker.tick()
        time.sleep(1.0)
        assert own_events(minfra, ZeroEmploymentAlerted, household_id=hh.household_id) == []
        clock.set(start + timedelta(days=13))  # 9 working days: still inside the deadline
        ticker.tick()
        time.sleep(1.0)
        assert own_events(minfra, ZeroEmploymentAlerted, household_id=hh.household_id) == []
        clock.set(start + timedelta(days=14))  # 10 working days
        assert ticker.tick() >= 1
        (alert,) = wait_events(minfra, ZeroEmploymentAlerted, 1, household_id=hh.household_id)
        assert alert.data.zero_employment_since == since and alert.data.working_days == 10
        ticker.tick()
        time.sleep(1.0)
        assert len(own_events(minfra, ZeroEmploymentAlerted, household_id=hh.household_id)) == 1
    finally:
        ticker.clock = saved
    from matching.models import HouseholdView
    from sqlmodel import Session

    with Session(runtime.engine) as session:
        view = session.get(HouseholdView, hh.household_id)
        assert view is not None and view.alerted_at == start + timedelta(days=14)
