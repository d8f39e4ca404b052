"""SMS templates (provider code + parameters, and the rendered Chinese text) and UCS-2 segmentation."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from notifications.config import get_settings

SINGLE_SEGMENT_CHARS = 70  # UCS-2, one SMS
PART_CHARS = 67  # UCS-2 per part of a concatenated SMS (6 bytes go to the UDH)
MAX_SEGMENTS = 4
DEFAULT_SIGN = "安居就业"

_BRACKETED = re.compile(r"【[^】]*】|\[[^\]]*\]|〔[^〕]*〕|（[^）]*）|\([^)]*\)")
_COMPANY_SUFFIXES = ("集团股份有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "有限公司")
_PROVINCE = re.compile(r"^(?:北京市|上海市|天津市|重庆市|.{2,7}?(?:省|自治区|特别行政区))")
_PREFECTURE = re.compile(r"^.{2,11}?(?:自治州|地区|盟|州|市)(?=.+?(?:县|区|旗|市))")
_ORG_PREFECTURE = re.compile(r"^.{2,11}?(?:自治州|地区|盟)")
_COUNTY = re.compile(r"^.{1,9}?(?:自治县|县|区|旗|市)")
_COURSE_SUFFIX = re.compile(r"(?:技能)?(?:培训班|培训|班|课程)$")


def _squash(value: str) -> str:
    return " ".join(str(value).split())


def org_name(value: str) -> str:
    """An employer's name as an SMS says it: no 【…】/（…） notes, no 有限公司-style suffix."""
    name = _BRACKETED.sub("", _squash(value)).strip()
    for prefix in (_PROVINCE, _ORG_PREFECTURE):
        rest = prefix.sub("", name, count=1)
        if len(rest) >= 4:
            name = rest
    for suffix in _COMPANY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
            break
    return name or _squash(value)


def job_name(value: str) -> str:
    """A job title without its bracketed notes (【急聘】, （包吃住）)."""
    return _BRACKETED.sub("", _squash(value)).strip() or _squash(value)


def course_name(value: str) -> str:
    """A course title without 培训班/培训/班 at the end (the template says 培训班 itself)."""
    name = job_name(value)
    return _COURSE_SUFFIX.sub("", name) or name


def place_name(value: str) -> str:
    """A place without its province and prefecture (the county is what a resident recognises)."""
    place = _BRACKETED.sub("", _squash(value)).replace(" ", "")
    place = _PROVINCE.sub("", place, count=1) or place
    return _PREFECTURE.sub("", place, count=1) or place


def county_of(place: str) -> str | None:
    """The county-level unit a place starts with (惠水县, 观山湖区), if any."""
    found = _COUNTY.match(place)
    return found.group(0) if found else None


def _plain(value: str) -> str:
    return _squash(value)


@dataclass(frozen=True)
class Param:
    """A template parameter: its longest form, how short it may become, and who gives way first."""

    max: int  # characters, after the rule
    min: int  # never clipped below this when the whole text must shrink
    priority: int  # higher keeps its length longer
    rule: Callable[[str], str] = _plain
    county: bool = False  # a place: reduced to its county before it is clipped


@dataclass(frozen=True)
class Template:
    """An approved template: cloud providers get code + params, SMPP gets the rendered text."""

    name: str
    code: str
    text: str
    params: dict[str, Param]
    replies: tuple[str, ...] = ()  # the reply kinds a digit can mean after this SMS

    def fixed_length(self) -> int:
        """The template's own characters, without its parameters."""
        return ucs2_length(re.sub(r"\{[a-z_]+\}", "", self.text))


_OFFER_REPLIES = ("interested", "not_interested")
# The time and place of a departure, as the pre-departure SMS and its correction both give them.
_DEPARTURE_PARAMS = {
    "when": Param(12, 12, 9),
    "meeting": Param(14, 6, 5, _plain),
    "destination": Param(8, 2, 1, place_name),
}

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            name="job_offer",
            code="SMS_ANJU_JOB_OFFER",
            text="{employer}招{job}，月薪{wage}元，在{place}。有意向回1，不考虑回2，退订回TD",
            params={
                "employer": Param(14, 4, 2, org_name),
                "job": Param(10, 4, 3, job_name),
                "wage": Param(11, 11, 9),
                "place": Param(8, 3, 1, place_name, county=True),
            },
            replies=_OFFER_REPLIES,
        ),
        Template(
            name="training_offer",
            code="SMS_ANJU_TRAINING_OFFER",
            text="{title}培训班{starts}开课，{subsidy}，在{place}上课。想参加回1，不参加回2，退订回TD",
            params={
                "title": Param(10, 4, 3, course_name),
                "starts": Param(6, 6, 9),
                "subsidy": Param(9, 9, 8),
                "place": Param(10, 3, 1, place_name, county=True),
            },
            replies=_OFFER_REPLIES,
        ),
        Template(
            name="referral",
            code="SMS_ANJU_REFERRAL",
            text="您已被推荐应聘{job}，社区就业服务站会联系您。退订回TD",
            params={"job": Param(15, 4, 3, job_name)},
        ),
        Template(
            name="follow_up",
            code="SMS_ANJU_FOLLOW_UP",
            text="还在{employer}工作吗？回1在岗 2已离职 3工资未发。社区就业服务站 退订回TD",
            params={"employer": Param(16, 4, 3, org_name)},
            replies=("on_job", "left_job", "wages_unpaid"),
        ),
        Template(
            name="pre_departure",
            code="SMS_ANJU_PRE_DEPARTURE",
            text="{when}在{meeting}集合，乘车去{destination}务工，请带身份证准时到。退订回TD",
            params=_DEPARTURE_PARAMS,
        ),
        Template(
            name="departure_changed",
            code="SMS_ANJU_DEPARTURE_CHANGED",
            text="改为{when}在{meeting}集合去{destination}，请带身份证准时到。退订回TD",
            params=_DEPARTURE_PARAMS,
        ),
        Template(
            name="departure_called_off",
            code="SMS_ANJU_DEPARTURE_CALLED_OFF",
            text="{when}去{destination}的出发已取消，社区就业服务站会联系您。退订回TD",
            params={"when": Param(12, 12, 9), "destination": Param(8, 2, 1, place_name)},
        ),
        Template(
            name="arrival_check",
            code="SMS_ANJU_ARRIVAL_CHECK",
            text="到{destination}了吗？回1已到达，有困难请直接回复，社区就业服务站会帮您。退订回TD",
            params={"destination": Param(10, 2, 1, place_name)},
            replies=("arrived",),
        ),
        Template(
            name="course_enrolled",
            code="SMS_ANJU_COURSE_ENROLLED",
            text="您已报上{title}培训班，{starts}开课，开课前社区就业服务站会通知您。退订回TD",
            params={"title": Param(12, 4, 3, course_name), "starts": Param(6, 6, 9)},
        ),
        Template(
            name="course_waitlisted",
            code="SMS_ANJU_COURSE_WAITLISTED",
            text="{title}培训班已满，您已排上候补，有空位会短信通知您。退订回TD",
            params={"title": Param(14, 4, 3, course_name)},
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
    """At most limit UCS-2 units, ending in … when cut (never inside a surrogate pair)."""
    if ucs2_length(value) <= limit:
        return value
    out, used = [], 1
    for char in value:
        used += ucs2_length(char)
        if used > limit:
            break
        out.append(char)
    return "".join(out) + "…"


def sign_length(sign_name: str) -> int:
    """Characters the 【sign】 takes in front of the text (counted by carriers and Aliyun alike)."""
    return ucs2_length(f"【{sign_name}】") if sign_name else 0


def _shorten(param: Param, value: str, limit: int) -> str:
    if ucs2_length(value) <= limit:
        return value
    if param.county:
        county = county_of(value)
        if county and ucs2_length(county) <= limit:
            return county
    return _clip(value, limit)


def render(name: str, params: dict[str, Any], sign_name: str | None = None) -> RenderedSms:
    """Fill a template within one 70-character segment, signature included: each parameter is shortened by
    its rule, then clipped to its maximum, then the lowest-priority ones give way until the text fits."""
    template = TEMPLATES[name]
    if sign_name is None:
        sign_name = get_settings().sign_name
    values = {key: p.rule(str(params.get(key, "") or "")) for key, p in template.params.items()}
    limits = {key: min(ucs2_length(values[key]), p.max) for key, p in template.params.items()}
    room = SINGLE_SEGMENT_CHARS - sign_length(sign_name) - template.fixed_length()
    excess = sum(limits.values()) - room
    order = sorted(template.params, key=lambda k: template.params[k].priority)
    for floor in ("min", "one"):  # first down to each minimum; with an unusually long sign, further
        for key in order:
            if excess <= 0:
                break
            low = template.params[key].min if floor == "min" else 1
            cut = min(excess, max(0, limits[key] - low))
            limits[key] -= cut
            excess -= cut
    shortened = {key: _shorten(template.params[key], values[key], limits[key]) for key in template.params}
    return RenderedSms(template=template, params=shortened, text=template.text.format(**shortened))


def wage_text(wage_min: int, wage_max: int) -> str:
    """'3000-4500' or '3000' when both ends agree."""
    return str(wage_min) if wage_min == wage_max else f"{wage_min}-{wage_max}"


def date_text(value: date | None) -> str:
    """'3月5日' style, or '近期' when the date is unknown."""
    return f"{value.month}月{value.day}日" if value else "近期"


def when_text(value: datetime) -> str:
    """'12月20日7:30' (local time)."""
    return f"{value.month}月{value.day}日{value.hour}:{value.minute:02d}"


def subsidy_text(subsidy_cny: int) -> str:
    """'补贴1200元', or '免费' for a course without a subsidy."""
    return f"补贴{subsidy_cny}元" if subsidy_cny > 0 else "免费参加"


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
