"""The gateway's own problems (401, 403, 404, 422, 429) in Chinese by default and in English on request."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.common.lang import EN, assert_field_errors, problem_in_both
from tests.gateway.conftest import create_staff, login


def test_user_body_errors_in_chinese(gw: TestClient, admin_headers: dict[str, str]) -> None:
    assert_field_errors(
        gw,
        "POST",
        "/api/v1/users",
        {
            "body.username": ("string_pattern_mismatch", "格式不符合要求（应匹配 ^[A-Za-z0-9_.@-]+$）"),
            "body.password": ("string_too_short", "至少 10 个字符"),
            "body.role": ("enum", "应为 管理员、就业服务站工作人员 之一"),
            "body.site_ids.0": ("uuid_parsing", "应为 UUID（如 123e4567-e89b-12d3-a456-426614174000）"),
            "body.nickname": ("extra_forbidden", "不允许此字段（未知字段）"),
        },
        headers=admin_headers,
        json={"username": "王 x", "password": "short", "role": "boss", "site_ids": ["s1"], "nickname": "x"},
    )
    assert_field_errors(
        gw,
        "POST",
        "/api/v1/users",
        {"body": ("value_error", "就业服务站工作人员至少要有一个安置点（site_ids）")},
        headers=admin_headers,
        json={"username": "office-x", "password": "office password 1", "role": "office_staff"},
    )
    assert_field_errors(
        gw,
        "POST",
        "/api/v1/users",
        {"body.username": ("missing", "必填"), "body.site_ids": ("too_long", "列表最多 50 项，实际 51 项")},
        headers=admin_headers,
        json={"password": "office password 1", "role": "admin", "site_ids": [str(uuid.uuid4())] * 51},
    )
    zh = assert_field_errors(
        gw,
        "POST",
        "/api/v1/users",
        {},
        headers={**admin_headers, "Content-Type": "application/json"},
        content=b"{oops",
    )
    assert [e["type"] for e in zh.values()] == ["json_invalid"]


def test_auth_problems_in_chinese(gw: TestClient, admin_headers: dict[str, str]) -> None:
    zh, en = problem_in_both(gw, "GET", "/api/v1/jobs", 401)
    assert zh["title"] == "需要登录"
    assert zh["detail"] == "请先登录（Bearer 令牌），或发送用人单位 API 密钥（X-API-Key）"
    assert en["detail"] == "log in (Bearer token) or send an employer API key (X-API-Key)"
    zh, en = problem_in_both(
        gw, "POST", "/api/v1/auth/token", 401, data={"username": "nobody", "password": "x"}
    )
    assert zh["detail"] == "用户名或密码不正确" and en["detail"] == "username or password is wrong"
    zh, en = problem_in_both(gw, "GET", "/api/v1/users", 401, headers={"Authorization": "Bearer nonsense"})
    assert zh["detail"] == "访问令牌无效" and en["detail"] == "the access token is not valid"
    name = f"office-{uuid.uuid4().hex[:8]}"
    create_staff(name, "office password 1", "office_staff", [uuid.uuid4()])
    staff = {"Authorization": f"Bearer {login(gw, name, 'office password 1')['access_token']}"}
    zh, en = problem_in_both(gw, "GET", "/api/v1/users", 403, headers=staff)
    assert (zh["title"], zh["detail"]) == ("无权操作", "只有管理员可以执行此操作")
    assert (en["title"], en["detail"]) == ("Forbidden", "only administrators may do this")
    zh, en = problem_in_both(gw, "GET", f"/api/v1/users/{uuid.uuid4()}", 404, headers=admin_headers)
    assert zh["detail"].startswith("未找到用户") and en["detail"].endswith("not found")
    zh, en = problem_in_both(gw, "GET", "/api/v1/nowhere", 404, headers=admin_headers)
    assert zh["detail"] == "没有此路径：/api/v1/nowhere" and en["detail"] == "no route for /api/v1/nowhere"


def test_rate_limit_in_chinese(make_client: Callable[..., TestClient]) -> None:
    gw = make_client(GATEWAY_RATE_LIMIT_IP="2/minute")
    for _ in range(2):
        gw.get("/api/v1/jobs")
    zh = gw.get("/api/v1/jobs")
    en = gw.get("/api/v1/jobs", headers=EN)
    assert zh.status_code == en.status_code == 429
    assert zh.json()["title"] == "请求过于频繁" and en.json()["title"] == "Too many requests"
    assert "秒后重试" in zh.json()["detail"] and "retry after" in en.json()["detail"]
    assert zh.headers["retry-after"]
