"""What an entry says besides its trades: years (3年, 两年半), levels (中级, 3级), 持证 and certificates."""

from __future__ import annotations

import re

from anju_taxonomy.lexicon import BRACKET_CHARS

# 准驾车型 of the Ministry of Public Security's driving licence rules: a higher class permits the lower ones.
LICENCE_IMPLIES = {
    "driving_licence_a1": {
        "driving_licence_a3",
        "driving_licence_b1",
        "driving_licence_b2",
        "driving_licence_c1",
        "driving_licence_c2",
    },
    "driving_licence_a2": {
        "driving_licence_b1",
        "driving_licence_b2",
        "driving_licence_c1",
        "driving_licence_c2",
    },
    "driving_licence_a3": {"driving_licence_c1", "driving_licence_c2"},
    "driving_licence_b1": {"driving_licence_c1", "driving_licence_c2"},
    "driving_licence_b2": {"driving_licence_c1", "driving_licence_c2"},
    "driving_licence_c1": {"driving_licence_c2"},
}


CN_DIGIT = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


NUM = r"\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3}"


YEARS = re.compile(
    rf"(?:工龄|从业|经验|干了|做了)?\s*({NUM}|半)\s*(个)?\s*(多)?\s*(年|个月)(半)?(?:以上|多|左右)?(?:的)?(?:工作)?(?:经验|工龄)?"
    r"|(\d+(?:\.\d+)?)\s*\+?\s*(?:years?|yrs?)(?:\s+of)?(?:\s+experience)?"
)


GRADE = re.compile(r"([一二三四五1-5])\s*级(?:工)?|(?:level|grade)\s*([1-5])")


LEVEL_WORDS = (
    ("高级技师", 5),
    ("技师", 4),
    ("高级工", 3),
    ("高级", 3),
    ("中级工", 2),
    ("中级", 2),
    ("初级工", 1),
    ("初级", 1),
)


SKILLED = ("熟练工", "熟练", "熟手")


CERTIFIED = ("持证上岗", "持证", "有证", "证书齐全", "有上岗证")


CERT_EN = re.compile(r"licen[cs]e|certificate|permit")


CERT_TAIL = re.compile(r"(?:特种作业|操作|上岗|资格|从业|职业资格|等级)+$")


TRADE_CERT = re.compile(r"([\u3400-\u9fff]{2,10})证")


def match_years(m: re.Match[str]) -> float | None:
    """The years one match of YEARS says (3年, 两年半, 6个月, 4 years)."""
    if m.group(1):
        n = cn_number(m.group(1))
        if m.group(4) == "个月":
            n = n / 12.0
        if m.group(5):
            n += 0.5
        return n
    return float(m.group(6)) if m.group(6) else None


def years_in(text: str) -> float | None:
    """The longest experience written in text (3年, 两年半, 6个月, 4 years), in years."""
    found = []
    for m in YEARS.finditer(text):
        n = match_years(m)
        if n is not None:
            found.append(n)
    return round(max(found), 2) if found else None


def take_years(text: str) -> tuple[float | None, str]:
    """years_in(text) and text without what it read (each match made a space, stripped), in one pass."""
    found = []
    rest = []
    last = 0
    for m in YEARS.finditer(text):
        n = match_years(m)
        if n is not None:
            found.append(n)
        rest.append(text[last : m.start()])
        last = m.end()
    if not found:
        return None, text
    rest.append(text[last:])
    return round(max(found), 2), " ".join(rest).strip()


YEARS_LEAD = ("工龄", "从业", "经验", "干了", "做了")


TRAILING_COUNT = re.compile(r"[0-9]+年\Z")  # the leftmost match starts where the digits do


def trailing_years(part: str) -> tuple[float, str] | None:
    """(years, the rest) for a part that ends with ASCII digits + 年 and says nothing else YEARS reads, so
    that YEARS would take exactly those characters and the last piece of the rest carries the years; None
    for anything else (the memo of the whole part and YEARS read it then)."""
    m = TRAILING_COUNT.search(part)
    if m is None or m.start() == 0:
        return None
    start = m.start()
    rest = part[:start]
    last = rest[-1]
    if (
        last == "."
        or last.isdigit()
        or " " in rest
        or rest.endswith(YEARS_LEAD)
        or "年" in rest
        or "月" in rest
        or "year" in rest
        or "yr" in rest
        or BRACKET_CHARS.search(rest)
    ):
        return None
    return float(part[start:-1]), rest


def cn_number(text: str) -> float:
    """A count written in digits or Chinese numerals (3, 2.5, 十二, 两, 半)."""
    if text == "半":
        return 0.5
    if text[0].isdigit():
        return float(text)
    if "十" in text:
        head, _, tail = text.partition("十")
        return float((CN_DIGIT.get(head, 1) if head else 1) * 10 + (CN_DIGIT.get(tail, 0) if tail else 0))
    return float(sum(CN_DIGIT.get(c, 0) for c in text))
