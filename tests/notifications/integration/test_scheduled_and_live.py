"""Scheduled messages and the liveness check on the real stack (PostgreSQL, Redis, Kafka, the node-smpp SMSC):
a message whose match, job or course is gone is cancelled with its reason, never sent; a night message waits
for 08:00; a follow-up check-in is answered by digit in its own context; a departure's messages go out the day
before and the day after arrival, follow roster changes and are cancelled with it; unknown texts reach a
feed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from anju_common.clock import CLOCK
from anju_common.events import (
    DepartureCancelled,
    DepartureScheduled,
    FollowUpFellDue,
    FollowUpWentOverdue,
    JobClosed,
    JobClosedData,
    Location,
    MatchStatus,
    ReplyKind,
    SiteAlertRaised,
    SiteAlertRaisedData,
    TrainingData,
    TrainingEnrolmentChanged,
    TrainingEnrolmentData,
    TrainingPublished,
    TrainingStatus,
    WorkerReplied,
)
from anju_common.principal import Principal, sign_principal
from anju_common.testing import wait_for
from fastapi.testclient import TestClient
from notifications.models import Notification, NotificationStatus, ReferentState
from notifications.templates import render
from sqlmodel import Session, col, select

from tests.notifications.conftest import Stage, engine_of
from tests.notifications.helpers import (
    callback_headers,
    departure,
    follow_up,
    match_proposed,
    notifications_of,
    status_changed,
    training_offered,
)
from tests.notifications.peers import SmppPeer, WorkerDirectory

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]
SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "dev-internal-secret-change-me-please-32b"
NIGHT = {"NOTIFICATIONS_QUIET_START": "21:00", "NOTIFICATIONS_QUIET_END": "08:00"}


def _staff(*sites: uuid.UUID) -> dict[str, str]:
    token = sign_principal(Principal(sub="staff-1", role="office_staff", site_ids=list(sites)), SECRET)
    return {"X-Anju-Principal": token}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def _texts(smsc: SmppPeer, phone: str) -> list[str]:
    return [s.get("text", "") for s in smsc.submits_to(phone)]


def _by_template(engine: Any, worker: dict[str, Any]) -> dict[str, Notification]:
    return {n.template: n for n in notifications_of(engine, worker["worker_id"])}


def test_stale_messages_are_cancelled_with_their_reason_and_never_sent(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_LIMIT_PER_MINUTE="0", **NIGHT)
    evening = _at(date.today() + timedelta(days=3), 22, 0)
    CLOCK.set(evening)
    client = run_app(stage)
    engine = engine_of(client)
    expired, closed, hired, full, checked, live = (directory.add() for _ in range(6))
    offers = {
        "expired": match_proposed(expired),
        "closed": match_proposed(closed),
        "hired": match_proposed(hired),
        "checked": match_proposed(checked),
        "live": match_proposed(live),
    }
    for ev in offers.values():
        stage.publish(ev)
    course = training_offered(full)
    stage.publish(course)
    everyone = (expired, closed, hired, full, checked, live)
    assert wait_for(
        lambda: all(
            [n.status_reason for n in notifications_of(engine, w["worker_id"])] == ["quiet_hours"]
            for w in everyone
        ),
        timeout=20,
    )

    # While they wait for the morning, what they refer to goes away; the waiting rows are cancelled at once.
    stage.publish(status_changed(expired, MatchStatus.expired, match_id=offers["expired"].data.match_id))
    d = offers["closed"].data
    stage.publish(
        JobClosed.build(
            JobClosedData(job_id=d.job_id, employer_id=uuid.uuid4(), reason="filled", version=3),
            subject=d.job_id,
        )
    )
    stage.publish(status_changed(hired, MatchStatus.hired))  # hired through another match
    stage.publish(
        TrainingPublished.build(
            TrainingData(
                training_id=course.data.training_id,
                provider="县职业技术学校",
                title="电焊工",
                location=Location(county="惠水县"),
                seats=20,
                seats_left=0,
                status=TrainingStatus.full,
            ),
            subject=course.data.training_id,
        )
    )
    expected = {
        expired["worker_id"]: "match_expired",
        closed["worker_id"]: "job_filled",
        hired["worker_id"]: "hired_elsewhere",
        full["worker_id"]: "course_full",
    }

    def cancelled_with(worker_id: str, reason: str) -> Callable[[], bool]:
        return lambda: (
            [(n.status, n.status_reason) for n in notifications_of(engine, worker_id)]
            == [(NotificationStatus.cancelled, reason)]
        )

    for worker_id, reason in expected.items():
        assert wait_for(
            cancelled_with(worker_id, reason),
            timeout=20,
        ), (reason, [(n.status, n.status_reason) for n in notifications_of(engine, worker_id)])

    # The dispatcher checks again right before the provider: a state it learnt without a cancel pass
    # (written straight into the read model here) still stops the SMS.
    with Session(engine) as session:
        session.add(
            ReferentState(
                kind="match", ref_id=offers["checked"].data.match_id, status="declined", updated_at=evening
            )
        )
        session.commit()

    CLOCK.set(_at(evening.date() + timedelta(days=1), 8, 0))
    assert wait_for(lambda: smsc.submits_to(live["phone"]), timeout=20)
    assert wait_for(
        lambda: (
            [n.status_reason for n in notifications_of(engine, checked["worker_id"])] == ["match_declined"]
        ),
        timeout=10,
    )
    for w in (expired, closed, hired, full, checked):
        assert smsc.submits_to(w["phone"]) == []
    [note] = notifications_of(engine, checked["worker_id"])
    body = client.get(f"/api/v1/notifications/{note.id}").json()
    assert body["status"] == "cancelled"
    assert body["status_reason_text"] == {"zh": "村民已拒绝该岗位", "en": "the worker declined the job"}
    counts = client.get("/api/v1/notifications/counts").json()["counts"]
    assert counts["cancelled"] == 5 and counts.get("sent", 0) + counts.get("delivered", 0) == 1


def test_follow_up_at_night_waits_for_0800_and_reply_2_means_left_job(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_LIMIT_PER_MINUTE="0", **NIGHT)
    night = _at(date.today() + timedelta(days=5), 23, 40)
    CLOCK.set(night)
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    # An older job offer to the same number, sent and answered before: the digit must not go to it.
    CLOCK.set(night - timedelta(hours=12))
    offer = match_proposed(worker)
    stage.publish(offer)
    assert wait_for(lambda: smsc.submits_to(worker["phone"]), timeout=20)
    CLOCK.set(night)

    due = follow_up(worker, FollowUpFellDue)
    stage.publish(due)
    morning = _at(night.date() + timedelta(days=1), 8, 0)
    assert wait_for(
        lambda: (
            [
                (n.status_reason, n.due_at)
                for n in notifications_of(engine, worker["worker_id"])
                if n.template == "follow_up"
            ]
            == [("quiet_hours", morning)]
        ),
        timeout=20,
    )
    CLOCK.set(morning - timedelta(seconds=1))
    assert not wait_for(lambda: len(smsc.submits_to(worker["phone"])) == 2, timeout=1.5)
    CLOCK.set(morning)
    assert wait_for(lambda: len(smsc.submits_to(worker["phone"])) == 2, timeout=15)
    text = _texts(smsc, worker["phone"])[-1]
    assert (
        text == "【安居就业】还在贵州惠水王家服装工作吗？回1在岗 2已离职 3工资未发。社区就业服务站 退订回TD"
    )
    assert len(text) <= 70

    r = client.post(
        "/api/v1/sms/inbound", json={"phone": worker["phone"], "text": "２"}, headers=callback_headers()
    )
    assert r.status_code == 200 and r.json()["reply"] == "left_job"
    replies = wait_for(lambda: stage.events_of(WorkerReplied, min_count=1), timeout=15)
    assert [(e.data.reply, e.data.follow_up_id, e.data.match_id) for e in replies] == [
        (ReplyKind.left_job, due.data.follow_up_id, None)
    ]
    assert replies[0].data.worker_id == due.data.worker_id and replies[0].data.site_id == due.data.site_id


def test_departure_messages_day_before_and_after_arrival_follow_the_roster_and_cancel(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_LIMIT_PER_MINUTE="0", **NIGHT)
    day = date.today() + timedelta(days=10)
    CLOCK.set(_at(day - timedelta(days=3), 15, 0))
    client = run_app(stage)
    engine = engine_of(client)
    site = str(uuid.uuid4())
    stays, removed = directory.add(site_id=uuid.UUID(site)), directory.add(site_id=uuid.UUID(site))
    plan = departure(
        site,
        [stays["worker_id"], removed["worker_id"]],
        DepartureScheduled,
        departs_at=_at(day, 7, 30),
        arrives_on=day + timedelta(days=1),
    )
    stage.publish(plan)
    before, after = _at(day - timedelta(days=1), 10, 0), _at(day + timedelta(days=2), 10, 0)

    def both_planned(w: dict[str, Any]) -> Callable[[], bool]:
        return lambda: set(_by_template(engine, w)) == {"pre_departure", "arrival_check"}

    for w in (stays, removed):
        assert wait_for(both_planned(w), timeout=20)
        rows = _by_template(engine, w)
        assert rows["pre_departure"].due_at == before and rows["arrival_check"].due_at == after
        assert rows["pre_departure"].status_reason == "scheduled"

    # The office moves the meeting point and takes one worker off: one row each, updated; the rest cancelled.
    d = plan.data
    changed = departure(
        site,
        [stays["worker_id"]],
        DepartureScheduled,
        departure_id=d.departure_id,
        departs_at=d.departs_at,
        arrives_on=d.arrives_on,
        meeting_point="县客运站东门",
        version=2,
    )
    stage.publish(changed)
    assert wait_for(
        lambda: (
            {n.status_reason for n in notifications_of(engine, removed["worker_id"])}
            == {"removed_from_departure"}
        ),
        timeout=20,
    )
    assert wait_for(lambda: _by_template(engine, stays)["pre_departure"].params["meeting"] == "县客运站东门")
    assert len(notifications_of(engine, stays["worker_id"])) == 2

    CLOCK.set(before - timedelta(minutes=1))
    assert not wait_for(lambda: smsc.submits_to(stays["phone"]), timeout=1.5)
    CLOCK.set(before)
    assert wait_for(lambda: smsc.submits_to(stays["phone"]), timeout=15)
    [text] = _texts(smsc, stays["phone"])
    assert "县客运站东门" in text and f"{day.month}月{day.day}日7:30" in text and len(text) <= 70
    CLOCK.set(after)
    assert wait_for(lambda: len(smsc.submits_to(stays["phone"])) == 2, timeout=15)
    assert "回1已到达" in _texts(smsc, stays["phone"])[-1]
    assert smsc.submits_to(removed["phone"]) == []
    r = client.post(
        "/api/v1/sms/inbound", json={"phone": stays["phone"], "text": "1"}, headers=callback_headers()
    )
    assert r.json()["reply"] == "arrived"
    replies = wait_for(lambda: stage.events_of(WorkerReplied, min_count=1), timeout=15)
    assert [(e.data.reply, e.data.departure_id) for e in replies] == [(ReplyKind.arrived, d.departure_id)]

    # Another departure is called off before its day: both its messages are cancelled, nothing is sent.
    other = directory.add(site_id=uuid.UUID(site))
    later = departure(
        site, [other["worker_id"]], DepartureScheduled, departs_at=_at(day + timedelta(days=9), 8)
    )
    stage.publish(later)
    assert wait_for(lambda: len(notifications_of(engine, other["worker_id"])) == 2, timeout=20)
    stage.publish(
        departure(
            site,
            [other["worker_id"]],
            DepartureCancelled,
            departure_id=later.data.departure_id,
            status="cancelled",
            departs_at=later.data.departs_at,
        )
    )
    assert wait_for(
        lambda: (
            [(n.status, n.status_reason) for n in notifications_of(engine, other["worker_id"])]
            == [(NotificationStatus.cancelled, "departure_cancelled")] * 2
        ),
        timeout=20,
    )
    CLOCK.set(_at(day + timedelta(days=20), 10))
    assert not wait_for(lambda: smsc.submits_to(other["phone"]), timeout=1.5)


def test_a_change_after_the_pre_departure_sms_is_sent_at_once_and_a_call_off_tells_who_was_told(
    stage_factory: StageFactory, run_app: AppRunner, smsc: SmppPeer, directory: WorkerDirectory
) -> None:
    stage = stage_factory(smsc, NOTIFICATIONS_LIMIT_PER_MINUTE="0", **NIGHT)
    day = date.today() + timedelta(days=12)
    before = _at(day - timedelta(days=1), 10, 0)
    CLOCK.set(before)
    client = run_app(stage)
    engine = engine_of(client)
    site = str(uuid.uuid4())
    told = directory.add(site_id=uuid.UUID(site))
    plan = departure(site, [told["worker_id"]], DepartureScheduled, departs_at=_at(day, 7, 30))
    stage.publish(plan)
    assert wait_for(lambda: len(smsc.submits_to(told["phone"])) == 1, timeout=20)
    d = plan.data

    def moved(version: int, **over: Any) -> Any:
        fields = {"departs_at": d.departs_at, "arrives_on": d.arrives_on, "meeting_point": d.meeting_point}
        return departure(
            site,
            [told["worker_id"]],
            DepartureScheduled,
            departure_id=d.departure_id,
            version=version,
            **{**fields, **over},
        )

    # Same time and place again (the escort changed): nothing new to say.
    stage.publish(moved(2))
    # The meeting point and hour move after the worker was told: the correction goes out now, once.
    stage.publish(moved(3, meeting_point="县客运站东门", departs_at=_at(day, 9, 0)))
    stage.publish(moved(3, meeting_point="县客运站东门", departs_at=_at(day, 9, 0)))  # redelivered
    assert wait_for(lambda: len(smsc.submits_to(told["phone"])) == 2, timeout=20)
    correction = _texts(smsc, told["phone"])[-1]
    assert "县客运站东门" in correction and f"{day.month}月{day.day}日9:00" in correction, correction
    assert len(correction) <= 70
    assert not wait_for(lambda: len(smsc.submits_to(told["phone"])) > 2, timeout=2)
    templates = sorted(n.template for n in notifications_of(engine, told["worker_id"]))
    assert templates == ["arrival_check", "departure_changed", "pre_departure"]

    # Called off the day before: the worker who knows when and where to meet is told not to come; the
    # arrival check-in is cancelled, never sent.
    stage.publish(
        departure(
            site,
            [told["worker_id"]],
            DepartureCancelled,
            departure_id=d.departure_id,
            status="cancelled",
            departs_at=_at(day, 9, 0),
            version=4,
        )
    )
    assert wait_for(lambda: len(smsc.submits_to(told["phone"])) == 3, timeout=20)
    notice = _texts(smsc, told["phone"])[-1]
    assert "取消" in notice and f"{day.month}月{day.day}日9:00" in notice and len(notice) <= 70, notice
    rows = _by_template(engine, told)
    assert (rows["arrival_check"].status, rows["arrival_check"].status_reason) == (
        NotificationStatus.cancelled,
        "departure_cancelled",
    )
    CLOCK.set(_at(day + timedelta(days=2), 10))
    assert not wait_for(lambda: len(smsc.submits_to(told["phone"])) > 3, timeout=1.5)


def test_unknown_texts_reach_a_feed_even_from_numbers_never_texted(
    stage_factory: StageFactory, run_app: AppRunner, directory: WorkerDirectory
) -> None:
    stage = stage_factory()
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()  # known to the workers service, never texted by us
    r = client.post(
        "/api/v1/sms/inbound",
        json={"phone": worker["phone"], "text": "你好，请问工资怎么算"},
        headers=callback_headers(),
    )
    assert r.status_code == 200 and r.json()["reply"] == "unknown"
    items = client.get(f"/api/v1/offices/{worker['site_id']}/feed").json()["items"]
    assert [(i["kind"], i["payload"]["worker_id"], i["payload"]["identified_by"]) for i in items] == [
        ("unparsed_reply", worker["worker_id"], "lookup")
    ]
    assert items[0]["payload"]["text"] == "你好，请问工资怎么算"
    replies = wait_for(lambda: stage.events_of(WorkerReplied, min_count=1), timeout=15)
    assert [(e.data.reply, e.data.worker_id) for e in replies] == [
        (ReplyKind.unknown, uuid.UUID(worker["worker_id"]))
    ]

    # A number nobody knows: an item only administrators see, the number masked.
    stranger = "+8613700001234"
    client.post("/api/v1/sms/inbound", json={"phone": stranger, "text": "在吗"}, headers=callback_headers())
    page = client.get("/api/v1/offices/unassigned/feed").json()["items"]
    assert [(i["kind"], i["site_id"], i["payload"]["from"]) for i in page] == [
        ("unparsed_reply", None, "137****1234")
    ]
    assert "13700001234" not in str(page)
    staff = client.get("/api/v1/offices/unassigned/feed", headers=_staff(uuid.UUID(worker["site_id"])))
    assert staff.status_code == 403
    assert len(notifications_of(engine, worker["worker_id"])) == 0


def test_refusal_keyword_from_a_known_number_emits_refuse_automation(
    stage_factory: StageFactory, run_app: AppRunner, directory: WorkerDirectory
) -> None:
    stage = stage_factory()
    client = run_app(stage)
    worker = directory.add()
    r = client.post(
        "/api/v1/sms/inbound", json={"phone": worker["phone"], "text": "拒绝推荐"}, headers=callback_headers()
    )
    assert r.json()["reply"] == "refuse_automation"
    replies = wait_for(lambda: stage.events_of(WorkerReplied, min_count=1), timeout=15)
    assert [(e.data.reply, e.data.worker_id) for e in replies] == [
        (ReplyKind.refuse_automation, uuid.UUID(worker["worker_id"]))
    ]
    kinds = [i["kind"] for i in client.get(f"/api/v1/offices/{worker['site_id']}/feed").json()["items"]]
    assert kinds == ["automation_refused"]


def test_office_feed_items_for_overdue_follow_ups_site_alerts_and_course_enrolment(
    stage_factory: StageFactory, run_app: AppRunner, directory: WorkerDirectory
) -> None:
    stage = stage_factory(NOTIFICATIONS_WEBHOOK_ALLOW="127.0.0.1", NOTIFICATIONS_LIMIT_PER_MINUTE="0")
    client = run_app(stage)
    engine = engine_of(client)
    worker = directory.add()
    site = worker["site_id"]
    hook = client.post(f"/api/v1/offices/{site}/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    assert hook.status_code == 201, hook.text
    overdue = follow_up(worker, FollowUpWentOverdue, status="overdue", month_offset=3)
    stage.publish(overdue)
    stage.publish(
        SiteAlertRaised.build(
            SiteAlertRaisedData(
                site_id=uuid.UUID(site),
                kind="wage_arrears",
                worker_id=uuid.UUID(worker["worker_id"]),
                zh="村民反映工资未发",
                en="A worker reports unpaid wages",
            ),
            subject=uuid.UUID(site),
        )
    )
    training_id = uuid.uuid4()
    stage.publish(
        TrainingEnrolmentChanged.build(
            TrainingEnrolmentData(
                enrolment_id=uuid.uuid4(),
                training_id=training_id,
                worker_id=uuid.UUID(worker["worker_id"]),
                site_id=uuid.UUID(site),
                status="enrolled",
                title="电焊工培训班",
                seats_left=3,
            ),
            subject=training_id,
        )
    )
    items = wait_for(
        lambda: (i := client.get(f"/api/v1/offices/{site}/feed").json()["items"]) and len(i) == 3 and i,
        timeout=20,
    )
    by_kind = {i["kind"]: i for i in items}
    assert set(by_kind) == {"follow_up_overdue", "site_alert", "training_enrolment"}
    assert by_kind["follow_up_overdue"]["payload"]["follow_up_id"] == str(overdue.data.follow_up_id)
    assert by_kind["follow_up_overdue"]["payload"]["task"] == "call_or_visit"
    assert by_kind["site_alert"]["title"] == "村民反映工资未发 / A worker reports unpaid wages"
    assert by_kind["training_enrolment"]["payload"]["status"] == "enrolled"
    from notifications.models import WebhookDelivery

    with Session(engine) as session:
        delivered_items = set(session.exec(select(col(WebhookDelivery.feed_item_id))))
    assert delivered_items == {i["id"] for i in items}
    # The enrolled worker consents: a course_enrolled SMS, one segment.
    assert wait_for(
        lambda: (
            [(n.template, n.status) for n in notifications_of(engine, worker["worker_id"])]
            == [("course_enrolled", NotificationStatus.sent)]
        ),
        timeout=20,
    )
    [note] = notifications_of(engine, worker["worker_id"])
    assert note.training_id == training_id
    assert render(note.template, note.params).text.startswith("您已报上电焊工培训班，近期开课")
