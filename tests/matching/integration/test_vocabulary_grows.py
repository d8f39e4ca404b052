"""A vocabulary that grows, on the running matching app: unknown spellings by site, admin aliases that
make a worker match a job they did not match before, the certificate filter and autocomplete."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from anju_common.events import (
    JobPosted,
    MatchProposed,
    SkillData,
    TaxonomyAliasAdded,
    TaxonomyAliasRemoved,
    WorkerRegistered,
)
from anju_common.kafka import Producer
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient

from tests.matching.helpers import OTHER_SITE, SITE, job, worker
from tests.matching.integration.test_matching_flow import (
    headers,
    own_events,
    publish,
    spot,
    wait_events,
    wait_worker,
)

pytestmark = pytest.mark.integration


def admin() -> dict[str, str]:
    """A fresh admin principal (signed principals expire)."""
    return headers("admin")


@pytest.fixture(scope="module")
def producer(minfra: Infra) -> Iterator[Producer]:
    p = Producer(minfra.kafka_bootstrap, client_id="matching-vocab-tests")
    yield p
    p.close()


def unknown_rows(client: TestClient, hdrs: dict[str, str], term: str) -> list[dict[str, Any]]:
    r = client.get("/api/v1/taxonomy/unknown", params={"limit": 200}, headers=hdrs)
    assert r.status_code == 200, r.text
    return [x for x in r.json()["items"] if x["term"] == term]


def wait_job(client: TestClient, job_id: Any) -> None:
    ok = wait_for(lambda: client.get(f"/api/v1/jobs/{job_id}/matches").status_code == 200, timeout=20)
    assert ok, f"job {job_id} never reached the read model"


def test_unknown_spellings_are_counted_by_site_most_frequent_first(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    term = "码边佬"
    assert matching_app.get("/api/v1/taxonomy/read", params={"text": term}).json()["unknown"] == [term]
    home, work = spot()
    a = worker(location=home, skills=[SkillData(name=f"{term}、缝纫工", level=2)])
    b = worker(location=home, skills=[SkillData(name=term)])
    posting = job(title="拷边工", skills=[term], location=work, headcount=1)
    publish(producer, minfra, *(WorkerRegistered.build(w, subject=w.worker_id) for w in (a, b)))
    publish(producer, minfra, JobPosted.build(posting, subject=posting.job_id))
    for w in (a, b):
        wait_worker(matching_app, w.worker_id)
    wait_job(matching_app, posting.job_id)

    rows = unknown_rows(matching_app, admin(), term)
    assert [(r["site_id"], r["count"]) for r in rows] == [(str(SITE), 3)], "two workers and one job"
    assert rows[0]["example_text"] in (f"{term}、缝纫工", term)
    # A redelivered or updated profile is still one profile: the count is of workers and jobs, not events.
    publish(
        producer, minfra, WorkerRegistered.build(b.model_copy(update={"version": 2}), subject=b.worker_id)
    )
    time.sleep(1.0)
    assert unknown_rows(matching_app, admin(), term)[0]["count"] == 3

    listed = matching_app.get("/api/v1/taxonomy/unknown", params={"limit": 200}, headers=admin()).json()[
        "items"
    ]
    counts = [x["count"] for x in listed]
    assert counts == sorted(counts, reverse=True), "most frequent first"
    assert unknown_rows(matching_app, headers("office_staff", site_ids=[SITE]), term)
    assert not unknown_rows(matching_app, headers("office_staff", site_ids=[OTHER_SITE]), term)
    employer = matching_app.get("/api/v1/taxonomy/unknown", headers=headers("employer"))
    assert employer.status_code == 403


def test_unknown_list_pages_with_signed_cursors(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, _ = spot()
    w = worker(location=home, skills=[SkillData(name="刺梨果脯熬制"), SkillData(name="蜡染描花佬")])
    publish(producer, minfra, WorkerRegistered.build(w, subject=w.worker_id))
    wait_worker(matching_app, w.worker_id)
    first = matching_app.get("/api/v1/taxonomy/unknown", params={"limit": 1}, headers=admin()).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = matching_app.get(
        "/api/v1/taxonomy/unknown", params={"limit": 1, "cursor": first["next_cursor"]}, headers=admin()
    ).json()
    assert second["items"] and second["items"][0] != first["items"][0]
    forged = matching_app.get(
        "/api/v1/taxonomy/unknown", params={"cursor": first["next_cursor"][:-2] + "xx"}, headers=admin()
    )
    assert forged.status_code == 400


def test_an_admin_alias_makes_a_worker_match_a_job_they_did_not_match(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    term = "车车佬"
    home, work = spot()
    w = worker(location=home, skills=[SkillData(name=term, level=3)])
    publish(producer, minfra, WorkerRegistered.build(w, subject=w.worker_id))
    wait_worker(matching_app, w.worker_id)
    posting = job(title="拷边工", skills=["拷边工"], location=work, headcount=1)
    publish(producer, minfra, JobPosted.build(posting, subject=posting.job_id))
    wait_job(matching_app, posting.job_id)
    time.sleep(1.0)
    assert not own_events(minfra, MatchProposed, worker_id=w.worker_id), "not a match before the alias"
    assert unknown_rows(matching_app, admin(), term)

    r = matching_app.post(
        "/api/v1/taxonomy/aliases", json={"alias": term, "trade_id": "overlock_operator"}, headers=admin()
    )
    assert r.status_code == 201, r.text
    assert r.json()["trade_id"] == "overlock_operator" and r.json()["zh"] == "拷边工"
    assert not unknown_rows(matching_app, admin(), term), "the term leaves the unknown list"
    added = wait_events(minfra, TaxonomyAliasAdded, 1, key=term)
    assert added[0].data.trade_id == "overlock_operator" and added[0].data.trade_zh == "拷边工"

    proposed = wait_events(minfra, MatchProposed, 1, worker_id=w.worker_id, job_id=posting.job_id)
    assert proposed[0].data.score > 0
    read = matching_app.get("/api/v1/taxonomy/read", params={"text": term}).json()
    assert [(t["trade_id"], t["how"]) for t in read["trades"]] == [("overlock_operator", "alias")]
    again = matching_app.post(
        "/api/v1/taxonomy/aliases", json={"alias": term, "trade_id": "overlock_operator"}, headers=admin()
    )
    assert again.status_code == 200, "the same alias twice is not a second one"
    documented = matching_app.get("/openapi.json").json()["paths"]["/api/v1/taxonomy/aliases"]["post"]
    assert {"200", "201"} <= set(documented["responses"]), (
        "both answers are in the document (the fuzz found 200 missing)"
    )
    listed = matching_app.get(
        "/api/v1/taxonomy/aliases", params={"trade_id": "overlock_operator"}, headers=admin()
    )
    assert term in [a["key"] for a in listed.json()["items"]]


def test_alias_validation_conflicts_force_and_delete(matching_app: TestClient, minfra: Infra) -> None:
    post = "/api/v1/taxonomy/aliases"
    bad = matching_app.post(post, json={"alias": "锁扣边师", "trade_id": "no_such_trade"}, headers=admin())
    assert bad.status_code == 422 and "trade_id" in bad.text
    blank = matching_app.post(post, json={"alias": "  ", "trade_id": "welder"}, headers=admin())
    assert blank.status_code == 422 and "alias" in blank.text
    staff = headers("office_staff", site_ids=[SITE])
    assert (
        matching_app.post(post, json={"alias": "锁扣边师", "trade_id": "welder"}, headers=staff).status_code
        == 403
    )
    clash = matching_app.post(post, json={"alias": "缝纫", "trade_id": "welder"}, headers=admin())
    assert clash.status_code == 409 and "sewing_machinist" in clash.text
    assert (
        matching_app.post(post, json={"alias": "锁扣边师", "trade_id": "welder"}, headers=admin()).status_code
        == 201
    )
    changed = matching_app.post(
        post, json={"alias": "锁扣边师", "trade_id": "overlock_operator"}, headers=admin()
    )
    assert changed.status_code == 409, "an alias meaning another trade is changed only with force"
    forced = matching_app.post(
        post, json={"alias": "锁扣边师", "trade_id": "overlock_operator", "force": True}, headers=admin()
    )
    assert forced.status_code == 200 and forced.json()["forced"] is True

    assert matching_app.delete(f"{post}/锁扣边师", headers=staff).status_code == 403
    assert matching_app.delete(f"{post}/锁扣边师", headers=admin()).status_code == 204
    assert matching_app.delete(f"{post}/锁扣边师", headers=admin()).status_code == 404
    wait_events(minfra, TaxonomyAliasRemoved, 1, key="锁扣边师")
    gone = wait_for(
        lambda: matching_app.get("/api/v1/taxonomy/read", params={"text": "锁扣边师"}).json()["trades"] == [],
        timeout=20,
    )
    assert gone, "a removed alias is no longer read"


def test_a_job_that_needs_a_licence_takes_only_holders(
    matching_app: TestClient, minfra: Infra, producer: Producer
) -> None:
    home, work = spot()
    holder = worker(location=home, skills=[SkillData(name="叉车司机", level=3, certified=True)])
    without = worker(location=home, skills=[SkillData(name="叉车司机", level=3)])
    publish(producer, minfra, *(WorkerRegistered.build(w, subject=w.worker_id) for w in (holder, without)))
    for w in (holder, without):
        wait_worker(matching_app, w.worker_id)
    posting = job(
        title="叉车司机", skills=["叉车司机"], employer_name="惠水物流园", location=work, headcount=2
    )
    publish(producer, minfra, JobPosted.build(posting, subject=posting.job_id))
    proposed = wait_events(minfra, MatchProposed, 1, job_id=posting.job_id)
    time.sleep(1.0)
    assert {e.data.worker_id for e in own_events(minfra, MatchProposed, job_id=posting.job_id)} == {
        holder.worker_id
    }
    assert "certificate.held" in {r.code for r in proposed[0].data.reasons}


def test_autocomplete_by_initials_and_stored_aliases_read(matching_app: TestClient) -> None:
    for q, trade, how in (
        ("叉车", "forklift_driver", "zh"),
        ("chache", "forklift_driver", "pinyin"),
        ("dhg", "welder", "initials"),
        ("welder", "welder", "en"),
    ):
        got = matching_app.get("/api/v1/taxonomy/trades", params={"q": q, "limit": 10}).json()
        assert (trade, how) in [(x["trade_id"], x["how"]) for x in got], q
