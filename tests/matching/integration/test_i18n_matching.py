"""The matching service answers bad input in Chinese by default and in English on request."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.common.lang import assert_field_errors, problem_in_both

pytestmark = pytest.mark.integration
UUID_MESSAGE = "应为 UUID（如 123e4567-e89b-12d3-a456-426614174000）"


def _preview(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "缝纫工",
        "skills": ["缝纫工"],
        "headcount": 5,
        "wage_min": 2800,
        "wage_max": 3800,
        "location": {"county": "惠水县", "province": "贵州省", "lat": 26.13, "lon": 106.65},
    }
    body.update(over)
    return body


def test_preview_body_errors_in_chinese(matching_app: TestClient) -> None:
    body = _preview(
        title="工" * 101,
        skills=["缝纫"] * 21,
        headcount=0,
        employer_kind="farm",
        shift="graveyard",
        min_age=15,
        max_age=66,
        dormitory="perhaps",
        starts_on="tomorrow",
        salary=1,
    )
    body["location"] = {"province": "贵州省", "lat": 95, "lon": "east"}
    assert_field_errors(
        matching_app,
        "POST",
        "/api/v1/match-preview",
        {
            "body.title": ("string_too_long", "最多 100 个字符"),
            "body.skills": ("too_long", "列表最多 20 项，实际 21 项"),
            "body.headcount": ("greater_than_equal", "应大于或等于 1"),
            "body.employer_kind": ("enum", "应为 扶贫车间、企业、劳务协作单位、公益性岗位 之一"),
            "body.shift": ("enum", "应为 白班、夜班、弹性工作时间、兼职 之一"),
            "body.min_age": ("greater_than_equal", "应大于或等于 16"),
            "body.max_age": ("less_than_equal", "应小于或等于 65"),
            "body.dormitory": ("bool_parsing", "应为是或否（true/false）"),
            "body.starts_on": ("date_from_datetime_parsing", "应为日期，格式 YYYY-MM-DD"),
            "body.salary": ("extra_forbidden", "不允许此字段（未知字段）"),
            "body.location.lat": ("less_than_equal", "应小于或等于 90"),
            "body.location.lon": ("float_parsing", "应为数字"),
        },
        json=body,
    )
    missing = _preview(wage_max="lots")
    del missing["location"]
    assert_field_errors(
        matching_app,
        "POST",
        "/api/v1/match-preview",
        {"body.location": ("missing", "必填"), "body.wage_max": ("int_parsing", "应为整数")},
        json=missing,
    )
    assert_field_errors(
        matching_app,
        "POST",
        "/api/v1/match-preview",
        {"body": ("value_error", "最低工资 wage_min 应不高于最高工资 wage_max")},
        json=_preview(wage_min=5000, wage_max=3000),
    )
    zh = assert_field_errors(
        matching_app,
        "POST",
        "/api/v1/match-preview",
        {},
        content=b"[1,",
        headers={"Content-Type": "application/json"},
    )
    assert [e["type"] for e in zh.values()] == ["json_invalid"]


def test_query_path_and_status_errors(matching_app: TestClient) -> None:
    job_id = uuid.uuid4()
    assert_field_errors(
        matching_app,
        "GET",
        f"/api/v1/jobs/{job_id}/matches",
        {
            "query.limit": ("less_than_equal", "应小于或等于 200"),
            "query.include_ranking": ("bool_parsing", "应为是或否（true/false）"),
        },
        params={"limit": "201", "include_ranking": "sure"},
    )
    assert_field_errors(
        matching_app, "GET", "/api/v1/matches/abc", {"path.match_id": ("uuid_parsing", UUID_MESSAGE)}
    )
    assert_field_errors(
        matching_app,
        "POST",
        f"/api/v1/matches/{uuid.uuid4()}/status",
        {
            "body.status": (
                "enum",
                "应为 已推荐、已通知、有意向、已谢绝、已转介、已录用、未录用、已过期、已离职 之一",
            ),
            "body.note": ("string_type", "应为文本"),
        },
        json={"status": "maybe", "note": 5},
    )
    missing = uuid.uuid4()
    zh, en = problem_in_both(matching_app, "GET", f"/api/v1/matches/{missing}", 404)
    assert zh["detail"] == f"未找到匹配 {missing}" and en["detail"] == f"match {missing} not found"
