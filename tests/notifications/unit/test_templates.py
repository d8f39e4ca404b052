"""Every template, rendered with worst-case parameters, is one UCS-2 segment of at most 70 characters with the
【sign】 the SMSC receives in front; parameters are shortened by rule; a longer text (never a template's) is
split into concatenated parts of at most 67 characters plus a UDH."""

from __future__ import annotations

import pytest
from notifications.templates import (
    SINGLE_SEGMENT_CHARS,
    TEMPLATES,
    concat_udh,
    county_of,
    course_name,
    org_name,
    place_name,
    render,
    sign_length,
    split_ucs2,
    subsidy_text,
    ucs2_length,
)

SIGN = "安居就业"
# Worst cases: long names full of the noise real postings carry, and characters outside the BMP.
WORST = {
    "employer": "【急招】贵州省黔南布依族苗族自治州惠水县王家社区扶贫车间服装加工集团股份有限公司",
    "job": "【高薪急聘】平缝机缝纫工（包吃住，长期稳定，多劳多得）" + "𠀀" * 5,
    "wage": "12000-15000",
    "place": "贵州省黔南布依族苗族自治州惠水县明田街道王家社区易地扶贫搬迁安置点2栋",
    "title": "【政府补贴】电焊工（焊条电弧焊）中级技能培训班",
    "starts": "12月20日",
    "subsidy": "补贴12000元",
    "when": "12月20日17:30",
    "meeting": "王家社区易地扶贫搬迁安置点新市民广场东门停车场",
    "destination": "广东省东莞市长安镇乌沙社区工业园",
}


def _worst(name: str) -> dict[str, str]:
    return {key: WORST[key] for key in TEMPLATES[name].params}


@pytest.mark.parametrize("sign", [SIGN, "安居就业服务中心"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_with_worst_case_params_is_one_segment_signature_included(
    name: str, sign: str
) -> None:
    rendered = render(name, _worst(name), sign_name=sign)
    text = rendered.smpp_text(sign)
    assert ucs2_length(text) <= SINGLE_SEGMENT_CHARS, text
    assert len(split_ucs2(text)) == 1
    assert rendered.template.code.startswith("SMS_")
    # Cloud providers get the code and the same parameters, each within its declared maximum.
    for key, param in rendered.template.params.items():
        assert 1 <= len(rendered.params[key]) <= param.max


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_the_fixed_text_leaves_room_for_every_parameter_minimum(name: str) -> None:
    template = TEMPLATES[name]
    room = SINGLE_SEGMENT_CHARS - sign_length(SIGN) - template.fixed_length()
    assert sum(p.min for p in template.params.values()) <= room


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_over_long_params_are_clipped_to_their_limit(name: str) -> None:
    rendered = render(name, {k: "长" * 500 for k in TEMPLATES[name].params}, sign_name=SIGN)
    for key, param in TEMPLATES[name].params.items():
        assert len(rendered.params[key]) <= param.max
        assert rendered.params[key].endswith("…")
    assert len(split_ucs2(rendered.smpp_text(SIGN))) == 1


def test_a_long_job_posting_is_one_segment_with_names_shortened_by_rule() -> None:
    rendered = render(
        "job_offer",
        {
            "employer": WORST["employer"],
            "job": "【急聘】缝纫工（包吃住）",
            "wage": "3000-4500",
            "place": WORST["place"],
        },
        sign_name=SIGN,
    )
    assert rendered.params["job"] == "缝纫工"
    assert rendered.params["place"] == "惠水县"  # reduced to the county, not clipped mid-word
    assert "【" not in rendered.text and "有限公司" not in rendered.text
    assert ucs2_length(rendered.smpp_text(SIGN)) <= SINGLE_SEGMENT_CHARS


def test_short_params_are_not_touched() -> None:
    rendered = render(
        "job_offer",
        {"employer": "王家社区扶贫车间", "job": "缝纫工", "wage": "3000-4500", "place": "惠水县王家社区"},
        sign_name=SIGN,
    )
    assert (
        rendered.text
        == "王家社区扶贫车间招缝纫工，月薪3000-4500元，在惠水县王家社区。有意向回1，不考虑回2，退订回TD"
    )


def test_training_text_reads_naturally() -> None:
    rendered = render(
        "training_offer",
        {
            "title": "电焊工培训班",
            "starts": "12月20日",
            "subsidy": subsidy_text(1200),
            "place": "县职业技术学校",
        },
        sign_name=SIGN,
    )
    assert rendered.text.startswith("电焊工培训班12月20日开课，补贴1200元，在县职业技术学校上课。")
    assert "培训班培训" not in rendered.text
    free = render(
        "training_offer", {"title": "家政服务", "starts": "近期", "subsidy": subsidy_text(0), "place": "x"}
    )
    assert "免费参加" in free.text and "补贴0元" not in free.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("贵州惠水服装有限责任公司", "贵州惠水服装"),
        ("【急招】王家服装有限公司", "王家服装"),
        ("黔南鑫达集团股份有限公司", "黔南鑫达"),
        ("有限公司", "有限公司"),
        ("王家社区扶贫车间", "王家社区扶贫车间"),
    ],
)
def test_employer_names_drop_notes_and_company_suffixes(raw: str, expected: str) -> None:
    assert org_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected", "county"),
    [
        ("贵州省黔南布依族苗族自治州惠水县明田街道", "惠水县明田街道", "惠水县"),
        ("贵阳市观山湖区金华镇", "观山湖区金华镇", "观山湖区"),
        ("县职业技术学校", "县职业技术学校", None),
        ("惠水县王家社区", "惠水县王家社区", "惠水县"),
    ],
)
def test_places_lose_province_and_prefecture(raw: str, expected: str, county: str | None) -> None:
    assert place_name(raw) == expected
    assert county_of(expected) == county


@pytest.mark.parametrize(
    ("raw", "expected"), [("电焊工培训班", "电焊工"), ("中式烹调师培训", "中式烹调师"), ("家政", "家政")]
)
def test_course_titles_lose_their_own_training_suffix(raw: str, expected: str) -> None:
    assert course_name(raw) == expected


def test_exactly_seventy_characters_is_one_segment_and_seventy_one_is_two() -> None:
    assert len(split_ucs2("字" * 70)) == 1
    parts = split_ucs2("字" * 71)
    assert [len(p) // 2 for p in parts] == [67, 4]


def test_surrogate_pairs_are_never_split() -> None:
    text = "字" * 66 + "𠀀" + "字" * 10  # the pair straddles the 67th unit
    parts = split_ucs2(text)
    assert b"".join(parts).decode("utf-16-be") == text
    for p in parts:
        p.decode("utf-16-be")  # each part decodes on its own


def test_udh_layout() -> None:
    assert concat_udh(300, 3, 2) == bytes([5, 0, 3, 300 & 0xFF, 3, 2])
