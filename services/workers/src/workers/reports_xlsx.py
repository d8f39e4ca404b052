"""Workbooks of a departure's roster and a site's service standard: Chinese headers first, English beside."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from workers.config import get_settings
from workers.departure_schemas import Roster, ServiceStandardReport

ROSTER_STATUS = {"joined": "已报名", "arrived": "已到达", "no_reply": "未回复", "no_show": "未出发"}
DEPARTURE_STATUS = {"planned": "计划中", "departed": "已出发", "cancelled": "已取消", "completed": "已完成"}
SOURCE = {"match": "岗位匹配", "manual": "人工添加"}
ROSTER_HEADERS = [
    "序号 no.",
    "姓名 name",
    "手机号（脱敏） phone (masked)",
    "状态 status",
    "来源 source",
    "报名时间 joined at",
    "到达时间 arrived at",
    "备注 note",
    "worker_id",
]
STANDARD_HEADERS = [
    "姓名（脱敏） name (masked)",
    "手机号（脱敏） phone (masked)",
    "岗位推荐 recommendations",
    "职业指导 guidance",
    "培训通知 training notices",
    "缺岗位推荐 recommendations short",
    "缺职业指导 guidance short",
    "缺培训通知 training notices short",
    "是否达标 meets standard",
    "worker_id",
]


def _text(value: str | None) -> str | None:
    """Text a worksheet can hold (control characters would make openpyxl refuse the cell)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if value else value


def _local(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(ZoneInfo(get_settings().timezone)).strftime("%Y-%m-%d %H:%M")


def _label(table: dict[str, str], value: str) -> str:
    return f"{table.get(value, value)} {value}"


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def roster_xlsx(roster: Roster) -> bytes:
    """A departure's roster: the departure on one sheet, who goes (phones masked) on the other."""
    d = roster.departure
    wb = Workbook(write_only=True)
    info = wb.create_sheet("出行信息 departure")
    rows: list[list[Any]] = [
        ["用工单位 employer", _text(d.employer_name)],
        ["目的地 destination", _text(d.destination)],
        ["出发时间 departs at", _local(d.departs_at)],
        ["预计到达 arrives on", d.arrives_on.isoformat() if d.arrives_on else None],
        ["集合地点 meeting point", _text(d.meeting_point)],
        ["座位 seats", d.seats],
        ["已占座位 seats taken", d.seats_taken],
        ["带队人员 escort", _text(d.escort)],
        ["状态 status", _label(DEPARTURE_STATUS, d.status)],
        ["日期 as of", roster.as_of.isoformat()],
    ]
    rows += [[f"{ROSTER_STATUS[k]} {k}", n] for k, n in roster.counts.items()]
    for row in rows:
        info.append(row)
    sheet = wb.create_sheet("名单 roster")
    sheet.append(ROSTER_HEADERS)
    for no, e in enumerate(roster.items, start=1):
        sheet.append(
            [
                no,
                _text(e.name),
                e.phone_masked,
                _label(ROSTER_STATUS, e.status),
                _label(SOURCE, e.source),
                _local(e.joined_at),
                _local(e.arrived_at),
                _text(e.no_show_note or e.reason),
                str(e.worker_id),
            ]
        )
    return _save(wb)


def standard_xlsx(report: ServiceStandardReport) -> bytes:
    """A site's service-standard ledger: the standard and totals, then each listed worker (masked)."""
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("概况 summary")
    for row in (
        ["安置点 site", _text(report.site_name)],
        ["年度 year", report.year],
        ["日期 as of", report.as_of.isoformat()],
        ["标准：岗位推荐 standard: recommendations", report.standard.recommendation],
        ["标准：职业指导 standard: guidance", report.standard.guidance],
        ["标准：培训通知 standard: training notices", report.standard.training_notice],
        ["劳动力 workers", report.workers],
        ["达标 meeting the standard", report.workers_meeting],
        ["未达标 short of the standard", report.workers_short],
        ["缺岗位推荐 short of recommendations", report.short_of.recommendation],
        ["缺职业指导 short of guidance", report.short_of.guidance],
        ["缺培训通知 short of training notices", report.short_of.training_notice],
    ):
        summary.append(row)
    sheet = wb.create_sheet("未达标 short")
    sheet.append(STANDARD_HEADERS)
    for w in report.items:
        sheet.append(
            [
                _text(w.name_masked),
                w.phone_masked,
                w.counts.recommendation,
                w.counts.guidance,
                w.counts.training_notice,
                w.shortfalls.recommendation,
                w.shortfalls.guidance,
                w.shortfalls.training_notice,
                "是 yes" if w.met else "否 no",
                str(w.worker_id),
            ]
        )
    return _save(wb)
