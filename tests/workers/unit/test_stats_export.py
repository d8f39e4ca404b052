"""The statistics workbook holds any stored name: control characters (found by the API fuzz) are dropped."""

from __future__ import annotations

import io
import uuid
from datetime import date

from openpyxl import load_workbook
from workers.schemas import SiteStats
from workers.workbooks import stats_xlsx


def test_a_site_name_with_control_characters_exports() -> None:
    stats = SiteStats(
        site_id=uuid.uuid4(),
        site_name="王家\x0b社区\x1f安置点",
        as_of=date(2026, 12, 1),
        households=0,
        labour_force=0,
        employed=0,
        employment_rate=0.0,
        zero_employment_households=0,
        zero_employment_longest_days=0,
        zero_employment=[],
        by_livelihood_type=[],
        by_monitoring_category=[],
    )
    book = load_workbook(io.BytesIO(stats_xlsx(stats)), read_only=True)
    first = next(iter(book.worksheets[0].iter_rows(values_only=True)))
    assert first == ("安置点 site", "王家社区安置点")
