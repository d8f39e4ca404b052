"""The kit's OpenAPI: each operation documents the problem+json errors its route can send, and what it sends
on success (SSE, downloads, 204)."""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
from anju_common.deps import PrincipalDep
from anju_common.openapi import PROBLEM_SCHEMA, errors_of, install_openapi, truthful_openapi
from fastapi import APIRouter, Depends, FastAPI, File, Header, Query, Response, UploadFile
from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


class Thing(BaseModel):
    """A body."""

    name: str


def rate_limited() -> None:
    """A dependency of the test app that can answer 429."""


errors_of(rate_limited, 429)


def _app() -> FastAPI:
    router = APIRouter(prefix="/api/v1")

    @router.get("/things")
    def list_things(principal: PrincipalDep, cursor: Annotated[str | None, Query()] = None) -> list[Thing]:
        return []

    @router.post("/things", status_code=201, dependencies=[Depends(rate_limited)])
    def create_thing(body: Thing, principal: PrincipalDep) -> Thing:
        return body

    @router.patch("/things/{thing_id}")
    def update_thing(
        thing_id: uuid.UUID,
        body: Thing,
        principal: PrincipalDep,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Thing:
        return body

    @router.delete("/things/{thing_id}", status_code=204)
    def delete_thing(thing_id: uuid.UUID) -> Response:
        return Response(status_code=204)

    @router.post("/things/import")
    def import_things(file: Annotated[UploadFile, File()]) -> dict[str, int]:
        return {}

    @router.get("/things/stream", response_class=EventSourceResponse)
    async def stream() -> EventSourceResponse:
        async def events() -> AsyncIterator[ServerSentEvent]:
            yield ServerSentEvent(data="x")

        return EventSourceResponse(events())

    @router.get("/health")
    def health() -> dict[str, str]:
        return {}

    app = FastAPI(title="t", version="1")
    app.include_router(router)
    install_openapi(app)
    return app


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return _app().openapi()


def _codes(doc: dict[str, Any], path: str, method: str) -> list[str]:
    return list(doc["paths"][f"/api/v1{path}"][method]["responses"])


def test_errors_follow_the_route(doc: dict[str, Any]) -> None:
    assert _codes(doc, "/things", "get") == ["200", "400", "401", "403", "422"]
    assert _codes(doc, "/things", "post") == ["201", "401", "403", "409", "413", "422", "429"]
    assert _codes(doc, "/things/{thing_id}", "patch") == [
        "200", "400", "401", "403", "404", "409", "412", "413", "422", "428"
    ]  # fmt: skip
    assert _codes(doc, "/things/{thing_id}", "delete") == ["204", "404", "409", "422"]
    assert _codes(doc, "/things/import", "post") == ["200", "409", "413", "415", "422"]
    assert _codes(doc, "/health", "get") == ["200"]


def test_every_error_is_problem_json_and_fastapi_422_is_gone(doc: dict[str, Any]) -> None:
    for item in doc["paths"].values():
        for op in item.values():
            for code, response in op["responses"].items():
                if int(code) >= 400:
                    assert response["content"] == PROBLEM, (code, response)
                    assert response["description"] not in ("Validation Error", "Successful Response")
    assert doc["components"]["schemas"]["Problem"] == PROBLEM_SCHEMA
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert "HTTPValidationError" not in json.dumps(doc)


def test_success_responses_say_what_is_sent(doc: dict[str, Any]) -> None:
    stream = doc["paths"]["/api/v1/things/stream"]["get"]["responses"]["200"]
    assert list(stream["content"]) == ["text/event-stream"]
    assert "content" not in doc["paths"]["/api/v1/things/{thing_id}"]["delete"]["responses"]["204"]


def test_every_service_documents_its_errors_as_problem_json() -> None:
    for name in ("jobs", "workers", "matching", "notifications"):
        app: FastAPI = importlib.import_module(f"{name}.main").app
        service_doc = truthful_openapi(app)
        ops = [
            (path, method, op)
            for path, item in service_doc["paths"].items()
            if path.startswith("/api/v1/")
            for method, op in item.items()
        ]
        assert ops, name
        for path, method, op in ops:
            codes = {c for c in op["responses"] if int(c) >= 400}
            for code in codes:
                assert op["responses"][code]["content"] == PROBLEM, (name, method, path, code)
            if "requestBody" in op or op.get("parameters"):
                assert "422" in codes, (name, method, path)
            if method == "patch" and any(p["name"].lower() == "if-match" for p in op.get("parameters", [])):
                assert {"400", "409", "412", "428"} <= codes, (name, path)
        assert "HTTPValidationError" not in json.dumps(service_doc), name


def test_if_match_documents_the_etag_format_the_services_parse(doc: dict[str, Any]) -> None:
    import re

    param = next(
        p for p in doc["paths"]["/api/v1/things/{thing_id}"]["patch"]["parameters"] if p["in"] == "header"
    )
    pattern = next(v["pattern"] for v in param["schema"]["anyOf"] if v.get("type") == "string")
    assert re.match(pattern, 'W/"3"') and re.match(pattern, '"12"')
    assert not re.match(pattern, "") and not re.match(pattern, "W/3")
