"""No log line carries the bound values of a failed SQL statement (real PostgreSQL)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from anju_common.app import Runtime, create_app
from anju_common.db import make_engine
from anju_common.logs import configure_logging, describe_error, get_logger
from anju_common.settings import ServiceSettings
from anju_common.testing import Infra
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.integration
SECRETS = ("HASH-4f9a-SECRET", "uuid-SECRET-7c1", "NUL-SECRET-31b", "王秘密")


def _capture() -> io.StringIO:
    """Send what the JSON log pipeline (as configured now) writes to a buffer."""
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    return buffer


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything the JSON log pipeline writes during the test."""
    configure_logging("kit-test", "INFO", True)
    yield _capture()
    configure_logging("kit-test", "INFO", True)


@pytest.fixture
def engine(infra: Infra) -> Iterator[Engine]:
    """An engine on a fresh database with one table that has a unique column."""
    eng = make_engine(infra.create_database("kitlogs"))
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE person (id serial PRIMARY KEY, phone_hash text UNIQUE, name text)"))
    yield eng
    eng.dispose()


def _fail(engine: Engine, sql: str, **params: object) -> DBAPIError:
    with pytest.raises(DBAPIError) as err, engine.begin() as conn:
        conn.execute(text(sql), params)
    return err.value


def test_failed_statements_leave_no_bound_value_in_any_log_line(
    engine: Engine, captured: io.StringIO
) -> None:
    assert engine.hide_parameters
    insert = "INSERT INTO person (phone_hash, name) VALUES (:h, :n)"
    with engine.begin() as conn:
        conn.execute(text(insert), {"h": SECRETS[0], "n": SECRETS[3]})
    failures = [
        _fail(engine, insert, h=SECRETS[0], n=SECRETS[3]),  # unique violation: DETAIL quotes the key
        _fail(engine, "SELECT CAST(:v AS uuid)", v=SECRETS[1]),  # the message quotes the value
        _fail(engine, insert, h="x", n=SECRETS[2] + "\x00"),  # NUL in text
    ]
    assert any(SECRETS[0] in str(f.orig) for f in failures)  # the driver does put values in messages
    log = get_logger("kit.test")
    std = logging.getLogger("kit.std")
    for exc in failures:
        try:
            raise RuntimeError("wrapped") from exc
        except RuntimeError:
            log.exception("db.failed")
            std.exception("db failed in %s", "stdlib")
        log.warning("db.failed_text", error=f"{type(exc).__name__}: {exc}")
        log.warning("db.failed_described", error=describe_error(exc))
        std.warning("failed: %s", exc)
    out = captured.getvalue()
    for secret in SECRETS:
        assert secret not in out
    assert "[parameters" not in out and "DETAIL" not in out
    assert "sqlstate=23505" in out and "constraint=person_phone_hash_key" in out  # still useful
    assert "INSERT INTO person" in out and "Traceback" in out
    # A background task's warning names what failed, without the message.
    described = [line for line in out.splitlines() if "db.failed_described" in line]
    assert len(described) == 3 and all("sqlstate=" in line for line in described)
    assert "sqlstate=22P02" in described[1] and "DataError" in described[1]


def test_an_unhandled_database_error_in_a_route_is_a_500_without_values_in_the_log(engine: Engine) -> None:
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        with engine.begin() as conn:
            conn.execute(text("SELECT CAST(:v AS uuid)"), {"v": SECRETS[1]})

    def no_runtime() -> Runtime:
        raise AssertionError("no lifespan here")

    app = create_app(
        settings=ServiceSettings(env="test", service_name="kit-test"),
        title="t",
        description="t",
        routers=[router],
        runtime_factory=no_runtime,
    )
    captured = _capture()  # create_app configured logging afresh
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert SECRETS[1] not in response.text
    out = captured.getvalue()
    assert "http.unhandled_error" in out and "sqlstate=22P02" in out
    assert SECRETS[1] not in out
