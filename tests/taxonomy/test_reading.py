"""The normaliser over a small fixture in the shipped format: compounds, variants, context, unknowns."""

from __future__ import annotations

from pathlib import Path

import pytest
from anju_taxonomy import Context, DataError, Vocabulary, load

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def v() -> Vocabulary:
    return Vocabulary(load(FIXTURES))


def ids(v: Vocabulary, text: str, context: Context | None = None) -> list[str]:
    return list(v.read(text, context).trade_ids)


# ------------------------------------------------------------------ compound entries
def test_two_machines_in_one_sentence(v: Vocabulary) -> None:
    r = v.read("会开挖掘机和装载机")
    assert r.trade_ids == ("excavator", "loader")
    assert r.unknown == ()


def test_workplace_and_years_are_picked_out(v: Vocabulary) -> None:
    r = v.read("电子厂普工3年")
    assert r.trade_ids == ("general_worker",)
    assert r.years == 3.0
    assert r.trades[0].years == 3.0
    assert r.unknown == ()
    assert "electronics" in r.context_sectors


def test_certificates_name_their_trades(v: Vocabulary) -> None:
    r = v.read("持焊工证、叉车证")
    assert [c.certificate_id for c in r.certificates] == ["op_welding", "op_forklift"]
    assert r.trade_ids == ("electric_welder", "forklift")
    assert all(h.certified for h in r.trades)
    assert r.unknown == ()


def test_bracketed_level_qualifies_the_trade(v: Vocabulary) -> None:
    r = v.read("缝纫（熟练）")
    assert r.trade_ids == ("sewing",)
    assert r.level is not None and r.level.zh == "熟练" and r.level.rank == 2
    assert r.trades[0].level == r.level


def test_did_kitchen_help(v: Vocabulary) -> None:
    assert ids(v, "做过厨房帮工") == ["kitchen_helper"]


@pytest.mark.parametrize(
    ("text", "rank", "grade"),
    [
        ("缝纫工(3级)", 3, 3),
        ("电焊工 初级", 1, 5),
        ("高级技师电焊", 5, 1),
        ("电焊工五级", 1, 5),
        ("电焊工5年，中级", 2, 4),
        ("技师 钳工", 4, 2),
    ],
)
def test_levels_follow_the_national_grades(v: Vocabulary, text: str, rank: int, grade: int) -> None:
    r = v.read(text)
    assert r.trades, text
    assert r.level is not None and r.level.rank == rank and r.level.grade == grade


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("电子厂普工3年", 3.0),
        ("在电子厂做普工两年半", 2.5),
        ("焊工十年经验", 10.0),
        ("叉车6个月", 0.5),
        ("welder 4 years", 4.0),
    ],
)
def test_years_of_experience(v: Vocabulary, text: str, years: float) -> None:
    r = v.read(text)
    assert r.trades, text
    assert r.years == years


def test_a_trade_named_twice_keeps_what_both_say(v: Vocabulary) -> None:
    r = v.read("会开叉车，有叉车证")
    assert r.trade_ids == ("forklift",)
    assert r.trades[0].certified
    assert r.unknown == ()


def test_trade_name_plus_licence_word(v: Vocabulary) -> None:
    r = v.read("电焊证")
    assert r.trade_ids == ("electric_welder",)
    assert [c.certificate_id for c in r.certificates] == ["op_welding"]


def test_certified_prefix_marks_the_trade(v: Vocabulary) -> None:
    r = v.read("持证叉车司机")
    assert r.trade_ids == ("forklift",)
    assert r.trades[0].certified


def test_joined_trades(v: Vocabulary) -> None:
    assert ids(v, "电焊+气割") == ["electric_welder", "gas_cutter"]
    assert ids(v, "贴砖、刷漆/砌砖") == ["tiler", "painter", "bricklayer"]


# ------------------------------------------------------------------ variants
@pytest.mark.parametrize(
    ("text", "trade", "how"),
    [
        ("焊工师傅", "electric_welder", "variant"),
        ("熟练电焊工", "electric_welder", "variant"),
        ("缝纫师", "sewing", "variant"),
        ("平车", "sewing", "variant"),
        ("叉车手", "forklift", "variant"),
        ("ｆｏｒｋｌｉｆｔ ｄｒｉｖｅｒｓ", "forklift", "english"),
        ("Sewing Machine Operator", "sewing", "english"),
        ("縫紉工", "sewing", "exact"),
        ("電焊工", "electric_welder", "exact"),
        ("hangong", "electric_welder", "pinyin"),
        ("feng ren gong", "sewing", "pinyin"),
        ("dhg", "electric_welder", "initials"),
        ("逢纫工", "sewing", "homophone"),
        ("电焊佬", "electric_welder", "exact"),
        ("车衣", "sewing", "exact"),
    ],
)
def test_spelling_variants(v: Vocabulary, text: str, trade: str, how: str) -> None:
    r = v.read(text)
    assert r.trade_ids == (trade,), text
    assert r.trades[0].how == how
    assert 0 < r.trades[0].confidence <= 1


def test_fuzzy_english_typo(v: Vocabulary) -> None:
    r = v.read("sewng machine operator")
    assert r.trade_ids == ("sewing",)
    assert r.trades[0].how == "fuzzy"
    assert r.trades[0].confidence < 1


# ------------------------------------------------------------------ ambiguity
def test_ambiguous_name_alone_stays_ambiguous_and_says_so(v: Vocabulary) -> None:
    hit = v.read("车工").trades[0]
    assert hit.how == "ambiguous"
    assert {hit.trade_id, *hit.alternatives} == {"sewing", "lathe"}
    assert hit.confidence == 0.5
    assert "上下文无法确定" in hit.reason_zh and "does not say" in hit.reason_en


@pytest.mark.parametrize(
    ("text", "context", "trade", "why"),
    [
        ("服装厂车工", None, "sewing", "服装"),
        ("机械厂车工", None, "lathe", "机械"),
        ("车工", Context(skills=("平车工", "整烫")), "sewing", "缝纫工"),
        ("车工", Context(skills=("钳工",)), "lathe", "钳工"),
        ("车工", Context(employer_name="惠水县机械厂"), "lathe", "机械加工"),
        ("车工", Context(sector="garment"), "sewing", "服装"),
        ("车工、钳工", None, "lathe", "钳工"),
    ],
)
def test_context_resolves_an_ambiguous_name_with_a_reason(
    v: Vocabulary, text: str, context: Context | None, trade: str, why: str
) -> None:
    hit = next(h for h in v.read(text, context).trades if h.alias == "车工")
    assert hit.trade_id == trade
    assert hit.how == "context"
    assert why in hit.reason_zh
    assert hit.reason_en


# ------------------------------------------------------------------ unknowns stay visible
@pytest.mark.parametrize("text", ["修脚", "会计", "苗族银饰锻制"])
def test_unknown_terms_stay_visible(v: Vocabulary, text: str) -> None:
    r = v.read(text)
    assert r.trades == ()
    assert r.unknown == (text,)
    assert not r.understood


def test_part_known_part_unknown(v: Vocabulary) -> None:
    r = v.read("电焊、修脚")
    assert r.trade_ids == ("electric_welder",)
    assert r.unknown == ("修脚",)


def test_empty_text_reads_nothing(v: Vocabulary) -> None:
    r = v.read("   ")
    assert r.trades == () and r.unknown == ()


# ------------------------------------------------------------------ similarity
@pytest.mark.parametrize(
    ("a", "b"), [("钳工", "钣金工"), ("瓦工", "瓦楞纸箱工"), ("保洁", "保育员"), ("保洁员", "保育员")]
)
def test_false_friends_get_nothing(v: Vocabulary, a: str, b: str) -> None:
    c = v.similarity(a, b)
    assert c.score == 0.0
    assert c.kind == "different"
    assert "不同工种" in c.reason_zh


def test_same_trade_under_two_names(v: Vocabulary) -> None:
    c = v.similarity("平车工", "缝纫工")
    assert (c.score, c.kind, c.a, c.b) == (1.0, "same", "sewing", "sewing")
    assert "平车工" in c.reason_zh and "Same trade" in c.reason_en


def test_neighbours_get_partial_credit_with_the_reason(v: Vocabulary) -> None:
    c = v.similarity("电焊", "气割工")
    assert c.kind == "neighbour" and c.score == 0.6
    assert "焊接与热切割" in c.reason_zh and "thermal cutting" in c.reason_en
    assert v.similarity("气割工", "电焊").score == 0.6  # symmetric


def test_declared_distinct_wins_over_shared_characters(v: Vocabulary) -> None:
    assert v.relation("fitter", "sheet_metal")[0] == 0.0


def test_ambiguous_side_is_read_the_way_the_other_side_means_it(v: Vocabulary) -> None:
    lathe = v.similarity("车工", "车床")
    assert lathe.score == 1.0 and lathe.a == "lathe"
    assert "按对方理解为车床工" in lathe.reason_zh
    sewing = v.similarity("车工", "平车")
    assert sewing.score == 1.0 and sewing.a == "sewing"


def test_a_resolved_ambiguity_is_not_reopened(v: Vocabulary) -> None:
    c = v.similarity("车工", "缝纫工", Context(sector="machining"))
    assert c.score == 0.0


def test_unknown_side_says_what_was_not_understood(v: Vocabulary) -> None:
    c = v.similarity("修脚", "缝纫工")
    assert c.kind == "unknown" and c.score == 0.0
    assert "修脚" in c.reason_zh


# ------------------------------------------------------------------ autocomplete and lookups
@pytest.mark.parametrize(
    ("q", "first", "how"),
    [
        ("电焊", "electric_welder", "zh"),
        ("hang", "electric_welder", "pinyin"),
        ("frg", "sewing", "initials"),
        ("fork", "forklift", "en"),
        ("weld", "electric_welder", "en"),
    ],
)
def test_autocomplete(v: Vocabulary, q: str, first: str, how: str) -> None:
    out = v.autocomplete(q, 5)
    assert out and out[0].trade_id == first
    assert out[0].how == how
    assert len({c.trade_id for c in out}) == len(out)


def test_autocomplete_limit_and_substring(v: Vocabulary) -> None:
    assert len(v.autocomplete("工", 3)) == 3
    assert v.autocomplete("装载", 5)[0].trade_id == "loader"
    assert v.autocomplete("", 5) == []
    assert v.autocomplete("zzzz", 5) == []


def test_occupation_has_hierarchy_and_trades(v: Vocabulary) -> None:
    occ = v.occupation("6-18-01-06")
    assert occ is not None and occ.name == "钳工" and occ.level == 4
    assert [c for c, _ in occ.path] == ["6", "6-18", "6-18-01", "6-18-01-06"]
    assert set(occ.trades) == {"fitter", "sheet_metal"}
    parent = v.occupation("6-18-01")
    assert parent is not None and "6-18-01-06" in parent.children
    assert v.occupation("9-99-99-99") is None


def test_trade_and_certificate_lookups(v: Vocabulary) -> None:
    t = v.trade("forklift")
    assert t is not None and t.licences == ("op_forklift",)
    c = v.certificate("op_forklift")
    assert c is not None and c.course_zh
    assert v.trade("nope") is None and v.certificate("nope") is None
    assert v.is_entry_level("general_worker") and not v.is_entry_level("forklift")
    assert v.label("sewing") == ("缝纫工", "sewing machine operator")
    assert v.label(None, "修脚") == ("修脚", "修脚")


def test_physical_terms(v: Vocabulary) -> None:
    assert v.physical("不能提重物") == "heavy_lifting"
    assert v.physical("Heavy Lifting") == "heavy_lifting"
    assert v.physical("something new") == "something new"


def test_extra_aliases_extend_the_vocabulary(v: Vocabulary) -> None:
    assert v.read("打边车").trade_ids == ()
    grown = v.with_aliases({"打边车": "sewing"})
    r = grown.read("打边车")
    assert r.trade_ids == ("sewing",) and r.trades[0].how == "alias"
    assert v.read("打边车").trade_ids == ()  # the original is unchanged


def test_readings_are_cached(v: Vocabulary) -> None:
    assert v.read("电焊工") is v.read("电焊工")


def test_inconsistent_data_is_refused(tmp_path: Path) -> None:
    (tmp_path / "trades.toml").write_text(
        '[[trade]]\nid = "a"\nzh = "甲"\nrelated = [{ id = "b", credit = 0.5 }]\n', encoding="utf-8"
    )
    with pytest.raises(DataError, match="unknown trade b"):
        load(tmp_path)
    (tmp_path / "trades.toml").write_text('[[trade]]\nid = "a"\nzh = "甲"\n[[trade]]\nid = "a"\nzh = "乙"\n')
    with pytest.raises(DataError, match="twice"):
        load(tmp_path)
