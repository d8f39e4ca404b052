"""The jobs service answers bad input in Chinese by default and in English on request."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.common.lang import assert_field_errors, problem_in_both
from tests.jobs.helpers import employer_payload, job_payload, make_employer

pytestmark = pytest.mark.integration


def test_job_body_errors_in_chinese(jobs_client: TestClient) -> None:
    employer_id = make_employer(jobs_client)
    body = job_payload(
        employer_id,
        title="",
        skills=["缝纫"] * 31,
        headcount=0,
        wage_max=2_000_000,
        shift="graveyard",
        caregiver_friendly="perhaps",
        starts_on="2030-02-30",
        salary=3000,
    )
    body["location"]["lat"] = "north"
    assert_field_errors(
        jobs_client,
        "POST",
        "/api/v1/jobs",
        {
            "body.title": ("string_too_short", "至少 1 个字符"),
            "body.skills": ("too_long", "列表最多 30 项，实际 31 项"),
            "body.headcount": ("greater_than_equal", "应大于或等于 1"),
            "body.wage_max": ("less_than_equal", "应小于或等于 1000000"),
            "body.shift": ("enum", "应为 白班、夜班、弹性工作时间、兼职 之一"),
            "body.caregiver_friendly": ("bool_parsing", "应为是或否（true/false）"),
            "body.starts_on": ("date_from_datetime_parsing", "应为日期，格式 YYYY-MM-DD"),
            "body.location.lat": ("float_parsing", "应为数字"),
            "body.salary": ("extra_forbidden", "不允许此字段（未知字段）"),
        },
        json=body,
    )


def test_missing_fields_types_and_cross_field_rules(jobs_client: TestClient) -> None:
    employer_id = make_employer(jobs_client)
    missing = job_payload(employer_id, headcount="many", title="工" * 101)
    del missing["wage_min"]
    assert_field_errors(
        jobs_client,
        "POST",
        "/api/v1/jobs",
        {
            "body.wage_min": ("missing", "必填"),
            "body.headcount": ("int_parsing", "应为整数"),
            "body.title": ("string_too_long", "最多 100 个字符"),
        },
        json=missing,
    )
    assert_field_errors(
        jobs_client,
        "POST",
        "/api/v1/jobs",
        {"body": ("value_error", "最低工资 wage_min 应不高于最高工资 wage_max")},
        json=job_payload(employer_id, wage_min=5000, wage_max=3000),
    )
    assert_field_errors(
        jobs_client,
        "POST",
        "/api/v1/jobs",
        {"body.employer_id": ("uuid_parsing", "应为 UUID（如 123e4567-e89b-12d3-a456-426614174000）")},
        json=job_payload("not-a-uuid"),
    )
    assert_field_errors(
        jobs_client,
        "POST",
        "/api/v1/employers",
        {"body.contact_phone": ("string_pattern_mismatch", r"格式不符合要求（应匹配 ^\+?[0-9 -]{5,20}$）")},
        json=employer_payload(contact_phone="call me"),
    )


def test_json_query_path_and_literal_errors(jobs_client: TestClient) -> None:
    zh = assert_field_errors(
        jobs_client,
        "POST",
        "/api/v1/jobs",
        {},
        content=b'{"title": ',
        headers={"Content-Type": "application/json"},
    )
    assert [e["type"] for e in zh.values()] == ["json_invalid"]
    assert next(iter(zh.values()))["message"] == "不是有效的 JSON"
    assert_field_errors(
        jobs_client,
        "GET",
        "/api/v1/jobs",
        {
            "query.status": ("enum", "应为 开放、已招满、已关闭 之一"),
            "query.limit": ("less_than_equal", "应小于或等于 200"),
            "query.caregiver_friendly": ("bool_parsing", "应为是或否（true/false）"),
        },
        params={"status": "gone", "limit": "500", "caregiver_friendly": "maybe"},
    )
    assert_field_errors(
        jobs_client,
        "GET",
        "/api/v1/jobs/not-a-uuid",
        {"path.job_id": ("uuid_parsing", "应为 UUID（如 123e4567-e89b-12d3-a456-426614174000）")},
    )
    employer_id = make_employer(jobs_client)
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id)).json()
    assert_field_errors(
        jobs_client,
        "POST",
        f"/api/v1/jobs/{job['id']}/close",
        {"body.reason": ("literal_error", "应为 已关闭、已招满 之一")},
        json={"reason": "bored"},
    )


def test_domain_errors_in_chinese(jobs_client: TestClient) -> None:
    missing = uuid.uuid4()
    zh, en = problem_in_both(jobs_client, "GET", f"/api/v1/jobs/{missing}", 404)
    assert (zh["title"], zh["detail"]) == ("未找到", f"未找到岗位 {missing}")
    assert (en["title"], en["detail"]) == ("Not found", f"job {missing} not found")
    employer_id = make_employer(jobs_client)
    job = jobs_client.post("/api/v1/jobs", json=job_payload(employer_id)).json()
    zh, en = problem_in_both(jobs_client, "PATCH", f"/api/v1/jobs/{job['id']}", 428, json={"headcount": 3})
    assert zh["title"] == "缺少前提条件" and "If-Match" in zh["detail"]
    assert en["detail"] == "send If-Match with the ETag you read, or the version field"
    stale = {"If-Match": 'W/"99"'}
    zh, en = problem_in_both(
        jobs_client, "PATCH", f"/api/v1/jobs/{job['id']}", 412, headers=stale, json={"headcount": 3}
    )
    assert zh["title"] == "前提条件不成立" and zh["detail"] == "数据已被修改，当前版本为 1"
    assert en["detail"] == "the object changed; current version is 1"
    assert jobs_client.post(f"/api/v1/jobs/{job['id']}/close", json={"reason": "closed"}).status_code == 200
    zh, en = problem_in_both(jobs_client, "POST", f"/api/v1/jobs/{job['id']}/close", 409, json={})
    assert (zh["title"], zh["detail"]) == ("与当前状态冲突", "岗位已是「已关闭」状态")
    assert en["detail"] == "job is already closed"


def test_service_docs_are_served_locally(jobs_client: TestClient) -> None:
    from tests.common.unit.test_apidocs import external_references

    for page in ("/docs", "/redoc"):
        html = jobs_client.get(page)
        assert html.status_code == 200 and external_references(html.text) == [], html.text
    assert jobs_client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert jobs_client.get("/docs-assets/redoc.standalone.js").status_code == 200
