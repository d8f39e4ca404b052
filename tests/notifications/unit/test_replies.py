"""Worker replies are understood however they are typed: digits (also full-width), TD and its variants,
and common Chinese yes/no words; anything else is for a person to read."""

from __future__ import annotations

import pytest
from anju_common.events import ReplyKind
from notifications.providers.base import to_e164
from notifications.replies import parse_reply


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
