"""The aggregated OpenAPI document: every service's public paths, renamed clashes, security schemes."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration


def test_aggregated_document_covers_every_service_and_hides_internal_paths(gw: TestClient) -> None:
    doc = gw.get("/openapi.json").json()
    paths = doc["paths"]
    for path in ("/api/v1/jobs", "/api/v1/workers", "/api/v1/matches", "/api/v1/notifications"):
        assert path in paths, path
    for own in ("/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/users", "/api/v1/api-keys/{key_id}"):
        assert own in paths, own
    assert not [p for p in paths if p.startswith("/internal") or p == "/healthz"]
    assert doc["x-anju-services"] == {s: "ok" for s in ("jobs", "workers", "matching", "notifications")}


def test_clashing_schema_names_are_renamed_and_refs_follow(gw: TestClient) -> None:
    doc = gw.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert schemas["Item"]["properties"]["field_of"]["const"] == "jobs"
    assert schemas["WorkersItem"]["properties"]["field_of"]["const"] == "workers"
    ref = doc["paths"]["/api/v1/workers"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ref == {"$ref": "#/components/schemas/WorkersItem"}
    text = json.dumps(doc)
    for ref_name in {r.split('"')[0] for r in text.split('"$ref": "#/components/schemas/')[1:]}:
        assert ref_name in schemas, ref_name


def test_security_schemes_errors_and_examples(gw: TestClient) -> None:
    doc = gw.get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["StaffBearer"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert schemes["EmployerApiKey"]["name"] == "X-API-Key"
    token_op = doc["paths"]["/api/v1/auth/token"]["post"]
    assert token_op["security"] == []
    jobs_op = doc["paths"]["/api/v1/jobs"]["get"]
    assert "security" not in jobs_op and doc["security"]
    assert "application/problem+json" in jobs_op["responses"]["422"]["content"]
    assert jobs_op["responses"]["401"]["content"]["application/problem+json"]
    assert "examples" in doc["components"]["schemas"]["UserCreate"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_docs_page(gw: TestClient) -> None:
    page = gw.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text and "swagger" in page.text.lower()


def test_docs_and_redoc_load_nothing_from_other_hosts(gw: TestClient) -> None:
    from tests.common.unit.test_apidocs import external_references

    for page in ("/docs", "/redoc"):
        html = gw.get(page)
        assert html.status_code == 200 and external_references(html.text) == [], html.text
        for asset in set(re.findall(r"/docs-assets/[\w.-]+", html.text)):
            assert gw.get(asset).status_code == 200, asset
