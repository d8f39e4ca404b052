"""Reading rules on the shipped vocabulary: qualifiers, a name with its action, suffixed ambiguous names,
the name a piece ends with, workplaces that narrow a trade, and trades offices write as one."""

from __future__ import annotations

from pathlib import Path

import pytest
from anju_taxonomy import Context, DataError, Vocabulary, default_vocabulary, load
from anju_taxonomy.loader import DATA_DIR


@pytest.fixture(scope="module")
def v() -> Vocabulary:
    return default_vocabulary()


def first(v: Vocabulary, text: str, context: Context | None = None) -> str | None:
    r = v.read(text, context)
    return r.trades[0].trade_id if r.trades else None


def test_a_place_or_kind_of_post_before_a_name_is_context(v: Vocabulary) -> None:
    assert first(v, "村级清洁员") == first(v, "清洁员") == "cleaner"
    r = v.read("医院陪护")
    assert r.trade_ids == ("hospital_carer",) and r.unknown == ()
    assert first(v, "住家保姆") == "housekeeper"
    # Not a qualifier: an unknown modifier before a two-character head still stays unknown.
    assert v.read("健身教练").trade_ids == ()


def test_a_crop_or_animal_with_farm_work_is_that_farm_trade(v: Vocabulary) -> None:
    assert first(v, "肉牛养殖") == "cattle_keeper"
    assert first(v, "果树修剪工") == "fruit_grower"
    assert first(v, "菌菇栽培") == "mushroom_grower"


def test_a_name_with_the_action_its_trade_does_is_that_trade(v: Vocabulary) -> None:
    assert first(v, "断桥门窗安装") == "door_window_installer"
    # The excavator driver repairs nothing: a machine with 维修 is not its driver.
    assert first(v, "挖掘机维修") != "excavator_operator"


def test_an_ambiguous_name_with_a_suffix_is_decided_by_the_workplace(v: Vocabulary) -> None:
    garage = v.read("钣金工", Context(employer_name="汽车4S店维修车间", sector="auto"))
    assert garage.trades[0].trade_id == "auto_body_repairer"
    assert garage.trades[0].how == "context" and "钣金工" in garage.trades[0].reason_zh
    undecided = v.read("钣金工").trades[0]
    assert undecided.trade_id == "sheet_metal_worker" and undecided.how == "ambiguous"
    assert v.similarity("钣金工", "汽车钣金").score == 1.0
    assert v.similarity("钣金工", "钳工").score == 0.0


def test_the_name_a_piece_ends_with_wins_over_a_greedy_scan(v: Vocabulary) -> None:
    # 品检 sits inside 产品检验员; the piece ends with 检验员.
    assert first(v, "电子产品检验员") == "quality_inspector"


def test_a_workplace_named_after_a_trade_narrows_a_broader_neighbour(v: Vocabulary) -> None:
    assert first(v, "饲养员") == "livestock_keeper"
    assert first(v, "养鸡场饲养员") == "poultry_keeper"
    # A workplace that names no trade leaves the trade as written.
    assert first(v, "电子厂普工") == "general_worker"


def test_trades_offices_write_as_one_score_as_the_same_with_the_reason(v: Vocabulary) -> None:
    c = v.similarity("公益岗保洁", "保洁员")
    assert (c.score, c.kind) == (1.0, "same")
    assert "公益性岗位" in c.reason_zh and "public-welfare" in c.reason_en
    assert v.same_as("canteen_cook") == ("chinese_cook",)
    assert "canteen_cook" in v.same_as("chinese_cook")
    # Same-as is not a neighbour relation: neighbours stay partial.
    assert all(other != "chinese_cook" for other, *_ in v.neighbours("canteen_cook"))
    # False friends stay apart.
    assert v.similarity("保洁", "保育员").score == 0.0
    assert v.similarity("瓦工", "瓦楞纸箱工").score == 0.0


def test_an_occupation_name_only_one_trade_falls_under_reads_as_that_trade(v: Vocabulary) -> None:
    only = [o for o in v.data.occupations.values() if o.level == 4 and len(o.trades) == 1]
    assert only
    o = next(o for o in only if v.exact.get(o.name) == (o.trades[0],))
    assert first(v, o.name) == o.trades[0]


def test_a_same_pair_naming_an_unknown_trade_or_a_distinct_pair_is_refused(tmp_path: Path) -> None:
    text = (DATA_DIR / "trades.toml").read_text(encoding="utf-8")
    for other in ("no_such_trade", "nursery_carer"):
        extra = f'[[same]]\na = "cleaner"\nb = "{other}"\n'
        (tmp_path / "trades.toml").write_text(text + extra, encoding="utf-8")
        with pytest.raises(DataError):
            load(tmp_path)
