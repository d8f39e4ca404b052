"""Import header mapping, value conversion, row validation, CSV encodings, template (no servers)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from anju_common.problems import Problem
from openpyxl import load_workbook
from workers.spreadsheet import (
    COLUMNS,
    cell_text,
    map_headers,
    row_values,
    validate_row,
)
from workers.upload import decode_csv, read_table
from workers.workbooks import template_xlsx

from tests.workers.helpers import new_id_number


def test_chinese_english_and_decorated_headers_map_to_fields() -> None:
    header = map_headers(
        ["户编号*", "姓名", "手机号码（必填）", "Livelihood_Type", "身份证号", "备注列", None]
    )
    assert header.columns == {0: "household_ref", 1: "name", 2: "phone", 3: "livelihood_type", 4: "id_number"}
    assert header.label("phone") == "手机号码（必填）" and header.label("education") == "education"


def test_missing_and_ambiguous_headers_are_422() -> None:
    with pytest.raises(Problem) as err:
        map_headers(["姓名", "手机号", "就业类型"])
    assert err.value.status == 422 and "户编号" in err.value.detail and "出生年份" in err.value.detail
    with pytest.raises(Problem, match="both mean phone"):
        map_headers(["户编号", "姓名", "手机号", "phone", "就业类型", "出生年份"])


def test_cells_become_text_like_an_office_typed_them() -> None:
    assert cell_text(13812345678.0) == "13812345678"
    assert (
        cell_text(datetime(2026, 3, 1, 0, 0)) == "2026-03-01" and cell_text(date(2026, 3, 2)) == "2026-03-02"
    )
    assert cell_text(None) == "" and cell_text(True) == "是" and cell_text(" 王 ") == "王"


def test_chinese_values_convert_to_enums_lists_and_booleans() -> None:
    values = row_values(
        {
            "livelihood_type": "亦工亦农",
            "employment_status": "季节性务工",
            "monitoring_category": "边缘易致贫户",
            "gender": "女",
            "caregiver": "是",
            "sms_consent": "否",
            "skills": "缝纫工:3:持证；普工、电焊:2级",
            "unavailable_months": "4-5,9月",
            "available_from": "2026年12月1日",
            "physical_limitations": "腰伤;不能登高",
            "education": "",
        }
    )
    assert values == {
        "livelihood_type": "worker_peasant",
        "employment_status": "seasonal",
        "monitoring_category": "marginal",
        "gender": "female",
        "caregiver": True,
        "sms_consent": False,
        "skills": [
            {"name": "缝纫工", "level": 3, "certified": True},
            {"name": "普工"},
            {"name": "电焊", "level": 2},
        ],
        "unavailable_months": [4, 5, 9],
        "available_from": "2026-12-01",
        "physical_limitations": ["腰伤", "不能登高"],
    }


def test_a_row_is_validated_and_errors_name_the_uploaded_column() -> None:
    header = map_headers(["户编号", "姓名", "身份证号", "手机号", "就业类型", "技能"])
    id_number = new_id_number(1988)
    row, errors = validate_row(2, ["H1", "王五", id_number, 13812345678, "就近就业", "普工"], header)
    assert errors == [] and row is not None
    assert row.birth_year == 1988 and row.phone == "+8613812345678" and row.livelihood_type == "local"
    wrong = id_number[:-1] + ("1" if id_number[-1] == "0" else "0")  # never the right check digit
    row, errors = validate_row(7, ["H1", "", wrong, "123", "天文学家", "焊工:9"], header)
    assert row is None
    found = {(e.row, e.column) for e in errors}
    assert found == {(7, "姓名"), (7, "身份证号"), (7, "手机号"), (7, "就业类型"), (7, "技能")}
    assert all("123" not in e.reason for e in errors)


def test_csv_in_utf8_with_bom_and_in_gbk_decode() -> None:
    text = "户编号,姓名\nH1,王秀英\nH2,龘䶮\n"
    assert decode_csv(("\ufeff" + text).encode("utf-8")) == text
    assert decode_csv("户编号,姓名\nH1,王秀英\nH2,李明\n".encode("gbk")).startswith("户编号,姓名")
    assert decode_csv(text.encode("gb18030")) == text
    rows = list(read_table("x.CSV", io.BytesIO("户编号,姓名\nH1,王秀英\n".encode("gbk"))))
    assert rows == [["户编号", "姓名"], ["H1", "王秀英"]]
    with pytest.raises(Problem) as err:
        list(read_table("x.xls", io.BytesIO(b"")))
    assert err.value.status == 415


def test_template_lists_every_column_with_required_ones_starred() -> None:
    wb = load_workbook(io.BytesIO(template_xlsx()))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header == [f"{c.zh}{'*' if c.required else ''}" for c in COLUMNS]
    mapped = map_headers(header)
    assert set(mapped.headers) == {c.field for c in COLUMNS}
    assert wb.worksheets[1].max_row == len(COLUMNS) + 1
