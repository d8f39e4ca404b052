"""/docs (Swagger UI) and /redoc served with their scripts from Anju itself, so they work with no internet."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

# The Swagger UI and ReDoc dist files come from a PyPI package (fastapi-offline ships them); we serve only
# its static folder, from our own route.
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_PATH = "/docs-assets"
# ReDoc's menu shows its maker's logo from their CDN; we point it at our own icon instead.
_REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@lru_cache(maxsize=1)
def redoc_script() -> bytes:
    """redoc.standalone.js with its one hard-coded external image replaced by a local one."""
    script = (ASSETS_DIR / "redoc.standalone.js").read_bytes()
    return script.replace(_REDOC_LOGO, f"{ASSETS_PATH}/favicon.png".encode())


def install_docs(app: FastAPI, *, openapi_url: str = "/openapi.json", title: str | None = None) -> None:
    """Add /docs, /redoc and the local route their assets load from."""
    name = title or app.title

    @app.get(f"{ASSETS_PATH}/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:
        return Response(
            redoc_script(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{name} — API 文档",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            # The default validator badge loads an image from the Swagger project's site.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{name} — API 文档",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
