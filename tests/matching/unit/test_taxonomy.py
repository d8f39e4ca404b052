"""The skill taxonomy shipped as data, and normalisation of free-text skills."""

from __future__ import annotations

import json
import re

import pytest
from matching.engine.normalise import clean
from matching.engine.taxonomy import DATA_FILE, default_taxonomy

from tests.matching.helpers import NORM


def test_taxonomy_has_named_skills_with_codes_and_credited_sources() -> None:
    tax = default_taxonomy()
    for needed in (
        "sewing",
        "welding",
        "general_worker",
        "housekeeping",
        "tea_picking",
        "bamboo_weaving",
        "electronics_assembly",
        "construction_labour",
        "driving",
        "cooking",
        "cleaning",
        "packaging",
        "ecommerce",
        "elder_care",
        "childcare",
        "crop_farming",
    ):
        skill = tax.skill(needed)
        assert skill is not None, needed
        assert skill.zh and skill.en
    assert tax.skills["sewing"].occupation_code == "6-05-01-03"
    assert tax.skills["housekeeping"].occupation_code == "4-10-01-06"
    assert any("CC BY 4.0" in s.get("license", "") and "JobE" in s["name"] for s in tax.sources)
    raw = DATA_FILE.read_text(encoding="utf-8")
    assert "………" not in raw, "page-number residue from the classification must be stripped"
    for s in json.loads(raw)["skills"]:
        code = s["occupation_code"]
        assert code is None or re.fullmatch(r"\d-\d\d-\d\d-\d\d", code), code


@pytest.mark.parametrize(
    ("text", "skill_id"),
    [
        ("缝纫工", "sewing"),
        ("车工", "sewing"),
        ("sewing machine operator", "sewing"),
        ("Sewing Machine Operator", "sewing"),
        ("电焊", "welding"),
        ("焊工", "welding"),
        ("welder", "welding"),
        ("普工", "general_worker"),
        ("general worker", "general_worker"),
        ("家政", "housekeeping"),
        ("housekeeping", "housekeeping"),
        ("茶叶采摘", "tea_picking"),
        ("采茶", "tea_picking"),
        ("保洁", "cleaning"),
        ("包装工", "packaging"),
        ("护工", "elder_care"),
        ("育婴", "childcare"),
        ("电商", "ecommerce"),
        ("竹编", "bamboo_weaving"),
    ],
)
def test_aliases_in_chinese_and_english_normalise_to_one_id(text: str, skill_id: str) -> None:
    assert NORM.skill(text).id == skill_id


def test_pinyin_and_homophone_typos_normalise() -> None:
    assert NORM.skill("fengrengong").how == "pinyin"
    assert NORM.skill("feng ren gong").id == "sewing"
    assert NORM.skill("逢纫工").id == "sewing"  # same pinyin, wrong character


def test_fuzzy_spelling_and_grades_normalise() -> None:
    assert NORM.skill("缝纫工(3级)").id == "sewing"
    assert NORM.skill("缝纫工人").id == "sewing"
    assert NORM.skill("sewng machine operator").id == "sewing"
    assert NORM.skill("tea pickers").id == "tea_picking"


def test_unknown_skills_stay_free_text() -> None:
    for text in ("会计", "修脚", "welding operator", "machine"):
        hit = NORM.skill(text)
        assert hit.id is None
        assert hit.text == clean(text)


def test_physical_terms_normalise() -> None:
    assert NORM.physical("不能提重物") == "heavy_lifting"
    assert NORM.physical("heavy lifting") == "heavy_lifting"
    assert NORM.physical("高空作业") == "heights"
    assert NORM.physical("something new") == "something new"
