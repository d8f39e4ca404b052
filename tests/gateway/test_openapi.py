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


def test_every_error_of_every_operation_is_problem_json(gw: TestClient) -> None:
    doc = gw.get("/openapi.json").json()
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            errors = {code: r for code, r in op["responses"].items() if int(code) >= 400}
            assert {"400", "401", "404", "429", "503"} <= set(errors), (method, path)
            assert all(r["content"] == problem for r in errors.values()), (method, path)
    own = doc["paths"]["/api/v1/users/{user_id}"]["patch"]["responses"]
    assert {"403", "404", "409", "413", "422"} <= set(own)
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]


def test_a_method_the_document_does_not_declare_is_405_with_allow(
    gw: TestClient, admin_headers: dict[str, str]
) -> None:
    assert gw.put("/api/v1/jobs", json={}).status_code == 401  # credentials first
    for path, allow in (("/api/v1/jobs", "GET, HEAD"), ("/api/v1/auth/me", "GET, HEAD")):
        response = gw.put(path, json={}, headers=admin_headers)
        assert response.status_code == 405, response.text
        assert response.headers["allow"] == allow
        assert response.headers["content-type"].startswith("application/problem+json")
    options = gw.options("/api/v1/users", headers=admin_headers)
    assert options.status_code == 405 and options.headers["allow"] == "GET, HEAD, POST"
    assert gw.get("/api/v1/jobs", headers=admin_headers).status_code == 200


def test_docs_and_redoc_load_nothing_from_other_hosts(gw: TestClient) -> None:
    from tests.common.unit.test_apidocs import external_references

    for page in ("/docs", "/redoc"):
        html = gw.get(page)
        assert html.status_code == 200 and external_references(html.text) == [], html.text
        for asset in set(re.findall(r"/docs-assets/[\w.-]+", html.text)):
            assert gw.get(asset).status_code == 200, asset
