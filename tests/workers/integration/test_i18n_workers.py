"""The workers service answers bad input in Chinese by default and in English on request."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.common.lang import assert_field_errors, problem_in_both
from tests.workers.helpers import bad_checksum, make_household, make_site, new_id_number, worker_payload

pytestmark = pytest.mark.integration
UUID_MESSAGE = "应为 UUID（如 123e4567-e89b-12d3-a456-426614174000）"


def test_worker_body_errors_in_chinese(workers_client: TestClient) -> None:
    household = make_household(workers_client, make_site(workers_client))
    body = worker_payload(
        household["id"],
        livelihood_type="nomad",
        gender="other",
        phone="not a phone",
        id_number=bad_checksum(new_id_number()),
        skills=[{"name": "缝纫工", "level": 9}],
        max_commute_km=0,
        unavailable_months=[13],
        available_from="soon",
        caregiver="sometimes",
        expected_wage_min="a lot",
        language_notes="话" * 501,
        hobby="singing",
    )
    assert_field_errors(
        workers_client,
        "POST",
        "/api/v1/workers",
        {
            "body.livelihood_type": ("enum", "应为 外出务工、就近就业、亦工亦农、返乡务农 之一"),
            "body.gender": ("enum", "应为 女、男 之一"),
            "body.phone": ("value_error", "不是有效的电话号码"),
            "body.id_number": ("value_error", "校验位不正确"),
            "body.skills.0.level": ("less_than_equal", "应小于或等于 5"),
            "body.max_commute_km": ("greater_than", "应大于 0"),
            "body.unavailable_months.0": ("less_than_equal", "应小于或等于 12"),
            "body.available_from": ("date_from_datetime_parsing", "应为日期，格式 YYYY-MM-DD"),
            "body.caregiver": ("bool_parsing", "应为是或否（true/false）"),
            "body.expected_wage_min": ("int_parsing", "应为整数"),
            "body.language_notes": ("string_too_long", "最多 500 个字符"),
            "body.hobby": ("extra_forbidden", "不允许此字段（未知字段）"),
        },
        json=body,
    )


def test_missing_and_typed_fields(workers_client: TestClient) -> None:
    household = make_household(workers_client, make_site(workers_client))
    body = {**worker_payload(household["id"], id_number=None, name=""), "household_id": "h-1"}
    del body["phone"]
    assert_field_errors(
        workers_client,
        "POST",
        "/api/v1/workers",
        {
            "body.phone": ("missing", "必填"),
            "body.name": ("string_too_short", "至少 1 个字符"),
            "body.household_id": ("uuid_parsing", UUID_MESSAGE),
        },
        json=body,
    )
    no_year = worker_payload(household["id"], id_number=None)
    no_year.pop("birth_year", None)
    assert_field_errors(
        workers_client,
        "POST",
        "/api/v1/workers",
        {"body.birth_year": ("value_error", "未填写身份证号时必填")},
        json=no_year,
    )
    assert_field_errors(
        workers_client,
        "POST",
        "/api/v1/workers",
        {"body.skills": ("too_long", "列表最多 30 项，实际 31 项")},
        json=worker_payload(household["id"], skills=[{"name": "普工"}] * 31),
    )
    assert_field_errors(
        workers_client,
        "POST",
        "/api/v1/sites",
        {
            "body.lat": ("less_than_equal", "应小于或等于 90"),
            "body.lon": ("greater_than_equal", "应大于或等于 -180"),
        },
        json={"name": "点", "county": "惠水县", "province": "贵州省", "lat": 91, "lon": -200},
    )
    assert_field_errors(
        workers_client,
        "POST",
        "/api/v1/households",
        {"body.monitoring_category": ("enum", "应为 无、脱贫不稳定户、边缘易致贫户、突发严重困难户 之一")},
        json={"site_id": str(uuid.uuid4()), "monitoring_category": "poor"},
    )


def test_query_path_json_and_domain_errors(workers_client: TestClient) -> None:
    assert_field_errors(
        workers_client,
        "GET",
        "/api/v1/workers",
        {
            "query.limit": ("greater_than_equal", "应大于或等于 1"),
            "query.employment_status": ("enum", "应为 未就业、已就业、季节性务工、务农 之一"),
            "query.site_id": ("uuid_parsing", UUID_MESSAGE),
            "query.active": ("bool_parsing", "应为是或否（true/false）"),
        },
        params={"limit": "0", "employment_status": "busy", "site_id": "x", "active": "kind of"},
    )
    assert_field_errors(
        workers_client, "GET", "/api/v1/workers/123", {"path.worker_id": ("uuid_parsing", UUID_MESSAGE)}
    )
    zh = assert_field_errors(
        workers_client,
        "POST",
        "/api/v1/sites",
        {},
        content=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert [e["message"] for e in zh.values()] == ["不是有效的 JSON"]
    missing = uuid.uuid4()
    zh_body, en_body = problem_in_both(workers_client, "GET", f"/api/v1/workers/{missing}", 404)
    assert (
        zh_body["detail"] == f"未找到劳动力 {missing}" and en_body["detail"] == f"worker {missing} not found"
    )
    household = make_household(workers_client, make_site(workers_client))
    w = worker_payload(household["id"])
    assert workers_client.post("/api/v1/workers", json=w).status_code == 201
    zh_body, en_body = problem_in_both(workers_client, "POST", "/api/v1/workers", 409, json=w)
    assert zh_body["detail"].startswith("该人员已登记")
    assert "a worker with this ID number is already registered" in en_body["detail"]


def test_import_problems_in_chinese(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    zh, en = problem_in_both(
        workers_client,
        "POST",
        "/api/v1/workers/import",
        415,
        files={"file": ("w.txt", b"hello")},
        data={"site_id": site},
    )
    assert (
        zh["detail"].startswith("请上传 .xlsx 或 .csv 文件") and "upload a .xlsx or .csv file" in en["detail"]
    )
    zh, en = problem_in_both(
        workers_client,
        "POST",
        "/api/v1/workers/import",
        422,
        files={"file": ("w.csv", "姓名,备注\n王,x\n".encode("gbk"))},
        data={"site_id": site},
    )
    assert zh["detail"].startswith("缺少必填列：") and en["detail"].startswith("missing required columns:")
