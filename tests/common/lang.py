"""Assertions on problem+json in both languages, shared by every service's Chinese-error tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anju_common import i18n
from fastapi.testclient import TestClient

EN = {"Accept-Language": "en"}


def problem_in_both(
    client: TestClient,
    method: str,
    url: str,
    status: int = 422,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Send a request with no Accept-Language (Chinese) and with en; both answer the same problem."""
    zh = client.request(method, url, headers={**(headers or {})}, **kwargs)
    en = client.request(method, url, headers={**(headers or {}), **EN}, **kwargs)
    for response, lang in ((zh, "zh-CN"), (en, "en")):
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["content-language"] == lang
    zh_body, en_body = zh.json(), en.json()
    assert zh_body["type"] == en_body["type"] and zh_body["status"] == en_body["status"] == status
    assert i18n.has_chinese(zh_body["title"]) and i18n.has_chinese(zh_body["detail"]), zh_body
    assert not i18n.has_chinese(en_body["title"]), en_body
    return zh_body, en_body


def assert_field_errors(
    client: TestClient,
    method: str,
    url: str,
    expected: Mapping[str, tuple[str, str]],
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, dict[str, Any]]:
    """A 422 whose errors include each expected field with its pydantic type and Chinese message; the English
    answer names the same fields in English. Returns the Chinese errors by field."""
    zh, en = problem_in_both(client, method, url, 422, headers, **kwargs)
    assert zh["title"] == "输入有误" and en["title"] == "Validation failed"
    zh_errors = {e["field"]: e for e in zh["errors"]}
    en_errors = {e["field"]: e for e in en["errors"]}
    assert zh_errors.keys() == en_errors.keys()
    for field, (kind, message) in expected.items():
        assert field in zh_errors, (field, zh["errors"])
        assert zh_errors[field]["type"] == kind, zh_errors[field]
        assert zh_errors[field]["message"] == message, zh_errors[field]
        assert f"{field}: {message}" in zh["detail"] or len(zh_errors) > 10
        assert not i18n.has_chinese(en_errors[field]["message"]), en_errors[field]
        assert en_errors[field]["message"] != message
    for field, error in zh_errors.items():
        assert i18n.has_chinese(error["message"]), (field, error)
    return zh_errors
