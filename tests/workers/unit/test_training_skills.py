"""What a completed course adds to a worker's skills."""

from __future__ import annotations

from workers.training import MAX_SKILLS, learned


def test_taught_skills_join_at_level_one_and_the_certificate_marks_them_certified() -> None:
    held = [{"name": "包装工", "level": 2, "certified": False}]
    out = learned(held, ["电焊"], "焊工证")
    assert out == [
        {"name": "包装工", "level": 2, "certified": False},
        {"name": "电焊", "level": 1, "certified": True},
        {"name": "焊工证", "level": 1, "certified": True},
    ]
    assert held == [{"name": "包装工", "level": 2, "certified": False}], "the input is not changed"


def test_a_skill_already_held_keeps_its_level_and_gains_the_certificate() -> None:
    out = learned([{"name": "缝纫工", "level": 3, "certified": False}], ["缝纫工 "], None)
    assert out == [{"name": "缝纫工", "level": 3, "certified": False}]
    out = learned([{"name": "缝纫工", "level": 3, "certified": False}], ["缝纫工"], "缝纫工证")
    assert out[0] == {"name": "缝纫工", "level": 3, "certified": True} and len(out) == 2


def test_never_more_skills_than_the_api_accepts() -> None:
    full = [{"name": f"技能{i}", "level": 1, "certified": False} for i in range(MAX_SKILLS)]
    assert learned(full, ["电焊"], "焊工证") == full
