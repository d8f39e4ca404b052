"""The notifications service answers bad input in Chinese by default and in English on request."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.common.lang import assert_field_errors, problem_in_both
from tests.notifications.conftest import Stage
from tests.notifications.helpers import callback_headers

StageFactory = Callable[..., Stage]
AppRunner = Callable[[Stage], TestClient]

pytestmark = pytest.mark.integration
UUID_MESSAGE = "应为 UUID（如 123e4567-e89b-12d3-a456-426614174000）"


def test_notifications_errors_in_chinese(stage_factory: StageFactory, run_app: AppRunner) -> None:
    client = run_app(stage_factory())
    cb = callback_headers()
    assert_field_errors(
        client,
        "POST",
        "/api/v1/sms/inbound",
        {
            "body.phone": ("string_too_short", "至少 5 个字符"),
            "body.text": ("string_too_long", "最多 1000 个字符"),
            "body.provider": ("string_pattern_mismatch", "格式不符合要求（应匹配 ^[a-z0-9_-]+$）"),
            "body.extra": ("extra_forbidden", "不允许此字段（未知字段）"),
        },
        headers=cb,
        json={"phone": "123", "text": "x" * 1001, "provider": "A B", "extra": 1},
    )
    assert_field_errors(
        client,
        "POST",
        "/api/v1/sms/inbound",
        {"body.phone": ("value_error", "不是有效的电话号码，请用 +8613812345678 或 11 位手机号")},
        headers=cb,
        json={"phone": "hello there", "text": "1"},
    )
    assert_field_errors(
        client,
        "POST",
        "/api/v1/sms/reports",
        {
            "body.status": ("literal_error", "应为 已送达、失败 之一"),
            "body.provider_message_id": ("missing", "必填"),
        },
        headers=cb,
        json={"status": "lost"},
    )
    zh = assert_field_errors(
        client,
        "POST",
        "/api/v1/sms/reports",
        {},
        headers={**cb, "Content-Type": "application/json"},
        content=b"{",
    )
    assert [e["type"] for e in zh.values()] == ["json_invalid"]
    assert_field_errors(
        client,
        "GET",
        "/api/v1/notifications",
        {
            "query.status": (
                "enum",
                "应为 待发送、提交中、已发送、已送达、失败、已跳过、已取消、状态不明、无法识别 之一",
            ),
            "query.in_doubt": ("bool_parsing", "应为是或否（true/false）"),
            "query.worker_id": ("uuid_parsing", UUID_MESSAGE),
            "query.limit": ("greater_than_equal", "应大于或等于 1"),
        },
        params={"status": "lost", "in_doubt": "maybe", "worker_id": "w1", "limit": "0"},
    )
    site = uuid.uuid4()
    assert_field_errors(
        client,
        "POST",
        f"/api/v1/offices/{site}/webhooks",
        {"body.url": ("url_parsing", "应为有效的网址（URL）")},
        json={"url": "not a url"},
    )
    zh_body, en_body = problem_in_both(
        client, "POST", "/api/v1/sms/inbound", 401, json={"phone": "+8613900000001", "text": "1"}
    )
    assert zh_body["title"] == "需要登录" and zh_body["detail"] == "X-Anju-Callback-Token 缺失或不正确"
    assert en_body["detail"] == "X-Anju-Callback-Token is missing or wrong"
    missing = uuid.uuid4()
    zh_body, en_body = problem_in_both(client, "GET", f"/api/v1/notifications/{missing}", 404)
    assert zh_body["detail"] == f"未找到短信通知 {missing}"
    assert en_body["detail"] == f"notification {missing} not found"
