"""Understanding a worker's SMS reply in the context of the SMS it answers: digits, TD, the refusal keyword,
Chinese words; tolerant of width, case, spaces."""

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
_CHINESE_DIGITS = {"一": "1", "二": "2", "壹": "1", "贰": "2", "两": "2", "三": "3", "叁": "3"}
# Refusing automated matching (PIPL art. 24): JJ (ju jue), 拒绝推荐, 人工推荐 and close variants.
_REFUSE = re.compile(r"^JJ$|^JJ[^A-Z0-9]|拒绝推荐|拒绝自动推荐|人工推荐|不要自动推荐")
_ON_JOB = {"在岗", "在", "还在", "在的", "还在的", "是", "是的", "还在干", "在干", "在上班", "上班"}
_LEFT_JOB = {"离职", "已离职", "不干了", "没干了", "辞职", "辞职了", "离开了", "走了", "没在了", "不在了"}
_WAGES_UNPAID = {"工资未发", "工资没发", "没发工资", "欠薪", "拖欠工资", "欠工资", "没给工资"}
_ARRIVED = {"到了", "已到", "已到达", "到达", "平安到达", "到啦", "是", "是的"}
# The reply kinds a digit or word can mean, by what the latest SMS asked.
CONTEXT_OFFER = ("interested", "not_interested")
CONTEXT_FOLLOW_UP = ("on_job", "left_job", "wages_unpaid")
CONTEXT_ARRIVAL = ("arrived",)
_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), upper case, without whitespace and punctuation."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return _STRIP.sub("", folded)


def _leading_digit(norm: str, digits: str) -> str | None:
    """'1好的' or '2谢谢': a leading digit decides when the rest is short and has no other digit."""
    if len(norm) <= 6 and norm[0] in digits and not any(c.isdigit() for c in norm[1:]):
        return norm[0]
    return None


def _offer(norm: str) -> ReplyKind:
    if norm in _YES:
        return ReplyKind.interested
    if norm in _NO:
        return ReplyKind.not_interested
    digit = _leading_digit(norm, "12")
    if digit:
        return ReplyKind.interested if digit == "1" else ReplyKind.not_interested
    return ReplyKind.unknown


def _follow_up(norm: str) -> ReplyKind:
    by_digit = {"1": ReplyKind.on_job, "2": ReplyKind.left_job, "3": ReplyKind.wages_unpaid}
    for words, kind in ((_ON_JOB, ReplyKind.on_job), (_LEFT_JOB, ReplyKind.left_job)):
        if norm in words:
            return kind
    if norm in _WAGES_UNPAID or any(w in norm for w in ("工资未发", "没发工资", "欠薪", "拖欠")):
        return ReplyKind.wages_unpaid
    digit = _leading_digit(norm, "123")
    return by_digit[digit] if digit else ReplyKind.unknown


def _arrival(norm: str) -> ReplyKind:
    if norm in _ARRIVED or _leading_digit(norm, "1"):
        return ReplyKind.arrived
    return ReplyKind.unknown


def parse_reply(text: str, context: tuple[str, ...] | None = CONTEXT_OFFER) -> ReplyKind:
    """What the worker meant, read in the context of what the latest SMS asked (an offer, a follow-up
    check-in, an arrival check-in, or nothing: None); unknown when a person has to read it. TD and the
    refusal keyword mean the same in every context."""
    norm = normalise(text)
    if not norm:
        return ReplyKind.unknown
    if _OPT_OUT.search(norm):
        return ReplyKind.opt_out
    if _REFUSE.search(norm):
        return ReplyKind.refuse_automation
    norm = _CHINESE_DIGITS.get(norm, norm)
    if context == CONTEXT_OFFER:
        return _offer(norm)
    if context == CONTEXT_FOLLOW_UP:
        return _follow_up(norm)
    if context == CONTEXT_ARRIVAL:
        return _arrival(norm)
    return ReplyKind.unknown
