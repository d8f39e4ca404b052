"""Issue 12 on the real stack over months: every backend service follows one clock the test moves, so the
1-month check-in, its overdue task, the pre-departure and arrival SMS, and quiet hours happen today."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from time import sleep
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from anju_common.testing import Infra

from tests.e2e.harness import Stack, StackClock, expect, start_time_travel_stack
from tests.e2e.journey import World, poll

pytestmark = [pytest.mark.e2e, pytest.mark.standalone, pytest.mark.timeout(900)]  # its own stack starts first
OFFICE = ZoneInfo("Asia/Shanghai")
# Far (>150 km) from every other test world.
SITE_LAT, SITE_LON = 27.72, 106.93


@pytest.fixture(scope="module")
def stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own (the shared one keeps the wall clock), with the office's real quiet hours."""
    started = start_time_travel_stack(
        infra,
        tmp_path_factory.mktemp("months"),
        WORKERS_FOLLOW_UP_CHECK_SECONDS="0.5",
        NOTIFICATIONS_QUIET_START="21:00",
        NOTIFICATIONS_QUIET_END="08:00",
    )
    clock = _clock(started)
    # Every test starts in office hours: the next 10:00 at the office.
    morning = datetime.combine(clock.now().astimezone(OFFICE).date(), time(10), OFFICE)
    clock.travel_to(morning if morning > clock.now() else morning + timedelta(days=1))
    yield started
    started.stop()


def _clock(stack: Stack) -> StackClock:
    assert stack.clock is not None
    return stack.clock


def _office_day(stack: Stack) -> date:
    return _clock(stack).now().astimezone(OFFICE).date()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), OFFICE)


def _world(stack: Stack, label: str, lat: float) -> World:
    world = World(stack, label)
    world.create_site(lat=lat, lon=SITE_LON)
    world.create_staff()
    return world


def _hire(world: World, job_id: str, worker_id: str) -> dict[str, Any]:
    assert world.staff is not None and world.employer_client is not None
    (match,) = poll(
        "the worker is proposed",
        lambda: [m for m in world.matches_of(job_id) if m["worker_id"] == worker_id],
    )
    for status in ("interested", "referred"):
        expect(world.staff.post(f"/api/v1/matches/{match['id']}/status", json={"status": status}), 200)
    expect(world.employer_client.post(f"/api/v1/matches/{match['id']}/status", json={"status": "hired"}), 200)
    return dict(match)


def _placement(world: World, worker_id: str) -> dict[str, Any]:
    assert world.staff is not None
    items = expect(world.staff.get(f"/api/v1/workers/{worker_id}/placements"), 200)["items"]
    if not items:
        return {}
    return dict(expect(world.staff.get(f"/api/v1/placements/{items[0]['id']}"), 200))


def _feed(world: World, kind: str, **payload: str) -> list[dict[str, Any]]:
    return [
        item
        for item in world.feed()
        if item["kind"] == kind and all(item["payload"].get(k) == v for k, v in payload.items())
    ]


def _single_segment(texts: list[str]) -> None:
    for text in texts:
        assert len(text) <= 70, f"{len(text)} characters, more than one segment: {text}"


def test_a_month_on_the_check_in_reply_2_reopens_3_raises_arrears_silence_becomes_a_task(
    stack: Stack,
) -> None:
    stack.require("workers", "jobs", "matching", "notifications")
    world = _world(stack, "months", SITE_LAT)
    staff = world.staff
    assert staff is not None
    leaver_home = world.add_household(labour=1)
    leaver = world.add_worker(leaver_home, "吴小琴", ["缝纫工"])
    unpaid = world.add_worker(world.add_household(labour=1), "杨秀英", ["缝纫工"])
    silent = world.add_worker(world.add_household(labour=1), "罗桂芬", ["缝纫工"])
    world.add_employer("月亮山扶贫车间（制衣）")
    job = world.post_job(
        skills=["缝纫工"], headcount=3, expires_on=(_office_day(stack) + timedelta(days=300)).isoformat()
    )
    for worker in (leaver, unpaid, silent):
        _hire(world, job["id"], worker["id"])
    poll(
        "the job is filled", lambda: expect(staff.get(f"/api/v1/jobs/{job['id']}"), 200)["status"] == "filled"
    )
    placements = {
        w["id"]: poll("a placement with its follow-ups", lambda w=w: _placement(world, w["id"]))  # type: ignore[misc]
        for w in (leaver, unpaid, silent)
    }
    first = {
        p["worker_id"]: min(p["follow_ups"], key=lambda f: f["month_offset"]) for p in placements.values()
    }
    assert {f["month_offset"] for f in first.values()} == {1}
    due_on = date.fromisoformat(first[leaver["id"]]["due_on"])
    assert 28 <= (due_on - _office_day(stack)).days <= 31, "the first check-in is a month after the start"
    assert poll(
        "the household counts as employed",
        lambda: expect(staff.get(f"/api/v1/households/{leaver_home['id']}"), 200)["employed_count"] == 1,
    )
    # A second sewer registers while the job is full: nothing to propose until a seat frees.
    newcomer = world.add_worker(world.add_household(labour=1), "陈美玲", ["缝纫工"])

    # A month on, at 10:00 at the office: the check-in goes out to each of the three, in one segment.
    _clock(stack).travel_to(_at(due_on, 10))
    for worker in (leaver, unpaid, silent):
        texts = poll(
            f"the check-in SMS to {worker['name']}",
            lambda w=worker: [t for t in world.messages_to(w["id"]) if "回1" in t and "3" in t],  # type: ignore[misc]
        )
        _single_segment(texts)
    assert not [m for m in world.matches_of(job["id"]) if m["worker_id"] == newcomer["id"]]

    world.reply(leaver["id"], "2")
    world.reply(unpaid["id"], "3")

    # 2: the placement ends, the worker is unemployed, the household falls back to zero, the seat reopens
    # and the waiting sewer is proposed it.
    ended = poll(
        "the placement ends", lambda: (p := _placement(world, leaver["id"]))["status"] != "active" and p
    )
    assert ended["ended_on"] is not None
    assert poll(
        "the worker is unemployed",
        lambda: (
            expect(staff.get(f"/api/v1/workers/{leaver['id']}"), 200)["employment_status"] == "unemployed"
        ),
    )
    home = poll(
        "the household is zero-employment again",
        lambda: (
            (h := expect(staff.get(f"/api/v1/households/{leaver_home['id']}"), 200))["zero_employment"] and h
        ),
    )
    assert home["employed_count"] == 0
    poll(
        "the office is alerted that the household fell back",
        lambda: _feed(
            world, "site_alert", alert="household_fell_back_to_zero", household_id=leaver_home["id"]
        ),
    )
    reopened = poll(
        "the seat reopens",
        lambda: (j := expect(staff.get(f"/api/v1/jobs/{job['id']}"), 200))["status"] == "open" and j,
    )
    assert reopened["hired_count"] == 2
    poll(
        "the waiting sewer is proposed the reopened seat",
        lambda: [m for m in world.matches_of(job["id"]) if m["worker_id"] == newcomer["id"]],
    )
    assert {m["status"] for m in world.matches_of(job["id"]) if m["worker_id"] == leaver["id"]} == {"left"}

    # 3: wage arrears are recorded and the office is alerted; the placement goes on.
    poll(
        "the office is alerted to unpaid wages",
        lambda: _feed(world, "site_alert", alert="wage_arrears", worker_id=unpaid["id"]),
    )
    check = next(
        f for f in _placement(world, unpaid["id"])["follow_ups"] if f["id"] == first[unpaid["id"]]["id"]
    )
    assert (check["status"], check["outcome"]) == ("done", "wage_arrears")
    assert _placement(world, unpaid["id"])["status"] == "active"

    # No answer in 3 days: the office gets a task to call or visit.
    assert not _feed(world, "follow_up_overdue", worker_id=silent["id"])
    _clock(stack).travel_to(_at(due_on + timedelta(days=4), 10))
    (task,) = poll(
        "an office task for the unanswered check-in",
        lambda: _feed(world, "follow_up_overdue", worker_id=silent["id"]),
    )
    assert task["payload"]["task"] == "call_or_visit"
    assert task["payload"]["follow_up_id"] == first[silent["id"]]["id"]
    assert not _feed(world, "follow_up_overdue", worker_id=unpaid["id"]), "an answered check-in is no task"


def test_a_departure_gets_its_sms_the_day_before_and_after_and_lists_who_did_not_answer(stack: Stack) -> None:
    stack.require("workers", "jobs", "matching", "notifications")
    world = _world(stack, "departure", SITE_LAT + 2.5)
    staff = world.staff
    assert staff is not None
    travellers = [
        world.add_worker(world.add_household(), name, ["缝纫工"]) for name in ("王芳", "刘娟", "张敏")
    ]
    employer = world.add_employer("东莞市长安镇电子厂（劳务协作）", kind="labor_cooperation")
    today = _office_day(stack)
    job = world.post_job(skills=["缝纫工"], headcount=5, expires_on=(today + timedelta(days=200)).isoformat())
    matches = {}
    for worker in travellers:
        (match,) = poll(
            "the worker is proposed",
            lambda w=worker: [m for m in world.matches_of(job["id"]) if m["worker_id"] == w["id"]],  # type: ignore[misc]
        )
        expect(staff.post(f"/api/v1/matches/{match['id']}/status", json={"status": "interested"}), 200)
        matches[worker["id"]] = match
    leaves_on = today + timedelta(days=5)
    departure = expect(
        staff.post(
            "/api/v1/departures",
            json={
                "site_id": world.site["id"],
                "employer_id": employer["id"],
                "employer_name": employer["name"],
                "destination": "广东省东莞市",
                "departs_at": _at(leaves_on, 7, 30).isoformat(),
                "arrives_on": (leaves_on + timedelta(days=1)).isoformat(),
                "meeting_point": "安置点广场",
                "seats": 3,
                "escort": "就业专干 李明",
            },
        ),
        201,
    )
    for worker in travellers:

        def joined(w: dict[str, Any] = worker) -> bool:
            r = staff.post(
                f"/api/v1/departures/{departure['id']}/workers",
                json={"worker_id": w["id"], "match_id": matches[w["id"]]["id"]},
            )
            if r.status_code == 422:
                return False  # workers learns of the accepted match from matching's events a moment later
            expect(r, 200)
            return True

        poll("the worker joins from the accepted match", joined)
    no_show = travellers[2]
    expect(
        staff.post(
            f"/api/v1/departures/{departure['id']}/workers/{no_show['id']}/no-show",
            json={"note": "未到集合点"},
        ),
        200,
    )

    # The day before at the scheduled hour: time and place, one segment.
    _clock(stack).travel_to(_at(leaves_on - timedelta(days=1), 10, 5))
    for worker in travellers[:2]:
        texts = poll(
            f"the pre-departure SMS to {worker['name']}",
            lambda w=worker: [t for t in world.messages_to(w["id"]) if "安置点广场" in t],  # type: ignore[misc]
        )
        _single_segment(texts)
        assert "7:30" in texts[0] or "07:30" in texts[0], texts[0]

    # The day after arrival: the check-in; one answers 1, the other does not.
    _clock(stack).travel_to(_at(leaves_on + timedelta(days=2), 10, 5))
    arrived, quiet = travellers[0], travellers[1]
    for worker in (arrived, quiet):
        texts = poll(
            f"the arrival check-in to {worker['name']}",
            lambda w=worker: [t for t in world.messages_to(w["id"]) if "回1" in t and "到达" in t],  # type: ignore[misc]
        )
        _single_segment(texts)
    world.reply(arrived["id"], "1")

    def roster() -> dict[str, Any]:
        return dict(expect(staff.get(f"/api/v1/departures/{departure['id']}/roster"), 200))

    status_of = poll(
        "the arrival is recorded",
        lambda: (
            (s := {e["worker_id"]: e["status"] for e in roster()["items"]})[arrived["id"]] == "arrived" and s
        ),
    )
    _clock(stack).travel_to(_at(leaves_on + timedelta(days=3), 10))
    status_of = poll(
        "the silent traveller is listed as not answering",
        lambda: (
            (s := {e["worker_id"]: e["status"] for e in roster()["items"]})[quiet["id"]] == "no_reply" and s
        ),
    )
    assert status_of == {arrived["id"]: "arrived", quiet["id"]: "no_reply", no_show["id"]: "no_show"}
    counts = roster()["counts"]
    assert (counts["arrived"], counts["no_reply"], counts["no_show"]) == (1, 1, 1)


def test_an_offer_held_by_quiet_hours_is_cancelled_when_the_job_closes_and_td_and_refusal_stop_proposals(
    stack: Stack,
) -> None:
    stack.require("workers", "jobs", "matching", "notifications")
    world = _world(stack, "quiet", SITE_LAT - 2.5)
    staff = world.staff
    assert staff is not None
    sewer = world.add_worker(world.add_household(), "赵丽", ["缝纫工"])
    opted_out = world.add_worker(world.add_household(), "钱红", ["包装工"])
    refusing = world.add_worker(world.add_household(), "孙燕", ["包装工"])
    keen = world.add_worker(world.add_household(), "周静", ["包装工"])
    world.add_employer("乌江扶贫车间")
    world.reply(opted_out["id"], "TD")
    world.reply(refusing["id"], "JJ")
    # A question from a worker who was never texted reaches the office to read, not the bin.
    world.reply(keen["id"], "你好，请问工资怎么算")
    (question,) = poll(
        "the question reaches the office feed",
        lambda: _feed(world, "unparsed_reply", worker_id=keen["id"]),
    )
    assert question["payload"]["text"] == "你好，请问工资怎么算"
    poll(
        "the refusal is recorded",
        lambda: expect(staff.get(f"/api/v1/workers/{refusing['id']}"), 200)["automated_matching_refused"],
    )

    # 22:00 at the office: the offer is proposed but waits for the morning.
    day = _office_day(stack)
    _clock(stack).travel_to(_at(day, 22))
    expires = (day + timedelta(days=100)).isoformat()
    job = world.post_job(title="缝纫工（夜间发布）", skills=["缝纫工"], headcount=1, expires_on=expires)
    (match,) = poll(
        "the sewer is proposed",
        lambda: [m for m in world.matches_of(job["id"]) if m["worker_id"] == sewer["id"]],
    )

    def held() -> list[dict[str, Any]]:
        rows = expect(staff.get("/api/v1/notifications", params={"worker_id": sewer["id"]}), 200)["items"]
        return [n for n in rows if n.get("match_id") == match["id"] and n["status"] == "pending"]

    (waiting,) = poll("the offer waits out the quiet hours", held)
    assert world.messages_to(sewer["id"]) == []
    assert world.employer_client is not None
    expect(world.employer_client.post(f"/api/v1/jobs/{job['id']}/close", json={"reason": "closed"}), 200)

    def cancelled() -> dict[str, Any]:
        n = expect(staff.get(f"/api/v1/notifications/{waiting['id']}"), 200)
        return dict(n) if n["status"] == "cancelled" else {}

    # The closing reaches notifications during the night (the morning is hours away, not the milliseconds
    # a clock jump right after the close would leave it): the held offer is cancelled then, and stays so.
    gone = poll("the stale offer is cancelled", cancelled)
    assert gone["status_reason_text"]["zh"] and gone["status_reason_text"]["en"]
    _clock(stack).travel_to(_at(day + timedelta(days=1), 8, 30))
    sleep(3)  # several dispatcher ticks past the quiet hours
    assert cancelled(), "a cancelled offer stays cancelled in the morning"
    assert world.messages_to(sewer["id"]) == [], "an offer for a closed job is never sent"

    # TD and refusal: a packing job goes to the keen worker only; explain says why for the others.
    packing = world.post_job(title="包装工", skills=["包装工"], headcount=3, expires_on=expires)
    poll(
        "the keen packer is proposed",
        lambda: [m for m in world.matches_of(packing["id"]) if m["worker_id"] == keen["id"]],
    )
    proposed = {m["worker_id"] for m in world.matches_of(packing["id"])}
    assert opted_out["id"] not in proposed and refusing["id"] not in proposed
    for worker, code in ((opted_out, "automation.opted_out"), (refusing, "automation.refused")):
        why = expect(
            staff.get(f"/api/v1/jobs/{packing['id']}/matches/explain", params={"worker_id": worker["id"]}),
            200,
        )
        assert code in [r["code"] for r in why["reasons"]], why
        assert why["match"] is None
