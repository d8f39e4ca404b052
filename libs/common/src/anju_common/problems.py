"""RFC 9457 problem+json errors for every service."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from anju_common import i18n
from anju_common.logs import get_logger

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
# English titles: the problem type's code is made from them, whatever language the response speaks.
_TITLES = {status: en for status, (_zh, en) in i18n.TITLES.items()}


class Problem(Exception):
    """Raise to answer with a problem+json document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.code = code or self.title.lower().replace(" ", "-")
        self.headers = headers
        self.extra = extra


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build the problem+json response, in the language the request's Accept-Language prefers."""
    lang = request_language(request)
    english_title = title or _TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": f"urn:anju:problem:{code or english_title.lower().replace(' ', '-')}",
        "title": i18n.title(status, title, lang),
        "status": status,
        "detail": i18n.translate(detail, lang),
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    errors = extra.pop("errors", None)
    body.update(extra)
    if isinstance(errors, list):
        body["errors"] = [_localised_error(e, lang) for e in errors]
    elif errors is not None:
        body["errors"] = errors
    out_headers = {
        **(headers or {}),
        "Content-Language": i18n.CONTENT_LANGUAGE[lang],
        "Vary": "Accept-Language",
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=out_headers)


def request_language(request: Request) -> i18n.Lang:
    """zh or en, from the request's Accept-Language (zh when it names neither)."""
    return i18n.negotiate(request.headers.get("accept-language"))


def _localised_error(error: Any, lang: i18n.Lang) -> Any:
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return {**error, "message": i18n.translate(error["message"], lang)}
    return error


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def validation_errors(errors: list[dict[str, Any]] | Any, lang: i18n.Lang = "en") -> list[dict[str, str]]:
    """One entry per invalid field: its path and a readable message in the language."""
    out = []
    for err in errors:
        msg = i18n.field_message(err, lang)
        out.append({"field": _loc(err.get("loc", ())), "message": msg, "type": str(err.get("type", ""))})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Register handlers so every error leaves as problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.detail, title=exc.title, code=exc.code, headers=exc.headers, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = request_language(request)
        errors = validation_errors(exc.errors(), lang)
        joiner = "; " if lang == "en" else "；"
        detail = joiner.join(f"{e['field']}: {e['message']}" for e in errors[:10])
        return problem_response(
            request, 422, detail or "invalid request", code="validation-error", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("http.unhandled_error", path=request.url.path)
        return problem_response(request, 500, "an unexpected error occurred; it has been logged")
