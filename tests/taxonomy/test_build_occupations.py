"""The occupations.tsv build script: JSONL rows in, compact TSV out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.build_taxonomy_occupations import clean_name, main, read_jsonl, render

SAMPLE: list[dict[str, object]] = [
    {"code": "_meta", "level": "meta", "name": "职业分类大典元数据", "parent_code": None},
    {"code": "4", "level": "major", "name": "社会生产服务和生活服务人员", "parent_code": None},
    {"code": "4-03", "level": "mid", "name": "住宿和餐饮服务人员……………………………198", "parent_code": "4"},
    {"code": "4-03-02", "level": "small", "name": "餐饮服务人员", "parent_code": "4-03"},
    {"code": "4-03-02-01", "level": "occupation", "name": "中式烹调师", "parent_code": "4-03-02"},
    {"code": "4-03-02-05", "level": "occupation", "name": " 餐厅服务员 ", "parent_code": "4-03-02"},
    {
        "code": "4-03-02-05-jt-01",
        "level": "job_type",
        "name": "传菜员",
        "parent_code": "4-03-02-05",
    },
]


def _lines(rows: list[dict[str, object]]) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) + "\n" for r in rows] + ["\n"]


def test_names_lose_dot_leaders_and_page_numbers() -> None:
    assert clean_name("中国共产党机关负责人………………………………3") == "中国共产党机关负责人"
    long_name = "运输设备和通用工程机械操作人员及有关人员"
    assert clean_name(long_name + "……539") == long_name
    assert clean_name("保洁员") == "保洁员"


def test_meta_and_job_type_rows_are_skipped_and_names_cleaned() -> None:
    rows = list(read_jsonl(_lines(SAMPLE)))
    assert [(r.code, r.level, r.name, r.parent_code) for r in rows] == [
        ("4", "major", "社会生产服务和生活服务人员", ""),
        ("4-03", "mid", "住宿和餐饮服务人员", "4"),
        ("4-03-02", "small", "餐饮服务人员", "4-03"),
        ("4-03-02-01", "occupation", "中式烹调师", "4-03-02"),
        ("4-03-02-05", "occupation", "餐厅服务员", "4-03-02"),
    ]


def test_render_writes_header_counts_columns_and_rows() -> None:
    text = render(list(read_jsonl(_lines(SAMPLE))))
    lines = text.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    assert any("CC BY 4.0" in c for c in comments)
    assert any("JobE" in c for c in comments)
    assert any("Occupations: 2 in this source" in c and "1639" in c for c in comments)
    assert any("1 major, 1 mid, 1 small, 2 occupation" in c for c in comments)
    assert body[0] == "code\tlevel\tname\tparent_code"
    assert body[1] == "4\tmajor\t社会生产服务和生活服务人员\t"
    assert body[-1] == "4-03-02-05\toccupation\t餐厅服务员\t4-03-02"
    assert len(body) == 6


def test_a_row_whose_parent_is_missing_is_refused() -> None:
    orphan = [r for r in SAMPLE if r["code"] != "4-03-02"]
    with pytest.raises(ValueError, match="parent is missing"):
        render(list(read_jsonl(_lines(orphan))))


def test_a_code_that_does_not_fit_its_level_is_refused() -> None:
    bad: list[dict[str, object]] = [{"code": "4-03", "level": "occupation", "name": "x", "parent_code": "4"}]
    with pytest.raises(ValueError, match="does not fit level"):
        list(read_jsonl(_lines(bad)))


def test_repeated_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="repeated codes"):
        render(list(read_jsonl(_lines([*SAMPLE, SAMPLE[1]]))))


def test_main_rebuilds_the_file_from_a_downloaded_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "occupations.jsonl"
    source.write_text("".join(_lines(SAMPLE)), encoding="utf-8")
    out = tmp_path / "occupations.tsv"
    assert main([str(source), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render(list(read_jsonl(_lines(SAMPLE))))
