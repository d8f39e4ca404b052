"""Understanding a worker's SMS reply: digits, TD, Chinese yes/no words; tolerant of width, case, spaces."""

from __future__ import annotations

import re
import unicodedata

from anju_common.events import ReplyKind

# Checked on the normalised text (NFKC, upper case, no spaces or punctuation).
_OPT_OUT = re.compile(r"^(TD|退订|退定|退訂|取消订阅|退|STOP|UNSUBSCRIBE)$|^TD|退订|退定|退訂")
_YES = {
    "1",
    "Y",
    "YES",
    "是",
    "好",
    "要",
    "行",
    "可以",
    "有意向",
    "愿意",
    "参加",
    "想",
    "想去",
    "去",
    "好的",
    "要的",
    "是的",
    "OK",
}
_NO = {
    "2",
    "N",
    "NO",
    "不",
    "不要",
    "不去",
    "否",
    "不是",
    "不用",
    "不考虑",
    "不参加",
    "不想",
    "没兴趣",
    "算了",
    "不了",
}
_CHINESE_DIGITS = {"一": "1", "二": "2", "壹": "1", "贰": "2", "两": "2"}
_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), upper case, without whitespace and punctuation."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return _STRIP.sub("", folded)


def parse_reply(text: str) -> ReplyKind:
    """What the worker meant; unknown when a person has to read it."""
    norm = normalise(text)
    if not norm:
        return ReplyKind.unknown
    if _OPT_OUT.search(norm):
        return ReplyKind.opt_out
    norm = _CHINESE_DIGITS.get(norm, norm)
    if norm in _YES:
        return ReplyKind.interested
    if norm in _NO:
        return ReplyKind.not_interested
    # "1好的" or "2谢谢": a leading digit decides when the rest is short.
    if len(norm) <= 6 and norm[0] in "12" and not any(c.isdigit() for c in norm[1:]):
        return ReplyKind.interested if norm[0] == "1" else ReplyKind.not_interested
    return ReplyKind.unknown
