"""Bulk import on real PostgreSQL: per-row rejections, idempotent re-upload, dry run, CSV in GBK, template."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from anju_common.testing import Infra, wait_for
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from tests.workers.helpers import bad_checksum, make_site, new_id_number, new_phone

pytestmark = pytest.mark.integration

ZH = [
    "户编号",
    "姓名",
    "性别",
    "身份证号",
    "出生年份",
    "手机号",
    "就业类型",
    "技能",
    "需照料家人",
    "监测类型",
]
BAD = {
    17: ("手机号", "12345"),
    240: ("身份证号", "BADCHECKSUM"),
    511: ("出生年份", "1890"),
    777: ("就业类型", "宇航员"),
    998: ("姓名", ""),
}


def _rows(n: int, bad: dict[int, tuple[str, str]] | None = None) -> list[list[Any]]:
    """n worker rows, two per household; bad maps a 0-based row index to (column, value)."""
    rows: list[list[Any]] = []
    for i in range(n):
        id_number = new_id_number(1980 + i % 20) if i % 3 else ""
        row: list[Any] = [
            f"H{i // 2:05d}",
            f"工人{i:04d}",
            "女" if i % 2 else "男",
            id_number,
            1980 + i % 20,
            new_phone(),
            ["外出务工", "就近就业", "亦工亦农", "返乡务农"][i % 4],
            "缝纫工:3:持证;普工" if i % 2 else "电焊:2",
            "是" if i % 5 == 0 else "否",
            "边缘易致贫户" if i % 7 == 0 else "无",
        ]
        if bad and i in bad:
            column, value = bad[i]
            row[ZH.index(column)] = (
                bad_checksum(new_id_number(1980 + i % 20)) if value == "BADCHECKSUM" else value
            )
        rows.append(row)
    return rows


def _xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client: TestClient, name: str, content: bytes, **form: str) -> Any:
    # English problem details: the assertions below read them (the Chinese ones are in test_i18n_workers).
    return client.post(
        "/api/v1/workers/import",
        files={"file": (name, content)},
        data=form,
        headers={"Accept-Language": "en"},
    )


def _count(client: TestClient, site: str) -> int:
    stats = client.get(f"/api/v1/sites/{site}/stats").json()
    return int(sum(g["labour_force"] for g in stats["by_livelihood_type"]))


def test_five_bad_rows_out_of_a_thousand_and_a_second_upload_adds_nothing(
    workers_client: TestClient, infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.config import get_settings

    # Small batches, so this file counts as big: rows after the first batch are validated in a helper process.
    monkeypatch.setattr(get_settings(), "import_chunk_rows", 200)
    site = make_site(workers_client)
    content = _xlsx(ZH, _rows(1000, BAD))
    dry = _upload(workers_client, "workers.xlsx", content, site_id=site, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["created"] == 995 and dry.json()["dry_run"] is True
    assert _count(workers_client, site) == 0
    first = _upload(workers_client, "workers.xlsx", content, site_id=site)
    report = first.json()
    assert first.status_code == 200, first.text
    assert (report["rows"], report["created"], report["rejected"], report["existing"]) == (1000, 995, 5, 0)
    from workers import bulk

    assert bulk._POOL is not None  # the helper-process path was taken
    assert report["households_created"] == 500
    rejected = {(e["row"], e["column"]) for e in report["errors"]}
    assert rejected == {(i + 2, column) for i, (column, _) in BAD.items()}
    reasons = {e["column"]: e["reason"] for e in report["errors"]}
    assert "checksum" in reasons["身份证号"] and "between" in reasons["出生年份"]
    assert _count(workers_client, site) == 995
    second = _upload(workers_client, "workers.xlsx", content, site_id=site).json()
    assert (second["created"], second["existing"], second["rejected"], second["households_created"]) == (
        0,
        995,
        5,
        0,
    )
    assert _count(workers_client, site) == 995
    household = workers_client.get("/api/v1/households", params={"site_id": site, "limit": 1}).json()[
        "items"
    ][0]
    assert household["labour_capable_count"] in (1, 2) and household["zero_employment"] is True
    listed = workers_client.get("/api/v1/workers", params={"site_id": site, "skill": "缝纫"}).json()["items"]
    assert listed and listed[0]["skills"][0] == {"name": "缝纫工", "level": 3, "certified": True}
    assert all("****" in w["phone_masked"] for w in listed)

    def registered_here() -> list[Any]:
        records = infra.read_topic("workers.events", min_count=995, timeout=10)
        return [r for r in records if b"worker.registered" in r.value and site.encode() in r.value]

    registered = wait_for(lambda: len(got := registered_here()) >= 995 and got, timeout=60) or []
    assert len(registered) == 995
    sample = json.loads(registered[0].value)["data"]
    assert sample["location"]["site_id"] == site and "phone" not in sample and "name" not in sample


def test_gbk_csv_with_english_headers_and_site_column(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "household_ref",
            "name",
            "birth_year",
            "phone",
            "livelihood_type",
            "skills",
            "site_id",
            "unavailable_months",
            "available_from",
            "sms_consent",
        ]
    )
    writer.writerow(
        ["A1", "李明", "1979", new_phone(), "亦工亦农", "瓦工:4", site, "4-5,9月", "2026年12月1日", "是"]
    )
    writer.writerow(["A1", "李华", "1982", new_phone(), "local", "保洁", site, "", "2026/1/2", "no"])
    writer.writerow(["A2", "张三", "1990", "+86 139 0000", "migrant", "", site, "", "", ""])
    content = out.getvalue().encode("gbk")
    r = _upload(workers_client, "workers.csv", content)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["created"], report["rejected"]) == (2, 1)
    assert report["errors"][0]["row"] == 4 and report["errors"][0]["column"] == "phone"
    items = workers_client.get("/api/v1/workers", params={"site_id": site}).json()["items"]
    li = next(w for w in items if w["name"] == "李明")
    assert li["unavailable_months"] == [4, 5, 9] and li["available_from"] == "2026-12-01"
    assert li["livelihood_type"] == "worker_peasant" and li["sms_consent"] is True
    assert li["skills"] == [{"name": "瓦工", "level": 4, "certified": False}]


def test_bad_files_and_missing_columns_are_clear_4xx(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    missing = _upload(
        workers_client, "w.xlsx", _xlsx(["姓名", "手机号"], [["王", new_phone()]]), site_id=site
    )
    assert missing.status_code == 422 and "户编号" in missing.json()["detail"]
    assert _upload(workers_client, "w.txt", b"hello", site_id=site).status_code == 415
    assert _upload(workers_client, "w.xlsx", b"not a zip", site_id=site).status_code == 422
    no_site = _upload(workers_client, "w.xlsx", _xlsx(ZH, _rows(1)))
    assert no_site.status_code == 422 and no_site.json()["errors"][0]["field"] == "site_id"
    dup = _upload(workers_client, "w.xlsx", _xlsx(ZH, [_rows(1)[0]] * 2), site_id=site).json()
    assert dup["created"] == 1 and dup["rejected"] == 1 and "row 2" in dup["errors"][0]["reason"]


def test_limits_roles_and_dry_run_errors(workers_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.config import get_settings

    from tests.workers.helpers import headers

    site = make_site(workers_client)
    content = _xlsx(ZH, _rows(5, {1: ("手机号", "123")}))
    employer = headers("employer", employer_id=site)
    r = workers_client.post(
        "/api/v1/workers/import",
        files={"file": ("w.xlsx", content)},
        data={"site_id": site},
        headers=employer,
    )
    assert r.status_code == 403
    other_staff = headers("office_staff", site_ids=[make_site(workers_client)])
    r = workers_client.post(
        "/api/v1/workers/import",
        files={"file": ("w.xlsx", content)},
        data={"site_id": site},
        headers=other_staff,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "site_id"
    dry = _upload(workers_client, "w.xlsx", content, site_id=site, dry_run="true").json()
    assert (dry["created"], dry["rejected"], dry["errors"][0]["row"]) == (4, 1, 3)
    assert _count(workers_client, site) == 0
    monkeypatch.setattr(get_settings(), "import_max_rows", 3)
    too_many = _upload(workers_client, "w.xlsx", content, site_id=site)
    assert too_many.status_code == 413 and "at most 3 rows" in too_many.json()["detail"]
    assert _count(workers_client, site) == 0


def test_template_downloads_and_its_headers_import(workers_client: TestClient) -> None:
    r = workers_client.get("/api/v1/workers/import/template")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    header = [c.value for c in wb.worksheets[0][1]]
    assert "户编号*" in header and "手机号*" in header and "身份证号" in header
    site = make_site(workers_client)
    row: dict[str, Any] = {
        "户编号*": "T1",
        "姓名*": "赵六",
        "手机号*": new_phone(),
        "就业类型*": "就近就业",
        "出生年份": 1988,
        "身份证号": new_id_number(1988),
    }
    content = _xlsx([str(h) for h in header], [[row.get(str(h)) for h in header]])
    report = _upload(workers_client, "filled.xlsx", content, site_id=site).json()
    assert report["created"] == 1, report


def test_a_zip_bomb_is_refused_before_it_is_unpacked(workers_client: TestClient) -> None:
    import zipfile

    site = make_site(workers_client)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b"<worksheet><sheetData>")
            row = b'<row><c t="inlineStr"><is><t>' + b"A" * 60 + b"</t></is></c></row>"
            for _ in range(200):
                part.write(row * 10_000)  # 180 MB in all, about 2 MB packed
            part.write(b"</sheetData></worksheet>")
    assert len(packed.getvalue()) < 3_000_000
    r = _upload(workers_client, "bomb.xlsx", packed.getvalue(), site_id=site)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("xlsx-too-large") and r.json()["detail"].startswith("工作簿解压后过大")
    assert _count(workers_client, site) == 0


def test_a_nul_character_in_a_cell_is_a_row_error(workers_client: TestClient) -> None:
    site = make_site(workers_client)
    rows = _rows(3)
    rows[1][ZH.index("姓名")] = "王\x00五"
    text = io.StringIO()
    csv.writer(text).writerows([ZH, *rows])
    report = _upload(workers_client, "w.csv", text.getvalue().encode(), site_id=site).json()
    assert (report["created"], report["rejected"]) == (2, 1), report
    assert report["errors"][0]["row"] == 3 and report["errors"][0]["column"] == "姓名"
    assert "NUL" in report["errors"][0]["reason"]
