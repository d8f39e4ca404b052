"""Zip bombs and oversized sheets are refused from the zip directory and one streamed pass, before parsing."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from anju_common.problems import Problem
from openpyxl import Workbook
from workers.upload import XlsxLimits, check_xlsx, read_table

HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
ROW = b'<row><c t="inlineStr"><is><t>' + b"A" * 60 + b"</t></is></c></row>"


def sheet_zip(body: bytes, *, level: int = 6, zip64: bool = False) -> bytes:
    """A workbook-shaped zip with one worksheet part."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as part:
            part.write(HEAD + b"<sheetData>")
            part.write(body)
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


def refused(data: bytes, limits: XlsxLimits) -> Problem:
    with pytest.raises(Problem) as err:
        list(read_table("bomb.xlsx", io.BytesIO(data), limits))
    return err.value


def test_a_bomb_is_refused_by_its_declared_size() -> None:
    # 180 MB of one repeated row packs into about 2 MB (ratios that high are refused too: see below).
    bomb = sheet_zip(ROW * 2_000_000, level=1, zip64=True)
    assert len(bomb) < 3_000_000
    problem = refused(bomb, XlsxLimits(max_rows=50_000))
    assert (problem.status, problem.code) == (413, "xlsx-too-large")
    assert problem.detail.startswith("工作簿解压后过大") and "unpacks to" in problem.detail


def test_a_part_with_an_absurd_compression_ratio_is_refused() -> None:
    bomb = sheet_zip(ROW * 100_000, level=9)  # 8 MB that packs a few hundred times
    problem = refused(bomb, XlsxLimits(max_rows=50_000))
    assert (problem.status, problem.code) == (413, "xlsx-compression-ratio")


def test_a_part_that_unpacks_to_more_than_it_declares_is_refused() -> None:
    data = bytearray(sheet_zip(b"".join(b"<row><c><v>%d</v></c></row>" % i for i in range(300_000)), level=1))
    # Rewrite the sheet's declared uncompressed size in the central directory (what the checks read) to 1 kB.
    name = b"xl/worksheets/sheet1.xml"
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 1024)
    problem = refused(bytes(data), XlsxLimits(max_rows=500_000))
    assert (problem.status, problem.code) == (413, "xlsx-too-large")


def test_rows_cells_and_the_declared_dimension_are_limited_before_reading() -> None:
    rows = b"".join(b"<row><c><v>%d</v></c></row>" % i for i in range(5_000))
    problem = refused(sheet_zip(rows), XlsxLimits(max_rows=1_000))
    assert (problem.status, problem.code) == (413, "too-many-rows")
    assert "at most 1000 rows" in problem.detail
    declared = io.BytesIO()
    with zipfile.ZipFile(declared, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            HEAD
            + b'<dimension ref="A1:Z1000000"/><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>',
        )
    problem = refused(declared.getvalue(), XlsxLimits(max_rows=50_000))
    assert (problem.status, problem.code) == (413, "too-many-rows")
    wide = io.BytesIO()
    with zipfile.ZipFile(wide, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/worksheets/sheet1.xml", HEAD + b'<dimension ref="A1:XFD40000"/><sheetData/></worksheet>'
        )
    problem = refused(wide.getvalue(), XlsxLimits(max_rows=50_000))
    assert (problem.status, problem.code) == (413, "too-many-cells")
    cells = b"<row>" + b"<c><v>1</v></c>" * 5_000 + b"</row>"
    problem = refused(sheet_zip(cells * 3), XlsxLimits(max_rows=50_000, max_cells=10_000, max_ratio=10_000))
    assert (problem.status, problem.code) == (413, "too-many-cells")


def test_an_ordinary_workbook_passes_the_checks_and_reads() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["户编号", "姓名"])
    for i in range(2_000):
        ws.append([f"H{i}", f"工人{i}"])
    notes = wb.create_sheet("说明 notes")
    notes.append(["列 column"])
    out = io.BytesIO()
    wb.save(out)
    stream = io.BytesIO(out.getvalue())
    check_xlsx(stream, XlsxLimits(max_rows=2_000))
    rows = list(read_table("ok.xlsx", stream, XlsxLimits(max_rows=2_000)))
    assert rows[0] == ["户编号", "姓名"] and len(rows) == 2_001


def test_csv_rows_are_counted_before_any_row_is_read() -> None:
    text = "户编号,姓名\n" + "".join(f"H{i},王{i}\n" for i in range(20)) + "\n\n"
    with pytest.raises(Problem) as err:
        next(read_table("w.csv", io.BytesIO(text.encode()), XlsxLimits(max_rows=10)))
    assert (err.value.status, err.value.code) == (413, "too-many-rows")
    assert len(list(read_table("w.csv", io.BytesIO(text.encode()), XlsxLimits(max_rows=20)))) == 23
