"""The API's message catalogue: problem titles, validation messages and domain errors in zh and en."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

Lang = Literal["zh", "en"]
DEFAULT_LANG: Lang = "zh"
CONTENT_LANGUAGE: dict[Lang, str] = {"zh": "zh-CN", "en": "en"}

# Chinese labels of the shared enums' values (the words the offices use, as in the import template).
ENUM_LABELS: dict[str, str] = {
    "migrant": "外出务工",
    "local": "就近就业",
    "worker_peasant": "亦工亦农",
    "returnee_agriculture": "返乡务农",
    "none": "无",
    "unstable": "脱贫不稳定户",
    "marginal": "边缘易致贫户",
    "sudden_hardship": "突发严重困难户",
    "unemployed": "未就业",
    "employed": "已就业",
    "seasonal": "季节性务工",
    "agriculture": "务农",
    "workshop": "扶贫车间",
    "enterprise": "企业",
    "labor_cooperation": "劳务协作单位",
    "public_welfare": "公益性岗位",
    "day": "白班",
    "night": "夜班",
    "flexible": "弹性工作时间",
    "part_time": "兼职",
    "open": "开放",
    "filled": "已招满",
    "closed": "已关闭",
    "full": "已满员",
    "expired": "已过期",
    "proposed": "已推荐",
    "notified": "已通知",
    "interested": "有意向",
    "declined": "已谢绝",
    "referred": "已转介",
    "hired": "已录用",
    "rejected": "未录用",
    "left": "已离职",
    "not_interested": "无意向",
    "opt_out": "退订",
    "unknown": "无法识别",
    "male": "男",
    "female": "女",
    "admin": "管理员",
    "office_staff": "就业服务站工作人员",
    "delivered": "已送达",
    "failed": "失败",
    "pending": "待发送",
    "sent": "已发送",
    "submitting": "提交中",
    "skipped": "已跳过",
    "cancelled": "已取消",
    "in_doubt": "状态不明",
    "moved_away": "已迁出",
    "other": "其他",
    "left_job": "离职",
    "wage_arrears": "欠薪",
    "manual": "手工记录",
    "planned": "计划中",
    "departed": "已出发",
    "completed": "已完成",
}

# Nouns that domain errors name ("job 42 not found").
NOUNS: dict[str, str] = {
    "job": "岗位",
    "jobs": "岗位",
    "employer": "用人单位",
    "training": "培训课程",
    "worker": "劳动力",
    "household": "家庭户",
    "site": "安置点",
    "match": "匹配",
    "user": "用户",
    "api key": "API 密钥",
    "departure": "出行批次",
    "departure worker": "出行名单中的劳动力",
    "webhook": "Webhook",
    "notification": "短信通知",
    "jobs service": "岗位服务",
    "workers service": "劳动力服务",
    "matching service": "匹配服务",
    "notifications service": "通知服务",
    "gateway service": "网关",
    "matches": "匹配记录",
    "training offers": "培训推荐",
    "ip": "每个 IP 地址",
    "principal": "每个用户",
    "phone": "手机号",
    "id_number": "身份证号",
    "this ID number": "此身份证号",
    "this phone number and name": "此手机号和姓名",
}

TITLES: dict[int, tuple[str, str]] = {
    400: ("请求有误", "Bad request"),
    401: ("需要登录", "Authentication required"),
    403: ("无权操作", "Forbidden"),
    404: ("未找到", "Not found"),
    405: ("不支持该方法", "Method not allowed"),
    406: ("无法提供所需格式", "Not acceptable"),
    409: ("与当前状态冲突", "Conflict"),
    412: ("前提条件不成立", "Precondition failed"),
    413: ("请求内容过大", "Payload too large"),
    415: ("不支持的内容类型", "Unsupported media type"),
    422: ("输入有误", "Validation failed"),
    423: ("已锁定", "Locked"),
    428: ("缺少前提条件", "Precondition required"),
    429: ("请求过于频繁", "Too many requests"),
    500: ("服务器内部错误", "Internal server error"),
    502: ("上游服务出错", "Bad gateway"),
    503: ("服务暂不可用", "Service unavailable"),
    504: ("上游服务超时", "Gateway timeout"),
}
_TITLE_ZH_BY_EN = {en.lower(): zh for zh, en in TITLES.values()}
_TITLE_ZH_BY_EN.update(
    {
        "error": "错误",
        "validation error": "输入有误",
        "unprocessable entity": "输入有误",
        "request entity too large": "请求内容过大",
    }
)


def negotiate(accept_language: str | None) -> Lang:
    """The language an Accept-Language header prefers among zh and en (zh when it names neither)."""
    if not accept_language:
        return DEFAULT_LANG
    best: tuple[float, int, Lang] | None = None
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang: Lang | None = None
        if tag == "en" or tag.startswith("en-"):
            lang = "en"
        elif tag == "zh" or tag.startswith("zh-"):
            lang = "zh"
        if lang is None or quality <= 0:
            continue
        if best is None or (quality, -position) > (best[0], -best[1]):
            best = (quality, position, lang)
    return best[2] if best else DEFAULT_LANG


def title(status: int, english: str | None, lang: Lang) -> str:
    """A problem's title in the language; a custom English title is looked up in the catalogue."""
    zh_default, en_default = TITLES.get(status, ("错误", "Error"))
    if lang == "en":
        return english or en_default
    if english is None:
        return zh_default
    return _TITLE_ZH_BY_EN.get(english.lower()) or translate(english, "zh")


def label(value: object) -> str:
    """An enum value's Chinese label, or the value itself."""
    text = str(value)
    return ENUM_LABELS.get(text, text)


def _term(value: str) -> str:
    """A word inside a message: a noun or an enum value in Chinese, anything else unchanged."""
    if ", " in value or " or " in value:
        return "、".join(_term(v) for v in re.split(r", | or ", value))
    key = value.strip().strip("'\"")
    return NOUNS.get(key) or ENUM_LABELS.get(key) or value


def _list_zh(expected: str) -> str:
    values = re.findall(r"'([^']*)'", expected) or [v.strip() for v in re.split(r",| or ", expected)]
    return "、".join(label(v) for v in values if v)


# --- pydantic error types -------------------------------------------------------------------------------

_TYPE_KIND_ZH = {
    "list": "列表",
    "tuple": "列表",
    "set": "集合",
    "dict": "对象",
    "string": "文本",
    "str": "文本",
    "value": "值",
}


def _kind(ctx: Mapping[str, Any]) -> str:
    field_type = str(ctx.get("field_type", "")).lower()
    return _TYPE_KIND_ZH.get(field_type, "列表")


def _n(ctx: Mapping[str, Any], key: str) -> str:
    value = ctx.get(key, "")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_ZH_BY_TYPE: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "missing": lambda c: "必填",
    "missing_argument": lambda c: "必填",
    "extra_forbidden": lambda c: "不允许此字段（未知字段）",
    "unexpected_keyword_argument": lambda c: "不允许此字段（未知字段）",
    "string_too_short": lambda c: f"至少 {_n(c, 'min_length')} 个字符",
    "string_too_long": lambda c: f"最多 {_n(c, 'max_length')} 个字符",
    "too_short": lambda c: f"{_kind(c)}至少 {_n(c, 'min_length')} 项，实际 {_n(c, 'actual_length')} 项",
    "too_long": lambda c: f"{_kind(c)}最多 {_n(c, 'max_length')} 项，实际 {_n(c, 'actual_length')} 项",
    "bytes_too_short": lambda c: f"至少 {_n(c, 'min_length')} 个字节",
    "bytes_too_long": lambda c: f"最多 {_n(c, 'max_length')} 个字节",
    "greater_than": lambda c: f"应大于 {_n(c, 'gt')}",
    "greater_than_equal": lambda c: f"应大于或等于 {_n(c, 'ge')}",
    "less_than": lambda c: f"应小于 {_n(c, 'lt')}",
    "less_than_equal": lambda c: f"应小于或等于 {_n(c, 'le')}",
    "multiple_of": lambda c: f"应为 {_n(c, 'multiple_of')} 的倍数",
    "finite_number": lambda c: "应为有限的数",
    "int_parsing": lambda c: "应为整数",
    "int_type": lambda c: "应为整数",
    "int_from_float": lambda c: "应为整数，不能有小数部分",
    "int_parsing_size": lambda c: "整数超出范围",
    "float_parsing": lambda c: "应为数字",
    "float_type": lambda c: "应为数字",
    "decimal_parsing": lambda c: "应为数字",
    "decimal_type": lambda c: "应为数字",
    "decimal_max_digits": lambda c: f"最多 {_n(c, 'max_digits')} 位数字",
    "decimal_max_places": lambda c: f"最多 {_n(c, 'decimal_places')} 位小数",
    "bool_parsing": lambda c: "应为是或否（true/false）",
    "bool_type": lambda c: "应为是或否（true/false）",
    "string_type": lambda c: "应为文本",
    "string_sub_type": lambda c: "应为文本",
    "string_unicode": lambda c: "应为有效的 Unicode 文本",
    "bytes_type": lambda c: "应为字节串",
    "date_parsing": lambda c: "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_parsing": lambda c: "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_inexact": lambda c: "应为日期，不能带时间",
    "date_type": lambda c: "应为日期，格式 YYYY-MM-DD",
    "date_past": lambda c: "应为过去的日期",
    "date_future": lambda c: "应为将来的日期",
    "datetime_parsing": lambda c: "应为日期时间，格式 YYYY-MM-DDTHH:MM:SS+08:00",
    "datetime_from_date_parsing": lambda c: "应为日期时间，格式 YYYY-MM-DDTHH:MM:SS+08:00",
    "datetime_type": lambda c: "应为日期时间，格式 YYYY-MM-DDTHH:MM:SS+08:00",
    "datetime_object_invalid": lambda c: "日期时间无效",
    "datetime_past": lambda c: "应为过去的时间",
    "datetime_future": lambda c: "应为将来的时间",
    "timezone_aware": lambda c: "应带时区",
    "timezone_naive": lambda c: "不应带时区",
    "time_parsing": lambda c: "应为时间，格式 HH:MM",
    "time_type": lambda c: "应为时间，格式 HH:MM",
    "time_delta_parsing": lambda c: "应为时长",
    "time_delta_type": lambda c: "应为时长",
    "enum": lambda c: f"应为 {_list_zh(str(c.get('expected', '')))} 之一",
    "literal_error": lambda c: f"应为 {_list_zh(str(c.get('expected', '')))} 之一",
    "string_pattern_mismatch": lambda c: f"格式不符合要求（应匹配 {c.get('pattern', '')}）",
    "uuid_parsing": lambda c: "应为 UUID（如 123e4567-e89b-12d3-a456-426614174000）",
    "uuid_type": lambda c: "应为 UUID（如 123e4567-e89b-12d3-a456-426614174000）",
    "uuid_version": lambda c: f"应为第 {_n(c, 'expected_version')} 版 UUID",
    "url_parsing": lambda c: "应为有效的网址（URL）",
    "url_type": lambda c: "应为有效的网址（URL）",
    "url_scheme": lambda c: f"网址协议应为 {c.get('expected_schemes', '')}",
    "url_too_long": lambda c: f"网址最多 {_n(c, 'max_length')} 个字符",
    "url_syntax_violation": lambda c: "网址格式有误",
    "json_invalid": lambda c: "不是有效的 JSON",
    "json_type": lambda c: "应为 JSON 文本",
    "model_type": lambda c: "应为对象",
    "model_attributes_type": lambda c: "应为对象",
    "dict_type": lambda c: "应为对象",
    "mapping_type": lambda c: "应为对象",
    "list_type": lambda c: "应为列表",
    "tuple_type": lambda c: "应为列表",
    "set_type": lambda c: "应为集合",
    "frozen_set_type": lambda c: "应为集合",
    "iterable_type": lambda c: "应为列表",
    "none_required": lambda c: "应为空（null）",
    "union_tag_invalid": lambda c: f"类型标签应为 {c.get('expected_tags', '')} 之一",
    "union_tag_not_found": lambda c: f"缺少类型标签字段 {c.get('discriminator', '')}",
    "is_instance_of": lambda c: "类型不正确",
    "frozen_field": lambda c: "此字段不可修改",
    "frozen_instance": lambda c: "不可修改",
    "ip_v4_address": lambda c: "应为 IPv4 地址",
    "ip_any_address": lambda c: "应为 IP 地址",
    "value_error": lambda c: translate(str(c.get("error", "")), "zh") or "值无效",
    "assertion_error": lambda c: translate(str(c.get("error", "")), "zh") or "值无效",
}


def field_message(err: Mapping[str, Any], lang: Lang) -> str:
    """One validation error's message (pydantic's error dict) in the language."""
    english = (
        str(err.get("msg", "invalid value")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    )
    if lang == "en":
        return english
    kind = str(err.get("type", ""))
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return translate(english, "zh")
    render = _ZH_BY_TYPE.get(kind)
    if render is None:
        return translate(english, "zh")
    return render(ctx)


# --- the services' own messages ---------------------------------------------------------------------------
# English text (as the code raises it) -> Chinese. Named groups are carried over; a group that is a noun or
# an enum value is shown in Chinese. Listed longest-first where one pattern could swallow another.

_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^}]+))?\}")


def _p(pattern: str) -> re.Pattern[str]:
    """A catalogue pattern: literal text with {name} (any text) or {name:regex} placeholders."""
    out, pos = [], 0
    for m in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[pos : m.start()]))
        out.append(f"(?P<{m.group(1)}>{m.group(2) or '.+?'})")
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("^" + "".join(out) + "$", re.I | re.S)


_CATALOGUE_SRC: list[tuple[str, str]] = [
    # kit: errors.py, principal.py, pagination.py, problems.py
    ("{what} {ident:\\S+} not found", "未找到{what} {ident}"),
    ("{what:[a-z ]+} not found", "未找到{what}"),
    ("not found", "未找到"),
    ("method not allowed", "不支持该请求方法"),
    ("{method:\\S+} is not allowed here", "此处不支持 {method} 请求"),
    ("the URL is longer than {n:\\S+} characters", "网址超过 {n} 个字符"),
    (
        "min.insync.replicas {n:\\S+} must be from 1 to {rf:\\S+}",
        "min.insync.replicas {n} 应在 1 到 {rf} 之间",
    ),
    ("the object changed; current version is {current}", "数据已被修改，当前版本为 {current}"),
    (
        "version {version} is stale; current version is {current}",
        "版本 {version} 已过时，当前版本为 {current}",
    ),
    (
        "send If-Match with the ETag you read, or the version field",
        "请在 If-Match 头中带上读取时得到的 ETag，或在请求体中带上 version 字段",
    ),
    (
        'If-Match must be an ETag like W/"3" from a previous response',
        'If-Match 应为之前响应中的 ETag，如 W/"3"',
    ),
    ("internal principal token is invalid or expired", "内部身份令牌无效或已过期"),
    ("requests must come through the gateway", "请求必须经由网关"),
    (
        "cursor is not valid; use next_cursor from a previous page",
        "翻页游标无效，请使用上一页返回的 next_cursor",
    ),
    ("cursor is not valid{rest}", "翻页游标无效"),
    ("an unexpected error occurred; it has been logged", "发生意外错误，已记入日志"),
    ("invalid request", "请求无效"),
    ("request body is larger than {limit} bytes", "请求内容超过 {limit} 字节"),
    ("Field required", "必填"),
    # pydantic's English messages, for texts that reach us without their error type (import row reasons)
    ("Input should be a valid integer{rest}", "应为整数"),
    ("Input should be a valid number{rest}", "应为数字"),
    ("Input should be a valid boolean{rest}", "应为是或否"),
    ("Input should be a valid date{rest}", "应为日期，格式 YYYY-MM-DD"),
    ("Input should be a valid UUID{rest}", "应为 UUID"),
    ("Input should be a valid string", "应为文本"),
    ("String should have at most {n} characters", "最多 {n} 个字符"),
    ("String should have at least {n} characters", "至少 {n} 个字符"),
    ("Input should be less than or equal to {n}", "应小于或等于 {n}"),
    ("Input should be greater than or equal to {n}", "应大于或等于 {n}"),
    ("Input should be less than {n}", "应小于 {n}"),
    ("Input should be greater than {n}", "应大于 {n}"),
    ("Input should be {values:'.+'}", "应为 {values} 之一"),
    ("Extra inputs are not permitted", "不允许此字段（未知字段）"),
    # schemas (value_error)
    ("wage_min must be less than or equal to wage_max", "最低工资 wage_min 应不高于最高工资 wage_max"),
    ("min_age must be less than or equal to max_age", "最低年龄 min_age 应不高于最高年龄 max_age"),
    ("expires_on must not be before starts_on", "截止日期 expires_on 不能早于开始日期 starts_on"),
    ("ends_on must not be before starts_on", "结束日期 ends_on 不能早于开始日期 starts_on"),
    ("expires_on is in the past", "截止日期 expires_on 已过"),
    ("an employer needs a site_id or a county/province", "用人单位需要填写安置点 site_id 或所在县/省"),
    (
        "not a phone number; use E.164 (+8613812345678) or an 11-digit mobile number",
        "不是有效的电话号码，请用 +8613812345678 或 11 位手机号",
    ),
    ("required when id_number is not given", "未填写身份证号时必填"),
    ("does not match the birth date in id_number", "与身份证号中的出生日期不符"),
    ("phone number is empty", "电话号码为空"),
    ("not a phone number", "不是有效的电话号码"),
    ("not a valid phone number for region {region}", "不是 {region} 地区的有效电话号码"),
    ("must be a mobile number that can receive SMS", "应为能接收短信的手机号"),
    ("must have 18 characters", "应为 18 位"),
    ("must be 17 digits followed by a digit or X", "应为 17 位数字加 1 位数字或 X"),
    ("contains an invalid birth date", "其中的出生日期无效"),
    ("contains a birth date in the future", "其中的出生日期在将来"),
    ("checksum digit is wrong", "校验位不正确"),
    ("region code is unknown", "地区代码不存在"),
    (
        "must be between {low} and {high} (age {amin} to {amax})",
        "应在 {low} 到 {high} 之间（年龄 {amin} 至 {amax} 岁）",
    ),
    (
        "office_staff users need at least one site in site_ids",
        "就业服务站工作人员至少要有一个安置点（site_ids）",
    ),
    ("office_staff users need at least one site", "就业服务站工作人员至少要有一个安置点"),
    ("cannot be null", "不能为空（null）"),
    # jobs
    ("employers cannot register other employers", "用人单位不能登记其他用人单位"),
    ("office staff register employers of their own sites", "工作人员只能登记本安置点的用人单位"),
    ("an employer can post jobs only for itself", "用人单位只能为自己发布岗位"),
    ("no employer {ident} in your scope", "您的权限范围内没有用人单位 {ident}"),
    ("no employer {ident}", "没有用人单位 {ident}"),
    ("office staff post jobs only at their own sites", "工作人员只能在本安置点发布岗位"),
    ("job is {status}; only open jobs can change", "岗位状态为「{status}」，只有开放中的岗位可以修改"),
    ("{count} people are already hired", "已录用 {count} 人"),
    ("job is already {status}", "岗位已是「{status}」状态"),
    ("training courses are managed by employment offices", "培训课程由就业服务站管理"),
    ("office staff publish courses only at their own sites", "工作人员只能在本安置点发布培训课程"),
    ("training is already closed", "培训课程已关闭"),
    ("training is closed", "培训课程已关闭"),
    ("more seats taken than the course has", "已报名人数超过课程名额"),
    # workers
    (
        "only employment-office staff manage households and workers",
        "只有就业服务站工作人员可以管理家庭户和劳动力",
    ),
    ("only administrators register sites", "只有管理员可以登记安置点"),
    ("only administrators change sites", "只有管理员可以修改安置点"),
    ("only administrators may do this", "只有管理员可以执行此操作"),
    ("no site {ident} in your scope", "您的权限范围内没有安置点 {ident}"),
    ("no site {ident}", "没有安置点 {ident}"),
    ("household_ref {ref} already exists at this site", "户编号 {ref} 在本安置点已存在"),
    ("no household {ident} in your scope", "您的权限范围内没有家庭户 {ident}"),
    ("a worker with {what} is already registered", "已登记过{what}相同的劳动力"),
    (
        "the worker's personal data was erased; register again instead",
        "该劳动力的个人信息已删除，请重新登记",
    ),
    ("the worker is already deactivated", "该劳动力已停用"),
    ("the worker is deactivated", "该劳动力已停用"),
    ("birth year and the birth date in id_number disagree", "出生年份与身份证号中的出生日期不符"),
    ("the CSV file is neither UTF-8 nor GBK text", "CSV 文件既不是 UTF-8 也不是 GBK 编码"),
    ("upload a .xlsx or .csv file", "请上传 .xlsx 或 .csv 文件"),
    ("the file is not a readable .xlsx workbook", "文件不是可读取的 .xlsx 工作簿"),
    ("the file is larger than {limit} bytes", "文件超过 {limit} 字节"),
    ("the file has no header row", "文件没有表头行"),
    (
        "some of these workers were registered at the same time by another request; retry",
        "其中有劳动力同时被另一请求登记，请重试",
    ),
    ("only employment-office staff import workers", "只有就业服务站工作人员可以导入劳动力"),
    # workers: organised departures and the service standard
    ("the departure was cancelled; plan a new one instead", "该出行批次已取消，请新建一个"),
    ("the expected arrival is before the departure date", "预计到达日期早于出发日期"),
    ("a departure cannot go from {frm} to {to}", "出行批次不能从「{frm}」变为「{to}」"),
    ("the departure is completed; it cannot be cancelled", "该出行批次已完成，不能取消"),
    (
        "the departure is {status}; workers join only planned departures",
        "该出行批次状态为「{status}」，只有计划中的批次可以加入",
    ),
    (
        "the departure is {status}; only a planned departure's roster changes",
        "该出行批次状态为「{status}」，只有计划中的批次可以调整名单",
    ),
    ("no active worker {ident} at the departure's site", "出行批次所属安置点没有在册劳动力 {ident}"),
    ("the worker is already on this departure", "该劳动力已在本出行批次中"),
    ("the worker is already on departure {ident}", "该劳动力已在出行批次 {ident} 中"),
    (
        "the worker has no accepted match of this departure's employer; give a reason to add by hand",
        "该劳动力没有本批次用工单位的已接受匹配，人工添加请填写原因",
    ),
    ("all {n} seats are taken", "{n} 个座位已满"),
    ("{n} workers hold seats; seats cannot be fewer", "已有 {n} 名劳动力占座，座位数不能更少"),
    ("no accepted match {ident} of this worker", "该劳动力没有已接受的匹配 {ident}"),
    ("the match is for a job of another employer", "该匹配属于其他用工单位的岗位"),
    ("year must be between 2000 and {n}", "年度应在 2000 至 {n} 之间"),
    ("must not be in the future", "不能是将来的时间"),
    ("give the site as a form field or a site_id column", "请在表单字段或 site_id 列中给出安置点"),
    ("at most {n} rows per file", "每个文件最多 {n} 行"),
    ("{header} is missing or wrong", "{header} 缺失或不正确"),
    # matching
    (
        "employers cannot see {what}; they see referred candidates of their own jobs",
        "用人单位不能查看{what}，只能查看自己岗位的已转介人选",
    ),
    ("employers may only record hired, rejected or left", "用人单位只能记录已录用、未录用或已离职"),
    # notifications
    ("the worker opted out of SMS; nothing is sent", "该劳动力已退订短信，不会发送"),
    ("resend conflicted; try again", "重发时发生冲突，请重试"),
    ("no SMS with this id", "没有此编号的短信"),
    ("Last-Event-ID must be a feed item id", "Last-Event-ID 应为动态条目的编号"),
    # gateway
    ("the request URL is not valid", "请求地址无效"),
    ("no route for {path}", "没有此路径：{path}"),
    ("the {service} service is unavailable; retry shortly", "{service}服务暂不可用，请稍后重试"),
    ("the {service} service did not answer in time", "{service}服务未及时响应"),
    ("the {service} service is unreachable", "无法连接{service}服务"),
    ("username {username} is taken", "用户名 {username} 已被占用"),
    (
        "only administrators and office staff create API keys",
        "只有管理员和就业服务站工作人员可以创建 API 密钥",
    ),
    ("username and password are required", "请填写用户名和密码"),
    ("username or password is wrong", "用户名或密码不正确"),
    ("Authorization must be 'Bearer <access token>'", "Authorization 头应为「Bearer <访问令牌>」"),
    ("this account is disabled", "该账户已停用"),
    (
        "log in (Bearer token) or send an employer API key (X-API-Key)",
        "请先登录（Bearer 令牌），或发送用人单位 API 密钥（X-API-Key）",
    ),
    ("the API key is malformed", "API 密钥格式有误"),
    ("the API key has been revoked", "API 密钥已吊销"),
    ("the API key is not valid", "API 密钥无效"),
    ("the access token has expired; refresh it or log in again", "访问令牌已过期，请刷新或重新登录"),
    ("the access token is not valid", "访问令牌无效"),
    ("the refresh token is not valid", "刷新令牌无效"),
    ("the refresh token was already used; log in again", "刷新令牌已使用过，请重新登录"),
    ("the refresh token has expired; log in again", "刷新令牌已过期，请重新登录"),
    (
        "rate limit of {item} per {scope} exceeded; retry after {retry} s",
        "超过频率限制（{scope}：{item}），请 {retry} 秒后重试",
    ),
    (
        "too many failed logins for this account; try again in {ttl} s",
        "该账户登录失败次数过多，请 {ttl} 秒后再试",
    ),
    (
        "the {service} service cannot confirm the reference now; retry",
        "{service}服务暂时无法确认该引用，请重试",
    ),
    ("missing required columns: {names}", "缺少必填列：{names}"),
    ("columns {a} and {b} both mean {field}", "列 {a} 和 {b} 都表示 {field}"),
    (
        "the file is empty; the first row must hold the column headers",
        "文件为空，第一行应为列标题",
    ),
    (
        "a match cannot go from {frm} to {to}; allowed: {allowed}",
        "匹配不能从「{frm}」变为「{to}」，允许的状态：{allowed}",
    ),
    ("none (final status)", "无（最终状态）"),
]
CATALOGUE: list[tuple[re.Pattern[str], str]] = [(_p(en), zh) for en, zh in _CATALOGUE_SRC]
_CJK = re.compile(r"[\u3400-\u9fff]")


def has_chinese(text: str) -> bool:
    """Whether the text holds a Chinese character."""
    return bool(_CJK.search(text))


def translate(text: str, lang: Lang) -> str:
    """A service's English message in the language (unchanged in English, or when no entry knows it)."""
    if lang == "en" or not text:
        return text
    # A field path before the message ("body.wage_min: wage_min must be ...") stays as it is.
    prefix, sep, rest = text.partition(": ")
    if sep and re.fullmatch(r"[\w.\-\[\]]+", prefix):
        return f"{prefix}: {translate(rest, lang)}"
    # Several messages joined by "; " are translated one by one.
    if "; " in text and not _lookup(text):
        return "；".join(translate(part, lang) for part in text.split("; "))
    return _lookup(text) or text


def _lookup(text: str) -> str | None:
    stripped = text.strip()
    for pattern, zh in CATALOGUE:
        match = pattern.match(stripped)
        if match:
            return zh.format(**{k: _term(v) for k, v in match.groupdict().items()})
    return None
