"""The console's app: server-rendered pages over the gateway's public API (no database of its own)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from anju_common.app import RequestContextMiddleware
from anju_common.i18n import translate
from anju_common.logs import configure_logging, get_logger
from anju_common.serving import client_limits
from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.middleware.sessions import SessionMiddleware

from console import api
from console.api import ApiError, Gateway, NotSignedIn
from console.charts import Bar, bar_chart
from console.config import get_settings
from console.text import LANGS, label, t

log = get_logger(__name__)
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
SESSION_LANG = "lang"
# The next statuses an office may record from each status (the API decides; this only picks the buttons).
ACTIONS: dict[str, list[str]] = {
    "proposed": ["interested", "declined"],
    "notified": ["interested", "declined"],
    "interested": ["referred", "declined"],
    "referred": ["hired", "rejected"],
}
BREAKDOWN = ("skill", "commute", "wage", "schedule", "household")
# The filters of the worker list that its xlsx export takes too.
EXPORT_FILTERS = (
    "site_id",
    "q",
    "phone_last4",
    "id_last4",
    "skill",
    "employment_status",
    "livelihood_type",
    "household_id",
    "zero_employment",
)
# The match statuses that belong to a worker's employment history (referred to an employer and after).
HISTORY_STATUSES = ("referred", "hired", "rejected", "left")
# Feed items that are work for the office (a follow-up nobody answered) rather than news.
TASK_PREFIX = "follow_up"
# Feed items the dashboard shows as today's alerts (site alerts of workers.events, zero-employment warnings).
ALERT_KINDS = {"employment_drop", "household_fell_back_to_zero", "wage_arrears", "site_alert"}


def is_task(item: dict[str, Any]) -> bool:
    """A feed item that asks the office to do something (follow-up tasks)."""
    return str(item.get("kind", "")).startswith(TASK_PREFIX)


def is_alert(item: dict[str, Any]) -> bool:
    """A feed item the dashboard lists among today's alerts."""
    kind = str(item.get("kind", ""))
    return kind in ALERT_KINDS or kind.endswith("_alert") or is_task(item)


def lang_of(request: Request) -> str:
    """The page language: Chinese unless the user switched to English (office PCs often run an English
    browser whatever their users read, so the browser's Accept-Language does not decide)."""
    chosen = request.session.get(SESSION_LANG)
    return str(chosen) if chosen in LANGS else "zh"


def gateway(request: Request) -> Gateway:
    """The API as the signed-in user."""
    return Gateway(request, request.app.state.http, lang_of(request))


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the user's language."""
    lang = lang_of(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": lambda key: t(key, lang),
            "label": lambda value: label(value, lang),
            "reason_text": lambda r: r.get("zh") if lang == "zh" else r.get("en"),
            "tr": lambda text: translate(str(text), "zh" if lang == "zh" else "en"),
            "signed_in": api.SESSION_TOKENS in request.session,
            "me": request.session.get("me") or {},
            "here": here,
            "switch_url": "/lang?" + urlencode({"to": "en" if lang == "zh" else "zh", "next": here}),
            **context,
        },
        status_code=status_code,
    )


def _error_page(request: Request, exc: ApiError) -> HTMLResponse:
    return render(request, "error.html", status_code=exc.status if exc.status < 500 else 502, error=exc)


async def _sites(gw: Gateway) -> list[dict[str, Any]]:
    page = await gw.get("/api/v1/sites", {"limit": 200})
    items: list[dict[str, Any]] = page["items"]
    return items


async def _together(*calls: Awaitable[Any]) -> list[Any]:
    """A page's independent API calls at once (each one waits on the gateway, not on the others); the
    first failure in the page's order is raised, as when they ran one after another."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)


async def _optional(gw: Gateway, path: str, params: dict[str, Any] | None = None) -> Any:
    """An answer the page can do without: None when the API does not offer it (404, e.g. a service that
    does not have the endpoint yet) or does not let this user read it (403)."""
    try:
        return await gw.get(path, params)
    except ApiError as exc:
        if exc.status in (403, 404, 405):
            return None
        raise


def _items(answer: Any) -> list[dict[str, Any]]:
    """The rows of a list answer, whether a page ({items}) or a bare list."""
    if isinstance(answer, dict):
        answer = answer.get("items")
    return [a for a in answer if isinstance(a, dict)] if isinstance(answer, list) else []


async def _download(gw: Gateway, path: str, params: dict[str, Any] | None = None) -> Response:
    """A file the API makes (xlsx), passed through with its name."""
    clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    upstream = await gw.send("GET", path, params=clean)
    return Response(
        upstream.content,
        media_type=upstream.headers.get("content-type", "application/octet-stream"),
        headers={
            "Content-Disposition": upstream.headers.get("content-disposition", "attachment"),
            "Cache-Control": "no-store",
        },
    )


def _pick_site(sites: list[dict[str, Any]], wanted: str | None) -> dict[str, Any] | None:
    for site in sites:
        if wanted and site["id"] == wanted:
            return site
    return sites[0] if sites else None


def make_app() -> FastAPI:
    """Build the console app from current settings."""
    settings = get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.http = httpx.AsyncClient(
            base_url=settings.gateway_url,
            timeout=settings.request_timeout_seconds,
            limits=client_limits(100, 20),
        )
        log.info("service.started", host=settings.host, port=settings.port, gateway=settings.gateway_url)
        try:
            yield
        finally:
            await app.state.http.aclose()
            log.info("service.stopped")

    app = FastAPI(
        title="Anju office console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="anju_console",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _error_page(request, exc)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request, response: Response) -> dict[str, Any]:
        try:
            ok = (await request.app.state.http.get("/healthz", timeout=3)).status_code == 200
        except httpx.HTTPError:
            ok = False
        response.status_code = 200 if ok else 503
        return {"status": "ok" if ok else "unavailable", "checks": {"gateway": "ok" if ok else "error"}}

    @app.get("/lang")
    def switch_language(request: Request, to: str = "zh", next: str = "/") -> RedirectResponse:
        request.session[SESSION_LANG] = to if to in LANGS else "zh"
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        return RedirectResponse(target, status_code=303)

    # ------------------------------------------------------------------ login
    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return render(request, "login.html", next=next, error=None, username="")

    @app.post("/login")
    async def login_submit(
        request: Request,
        username: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        try:
            tokens = await api.login(request.app.state.http, username, password, lang_of(request))
        except ApiError as exc:
            return render(
                request, "login.html", status_code=exc.status, next=next, error=exc, username=username
            )
        request.session[api.SESSION_TOKENS] = tokens
        me = await gateway(request).get("/api/v1/auth/me")
        request.session["me"] = {"username": username, "role": me["role"], "site_ids": me["site_ids"]}
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        return RedirectResponse(target, status_code=303)

    @app.post("/logout")
    async def logout(request: Request) -> RedirectResponse:
        tokens = request.session.get(api.SESSION_TOKENS)
        if isinstance(tokens, dict):
            await api.logout(request.app.state.http, tokens)
        lang = request.session.get(SESSION_LANG)
        request.session.clear()
        if lang:
            request.session[SESSION_LANG] = lang
        return RedirectResponse("/login", status_code=303)

    # ------------------------------------------------------------------ dashboard
    @app.get("/", response_class=HTMLResponse)
    async def dashboard(request: Request, site_id: str | None = None) -> HTMLResponse:
        gw = gateway(request)
        sites = await _sites(gw)
        site = _pick_site(sites, site_id)
        stats: dict[str, Any] | None = None
        feed: Any = None
        if site:
            stats, feed = await _together(
                gw.get(f"/api/v1/sites/{site['id']}/stats"),
                _optional(gw, f"/api/v1/offices/{site['id']}/feed", {"limit": 100}),
            )
        charts: list[Markup] = []
        if stats:
            lang = lang_of(request)
            charts.append(
                bar_chart(
                    t("chart_employment", lang),
                    [
                        Bar(label(g["key"], lang), g["employment_rate"], f"{g['employment_rate']:.0%}")
                        for g in stats["by_livelihood_type"]
                    ],
                    maximum=1.0,
                )
            )
            charts.append(
                bar_chart(
                    t("chart_households", lang),
                    [
                        Bar(
                            label(c["key"], lang),
                            c["zero_employment_households"],
                            f"{c['zero_employment_households']} / {c['households']}",
                        )
                        for c in stats["by_monitoring_category"]
                    ],
                )
            )
        alerts: list[dict[str, Any]] = []
        if site:
            since = datetime.now(UTC) - timedelta(hours=24)
            alerts = [i for i in _items(feed) if is_alert(i) and _parsed(i.get("created_at")) >= since][::-1][
                :10
            ]
        retention = tables_of((stats or {}).get("retention"))
        return render(
            request,
            "dashboard.html",
            sites=sites,
            site=site,
            stats=stats,
            charts=charts,
            alerts=alerts,
            retention=retention,
        )

    @app.get("/sites/{site_id}/stats.xlsx")
    async def stats_xlsx(request: Request, site_id: uuid.UUID) -> Response:
        return await _download(gateway(request), f"/api/v1/sites/{site_id}/stats.xlsx")

    @app.get("/downloads", response_class=HTMLResponse)
    async def downloads(request: Request, site_id: str | None = None) -> HTMLResponse:
        """Statistics and rosters as xlsx: the site's statistics, its service-standard ledger, each
        organised departure's roster (when the API offers departures)."""
        gw = gateway(request)
        sites = await _sites(gw)
        site = _pick_site(sites, site_id)
        departures = None
        if site:
            departures = await _optional(gw, "/api/v1/departures", {"site_id": site["id"], "limit": 50})
        return render(
            request,
            "downloads.html",
            sites=sites,
            site=site,
            departures=_items(departures),
            departures_available=departures is not None,
            year=datetime.now(UTC).year,
        )

    @app.get("/sites/{site_id}/service-standard.xlsx")
    async def standard_xlsx(request: Request, site_id: uuid.UUID, year: int | None = None) -> Response:
        return await _download(
            gateway(request), f"/api/v1/sites/{site_id}/service-standard.xlsx", {"year": year}
        )

    @app.get("/departures/{departure_id}/roster.xlsx")
    async def roster_xlsx(request: Request, departure_id: uuid.UUID) -> Response:
        return await _download(gateway(request), f"/api/v1/departures/{departure_id}/roster.xlsx")

    # ------------------------------------------------------------------ households and workers
    @app.get("/households", response_class=HTMLResponse)
    async def households(
        request: Request,
        site_id: str | None = None,
        zero_employment: str | None = None,
        monitoring_category: str | None = None,
        cursor: str | None = None,
    ) -> HTMLResponse:
        gw = gateway(request)
        sites = await _sites(gw)
        site = _pick_site(sites, site_id)
        filters = {
            "site_id": site["id"] if site else None,
            "zero_employment": zero_employment or None,
            "monitoring_category": monitoring_category or None,
        }
        page = await gw.get("/api/v1/households", {**filters, "cursor": cursor, "limit": 50})
        return render(
            request,
            "households.html",
            sites=sites,
            site=site,
            filters=filters,
            page=page,
            next_url=_next_url("/households", filters, page),
        )

    @app.get("/workers", response_class=HTMLResponse)
    async def workers(
        request: Request,
        site_id: str | None = None,
        q: str | None = None,
        phone_last4: str | None = None,
        id_last4: str | None = None,
        skill: str | None = None,
        employment_status: str | None = None,
        livelihood_type: str | None = None,
        household_id: str | None = None,
        cursor: str | None = None,
    ) -> HTMLResponse:
        gw = gateway(request)
        sites = await _sites(gw)
        site = _pick_site(sites, site_id)
        filters = {
            "site_id": site["id"] if site else None,
            "q": (q or "").strip() or None,
            "phone_last4": (phone_last4 or "").strip() or None,
            "id_last4": (id_last4 or "").strip() or None,
            "skill": (skill or "").strip() or None,
            "employment_status": employment_status or None,
            "livelihood_type": livelihood_type or None,
            "household_id": household_id or None,
        }
        error: ApiError | None = None
        page: dict[str, Any] = {"items": [], "next_cursor": None}
        try:
            page = await gw.get("/api/v1/workers", {**filters, "cursor": cursor, "limit": 50})
        except ApiError as exc:
            if exc.status != 422:
                raise
            error = exc
        context: dict[str, Any] = {
            "sites": sites,
            "site": site,
            "filters": filters,
            "page": page,
            "error": error,
            "next_url": _next_url("/workers", filters, page),
            "export_url": "/workers/export.xlsx?" + urlencode({k: v for k, v in filters.items() if v}),
        }
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "results":
            return render(request, "workers_results.html", **context)
        return render(request, "workers.html", **context)

    @app.get("/workers/export.xlsx")
    async def workers_export(request: Request) -> Response:
        params = {k: request.query_params.get(k) for k in EXPORT_FILTERS}
        return await _download(gateway(request), "/api/v1/workers/export.xlsx", params)

    @app.get("/taxonomy/trades", response_class=HTMLResponse)
    async def trade_options(request: Request, skill: str = "", q: str = "") -> HTMLResponse:
        typed = (q or skill).strip()[:50]
        options: list[dict[str, Any]] = []
        if typed:
            options = _items(await _optional(gateway(request), "/api/v1/taxonomy/trades", {"q": typed}))
        return render(request, "_trade_options.html", options=options)

    async def _worker_context(gw: Gateway, worker_id: uuid.UUID) -> dict[str, Any]:
        async def worker_and_household() -> tuple[Any, Any]:
            worker = await gw.get(f"/api/v1/workers/{worker_id}")
            return worker, await gw.get(f"/api/v1/households/{worker['household_id']}")

        (worker, household), matches, placements, follow_ups, reveals = await _together(
            worker_and_household(),
            _optional(gw, f"/api/v1/workers/{worker_id}/matches"),
            _optional(gw, f"/api/v1/workers/{worker_id}/placements"),
            _optional(gw, f"/api/v1/workers/{worker_id}/follow-ups"),
            _optional(gw, "/api/v1/pii-reveals", {"worker_id": str(worker_id), "limit": 20}),
        )
        # Matching learns of a new worker from its event: until then it does not know the worker (404),
        # and the page shows no proposals rather than an error.
        matches = matches if isinstance(matches, dict) else {"matches": []}
        placement_rows = _items(placements)
        follow_up_rows = _items(follow_ups) or [
            {**f, "job_title": f.get("job_title") or p.get("job_title")}
            for p in placement_rows
            for f in p.get("follow_ups") or []
            if isinstance(f, dict)
        ]
        history = [
            m
            for m in matches.get("matches", [])
            if m.get("status") in ("referred", "hired", "rejected", "left")
        ]
        return {
            "worker": worker,
            "household": household,
            "matches": matches,
            "placements": placement_rows,
            "placements_available": placements is not None,
            "follow_ups": sorted(follow_up_rows, key=lambda f: str(f.get("due_on") or "")),
            "reveals": _items(reveals) if reveals is not None else None,
            "history": history,
            "revealed": None,
            "reveal_error": None,
        }

    @app.get("/workers/{worker_id}", response_class=HTMLResponse)
    async def worker_page(request: Request, worker_id: uuid.UUID) -> HTMLResponse:
        context = await _worker_context(gateway(request), worker_id)
        return render(request, "worker.html", **context)

    @app.post("/workers/{worker_id}/reveal", response_class=HTMLResponse)
    async def worker_reveal(
        request: Request,
        worker_id: uuid.UUID,
        reason: Annotated[str, Form()] = "",
        field: Annotated[str, Form()] = "phone",
    ) -> HTMLResponse:
        gw = gateway(request)
        revealed: dict[str, Any] | None = None
        error: ApiError | None = None
        try:
            answer = await gw.post(
                f"/api/v1/workers/{worker_id}/reveal",
                json={"field": field if field in ("phone", "id_number") else "phone", "reason": reason},
            )
        except ApiError as exc:
            if exc.status >= 500:
                raise
            error = exc
        else:
            # The audit entry as the API recorded it when the user may read the log (admins); otherwise
            # the record the reveal answered with, and what was sent with it.
            revealed = {
                **answer,
                "reason": reason.strip(),
                "actor": (request.session.get("me") or {}).get("username", ""),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        context = await _worker_context(gw, worker_id)
        if revealed:
            logged = [r for r in context["reveals"] or [] if str(r.get("id")) == str(revealed["audit_id"])]
            if logged:
                revealed = {**revealed, **logged[0], "value": revealed.get("value")}
        context.update(revealed=revealed, reveal_error=error, reveal_reason=reason)
        response = render(
            request, "worker.html", status_code=200 if error is None else error.status, **context
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    # ------------------------------------------------------------------ jobs and matches
    @app.get("/jobs", response_class=HTMLResponse)
    async def jobs(
        request: Request, site_id: str | None = None, status: str = "open", cursor: str | None = None
    ) -> HTMLResponse:
        gw = gateway(request)
        filters = {"site_id": site_id or None, "status": status or None}
        page = await gw.get("/api/v1/jobs", {**filters, "cursor": cursor, "limit": 50})
        return render(
            request, "jobs.html", page=page, filters=filters, next_url=_next_url("/jobs", filters, page)
        )

    async def _job_context(gw: Gateway, job_id: uuid.UUID) -> dict[str, Any]:
        job, result = await _together(
            gw.get(f"/api/v1/jobs/{job_id}"),
            gw.get(f"/api/v1/jobs/{job_id}/matches", {"include_ranking": "true", "limit": 50}),
        )
        listed = result["matches"] + (result.get("ranking") or [])
        names = await _worker_names(gw, [m["worker_id"] for m in listed])
        return {
            "job": job,
            "matches": result["matches"],
            "ranking": result.get("ranking") or [],
            "names": names,
            "actions": ACTIONS,
            "breakdown_keys": BREAKDOWN,
            "explain": None,
            "explain_error": None,
            "candidates": [],
            "why_q": "",
        }

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(request: Request, job_id: uuid.UUID, done: str | None = None) -> HTMLResponse:
        context = await _job_context(gateway(request), job_id)
        return render(request, "job.html", done=done, **context)

    @app.get("/jobs/{job_id}/explain", response_class=HTMLResponse)
    async def job_explain(
        request: Request, job_id: uuid.UUID, q: str = "", worker_id: uuid.UUID | None = None
    ) -> HTMLResponse:
        """Why a worker is (not) in the job's ranking: pick the worker by name or phone digits, then ask
        the explain endpoint."""
        gw = gateway(request)
        typed = q.strip()

        async def explained(wid: uuid.UUID) -> tuple[Any, ApiError | None]:
            try:
                return await gw.get(f"/api/v1/jobs/{job_id}/matches/explain", {"worker_id": str(wid)}), None
            except ApiError as exc:
                if exc.status >= 500:
                    raise
                return None, exc

        async def candidates() -> tuple[list[dict[str, Any]], ApiError | None]:
            by = {"phone_last4": typed} if typed.isdigit() and len(typed) == 4 else {"q": typed[:100]}
            try:
                found = await gw.get("/api/v1/workers", {**by, "limit": 20})
            except ApiError as exc:
                if exc.status != 422:
                    raise
                return [], exc
            return list(found["items"]), None

        explain: Any = None
        error: ApiError | None = None
        found: list[dict[str, Any]] = []
        if worker_id is not None:
            context, (explain, error) = await _together(_job_context(gw, job_id), explained(worker_id))
        elif typed:
            context, (found, error) = await _together(_job_context(gw, job_id), candidates())
            if len(found) == 1:
                worker_id = uuid.UUID(str(found[0]["id"]))
                explain, error = await explained(worker_id)
        else:
            context = await _job_context(gw, job_id)
        context.update(why_q=typed, candidates=found, explain_error=error)
        if worker_id is not None and explain is not None:
            context["explain"] = explain
            context["explain_name"] = next(
                (str(w.get("name") or "") for w in found if str(w["id"]) == str(worker_id)),
                context["names"].get(str(worker_id), ""),
            )
            if not context["explain_name"]:
                worker = await _optional(gw, f"/api/v1/workers/{worker_id}")
                context["explain_name"] = str((worker or {}).get("name") or "")
        return render(request, "job.html", done=None, **context)

    @app.post("/matches/{match_id}/status")
    async def match_status(
        request: Request,
        match_id: uuid.UUID,
        status: Annotated[str, Form()],
        job_id: Annotated[str, Form()],
        note: Annotated[str, Form()] = "",
    ) -> Response:
        body: dict[str, Any] = {"status": status}
        if note.strip():
            body["note"] = note.strip()
        await gateway(request).post(f"/api/v1/matches/{match_id}/status", json=body)
        return RedirectResponse(f"/jobs/{uuid.UUID(job_id)}?done={status}", status_code=303)

    # ------------------------------------------------------------------ import
    @app.get("/import", response_class=HTMLResponse)
    async def import_page(request: Request, site_id: str | None = None) -> HTMLResponse:
        sites = await _sites(gateway(request))
        return render(
            request, "import.html", sites=sites, site=_pick_site(sites, site_id), report=None, error=None
        )

    @app.post("/import", response_class=HTMLResponse)
    async def import_upload(
        request: Request,
        file: UploadFile,
        site_id: Annotated[str, Form()],
        dry_run: Annotated[str | None, Form()] = None,
    ) -> HTMLResponse:
        gw = gateway(request)
        sites = await _sites(gw)
        content = await file.read()
        report: dict[str, Any] | None = None
        error: ApiError | None = None
        try:
            report = await gw.post(
                "/api/v1/workers/import",
                files={
                    "file": (
                        file.filename or "upload",
                        content,
                        file.content_type or "application/octet-stream",
                    )
                },
                data={"site_id": site_id, "dry_run": "true" if dry_run else "false"},
            )
        except ApiError as exc:
            if exc.status >= 500:
                raise
            error = exc
        return render(
            request,
            "import.html",
            status_code=200 if error is None else error.status,
            sites=sites,
            site=_pick_site(sites, site_id),
            report=report,
            error=error,
            filename=file.filename,
        )

    @app.get("/import/template")
    async def import_template(request: Request) -> Response:
        return await _download(gateway(request), "/api/v1/workers/import/template")

    # ------------------------------------------------------------------ office feed
    @app.get("/feed", response_class=HTMLResponse)
    async def feed(request: Request, site_id: str | None = None) -> HTMLResponse:
        gw = gateway(request)
        sites = await _sites(gw)
        site = _pick_site(sites, site_id)
        page: dict[str, Any] = {"items": [], "next_cursor": None}
        if site:
            page = await gw.get(f"/api/v1/offices/{site['id']}/feed", {"limit": 200})
        items = list(reversed(page["items"]))
        last_id = page["items"][-1]["id"] if page["items"] else None
        tasks = [i for i in items if is_task(i)]
        return render(request, "feed.html", sites=sites, site=site, items=items, tasks=tasks, last_id=last_id)

    @app.get("/feed/stream")
    async def feed_stream(
        request: Request, site_id: uuid.UUID, after: int | None = None
    ) -> StreamingResponse:
        gw = gateway(request)
        gw._tokens()  # a missing login is a redirect before the stream starts
        lang = lang_of(request)
        resume = request.headers.get("last-event-id") or (str(after) if after is not None else None)
        headers = {"Last-Event-ID": resume} if resume and resume.isdigit() else {}

        async def events() -> AsyncIterator[bytes]:
            try:
                async with gw.stream(f"/api/v1/offices/{site_id}/feed/stream", headers=headers) as upstream:
                    event_id: str | None = None
                    async for line in upstream.aiter_lines():
                        if line.startswith("id:"):
                            event_id = line[3:].strip()
                        elif line.startswith("data:"):
                            for chunk in feed_events(json.loads(line[5:].strip()), event_id, lang):
                                yield chunk
                        elif line.startswith(":"):
                            yield b": ping\n\n"
                        if await request.is_disconnected():
                            return
            except (httpx.HTTPError, ApiError, NotSignedIn) as exc:
                log.warning("feed.stream_ended", error=type(exc).__name__)

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    return app


def feed_events(item: dict[str, Any], event_id: str | None, lang: str) -> list[bytes]:
    """One feed item as server-sent events: always for the feed list, and for the task list when it is one."""
    out = []
    names = [("feed", "feed_item.html")] + ([("task", "task_item.html")] if is_task(item) else [])
    for event, template in names:
        html = templates.get_template(template).render(
            item=item, label=lambda v: label(v, lang), t=lambda key: t(key, lang)
        )
        flat = " ".join(html.split())
        out.append(f"id: {event_id}\nevent: {event}\ndata: {flat}\n\n".encode())
    return out


def _parsed(value: Any) -> datetime:
    """An API timestamp (ISO 8601), or the distant past when there is none."""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def tables_of(value: Any, title: str = "") -> list[dict[str, Any]]:
    """A nested statistics answer (e.g. retention by site, employer, livelihood type) as plain tables of
    {title, columns, rows}: the console shows whatever grouping the API reports without knowing it."""
    scalar = (str, int, float, bool, type(None))
    if isinstance(value, dict) and value and all(isinstance(v, scalar) for v in value.values()):
        return [{"title": title, "columns": list(value), "rows": [list(value.values())]}]
    if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
        columns = list(dict.fromkeys(k for r in value for k, v in r.items() if isinstance(v, scalar)))
        return [{"title": title, "columns": columns, "rows": [[r.get(c) for c in columns] for r in value]}]
    if isinstance(value, dict):
        return [t for key, sub in value.items() for t in tables_of(sub, f"{title} · {key}" if title else key)]
    return []


def _next_url(path: str, filters: dict[str, Any], page: dict[str, Any]) -> str | None:
    cursor = page.get("next_cursor")
    if not cursor:
        return None
    params = {k: v for k, v in filters.items() if v}
    params["cursor"] = cursor
    return f"{path}?{urlencode(params)}"


async def _worker_names(gw: Gateway, ids: list[str]) -> dict[str, str]:
    """Names of the workers a page lists (rankings carry ids only), in one call per hundred."""
    wanted = list(dict.fromkeys(ids))
    names: dict[str, str] = {}

    async def quietly(chunk: list[str]) -> Any:
        try:
            return await gw.get("/api/v1/workers", {"id": chunk, "limit": len(chunk)})
        except ApiError:
            return None

    chunks = [wanted[i : i + 100] for i in range(0, len(wanted), 100)]
    for page in await asyncio.gather(*(quietly(c) for c in chunks)):
        for worker in (page or {}).get("items", []):
            names[str(worker["id"])] = str(worker.get("name") or worker.get("name_masked") or "")
    return names


def highlight(text: str, needle: str | None) -> Markup:
    """Text with a searched part marked."""
    if not needle or needle not in text:
        return escape(text)
    before, _, after = text.partition(needle)
    return Markup(f"{escape(before)}<mark>{escape(needle)}</mark>{escape(after)}")  # noqa: S704


templates.env.filters["highlight"] = highlight
app = make_app()
