"""Office spreadsheets: the import columns, header and value mapping, and row validation."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from anju_common.events import MonitoringCategory
from anju_common.labels import LABELS
from anju_common.problems import Problem
from pydantic import Field, ValidationError

from workers.schemas import HouseholdRef, RowError, WorkerBase

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUL = "\x00"
NUL_REASON = "不能包含 NUL 字符 \\u0000 (must not contain the NUL character \\u0000)"


@dataclass(frozen=True)
class Column:
    """One template column: field name, Chinese and English headers, other accepted spellings, a note."""

    field: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()
    note: str = ""
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "household_ref",
        "户编号",
        "household_ref",
        ("户号", "家庭编号", "household", "household_no"),
        "office household number; rows with the same number form one household",
        True,
    ),
    Column("name", "姓名", "name", ("full_name",), "", True),
    Column("gender", "性别", "gender", ("sex",), "男/女 or male/female; recorded, never used for matching"),
    Column(
        "id_number",
        "身份证号",
        "id_number",
        ("身份证号码", "身份证", "公民身份号码", "id_card", "id"),
        "18 characters, checksum checked; format the column as text",
    ),
    Column(
        "birth_year",
        "出生年份",
        "birth_year",
        ("出生年", "出生年度", "birthyear"),
        "required unless the ID number is given",
    ),
    Column(
        "phone",
        "手机号",
        "phone",
        ("手机号码", "手机", "联系电话", "电话", "mobile", "phone_number"),
        "mobile number",
        True,
    ),
    Column(
        "livelihood_type",
        "就业类型",
        "livelihood_type",
        ("生计类型", "务工类型", "就业方式", "livelihood"),
        "外出务工 (migrant) / 就近就业 (local) / 亦工亦农 (worker_peasant) / 返乡务农 (returnee_agriculture)",
        True,
    ),
    Column(
        "skills",
        "技能",
        "skills",
        ("技能特长", "职业技能"),
        "items separated by ; each name:level(1-5):持证, e.g. 缝纫工:3:持证;普工",
    ),
    Column("education", "文化程度", "education", ("学历",), ""),
    Column(
        "employment_status",
        "就业状态",
        "employment_status",
        ("状态",),
        "未就业 (unemployed) / 已就业 (employed) / 季节性务工 (seasonal) / 务农 (agriculture)",
    ),
    Column(
        "max_commute_km",
        "最远通勤公里",
        "max_commute_km",
        ("通勤距离", "通勤公里"),
        "default by livelihood type",
    ),
    Column("caregiver", "需照料家人", "caregiver", ("照料老幼", "照料"), "是/否"),
    Column(
        "physical_limitations",
        "身体限制",
        "physical_limitations",
        ("身体状况", "健康限制"),
        "items separated by ;",
    ),
    Column(
        "expected_wage_min", "期望最低月薪", "expected_wage_min", ("期望工资", "期望月薪"), "CNY per month"
    ),
    Column("available_from", "可上岗日期", "available_from", ("可到岗日期",), "YYYY-MM-DD"),
    Column("unavailable_months", "不可务工月份", "unavailable_months", ("农忙月份",), "e.g. 4,5,9-10"),
    Column("sms_consent", "同意接收短信", "sms_consent", ("短信同意",), "是/否"),
    Column("share_consent", "同意向用人单位提供信息", "share_consent", ("信息共享同意", "同意共享"), "是/否"),
    Column("language_notes", "语言备注", "language_notes", ("语言", "备注"), "e.g. 只会说布依语"),
    Column("home_county", "迁出县", "home_county", ("原籍县",), ""),
    Column("home_province", "迁出省", "home_province", ("原籍省",), ""),
    Column("registered_poor", "脱贫户", "registered_poor", ("建档立卡户", "脱贫人口"), "是/否 (household)"),
    Column(
        "monitoring_category",
        "监测类型",
        "monitoring_category",
        ("监测对象类型", "防返贫监测"),
        "无 / 脱贫不稳定户 (unstable) / 边缘易致贫户 (marginal) / 突发严重困难户 (sudden_hardship)",
    ),
    Column("labour_capable_count", "劳动力人数", "labour_capable_count", ("劳动力数",), "household"),
    Column("site_id", "安置点ID", "site_id", ("安置点编号",), "when not given as a form field"),
)

_YES = {"是", "有", "y", "yes", "true", "1", "√", "✓", "同意", "持证", "已持证", "certified"}
_NO = {"否", "无", "n", "no", "false", "0", "×", "不同意", ""}
# Cell labels of the enums (外出务工, 边缘户 …) are the kit's, the same ones the API accepts.
_VALUE_ALIASES: dict[str, dict[str, str]] = {
    field: LABELS[enum]
    for field, enum in (
        ("gender", "Gender"),
        ("livelihood_type", "LivelihoodType"),
        ("employment_status", "EmploymentStatus"),
        ("monitoring_category", "MonitoringCategory"),
    )
}
_BOOL_FIELDS = {"caregiver", "sms_consent", "share_consent", "registered_poor"}
_LIST_SPLIT = re.compile(r"[;；,，、/|]+")
_SKILL_SPLIT = re.compile(r"[;；,，、|]+")
_HEADER_NOISE = re.compile(r"[\s*＊_\-]|[(（][^)）]*[)）]")


def _key(header: str) -> str:
    return _HEADER_NOISE.sub("", header).lower()


_HEADER_INDEX: dict[str, str] = {}
for _c in COLUMNS:
    for _alias in (_c.zh, _c.en, _c.field, *_c.aliases):
        _HEADER_INDEX[_key(_alias)] = _c.field
_BY_FIELD = {c.field: c for c in COLUMNS}


class ImportRow(WorkerBase):
    """One spreadsheet row: a worker plus the household columns."""

    household_ref: HouseholdRef
    site_id: uuid.UUID | None = None
    registered_poor: bool = False
    monitoring_category: MonitoringCategory = MonitoringCategory.none
    labour_capable_count: int | None = Field(default=None, ge=0, le=30)


@dataclass
class HeaderMap:
    """Which column holds which field, and the header as the office wrote it."""

    columns: dict[int, str]
    headers: dict[str, str]

    def label(self, field: str) -> str:
        """The uploaded header of a field (for error reports)."""
        return self.headers.get(field, field)


def map_headers(raw: list[Any]) -> HeaderMap:
    """Match uploaded headers to fields; 422 for duplicates or missing required columns."""
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    for idx, cell in enumerate(raw):
        text = "" if cell is None else str(cell).strip()
        field = _HEADER_INDEX.get(_key(text)) if text else None
        if field is None:
            continue
        if field in headers:
            raise Problem(
                422, f"columns {headers[field]!r} and {text!r} both mean {field}", code="bad-headers"
            )
        columns[idx] = field
        headers[field] = text
    missing = [c for c in COLUMNS if c.required and c.field not in headers]
    if "birth_year" not in headers and "id_number" not in headers:
        missing.append(_BY_FIELD["birth_year"])
    if missing:
        names = ", ".join(f"{c.zh} ({c.en})" for c in missing)
        raise Problem(
            422, f"missing required columns: {names}", code="bad-headers", missing=[c.field for c in missing]
        )
    return HeaderMap(columns=columns, headers=headers)


def cell_text(value: Any) -> str:
    """A cell as text: integral floats without .0, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _bool(text: str) -> Any:
    low = text.strip().lower()
    if low in _YES:
        return True
    if low in _NO:
        return False
    return text


def _skills(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in filter(None, (p.strip() for p in _SKILL_SPLIT.split(text))):
        parts = [p.strip() for p in re.split(r"[:：]", item)]
        skill: dict[str, Any] = {"name": parts[0]}
        if len(parts) > 1 and parts[1]:
            level = parts[1].removesuffix("级")
            skill["level"] = int(level) if level.isdigit() else level
        if len(parts) > 2:
            skill["certified"] = _bool(parts[2])
        out.append(skill)
    return out


def _months(text: str) -> list[Any]:
    out: list[Any] = []
    for item in filter(None, (p.strip().removesuffix("月") for p in re.split(r"[;；,，、\s]+", text))):
        low, sep, high = item.partition("-")
        if sep and low.isdigit() and high.isdigit():
            out.extend(range(int(low), int(high) + 1))
        else:
            out.append(int(item) if item.isdigit() else item)
    return out


def _date(text: str) -> str:
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text.strip())
    if match:
        y, m, d = (int(g) for g in match.groups())
        return f"{y:04d}-{m:02d}-{d:02d}"
    return text


def row_values(record: dict[str, str]) -> dict[str, Any]:
    """Spreadsheet text converted to what ImportRow validates (Chinese labels, 是/否, lists)."""
    out: dict[str, Any] = {}
    for field, text in record.items():
        if text == "":
            continue
        if field in _VALUE_ALIASES:
            out[field] = _VALUE_ALIASES[field].get(text.strip(), text.strip().lower())
        elif field in _BOOL_FIELDS:
            out[field] = _bool(text)
        elif field == "skills":
            out[field] = _skills(text)
        elif field == "physical_limitations":
            out[field] = [p.strip() for p in _LIST_SPLIT.split(text) if p.strip()]
        elif field == "unavailable_months":
            out[field] = _months(text)
        elif field == "available_from":
            out[field] = _date(text)
        else:
            out[field] = text
    return out


def validate_row(
    rownum: int, values: list[Any], header: HeaderMap
) -> tuple[ImportRow | None, list[RowError]]:
    """One row validated, or the reasons it is rejected (column named as uploaded)."""
    record = {
        field: cell_text(values[idx]) if idx < len(values) else "" for idx, field in header.columns.items()
    }
    nul = [
        RowError(row=rownum, column=header.label(f), reason=NUL_REASON) for f, t in record.items() if NUL in t
    ]
    if nul:
        return None, nul
    try:
        return ImportRow.model_validate(row_values(record)), []
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_input=False, include_url=False):
            field = str(err["loc"][0]) if err["loc"] else "row"
            reason = str(err["msg"]).removeprefix("Value error, ")
            errors.append(RowError(row=rownum, column=header.label(field), reason=reason))
        return None, errors


def is_blank(values: list[Any]) -> bool:
    """A row with nothing in it (trailing rows Excel leaves behind)."""
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
