"""Structured JSON logs with request and event ids; phone and ID numbers never reach the output."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from typing import Any

import structlog
from structlog.types import EventDict, WrappedLogger

from anju_common.pii import redact

_configured = False


_DB_MODULES = ("sqlalchemy", "psycopg", "sqlite3", "alembic")
_DB_TEXT = re.compile(r"\[SQL: |\((?:psycopg|sqlite3)[.\w]*\)|\nDETAIL: ")


def _is_db_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in _DB_MODULES


def _safe_line(exc: BaseException) -> str:
    """The last line of a traceback; a database error keeps its class, SQLSTATE and SQL, never its text."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if not _is_db_error(exc):
        return f"{name}: {exc}"
    orig = getattr(exc, "orig", None) or exc
    diag = getattr(orig, "diag", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(diag, "sqlstate", None)
    constraint = getattr(diag, "constraint_name", None)
    statement = str(getattr(exc, "statement", "") or "")[:1000]
    sql = f" [SQL: {statement}]" if statement else ""
    return (
        f"{name}: database error sqlstate={sqlstate} constraint={constraint}"
        f" (message hidden: it may quote bound values){sql}"
    )


def describe_error(exc: BaseException) -> str:
    """An error for a log field: class and message, or for a database error its class, SQLSTATE and SQL
    without the message (it may quote bound values)."""
    return _safe_line(exc)[:600]


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _safe_traceback(exc: BaseException) -> str:
    parts: list[str] = []
    for item in reversed(_chain(exc)):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        parts.append(_safe_line(item) + "\n")
    return "".join(parts)


def _hide_db_errors(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Bound SQL values never reach a log line: not from a traceback, nor from str(exc) in a field."""
    exc_info = event_dict.get("exc_info")
    exc: BaseException | None = None
    if exc_info is True:
        exc = sys.exc_info()[1]
    elif isinstance(exc_info, BaseException):
        exc = exc_info
    elif isinstance(exc_info, tuple) and len(exc_info) == 3:
        exc = exc_info[1]
    if exc is not None and any(_is_db_error(e) for e in _chain(exc)):
        event_dict.pop("exc_info")
        event_dict["exception"] = _safe_traceback(exc)
    for key, value in event_dict.items():
        if isinstance(value, str) and key != "exception" and (match := _DB_TEXT.search(value)):
            event_dict[key] = value[: match.start()] + "(database error details hidden)"
    return event_dict


def _redact_processor(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    return {k: redact(v) for k, v in event_dict.items()}


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    """Route structlog and stdlib logging through one JSON renderer with PII redaction."""
    global _configured

    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_service,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _hide_db_errors,
        structlog.processors.format_exc_info,
        _redact_processor,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else (structlog.dev.ConsoleRenderer(colors=False))
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for noisy in ("kafka", "uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    _configured = True


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A structlog logger; configure_logging decides where it goes."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
