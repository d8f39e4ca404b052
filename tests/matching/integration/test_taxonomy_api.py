"""The vocabulary's read-only API on the running matching app: autocomplete, read, occupations."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration


def test_autocomplete_in_chinese_pinyin_initials_and_english(matching_app: TestClient) -> None:
    for q, trade in (
        ("缝纫", "sewing_machinist"),
        ("hangong", "welder"),
        ("chache", "forklift_driver"),
        ("forklift", "forklift_driver"),
    ):
        r = matching_app.get("/api/v1/taxonomy/trades", params={"q": q, "limit": 5})
        assert r.status_code == 200, r.text
        assert trade in [x["trade_id"] for x in r.json()], q
    assert len(matching_app.get("/api/v1/taxonomy/trades", params={"q": "工", "limit": 3}).json()) == 3


def test_read_shows_trades_years_level_certificates_and_unknowns(matching_app: TestClient) -> None:
    r = matching_app.get("/api/v1/taxonomy/read", params={"text": "电焊工5年，中级；持叉车证、刺梨果脯熬制"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert [t["trade_id"] for t in out["trades"]] == ["welder", "forklift_driver"]
    assert out["trades"][0]["years"] == 5.0 and out["trades"][0]["level_zh"] == "中级"
    assert [c["certificate_id"] for c in out["certificates"]] == ["special_equipment_forklift"]
    assert out["unknown"] == ["刺梨果脯熬制"]


def test_occupation_with_its_hierarchy_and_trades(matching_app: TestClient) -> None:
    r = matching_app.get("/api/v1/taxonomy/occupations/6-05-01-03")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["code"] == "6-05-01-03" and out["path"][0]["code"] == "6"
    assert out["trades"], "trades are listed under their occupation"


def test_bad_input_is_a_clear_4xx(matching_app: TestClient) -> None:
    assert matching_app.get("/api/v1/taxonomy/trades", params={"q": ""}).status_code == 422
    assert matching_app.get("/api/v1/taxonomy/read", params={"text": "x" * 201}).status_code == 422
    bad = matching_app.get("/api/v1/taxonomy/occupations/not-a-code")
    assert bad.status_code == 422 and "code" in bad.text
    missing = matching_app.get("/api/v1/taxonomy/occupations/9-99-99-99")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
