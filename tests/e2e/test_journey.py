"""The whole journey through the gateway, every service a real process; steps run in order and each later
step is skipped (not failed) when an earlier one failed, so the report shows exactly how far it gets."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import Stack, expect
from tests.e2e.journey import CJK, World, poll

pytestmark = pytest.mark.e2e
STATE: dict[str, Any] = {}


def needs(*keys: str) -> None:
    """Skip when an earlier step did not get this far."""
    missing = [k for k in keys if k not in STATE]
    if missing:
        pytest.skip(f"an earlier step failed (no {', '.join(missing)})")


def test_01_admin_creates_a_site_and_its_office_staff(stack: Stack) -> None:
    stack.require("workers")
    world = World(stack, "journey")
    # Every test world sits far (~100 km) from the others and from the demo's site, so local workers of
    # one world are never candidates for another's jobs.
    site = world.create_site(lat=27.0, lon=105.5)
    staff = world.create_staff()
    me = expect(staff.get("/api/v1/auth/me"), 200)
    assert me["role"] == "office_staff" and me["site_ids"] == [site["id"]]
    STATE["world"] = world


def test_02_staff_register_a_household_and_two_workers(stack: Stack) -> None:
    needs("world")
    world: World = STATE["world"]
    household = world.add_household(labour=2)
    assert household["zero_employment"] is True and household["employed_count"] == 0
    seamstress = world.add_worker(household, "王秀英", ["缝纫工"], caregiver=True)
    welder = world.add_worker(household, "王建国", ["电焊"])
    for w in (seamstress, welder):
        assert "phone" not in w and "****" in w["phone_masked"], "phones are masked in responses"
        assert world.phones[w["id"]] not in str(w)
    assert world.staff is not None
    stats = expect(world.staff.get(f"/api/v1/sites/{world.site['id']}/stats"), 200)
    assert stats["employed"] == 0 and stats["zero_employment_households"] == 1
    STATE.update(household=household, seamstress=seamstress, welder=welder, stats_before=stats)


def test_03_a_workshop_with_an_api_key_posts_a_sewing_job(stack: Stack) -> None:
    stack.require("jobs")
    needs("seamstress")
    world: World = STATE["world"]
    world.add_employer()
    job = world.post_job()
    assert job["employer_id"] == world.employer["id"] and job["status"] == "open"
    STATE["job"] = job


def test_04_matching_proposes_the_seamstress_first(stack: Stack) -> None:
    stack.require("matching")
    needs("job")
    world: World = STATE["world"]
    matches = poll("match.proposed for the sewing job", lambda: world.matches_of(STATE["job"]["id"]))
    assert matches[0]["worker_id"] == STATE["seamstress"]["id"], matches
    assert all(m["worker_id"] != STATE["welder"]["id"] for m in matches[:1])
    assert matches[0]["reasons"] and matches[0]["breakdown"]["skill"] > 0
    STATE["match"] = matches[0]


def test_05_the_sms_reaches_the_smpp_peer_in_chinese(stack: Stack) -> None:
    stack.require("notifications")
    needs("match")
    world: World = STATE["world"]
    messages = poll(
        "an SMS to the seamstress at the SMPP peer", lambda: world.messages_to(STATE["seamstress"]["id"])
    )
    assert CJK.search(messages[0]), messages
    assert world.messages_to(STATE["welder"]["id"]) == []
    poll("the match is marked notified", lambda: world.match(STATE["match"]["id"])["status"] == "notified")
    STATE["sms"] = messages


def test_06_the_worker_replies_1_and_the_office_feed_shows_the_interest(stack: Stack) -> None:
    needs("sms")
    world: World = STATE["world"]
    world.reply(STATE["seamstress"]["id"], "1")
    poll("the match becomes interested", lambda: world.match(STATE["match"]["id"])["status"] == "interested")
    STATE["interested"] = True

    def interest_item() -> list[dict[str, Any]]:
        wanted = {STATE["match"]["id"], STATE["seamstress"]["id"]}
        return [
            i
            for i in world.feed()
            if "interest" in i["kind"] and wanted & {str(v) for v in i["payload"].values()}
        ]

    poll("a feed item about the worker's interest", interest_item, timeout=20)
    STATE["feed"] = True


def test_07_staff_refer_and_then_mark_hired(stack: Stack) -> None:
    needs("interested")
    world: World = STATE["world"]
    assert world.staff is not None
    match_id = STATE["match"]["id"]
    referred = expect(
        world.staff.post(f"/api/v1/matches/{match_id}/status", json={"status": "referred"}), 200
    )
    assert referred["status"] == "referred"
    # The employer now sees the referred (and consenting) worker, with masked contacts, and only that one.
    assert world.employer_client is not None
    seen = poll(
        "the employer sees the referred worker",
        lambda: world.employer_client.get(f"/api/v1/workers/{STATE['seamstress']['id']}").status_code == 200,  # type: ignore[union-attr]
        timeout=20,
    )
    assert seen
    profile = world.employer_client.get(f"/api/v1/workers/{STATE['seamstress']['id']}").json()
    assert world.phones[STATE["seamstress"]["id"]] not in str(profile)
    assert "phone" not in profile
    assert world.employer_client.get(f"/api/v1/workers/{STATE['welder']['id']}").status_code == 404
    hired = expect(world.staff.post(f"/api/v1/matches/{match_id}/status", json={"status": "hired"}), 200)
    assert hired["status"] == "hired"
    STATE["hired"] = True


def test_08_the_worker_is_employed_the_household_too_and_the_stats_change(stack: Stack) -> None:
    needs("hired")
    world: World = STATE["world"]
    assert world.staff is not None
    staff = world.staff
    poll(
        "the worker becomes employed",
        lambda: (
            staff.get(f"/api/v1/workers/{STATE['seamstress']['id']}").json()["employment_status"]
            == "employed"
        ),
    )
    household = expect(staff.get(f"/api/v1/households/{STATE['household']['id']}"), 200)
    assert household["zero_employment"] is False and household["employed_count"] == 1
    stats = expect(staff.get(f"/api/v1/sites/{world.site['id']}/stats"), 200)
    before = STATE["stats_before"]
    assert stats["employed"] == before["employed"] + 1
    assert stats["zero_employment_households"] == before["zero_employment_households"] - 1
    assert stats["employment_rate"] > before["employment_rate"]


def test_09_a_worker_who_replies_TD_receives_no_further_sms(stack: Stack) -> None:
    stack.require("workers", "jobs", "matching", "notifications")
    needs("world")
    world = World(stack, "optout")
    world.create_site(lat=27.6, lon=104.7)
    world.create_staff()
    household = world.add_household(labour=1)
    quitter = world.add_worker(household, "李梅", ["缝纫工"])
    other_household = world.add_household(labour=1)
    sentinel = world.add_worker(other_household, "张丽", ["缝纫工"])
    world.add_employer("王家社区扶贫车间（二）")
    world.post_job(headcount=3)
    poll("the first SMS to the worker", lambda: world.messages_to(quitter["id"]), timeout=60)
    world.reply(quitter["id"], "TD")
    assert world.staff is not None
    poll(
        "the opt-out reaches the workers service",
        lambda: world.staff.get(f"/api/v1/workers/{quitter['id']}").json().get("sms_consent") is False,  # type: ignore[union-attr]
        timeout=30,
    )
    count = len(world.messages_to(quitter["id"]))
    sentinel_count = len(world.messages_to(sentinel["id"]))
    world.post_job(title="车工", skills=["缝纫", "车工"], headcount=3)
    # The other worker's new SMS proves the pipeline ran; the one who sent TD gets nothing more.
    poll(
        "the sentinel's SMS about the second job",
        lambda: len(world.messages_to(sentinel["id"])) > sentinel_count,
        timeout=60,
    )
    assert len(world.messages_to(quitter["id"])) == count
