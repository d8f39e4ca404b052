"""Office spreadsheets: reading .xlsx/.csv uploads, header and value mapping, template and exports."""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from anju_common.events import MonitoringCategory
from anju_common.labels import LABELS
from anju_common.problems import Problem
from charset_normalizer import from_bytes
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from pydantic import Field, ValidationError
from python_calamine import CalamineError, CalamineWorkbook

from workers.schemas import HouseholdRef, RowError, SiteStats, WorkerBase

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


# ------------------------------------------------------------------ reading uploads
NUL = "\x00"
NUL_REASON = "不能包含 NUL 字符 \\u0000 (must not contain the NUL character \\u0000)"
_MiB = 1024 * 1024
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*\d*:?([A-Z]*)(\d*)\"")
_LOCAL_HEADER = struct.Struct("<4s22xHH")
# Excel leaves formatted but empty rows behind; they are skipped later, so the pre-check allows some.
BLANK_ROW_ALLOWANCE = 1000


@dataclass(frozen=True)
class XlsxLimits:
    """What an upload may unpack to: checked on the zip directory and a streamed pass, before any parsing."""

    max_rows: int
    max_unpacked_bytes: int = 128 * _MiB
    max_ratio: float = 100.0
    max_cells: int = 2_000_000
    max_entries: int = 1000

    @property
    def max_row_elements(self) -> int:
        """Row elements a sheet may hold: the data rows, the header and some blank ones."""
        return self.max_rows + 1 + BLANK_ROW_ALLOWANCE


def _too_large(detail: str, code: str, **extra: Any) -> Problem:
    return Problem(413, detail, code=code, **extra)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _entry_chunks(raw: IO[bytes], info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The entry's bytes, decompressed from exactly its compressed data; more than limit is refused."""
    raw.seek(info.header_offset)
    signature, name_len, extra_len = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise Problem(
            422, "文件不是可读取的 .xlsx 工作簿 (the file is not a readable .xlsx workbook)", code="bad-file"
        )
    raw.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_STORED:
        inflate = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflate = zlib.decompressobj(-15)
    else:
        raise Problem(
            422, "工作簿使用了不支持的压缩方式 (unsupported compression in the workbook)", code="bad-file"
        )
    left, produced = info.compress_size, 0
    while left > 0 or (inflate is not None and inflate.unconsumed_tail):
        data = b""
        if inflate is not None and inflate.unconsumed_tail:
            data = inflate.unconsumed_tail
        elif left > 0:
            data = raw.read(min(left, 256 * 1024))
            if not data:
                break
            left -= len(data)
        chunk = inflate.decompress(data, 1024 * 1024) if inflate is not None else data
        produced += len(chunk)
        if produced > limit or produced > info.file_size:
            # Declared sizes are what was checked; an entry that unpacks to more is lying.
            raise _too_large(
                f"工作簿解压后过大: {info.filename} 超过声明或允许的大小 "
                f"(the workbook unpacks to more than declared or allowed: {info.filename})",
                "xlsx-too-large",
            )
        if chunk:
            yield chunk


def check_xlsx(stream: IO[bytes], limits: XlsxLimits) -> None:
    """Refuse zip bombs and oversized sheets by their zip directory and one streamed pass (no parsing)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Problem(
            422, "文件不是可读取的 .xlsx 工作簿 (the file is not a readable .xlsx workbook)", code="bad-file"
        ) from exc
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise Problem(422, f"工作簿包含过多文件 (the workbook holds {len(entries)} parts)", code="bad-file")
    total = sum(i.file_size for i in entries)
    if total > limits.max_unpacked_bytes:
        raise _too_large(
            f"工作簿解压后过大: {total} 字节, 上限 {limits.max_unpacked_bytes} 字节 "
            f"(the workbook unpacks to {total} bytes; at most {limits.max_unpacked_bytes})",
            "xlsx-too-large",
            max_unpacked_bytes=limits.max_unpacked_bytes,
        )
    for info in entries:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _MiB and ratio > limits.max_ratio:
            raise _too_large(
                f"工作簿压缩比异常 ({ratio:.0f} 倍), 疑似压缩炸弹 "
                f"(part {info.filename} expands {ratio:.0f} times; at most {limits.max_ratio:.0f})",
                "xlsx-compression-ratio",
            )
    for info in entries:
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            _check_sheet(stream, info, limits)
    stream.seek(0)


def _check_sheet(stream: IO[bytes], info: zipfile.ZipInfo, limits: XlsxLimits) -> None:
    rows = cells = 0
    head = b""
    tail = b""
    for chunk in _entry_chunks(stream, info, limits.max_unpacked_bytes):
        if len(head) < 4096:
            head += chunk[: 4096 - len(head)]
            if len(head) >= 4096 or len(chunk) < 4096:
                _check_dimension(head, limits)
        window = tail + chunk
        # A tag cut by the chunk boundary ends in this window; one wholly inside the old tail was counted.
        rows += sum(1 for m in _ROW_TAG.finditer(window) if m.end() > len(tail))
        cells += sum(1 for m in _CELL_TAG.finditer(window) if m.end() > len(tail))
        tail = window[-16:]
        if rows > limits.max_row_elements:
            raise _too_large(
                f"每个文件最多 {limits.max_rows} 行 (at most {limits.max_rows} rows per file)",
                "too-many-rows",
                max_rows=limits.max_rows,
            )
        if cells > limits.max_cells:
            raise _too_large(
                f"工作表单元格过多, 上限 {limits.max_cells} (at most {limits.max_cells} cells per sheet)",
                "too-many-cells",
                max_cells=limits.max_cells,
            )


def _check_dimension(head: bytes, limits: XlsxLimits) -> None:
    match = _DIMENSION.search(head)
    if match is None or not match.group(2):
        return
    last_row = int(match.group(2))
    columns = _column_number(match.group(1)) if match.group(1) else 1
    if last_row > limits.max_row_elements:
        raise _too_large(
            f"每个文件最多 {limits.max_rows} 行 (at most {limits.max_rows} rows per file; the sheet says "
            f"{last_row})",
            "too-many-rows",
            max_rows=limits.max_rows,
        )
    if last_row * columns > limits.max_cells:
        raise _too_large(
            f"工作表单元格过多, 上限 {limits.max_cells} (at most {limits.max_cells} cells per sheet)",
            "too-many-cells",
            max_cells=limits.max_cells,
        )


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, else the detected encoding (GBK/GB18030 from Excel)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000], cp_isolation=["gb18030", "gbk", "big5", "utf_16"]).best()
    encoding = best.encoding if best is not None else "gb18030"
    if codecs.lookup(encoding).name in ("gbk", "gb2312"):
        encoding = "gb18030"  # a superset: rare characters in names still decode
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise Problem(422, "the CSV file is neither UTF-8 nor GBK text", code="bad-encoding") from exc


def read_table(filename: str, stream: IO[bytes], limits: XlsxLimits | None = None) -> Iterator[list[Any]]:
    """Rows of the first sheet of an .xlsx or of a .csv, header first; limits are checked before reading."""
    name = filename.lower()
    if name.endswith(".csv"):
        text = decode_csv(stream.read())
        if limits is not None:
            filled = sum(1 for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r))
            if filled > limits.max_rows + 1:
                raise _too_large(
                    f"每个文件最多 {limits.max_rows} 行 (at most {limits.max_rows} rows per file)",
                    "too-many-rows",
                    max_rows=limits.max_rows,
                )
        yield from csv.reader(io.StringIO(text, newline=""))
        return
    if not name.endswith(".xlsx"):
        raise Problem(415, "请上传 .xlsx 或 .csv 文件 (upload a .xlsx or .csv file)", code="unsupported-file")
    check_xlsx(stream, limits or XlsxLimits(max_rows=50_000))
    # calamine (Rust) reads a 100,000-row sheet in well under a second; openpyxl takes the better part
    # of a minute, which is the whole import budget.
    try:
        sheet = CalamineWorkbook.from_filelike(stream).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except CalamineError as exc:
        raise Problem(
            422, "文件不是可读取的 .xlsx 工作簿 (the file is not a readable .xlsx workbook)", code="bad-file"
        ) from exc
    for values in rows:
        yield list(values)


# ------------------------------------------------------------------ writing
def _header(c: Column) -> str:
    return f"{c.zh}{'*' if c.required else ''}"


def template_xlsx() -> bytes:
    """The import template: a Chinese header row (English accepted too) and a sheet explaining columns."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "workers"
    ws.append([_header(c) for c in COLUMNS])
    for idx, c in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        ws.column_dimensions[letter].width = max(12, len(c.zh) * 2 + 4)
        if c.field in ("phone", "id_number", "household_ref"):
            ws.column_dimensions[letter].number_format = "@"
    notes = wb.create_sheet("说明 notes")
    notes.append(["列 column", "field", "必填 required", "说明 notes", "也接受 also accepted"])
    for c in COLUMNS:
        notes.append([c.zh, c.en, "是" if c.required else "", c.note, ", ".join(c.aliases)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_text(value: str | None) -> str | None:
    """Text a worksheet can hold: control characters stored in a name would make openpyxl refuse the cell."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if value else value


def stats_xlsx(stats: SiteStats) -> bytes:
    """A site's statistics as a workbook: summary, by livelihood type, by monitoring category, households."""
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("概况 summary")
    summary.append(["安置点 site", _sheet_text(stats.site_name)])
    summary.append(["日期 as of", stats.as_of.isoformat()])
    summary.append(["户数 households", stats.households])
    summary.append(["劳动力 labour force", stats.labour_force])
    summary.append(["已就业 employed", stats.employed])
    summary.append(["就业率 employment rate", stats.employment_rate])
    summary.append(["零就业户 zero-employment households", stats.zero_employment_households])
    summary.append(["最长零就业天数 longest (days)", stats.zero_employment_longest_days])
    summary.append(["本月返零就业户 fell back to zero this month", stats.fell_back_to_zero_this_month])
    by_type = wb.create_sheet("按就业类型 by livelihood")
    by_type.append(["livelihood_type", "labour_force", "employed", "employment_rate"])
    for g in stats.by_livelihood_type:
        by_type.append([g.key, g.labour_force, g.employed, g.employment_rate])
    by_cat = wb.create_sheet("按监测类型 by category")
    by_cat.append(
        [
            "monitoring_category",
            "households",
            "zero_employment_households",
            "labour_force",
            "employed",
            "employment_rate",
        ]
    )
    for c in stats.by_monitoring_category:
        by_cat.append(
            [c.key, c.households, c.zero_employment_households, c.labour_force, c.employed, c.employment_rate]
        )
    zero = wb.create_sheet("零就业户 zero-employment")
    zero.append(["household_id", "household_ref", "monitoring_category", "since", "days"])
    for h in stats.zero_employment:
        zero.append(
            [
                str(h.household_id),
                _sheet_text(h.household_ref),
                h.monitoring_category.value,
                h.zero_employment_since.isoformat() if h.zero_employment_since else None,
                h.days,
            ]
        )
    _retention_sheets(wb, stats)
    fell = wb.create_sheet("本月返零户 fell back")
    fell.append(["household_id", "household_ref", "fell_back_at"])
    for f in stats.fell_back_to_zero:
        fell.append([str(f.household_id), _sheet_text(f.household_ref), f.fell_back_at.isoformat()])
    refusals = wb.create_sheet("拒绝自动推荐 refusals")
    refusals.append(["worker_id", "姓名 name", "拒绝时间 refused_at"])
    for r in stats.automated_matching_refusals:
        refusals.append(
            [str(r.worker_id), _sheet_text(r.name_masked), r.refused_at.isoformat() if r.refused_at else None]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _retention_sheets(wb: Workbook, stats: SiteStats) -> None:
    """Retention overall and by employer, livelihood type and job kind: one row per slice and N months."""
    r = stats.retention
    if r is None:
        return
    sheet = wb.create_sheet("留存率 retention")
    sheet.append(["维度 dimension", "key", "名称 name", "months", "started", "retained", "rate"])
    for f in r.overall:
        sheet.append(["总计 overall", "all", None, f.months, f.started, f.retained, f.rate])
    for label, groups in (
        ("用人单位 employer", r.by_employer),
        ("就业类型 livelihood", r.by_livelihood_type),
        ("岗位类型 job kind", r.by_job_kind),
    ):
        for g in groups:
            for f in g.figures:
                sheet.append([label, g.key, _sheet_text(g.name), f.months, f.started, f.retained, f.rate])
