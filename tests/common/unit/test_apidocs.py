"""/docs and /redoc load every asset from Anju itself: no CDN, no web font, no validator badge."""

from __future__ import annotations

import re

import pytest
from anju_common.apidocs import ASSETS_PATH, install_docs
from fastapi import FastAPI
from fastapi.testclient import TestClient

URL = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]?([^'" )>]+)""", re.I)


def external_references(html: str) -> list[str]:
    """Every URL an HTML page loads that is not on its own host (absolute or protocol-relative)."""
    refs = URL.findall(html) + re.findall(r"""['"]((?:https?:)?//[^'"]+)['"]""", html)
    return sorted({r for r in refs if r.startswith(("http:", "https:", "//"))})


@pytest.fixture
def client() -> TestClient:
    app = FastAPI(title="t", docs_url=None, redoc_url=None)
    install_docs(app)
    return TestClient(app)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_no_external_host(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert external_references(html) == [], html
    assets = re.findall(rf"{ASSETS_PATH}/[\w.-]+", html)
    assert assets, html
    for asset in set(assets):
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 1000, asset
    if page == "/docs":
        assert '"validatorUrl": null' in html
        assert "/openapi.json" in html


def test_external_reference_finder_sees_a_cdn() -> None:
    html = '<script src="https://cdn.jsdelivr.net/x.js"></script><link href="//fonts.example/c.css">'
    assert len(external_references(html)) == 2


def test_assets_name_no_external_image(client: TestClient) -> None:
    script = client.get(f"{ASSETS_PATH}/redoc.standalone.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert b"cdn.redoc.ly" not in script.content
    assert f"{ASSETS_PATH}/favicon.png".encode() in script.content
