"""Kit guards against untrusted input: signed cursors, and the NUL guard every app gets through create_app."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from anju_common import pagination
from anju_common.app import Runtime, create_app
from anju_common.pagination import decode_cursor, encode_cursor, int_cursor, keyset_after
from anju_common.problems import Problem
from anju_common.settings import ServiceSettings
from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.testclient import TestClient
from pydantic import BaseModel


@pytest.fixture
def cursor_key() -> Iterator[None]:
    """Restore the process's cursor key after a test that changes it."""
    saved = pagination._key["secret"]
    yield
    pagination._key["secret"] = saved


def _unsigned(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _bad(cursor: str, size: int = 1) -> Problem:
    with pytest.raises(Problem) as err:
        decode_cursor(cursor, size)
    return err.value


def test_cursors_are_signed_and_anything_else_is_a_400(cursor_key: None) -> None:
    good = encode_cursor([41])
    assert int_cursor(good) == 41
    assert _bad(_unsigned([41])).status == 400  # the old unsigned form: forgeable, so refused
    _, _, mac = good.partition(".")
    forged = f"{_unsigned([42])}.{mac}"
    assert _bad(forged).status == 400
    assert _bad(good + "x").status == 400
    assert _bad("%%%.###").status == 400
    problem = _bad("garbage")
    assert problem.code == "bad-cursor" and problem.detail.startswith("分页游标无效")
    assert problem.extra["errors"][0]["field"] == "query.cursor"
    # A cursor signed under another key (another deployment, a rotated secret) is not accepted.
    pagination.set_cursor_secret("another-secret")
    assert _bad(good).status == 400
    assert int_cursor(encode_cursor([41])) == 41


def test_int_cursors_fit_a_bigint_and_keyset_cursors_hold_a_time_and_an_id() -> None:
    for value in (10**20, -1, 2**63, "7", True, 1.5, None):
        with pytest.raises(Problem) as err:
            int_cursor(encode_cursor([value]))
        assert err.value.status == 400, value
    assert int_cursor(encode_cursor([2**63 - 1])) == 2**63 - 1
    for values in (["yesterday", "x"], [10**30, "00000000-0000-0000-0000-000000000000"], ["2026-01-01", 5]):
        with pytest.raises(Problem):
            keyset_after(encode_cursor(values))
    assert keyset_after(encode_cursor(["2026-01-01T00:00:00+00:00", "00000000-0000-0000-0000-000000000001"]))


class Body(BaseModel):
    """A JSON body with nested strings."""

    name: str
    tags: list[str] = []
    extra: dict[str, str] = {}


def _app() -> TestClient:
    router = APIRouter()

    @router.post("/things")
    def things(body: Body, q: Annotated[str | None, Query()] = None) -> dict[str, Any]:
        return {"name": body.name, "q": q}

    @router.get("/search")
    def search(q: str = "", page: int = 1) -> dict[str, Any]:
        return {"q": q, "page": page}

    @router.post("/form")
    def form(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> dict[str, str]:
        return {"username": username}

    @router.post("/upload")
    async def upload(
        file: Annotated[UploadFile, File()], note: Annotated[str, Form()] = ""
    ) -> dict[str, Any]:
        return {"size": len(await file.read()), "note": note}

    def no_runtime() -> Runtime:
        raise AssertionError("the lifespan does not run in these tests")

    app = create_app(
        settings=ServiceSettings(env="test", service_name="kit-test"),
        title="t",
        description="t",
        routers=[router],
        runtime_factory=no_runtime,
    )
    return TestClient(app)


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert "NUL" in body["detail"] and body["detail"].split(": ", 1)[1].startswith("不能包含")
    return [e["field"] for e in body["errors"]]


def test_a_nul_anywhere_in_the_request_is_a_422_naming_the_field() -> None:
    client = _app()
    assert client.post("/things", json={"name": "王五", "tags": ["a"]}).json() == {"name": "王五", "q": None}
    assert _fields(client.post("/things", json={"name": "王\u0000五"})) == ["body.name"]
    assert _fields(client.post("/things", json={"name": "x", "tags": ["ok", "b\u0000"]})) == ["body.tags.1"]
    assert _fields(client.post("/things", json={"name": "x", "extra": {"k\u0000": "v"}})) == [
        "body.extra.k\\u0000"
    ]
    assert _fields(client.get("/search", params={"q": "a\x00b"})) == ["query.q"]
    assert _fields(client.post("/things", params={"q": "\x00"}, json={"name": "x"})) == ["query.q"]
    assert _fields(client.post("/form", data={"username": "ad\x00min", "password": "p"})) == ["body.username"]
    files = {"file": ("w.csv", b"a,b\n\x00,1\n")}  # file contents are the handler's business
    assert client.post("/upload", files=files, data={"note": "ok"}).json() == {"size": 8, "note": "ok"}
    assert _fields(client.post("/upload", files=files, data={"note": "n\x00"})) == ["body.note"]
    assert _fields(client.get("/search/%00")) == ["path"]
    # Escaped backslashes are not NUL; invalid JSON is left to the usual validation.
    assert client.post("/things", json={"name": "\\u0000"}).status_code == 200
    assert client.post("/things", content=b'{"name": "a\x00"}').status_code == 422
    assert client.get("/search", params={"q": "%00 as text", "page": 2}).json() == {
        "q": "%00 as text",
        "page": 2,
    }
