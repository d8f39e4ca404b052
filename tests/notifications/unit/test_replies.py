"""Worker replies are understood however they are typed: digits (also full-width), TD and its variants,
and common Chinese yes/no words; anything else is for a person to read."""

from __future__ import annotations

import pytest
from anju_common.events import ReplyKind
from notifications.providers.base import to_e164
from notifications.replies import CONTEXT_ARRIVAL, CONTEXT_FOLLOW_UP, CONTEXT_OFFER, parse_reply


@pytest.mark.parametrize(
    "text",
    [
        "TD",
        "td",
        "Td",
        "T D",
        " t d ",
        "ＴＤ",
        "ｔｄ",
        "退订",
        "退定",
        "退訂",
        "TD。",
        "退订！",
        "TD 谢谢",
        "我要退订",
    ],
)
def test_opt_out_variants(text: str) -> None:
    assert parse_reply(text) == ReplyKind.opt_out


@pytest.mark.parametrize(
    "text", ["1", "１", " 1 ", "1。", "是", "好", "要", "好的", "可以", "Y", "yes", "一", "1好的"]
)
def test_interested(text: str) -> None:
    assert parse_reply(text) == ReplyKind.interested


@pytest.mark.parametrize("text", ["2", "２", "不", "不要", "不去", "否", "No", "n", "不考虑", "2谢谢"])
def test_not_interested(text: str) -> None:
    assert parse_reply(text) == ReplyKind.not_interested


@pytest.mark.parametrize("text", ["", "   ", "你好，工资多少", "3", "12", "明天再说", "13812345678"])
def test_unknown(text: str) -> None:
    assert parse_reply(text) == ReplyKind.unknown


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+8613812345678", "+8613812345678"),
        ("13812345678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("hello", None),
        ("12345", None),
    ],
)
def test_phone_forms(raw: str, expected: str | None) -> None:
    assert to_e164(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", ReplyKind.on_job),
        ("１", ReplyKind.on_job),
        ("在岗", ReplyKind.on_job),
        ("还在", ReplyKind.on_job),
        ("2", ReplyKind.left_job),
        ("2 已经不干了", ReplyKind.left_job),
        ("已离职", ReplyKind.left_job),
        ("3", ReplyKind.wages_unpaid),
        ("三", ReplyKind.wages_unpaid),
        ("工资未发", ReplyKind.wages_unpaid),
        ("老板拖欠工资两个月了", ReplyKind.wages_unpaid),
        ("4", ReplyKind.unknown),
        ("你好，请问工资怎么算", ReplyKind.unknown),
    ],
)
def test_digits_after_a_follow_up_check_in(text: str, expected: ReplyKind) -> None:
    assert parse_reply(text, CONTEXT_FOLLOW_UP) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", ReplyKind.arrived),
        ("到了", ReplyKind.arrived),
        ("已到达", ReplyKind.arrived),
        ("2", ReplyKind.unknown),
    ],
)
def test_digits_after_an_arrival_check_in(text: str, expected: ReplyKind) -> None:
    assert parse_reply(text, CONTEXT_ARRIVAL) == expected


def test_the_same_digit_means_what_the_latest_sms_asked() -> None:
    assert [parse_reply("2", c) for c in (CONTEXT_OFFER, CONTEXT_FOLLOW_UP, CONTEXT_ARRIVAL, None)] == [
        ReplyKind.not_interested,
        ReplyKind.left_job,
        ReplyKind.unknown,
        ReplyKind.unknown,
    ]
    assert parse_reply("3", CONTEXT_OFFER) == ReplyKind.unknown


@pytest.mark.parametrize(
    "text", ["JJ", "jj", "ＪＪ", "J J", "拒绝推荐", "我要拒绝推荐", "人工推荐", "JJ 谢谢"]
)
@pytest.mark.parametrize("context", [CONTEXT_OFFER, CONTEXT_FOLLOW_UP, CONTEXT_ARRIVAL, None])
def test_the_refusal_keyword_in_every_context(text: str, context: tuple[str, ...] | None) -> None:
    assert parse_reply(text, context) == ReplyKind.refuse_automation


@pytest.mark.parametrize("context", [CONTEXT_OFFER, CONTEXT_FOLLOW_UP, None])
def test_td_stays_opt_out_in_every_context(context: tuple[str, ...] | None) -> None:
    assert parse_reply("TD", context) == ReplyKind.opt_out
    assert parse_reply("JJJ", context) != ReplyKind.refuse_automation
