"""Workbooks the service writes: the import template and a site's statistics export."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from workers.schemas import SiteStats
from workers.spreadsheet import COLUMNS, Column


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
