"""The GB/T 2260 table and the place normaliser."""

from __future__ import annotations

import pytest
from anju_common import places
from anju_common.places import PlaceError
from pydantic import BaseModel, ValidationError, field_validator

GUIZHOU = "520000"
HUISHUI = "522731"


def test_table_holds_every_level_with_names() -> None:
    t = places.table()
    assert t.as_of == "2025-12-31"
    assert len(places.divisions("province")) == 34
    assert 330 <= len(places.divisions("prefecture")) <= 340
    assert 2840 <= len(places.divisions("county")) <= 2860
    gz = places.division(GUIZHOU)
    assert gz is not None and (gz.name, gz.short, gz.en, gz.pinyin) == (
        "贵州省",
        "贵州",
        "Guizhou",
        "guizhou",
    )
    qdn = places.division("522600")
    assert qdn is not None and qdn.short == "黔东南"
    assert qdn.en == "Qiandongnan Miao and Dong Autonomous Prefecture"
    hs = places.division(HUISHUI)
    assert hs is not None and hs.parent == "522700" and hs.en == "Huishui County"
    assert places.division("150000").en == "Inner Mongolia"  # type: ignore[union-attr]
    assert places.division("610000").en == "Shaanxi"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "贵州",
        "贵州省",
        "Guizhou",
        "guizhou",
        "GUIZHOU",
        "52",
        "520000",
        "ｇｕｉｚｈｏｕ",
        " 贵州省 ",
        "Guizhou Province",
        "guizhou sheng",
        "guizhousheng",
        "贵 州",
        "520000000000",
    ],
)
def test_province_spellings(text: str) -> None:
    assert places.province(text).code == GUIZHOU


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("内蒙古", "150000"),
        ("内蒙古自治区", "150000"),
        ("Inner Mongolia", "150000"),
        ("Nei Mongol", "150000"),
        ("广西", "450000"),
        ("广西壮族自治区", "450000"),
        ("Guangxi Zhuang Autonomous Region", "450000"),
        ("新疆", "650000"),
        ("Xinjiang", "650000"),
        ("西藏", "540000"),
        ("Tibet", "540000"),
        ("xizang", "540000"),
        ("Shanxi", "140000"),  # the English name wins over 陕西's pinyin
        ("Shaanxi", "610000"),
        ("陕西省", "610000"),
        ("北京", "110000"),
        ("北京市", "110000"),
        ("Chongqing", "500000"),
        ("香港", "810000"),
        ("Hong Kong", "810000"),
    ],
)
def test_other_provinces(text: str, code: str) -> None:
    assert places.province(text).code == code


@pytest.mark.parametrize(
    ("text", "within"),
    [
        ("惠水", GUIZHOU),
        ("惠水县", GUIZHOU),
        ("惠水县", None),
        ("Huishui", GUIZHOU),
        ("Huishui County", None),
        ("huishui xian", GUIZHOU),
        ("huishuixian", GUIZHOU),
        ("ＨＵＩＳＨＵＩ", GUIZHOU),
        ("522731", None),
        ("522731", GUIZHOU),
        ("惠水县", "522700"),
        ("黔南州惠水县", None),
        ("贵州省黔南布依族苗族自治州惠水县", None),
        ("贵州惠水县", None),
    ],
)
def test_county_spellings(text: str, within: str | None) -> None:
    assert places.county(text, within).code == HUISHUI


def test_autonomous_county_by_short_and_full_names() -> None:
    assert places.county("三都", GUIZHOU).code == "522732"
    assert places.county("三都水族自治县").code == "522732"
    assert places.county("Sandu Sui Autonomous County").code == "522732"
    assert places.county("威宁", GUIZHOU).en == "Weining Yi, Hui and Miao Autonomous County"


def test_prefectures() -> None:
    assert places.prefecture("黔东南").code == "522600"
    assert places.prefecture("黔东南州").code == "522600"
    assert places.prefecture("黔东南苗族侗族自治州").code == "522600"
    assert places.prefecture("Qiandongnan", GUIZHOU).code == "522600"
    assert places.prefecture("贵阳市").code == "520100"


def test_city_without_counties_acts_as_county() -> None:
    assert places.county("东莞市", "440000").code == "441900"


def test_ambiguous_county_without_province_is_rejected_with_candidates() -> None:
    with pytest.raises(PlaceError) as exc:
        places.county("白云区")
    assert exc.value.reason == "ambiguous"
    assert {d.code for d in exc.value.suggestions} == {"520113", "440111"}
    assert "请同时填写省份" in exc.value.message and "give the province" in exc.value.message


def test_ambiguous_county_resolved_within_its_province_or_prefecture() -> None:
    assert places.county("白云区", GUIZHOU).code == "520113"
    assert places.county("白云区", "440000").code == "440111"
    with pytest.raises(PlaceError) as exc:
        places.county("城区", "140000")  # two in Shanxi
    assert exc.value.reason == "ambiguous"
    assert places.county("城区", "140300").code == "140302"
    assert places.county("阳泉市城区").code == "140302"


def test_county_outside_the_given_province() -> None:
    with pytest.raises(PlaceError) as exc:
        places.county("惠水县", "440000")
    assert exc.value.reason == "outside"
    assert [d.code for d in exc.value.suggestions] == [HUISHUI]
    assert "不在广东省" in exc.value.message and "not in Guangdong" in exc.value.message


@pytest.mark.parametrize(
    ("text", "expected"), [("贵洲", GUIZHOU), ("Guizou", GUIZHOU), ("Guangdon", "440000")]
)
def test_unknown_province_lists_closest_first(text: str, expected: str) -> None:
    with pytest.raises(PlaceError) as exc:
        places.province(text)
    err = exc.value
    assert err.reason == "unknown"
    assert err.suggestions[0].code == expected
    assert err.message.startswith("未知的省份")
    assert "unknown province" in err.message and "(" + expected + ")" in err.message


def test_unknown_county_suggestions_stay_in_the_province() -> None:
    with pytest.raises(PlaceError) as exc:
        places.county("惠睡县", GUIZHOU)
    assert exc.value.suggestions[0].code == HUISHUI
    assert all(d.province_code == GUIZHOU for d in exc.value.suggestions)
    with pytest.raises(PlaceError):
        places.county("Atlantis")
    with pytest.raises(PlaceError):
        places.province("999999")
    with pytest.raises(PlaceError):
        places.county(GUIZHOU)  # a province code is no county


def test_code_or_none_is_best_effort() -> None:
    assert places.code_or_none("贵州", "province") == GUIZHOU
    assert places.code_or_none("惠水县", "county", GUIZHOU) == HUISHUI
    assert places.code_or_none("白云区", "county") is None
    assert places.code_or_none("nowhere", "province") is None
    assert places.code_or_none(None, "province") is None


class _Body(BaseModel):
    province: places.ProvinceCode
    county: places.CountyText | None = None
    check_county = field_validator("county")(places.county_within("province"))


def test_fields_store_codes_and_name_the_field_in_errors() -> None:
    body = _Body(province="Guizhou", county="惠水")
    assert (body.province, body.county) == (GUIZHOU, HUISHUI)
    with pytest.raises(ValidationError) as exc:
        _Body(province="贵州", county="惠水县x")
    (err,) = exc.value.errors()
    assert err["loc"] == ("county",) and err["type"] == "place"
    assert "惠水县 Huishui County" in err["msg"]
    with pytest.raises(ValidationError) as exc:
        _Body(province="贵洲", county="惠水县")
    (err,) = exc.value.errors()  # only the province is reported
    assert err["loc"] == ("province",) and "贵州省 Guizhou (520000)" in err["msg"]


def test_place_columns_take_names_from_codes_and_province_from_county() -> None:
    assert places.place_columns(None, HUISHUI) == {
        "province": "贵州省",
        "province_code": GUIZHOU,
        "county": "惠水县",
        "county_code": HUISHUI,
    }
    assert places.place_columns(GUIZHOU, None, prefix="home_") == {
        "home_province": "贵州省",
        "home_province_code": GUIZHOU,
        "home_county": None,
        "home_county_code": None,
    }


def test_events_without_codes_still_parse_and_codes_must_be_six_digits() -> None:
    import json
    import uuid

    from anju_common.events import Location, WorkerRegistered, parse_event

    from tests.matching.helpers import worker

    old = json.loads(WorkerRegistered.build(worker(), subject=uuid.uuid4()).to_json())
    assert "province_code" not in old["data"]["location"]  # as published before the codes existed
    parsed = parse_event(json.dumps(old).encode())
    assert isinstance(parsed, WorkerRegistered) and parsed.data.location.province == "贵州省"
    assert parsed.data.location.province_code is None
    with pytest.raises(ValidationError):
        Location(province="贵州省", province_code="贵州")
