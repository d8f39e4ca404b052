"""A departure's roster rules without I/O: the arrival day, no reply after it, seat holders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from workers.departures import arrival_day, roster_status, seat_holders
from workers.models import Departure, DepartureWorker

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _departure(arrives_on: date | None, status: str = "planned") -> Departure:
    return Departure(
        site_id=uuid.uuid4(),
        employer_name="宁波市甬黔服装有限公司",
        destination="浙江省宁波市",
        departs_at=datetime(2027, 3, 1, 23, 30, tzinfo=SHANGHAI),
        arrives_on=arrives_on,
        meeting_point="安置点广场",
        seats=10,
        status=status,
    )


def _row(status: str) -> DepartureWorker:
    return DepartureWorker(departure_id=uuid.uuid4(), worker_id=uuid.uuid4(), status=status)


def test_arrival_day_is_the_expected_date_else_the_local_departure_date() -> None:
    assert arrival_day(_departure(date(2027, 3, 3))) == date(2027, 3, 3)
    late = _departure(None)
    late.departs_at = datetime(2027, 3, 1, 16, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 2 March in Shanghai
    assert arrival_day(late) == date(2027, 3, 2)


def test_no_reply_only_after_the_arrival_day() -> None:
    dep = _departure(date(2027, 3, 3))
    assert roster_status(dep, _row("joined"), date(2027, 3, 3)) == "joined"
    assert roster_status(dep, _row("joined"), date(2027, 3, 4)) == "no_reply"
    assert roster_status(dep, _row("arrived"), date(2027, 3, 9)) == "arrived"
    assert roster_status(dep, _row("no_show"), date(2027, 3, 9)) == "no_show"
    cancelled = _departure(date(2027, 3, 3), "cancelled")
    assert roster_status(cancelled, _row("joined"), date(2027, 3, 9)) == "joined"


def test_no_shows_hold_no_seat() -> None:
    rows = [_row("joined"), _row("no_show"), _row("arrived")]
    assert seat_holders(rows) == [rows[0].worker_id, rows[2].worker_id]
