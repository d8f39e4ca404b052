"""Issue 11 §4 on the real stack: an admin alias makes a worker match a job they did not, and the SMS follows.

A worker writes a spelling nobody taught the vocabulary (扣眼佬); a workshop posts an overlock job
(拷边工). The spelling shows up in the unknown list of the site, the worker is not proposed; an admin maps
it to the overlock trade, and matching re-reads the worker, proposes the job, and notifications texts them.
Workers' ?skill= and the job's skills_read follow the same vocabulary.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.harness import Stack, expect
from tests.e2e.journey import World, poll

pytestmark = pytest.mark.e2e
# Far (>150 km) from every other test world and from the demo's site.
SITE_LAT, SITE_LON = 23.85, 105.55
TERM = "扣眼佬"


def test_an_admin_alias_makes_a_worker_match_and_the_sms_follows(stack: Stack) -> None:
    stack.require("workers", "jobs", "matching", "notifications")
    world = World(stack, "vocab")
    world.create_site(lat=SITE_LAT, lon=SITE_LON)
    staff = world.create_staff()
    worker = world.add_worker(world.add_household(), "杨秀珍", [TERM])
    site_id = world.site["id"]

    def unknown() -> list[dict[str, Any]]:
        page = expect(world.admin.get("/api/v1/taxonomy/unknown", params={"site_id": site_id}), 200, stack)
        return [x for x in page["items"] if x["term"] == TERM]

    listed = poll("the unknown spelling is counted at the site", unknown)
    assert listed[0]["count"] == 1 and listed[0]["example_kind"] == "worker_skill"
    staff_view = expect(staff.get("/api/v1/taxonomy/unknown"), 200, stack)["items"]
    assert TERM in {x["term"] for x in staff_view}, "office staff see their site's unknown spellings"

    world.add_employer("杨家社区扶贫车间（制衣）")
    job = world.post_job(title="拷边工", skills=["拷边工"], headcount=1)
    assert [(s["trade_id"], s["understood"]) for s in job["skills_read"]] == [("overlock_operator", True)]
    poll(
        "matching has the job",
        lambda: world.admin.get(f"/api/v1/jobs/{job['id']}/matches").status_code == 200,
    )
    assert worker["id"] not in {m["worker_id"] for m in world.matches_of(job["id"])}
    before = expect(staff.get("/api/v1/workers", params={"site_id": site_id, "skill": "拷边工"}), 200)
    assert before["items"] == []

    alias = {"alias": TERM, "trade_id": "overlock_operator"}
    assert staff.post("/api/v1/taxonomy/aliases", json=alias).status_code == 403
    added = expect(world.admin.post("/api/v1/taxonomy/aliases", json=alias), 201, stack)
    assert added["zh"] == "拷边工"
    assert unknown() == [], "the spelling leaves the unknown list"

    proposed = poll(
        "the worker is proposed the job once the alias is known",
        lambda: [m for m in world.matches_of(job["id"]) if m["worker_id"] == worker["id"]],
    )
    assert proposed[0]["status"] in ("proposed", "notified")
    messages = poll("an SMS to the worker at the SMPP peer", lambda: world.messages_to(worker["id"]))
    assert any("拷边" in m for m in messages), messages
    found = poll(
        "workers' ?skill= knows the alias",
        lambda: expect(staff.get("/api/v1/workers", params={"site_id": site_id, "skill": "拷边工"}), 200)[
            "items"
        ],
    )
    assert [w["id"] for w in found] == [worker["id"]]
