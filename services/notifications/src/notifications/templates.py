"""SMS templates (provider code + parameters, and the rendered Chinese text) and UCS-2 segmentation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

SINGLE_SEGMENT_CHARS = 70  # UCS-2, one SMS
PART_CHARS = 67  # UCS-2 per part of a concatenated SMS (6 bytes go to the UDH)
MAX_SEGMENTS = 4


@dataclass(frozen=True)
class Template:
    """An approved template: cloud providers get code + params, SMPP gets the rendered text."""

    name: str
    code: str
    text: str
    params: dict[str, int]  # parameter -> maximum length in characters


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            name="job_offer",
            code="SMS_ANJU_JOB_OFFER",
            text="{employer}招{job}，月薪{wage}元，地点{place}。有意向回1，不考虑回2，退订回TD",
            params={"employer": 20, "job": 15, "wage": 13, "place": 15},
        ),
        Template(
            name="training_offer",
            code="SMS_ANJU_TRAINING_OFFER",
            text="{title}培训{starts}开课，补贴{subsidy}元，地点{place}。想参加回1，不参加回2，退订回TD",
            params={"title": 20, "starts": 10, "subsidy": 6, "place": 15},
        ),
        Template(
            name="referral",
            code="SMS_ANJU_REFERRAL",
            text="您已被推荐应聘{job}，社区就业服务站会联系您。退订回TD",
            params={"job": 15},
        ),
    )
}


@dataclass(frozen=True)
class RenderedSms:
    """A template filled in: for cloud providers (code + params) and for SMPP (text)."""

    template: Template
    params: dict[str, str]
    text: str  # without the signature; SMPP adds 【sign】 in front

    def smpp_text(self, sign_name: str) -> str:
        """The full text an SMSC receives, signature first as Chinese carriers require."""
        return f"【{sign_name}】{self.text}" if sign_name else self.text


def _clip(value: str, limit: int) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def render(name: str, params: dict[str, Any]) -> RenderedSms:
    """Fill a template; each parameter is clipped to its maximum length so the message stays bounded."""
    template = TEMPLATES[name]
    clipped = {key: _clip(str(params.get(key, "")), limit) for key, limit in template.params.items()}
    return RenderedSms(template=template, params=clipped, text=template.text.format(**clipped))


def wage_text(wage_min: int, wage_max: int) -> str:
    """'3000-4500' or '3000' when both ends agree."""
    return str(wage_min) if wage_min == wage_max else f"{wage_min}-{wage_max}"


def date_text(value: date | None) -> str:
    """'3月5日' style, or '近期' when the date is unknown."""
    return f"{value.month}月{value.day}日" if value else "近期"


def ucs2_length(text: str) -> int:
    """Length in UCS-2 code units (characters outside the BMP take two)."""
    return len(text.encode("utf-16-be")) // 2


def split_ucs2(text: str) -> list[bytes]:
    """UCS-2 payloads: one if it fits 70 characters, else parts of at most 67 (never splitting a pair)."""
    encoded = text.encode("utf-16-be")
    if len(encoded) <= SINGLE_SEGMENT_CHARS * 2:
        return [encoded]
    parts: list[bytes] = []
    start = 0
    while start < len(encoded):
        end = min(start + PART_CHARS * 2, len(encoded))
        if end < len(encoded) and 0xD8 <= encoded[end - 2] <= 0xDB:
            end -= 2  # a high surrogate must stay with its low surrogate
        parts.append(encoded[start:end])
        start = end
    return parts


def concat_udh(reference: int, total: int, seq: int) -> bytes:
    """The 6-byte user data header of one part of a concatenated SMS (IEI 0x00, 8-bit reference)."""
    return bytes([0x05, 0x00, 0x03, reference & 0xFF, total, seq])


def segment_count(text: str) -> int:
    """How many SMS a text costs."""
    return len(split_ucs2(text))
