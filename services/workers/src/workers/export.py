"""The worker list as an office spreadsheet: the list's filters, Chinese headers with English, phone and ID
masked exactly as the API shows them (the export never holds a full number)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from anju_common.errors import ForbiddenError
from anju_common.i18n import ENUM_LABELS
from anju_common.principal import Principal
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import Session

from workers import repository as repo
from workers.models import Worker
from workers.schemas import WorkerPublic
from workers.views import worker_public

# Chinese first, English beside it; worker_id last so a sheet can be matched back to the API.
HEADERS: tuple[str, ...] = (
    "姓名 name",
    "户编号 household ref",
    "性别 gender",
    "出生年份 birth year",
    "手机号（部分隐藏）phone (masked)",
    "身份证号（部分隐藏）ID number (masked)",
    "就业类型 livelihood type",
    "就业状态 employment status",
    "技能 skills",
    "最远通勤（公里）max commute (km)",
    "期望最低月薪 expected wage",
    "需照料家人 caregiver",
    "同意接收短信 SMS consent",
    "在册 active",
    "登记时间 registered at",
    "worker_id",
)
PAGE = 500
MAX_ROWS = 100_000  # a county's whole register; a larger sheet would not open on an office PC


def _text(value: str | None) -> str | None:
    """Text a worksheet can hold (control characters in a stored name would make openpyxl refuse it)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if value else value


def _label(value: object) -> str:
    text = "" if value is None else str(getattr(value, "value", value))
    return ENUM_LABELS.get(text, text)


def _yes(value: bool) -> str:
    return "是 yes" if value else "否 no"


def row(w: WorkerPublic, household_ref: str | None) -> list[object]:
    """One worker as a sheet row (masked values only)."""
    skills = "、".join(s.name + (f"（{s.level}）" if s.level else "") for s in w.skills)
    return [
        _text(w.name),
        _text(household_ref),
        _label(w.gender) if w.gender else None,
        w.birth_year,
        w.phone_masked,
        w.id_number_masked,
        _label(w.livelihood_type),
        _label(w.employment_status),
        _text(skills),
        w.max_commute_km,
        w.expected_wage_min,
        _yes(w.caregiver),
        _yes(w.sms_consent),
        _yes(w.active),
        w.created_at.strftime("%Y-%m-%d %H:%M"),
        str(w.id),
    ]


def iter_workers(
    session: Session, principal: Principal, flt: repo.WorkerFilter, max_rows: int
) -> Iterator[Worker]:
    """Every worker the list would page through, newest first, up to max_rows."""
    after = None
    seen = 0
    while seen < max_rows:
        rows = repo.list_workers(session, principal, flt, after, min(PAGE, max_rows - seen))
        yield from rows
        seen += len(rows)
        if len(rows) < PAGE:
            return
        after = (rows[-1].created_at, rows[-1].id)


def workers_xlsx(session: Session, principal: Principal, flt: repo.WorkerFilter, max_rows: int) -> bytes:
    """The filtered worker list as .xlsx for office staff and administrators."""
    if principal.role not in ("office_staff", "admin"):
        raise ForbiddenError("只有工作人员可以导出人员名单 / only office staff and administrators may export")
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("劳动力 workers")
    sheet.append(list(HEADERS))
    refs: dict[object, str | None] = {}
    batch: list[Worker] = []

    def flush() -> None:
        missing = {w.household_id for w in batch} - refs.keys()
        for h in repo.households_by_ids(session, missing):
            refs[h.id] = h.household_ref
        for w in batch:
            sheet.append(row(worker_public(w), refs.get(w.household_id)))
        batch.clear()

    for worker in iter_workers(session, principal, flt, max_rows):
        batch.append(worker)
        if len(batch) >= PAGE:
            flush()
    flush()
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
