"""Pure reading of workers' skills into trade ids (the ?skill= column and query)."""

from __future__ import annotations

from anju_taxonomy import default_vocabulary
from workers.skills import query_ids, skill_ids_column, trade_ids

NORM = default_vocabulary()


def test_every_spelling_of_a_trade_gives_its_id() -> None:
    for name in ("缝纫工", "平车工", "车位", "sewing machinist"):
        assert trade_ids([name], NORM) == ["sewing_machinist"], name


def test_compound_entries_give_several_trades_and_the_column_is_delimited() -> None:
    assert trade_ids(["会开挖掘机和装载机"], NORM) == ["excavator_operator", "loader_operator"]
    assert skill_ids_column([{"name": "电焊工"}, {"name": "缝纫工"}], NORM) == "|welder|sewing_machinist|"
    assert skill_ids_column([{"name": "刺梨果脯熬制"}], NORM) == ""


def test_an_ambiguous_name_stands_for_every_trade_it_can_mean_unless_context_decides() -> None:
    assert set(trade_ids(["车工"], NORM)) == {"sewing_machinist", "lathe_operator"}
    assert trade_ids(["车工", "平车"], NORM)[0] == "sewing_machinist"


def test_a_query_not_understood_falls_back_to_text() -> None:
    assert query_ids("缝纫", NORM) == ["sewing_machinist"]
    assert query_ids("刺梨果脯熬制", NORM) == []
    assert query_ids("缝纫、刺梨果脯熬制", NORM) == [], "part unknown: text search"


def test_aliases_are_read() -> None:
    grown = NORM.with_aliases({"码边佬": "overlock_operator"})
    assert trade_ids(["码边佬"], NORM) == []
    assert trade_ids(["码边佬"], grown) == ["overlock_operator"]
    assert trade_ids(["码边佬3年"], grown) == ["overlock_operator"]
