"""The API's message catalogue: language negotiation, every pydantic error kind, every domain message."""

from __future__ import annotations

import ast
import datetime as dt
import enum
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from anju_common import i18n
from anju_common.events.base import LivelihoodType
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [ROOT / "libs/common/src", ROOT / "gateway/src", *sorted((ROOT / "services").glob("*/src"))]
# The call that raises and the position of its human-readable message among the positional arguments.
MESSAGE_ARG = {
    "Problem": 1,
    "ConflictError": 0,
    "ForbiddenError": 0,
    "InvalidFieldError": 1,
    "unauthorized": 0,
    "unavailable": 2,
    "ValueError": 0,
}
SKIP_VALUE_ERRORS = {"crypto.py", "kafka.py", "settings.py", "events", "testing.py", "cli.py", "migrate.py"}


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr-FR, en;q=0.5", "en"),
        ("fr", "zh"),
        ("en;q=0.3, zh;q=0.7", "zh"),
        ("zh;q=0, en", "en"),
        ("garbage;;q=x", "zh"),
    ],
)
def test_negotiate(header: str | None, lang: str) -> None:
    assert i18n.negotiate(header) == lang


class _Shift(enum.StrEnum):
    day = "day"
    night = "night"


class _Inner(BaseModel):
    lat: float


class _Everything(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=4)
    skills: list[str] = Field(min_length=1, max_length=2)
    count: int = Field(gt=0, le=10)
    ratio: float = Field(ge=0, lt=1)
    flag: bool
    day: dt.date
    at: dt.datetime
    kind: LivelihoodType
    shift: _Shift
    mode: Literal["a", "b"]
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$")]
    ident: uuid.UUID
    url: AnyHttpUrl
    inner: _Inner
    checked: str

    @field_validator("checked")
    @classmethod
    def _check(cls, value: str) -> str:
        raise ValueError("expires_on is in the past")


_BAD: dict[str, Any] = {
    "name": "x" * 9,
    "skills": [],
    "count": 0,
    "ratio": 1,
    "flag": "perhaps",
    "day": "2024-13-40",
    "at": "yesterday",
    "kind": "nomad",
    "shift": "evening",
    "mode": "c",
    "code": "12a",
    "ident": "not-a-uuid",
    "url": "no url",
    "inner": {"lat": "north"},
    "checked": "x",
    "surprise": 1,
}


def _errors(data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        _Everything.model_validate(data)
    return [dict(e) for e in info.value.errors()]


def test_every_error_kind_has_a_chinese_message() -> None:
    errors = _errors(_BAD) + _errors({"name": "x", "skills": ["a", "b", "c"], "count": 11, "ratio": -1})
    kinds = {e["type"] for e in errors}
    assert {
        "string_too_long",
        "string_too_short",
        "too_short",
        "too_long",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "bool_parsing",
        "date_from_datetime_parsing",
        "datetime_from_date_parsing",
        "enum",
        "literal_error",
        "string_pattern_mismatch",
        "uuid_parsing",
        "url_parsing",
        "float_parsing",
        "value_error",
        "extra_forbidden",
        "missing",
    } <= kinds
    for err in errors:
        zh = i18n.field_message(err, "zh")
        assert i18n.has_chinese(zh), (err["type"], zh)
        assert i18n.field_message(err, "en") == err["msg"].removeprefix("Value error, ")


def test_messages_say_what_is_expected() -> None:
    by_field = {".".join(map(str, e["loc"])): e for e in _errors(_BAD)}
    zh = {f: i18n.field_message(e, "zh") for f, e in by_field.items()}
    assert zh["kind"] == "应为 外出务工、就近就业、亦工亦农、返乡务农 之一"
    assert zh["shift"] == "应为 白班、夜班 之一"
    assert zh["mode"] == "应为 a、b 之一"
    assert zh["name"] == "最多 4 个字符"
    assert zh["skills"] == "列表至少 1 项，实际 0 项"
    assert zh["count"] == "应大于 0"
    assert zh["ratio"] == "应小于 1"
    assert zh["inner.lat"] == "应为数字"
    assert zh["checked"] == "截止日期 expires_on 已过"
    assert zh["surprise"] == "不允许此字段（未知字段）"
    assert "^[0-9]{6}$" in zh["code"]
    assert zh["ident"].startswith("应为 UUID")


def test_other_pydantic_kinds() -> None:
    cases: list[tuple[Any, Any, str]] = [
        (int, "abc", "应为整数"),
        (int, 1.5, "应为整数，不能有小数部分"),
        (dt.date, "soon", "应为日期，格式 YYYY-MM-DD"),
        (list[int], "x", "应为列表"),
        (str, 5, "应为文本"),
    ]
    for type_, value, expected in cases:
        with pytest.raises(ValidationError) as info:
            TypeAdapter(type_).validate_python(value, strict=type_ is str)
        assert i18n.field_message(dict(info.value.errors()[0]), "zh") == expected
    json_err = {"type": "json_invalid", "msg": "JSON decode error", "ctx": {"error": "Expecting value"}}
    assert i18n.field_message(json_err, "zh") == "不是有效的 JSON"


def test_titles_in_both_languages() -> None:
    for status, (zh, en) in i18n.TITLES.items():
        assert i18n.title(status, None, "zh") == zh
        assert i18n.title(status, None, "en") == en
        assert i18n.title(status, en, "zh") == zh
        assert i18n.has_chinese(zh)
    assert i18n.title(409, "Conflict", "en") == "Conflict"


def test_translate_keeps_field_paths_and_values() -> None:
    assert i18n.translate("job 42 not found", "zh") == "未找到岗位 42"
    assert i18n.translate("api key 7f not found", "zh") == "未找到API 密钥 7f"
    assert i18n.translate("body.wage_min: no site abc in your scope", "zh") == (
        "body.wage_min: 您的权限范围内没有安置点 abc"
    )
    assert i18n.translate("job is closed; only open jobs can change", "zh") == (
        "岗位状态为「已关闭」，只有开放中的岗位可以修改"
    )
    assert (
        i18n.translate("a match cannot go from hired to proposed; allowed: left", "zh")
        == "匹配不能从「已录用」变为「已推荐」，允许的状态：已离职"
    )
    assert i18n.translate("a: field required; b: field required", "zh") == "a: 必填；b: 必填"
    assert i18n.translate("job 42 not found", "en") == "job 42 not found"
    assert i18n.translate("something nobody wrote down", "zh") == "something nobody wrote down"


def _sample(node: ast.expr) -> str | None:
    """The message a call would raise, with sample values in place of its f-string fields."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append("x1")
        return "".join(parts)
    return None


def _raised_messages() -> list[tuple[str, int, str]]:
    found = []
    for base in SOURCES:
        for path in base.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            skip_value_errors = any(part in SKIP_VALUE_ERRORS for part in (path.name, *path.parts))
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in MESSAGE_ARG or (name == "ValueError" and skip_value_errors):
                    continue
                position = MESSAGE_ARG[name]
                if len(node.args) <= position:
                    continue
                text = _sample(node.args[position])
                if text is not None:
                    found.append((str(path.relative_to(ROOT)), node.lineno, text))
    return found


def test_every_message_the_code_raises_has_chinese() -> None:
    messages = _raised_messages()
    assert len(messages) > 60  # the scan finds the services' raise sites
    missing = [m for m in messages if not i18n.has_chinese(i18n.translate(m[2], "zh"))]
    assert not missing, "add these to anju_common.i18n.CATALOGUE:\n" + "\n".join(map(str, missing))


def test_not_found_names_in_chinese() -> None:
    for noun in ("job", "employer", "training", "worker", "household", "site", "match", "user", "api key"):
        assert i18n.has_chinese(i18n.translate(f"{noun} 123 not found", "zh").replace("123", ""))


def test_pydantic_english_messages_without_their_type() -> None:
    assert i18n.translate("Input should be 'migrant', 'local' or 'worker_peasant'", "zh") == (
        "应为 外出务工、就近就业、亦工亦农 之一"
    )
    assert i18n.translate("Input should be a valid integer, unable to parse string as an integer", "zh") == (
        "应为整数"
    )
    assert i18n.translate("String should have at most 100 characters", "zh") == "最多 100 个字符"
