"""Normalising and checking phone numbers, resident ID numbers and birth years (no I/O)."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

MIN_AGE = 16
MAX_AGE = 75
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _cn_patterns() -> tuple[re.Pattern[str], re.Pattern[str], tuple[re.Pattern[str], ...]]:
    cn = PhoneMetadata.metadata_for_region("CN")
    assert cn is not None and cn.mobile is not None and cn.mobile.national_number_pattern
    others = tuple(
        re.compile(desc.national_number_pattern)
        for desc in (
            cn.premium_rate,
            cn.toll_free,
            cn.shared_cost,
            cn.voip,
            cn.personal_number,
            cn.pager,
            cn.uan,
            cn.voicemail,
        )
        if desc is not None and desc.national_number_pattern
    )
    return (
        re.compile(cn.mobile.national_number_pattern),
        re.compile(cn.national_prefix_for_parsing or "$^"),
        others,
    )


_CN_MOBILE, _CN_PREFIX, _CN_OTHER_TYPES = _cn_patterns()


def _plain_cn_mobile(text: str) -> str | None:
    """E.164 of 11 plain digits that phonenumbers' own CN metadata calls a mobile (what parse, number_type
    and format would answer, without their cost: a third of an import's validation); None otherwise."""
    if (
        len(text) == 11
        and text.isascii()
        and text.isdigit()
        and _CN_MOBILE.fullmatch(text)
        and not _CN_PREFIX.match(text)
        and not any(p.fullmatch(text) for p in _CN_OTHER_TYPES)
    ):
        return f"+86{text}"
    return None


def normalize_phone(raw: str, region: str = "CN") -> str:
    """E.164 form of a phone number; ValueError (without echoing the number) when it is not valid."""
    text = raw.strip()
    if not text:
        raise ValueError("phone number is empty")
    if region == "CN" and (fast := _plain_cn_mobile(text)) is not None:
        return fast
    return _phonenumbers_e164(text, region)


def _phonenumbers_e164(text: str, region: str) -> str:
    """normalize_phone through phonenumbers itself (every number the fast path does not take)."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    # number_type validates too (UNKNOWN when the number is not valid): one pass instead of two.
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise ValueError(f"not a valid phone number for region {region}")
    if parsed.country_code == 86 and kind not in _MOBILE_TYPES:
        raise ValueError("must be a mobile number that can receive SMS")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_id_number(raw: str) -> str:
    """Compact 18-character resident ID, upper-case X; ValueError when malformed or the checksum fails."""
    text = raw.strip().upper().replace(" ", "")
    if len(text) != 18:
        raise ValueError("must have 18 characters")
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValueError("must be 17 digits followed by a digit or X")
    try:
        birth = ric.get_birth_date(text)
    except ValidationError:
        raise ValueError("contains an invalid birth date") from None
    if birth > date.today():
        raise ValueError("contains a birth date in the future")
    if text[17] != ric.calc_check_digit(text):
        raise ValueError("checksum digit is wrong")
    if not _region_known(text[:6], birth.year):
        raise ValueError("region code is unknown")
    return text


@lru_cache(maxsize=8192)
def _region_known(region: str, year: int) -> bool:
    """Whether the region code existed in that year (stdnum's database; cached, imports repeat regions)."""
    try:
        ric.get_birth_place(f"{region}{year:04d}0101000X")
    except ValidationError:
        return False
    return True


def id_birth_year(id_number: str) -> int:
    """The birth year written in a normalised ID number."""
    return int(id_number[6:10])


def check_birth_year(year: int, today: date | None = None) -> int:
    """Working-age bound on the birth year; ValueError names the allowed range."""
    current = (today or date.today()).year
    low, high = current - MAX_AGE, current - MIN_AGE
    if not low <= year <= high:
        raise ValueError(f"must be between {low} and {high} (age {MIN_AGE} to {MAX_AGE})")
    return year


def mask_name(name: str | None) -> str | None:
    """Family name kept, the rest starred: 王** (for employers who see a referred worker)."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)
