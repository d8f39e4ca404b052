"""Matching reads skills through anju_taxonomy: compounds, certificates, neighbours, false friends."""

from __future__ import annotations

from anju_common.events import SkillData
from matching.engine.profiles import job_profile, training_profile, worker_profile
from matching.engine.rules import FILTER_REASONS, Params
from matching.offers import _missing_label, held_gaps
from matching.state import MatchingState

from tests.matching.helpers import NORM, TODAY, Engine, job, training, worker


def _codes(r: object) -> list[str]:
    return [x.code for x in r.reasons]  # type: ignore[attr-defined]


def test_a_compound_entry_gives_several_skills_and_its_certificates() -> None:
    p = worker_profile(worker(skills=[SkillData(name="会开叉车，持叉车证；电焊3年", level=1)]), NORM)
    assert {s.skill_id for s in p.skills} == {"forklift_driver", "welder"}
    assert "special_equipment_forklift" in p.certificates
    assert "special_ops_welding" not in p.certificates  # 电焊 was not recorded as certified


def test_certified_skill_holds_the_trades_licence() -> None:
    p = worker_profile(worker(skills=[SkillData(name="电焊工", certified=True)]), NORM)
    assert "special_ops_welding" in p.certificates


def test_unknown_fragments_stay_free_text() -> None:
    p = worker_profile(worker(skills=[SkillData(name="电焊、刺梨果脯熬制")]), NORM)
    assert {(s.skill_id, s.text) for s in p.skills if s.skill_id is None} == {(None, "刺梨果脯熬制")}


def test_a_licensed_job_takes_only_workers_holding_the_licence() -> None:
    e = Engine()
    holder = e.add_worker(worker(skills=[SkillData(name="叉车", certified=True)]))
    named = e.add_worker(worker(skills=[SkillData(name="叉车司机"), SkillData(name="持叉车证")]))
    without = e.add_worker(worker(skills=[SkillData(name="叉车司机", level=5)]))
    posting = job(title="叉车司机", skills=["叉车工"], employer_name="惠水县物流园")
    assert job_profile(posting, NORM).certificates == {"special_equipment_forklift"}
    ranked = e.rank(posting)
    assert {r.worker_id for r in ranked} == {holder.worker_id, named.worker_id}
    assert without.worker_id not in {r.worker_id for r in ranked}
    assert all("certificate.held" in _codes(r) for r in ranked)
    reason = next(x for x in ranked[0].reasons if x.code == "certificate.held")
    assert "叉车" in reason.zh and "forklift" in reason.en
    assert "certificate" in FILTER_REASONS


def test_a_higher_driving_class_covers_a_lower_one() -> None:
    assert NORM.held_certificates(["driving_licence_a2"]) >= {"driving_licence_b2", "driving_licence_c1"}
    assert "driving_licence_a2" not in NORM.held_certificates(["driving_licence_b2"])


def test_a_neighbouring_trade_gets_partial_credit_in_breakdown_and_reasons() -> None:
    e = Engine()
    same = e.add_worker(worker(skills=[SkillData(name="平车工", level=3)]))
    near = e.add_worker(worker(skills=[SkillData(name="拷边工", level=3)]))
    ranked = {r.worker_id: r for r in e.rank(job(skills=["缝纫工"]))}
    assert same.worker_id in ranked and near.worker_id in ranked
    full, part = ranked[same.worker_id], ranked[near.worker_id]
    assert 0 < part.breakdown["skill"] < full.breakdown["skill"]
    assert part.breakdown["skill_neighbour"] > 0
    assert "skill_neighbour" not in full.breakdown
    reason = next(x for x in part.reasons if x.code == "skill.neighbour")
    assert "拷边工" in reason.zh and "缝纫工" in reason.zh and "%" in reason.zh
    assert "overlock" in reason.en
    assert "skill.neighbour" not in _codes(full)


def test_false_friends_never_match() -> None:
    for held, wanted in (("钣金工", "钳工"), ("瓦楞纸箱工", "瓦工"), ("保洁", "保育员")):
        e = Engine()
        w = e.add_worker(worker(skills=[SkillData(name=held, level=5)]))
        assert w.worker_id not in e.ranked_ids(job(title=wanted, skills=[wanted])), (held, wanted)


def test_an_ambiguous_name_is_read_from_the_jobs_context_with_a_reason() -> None:
    lathe_job = job(title="车床工", skills=["车工"], employer_name="惠水县机械厂")
    p = job_profile(lathe_job, NORM)
    assert [s.skill_id for s in p.skills] == ["lathe_operator"]
    assert p.skills[0].read_as is not None and "车床工" in p.skills[0].read_as[0]
    e = Engine()
    sewer = e.add_worker(worker(skills=[SkillData(name="平车", level=3)]))
    turner = e.add_worker(worker(skills=[SkillData(name="车床", level=3)]))
    ranked = e.rank(lathe_job)
    assert [r.worker_id for r in ranked] == [turner.worker_id]
    assert "skill.read_as" in _codes(ranked[0])
    assert sewer.worker_id not in {r.worker_id for r in ranked}


def test_an_undecided_worker_name_matches_either_trade_and_says_how_it_was_read() -> None:
    e = Engine()
    w = e.add_worker(worker(skills=[SkillData(name="车工", level=3)]))
    for posting in (job(), job(title="车床工", skills=["车床工"], employer_name="县机械厂")):
        ranked = e.rank(posting)
        assert [r.worker_id for r in ranked] == [w.worker_id]
        assert "skill.read_as" in _codes(ranked[0])


def test_a_licence_course_is_offered_when_the_licence_is_the_gap_and_named() -> None:
    e = Engine()
    e.add_job(job(title="叉车司机", skills=["叉车"], employer_name="惠水县物流园"))
    course = e.add_training(training(title="叉车司机取证培训班", skills_taught=["叉车司机取证"]))
    assert training_profile(course, NORM).certificates == {"special_equipment_forklift"}
    driver = worker(skills=[SkillData(name="叉车", level=3)])
    p = worker_profile(driver, NORM)
    found = e.jobs.best_training(p, None, TODAY, None)
    assert found is not None
    t, unlocked = found
    assert t.training_id == course.training_id
    assert [b.missing_certificates for b in unlocked] == [{"special_equipment_forklift"}]
    assert unlocked[0].missing == frozenset()
    state = MatchingState(Params(), NORM)
    label = _missing_label(state, "cert:special_equipment_forklift")
    cert = NORM.certificate("special_equipment_forklift")
    assert cert is not None and cert.zh in label and cert.course_zh in label
    assert "cert:special_equipment_forklift" in held_gaps(
        worker_profile(worker(skills=[SkillData(name="持叉车证")]), NORM)
    )


def test_no_licence_course_for_a_worker_who_holds_it() -> None:
    e = Engine()
    e.add_job(job(title="叉车司机", skills=["叉车"], employer_name="惠水县物流园"))
    e.add_training(training(title="叉车司机取证培训班", skills_taught=["叉车司机取证"]))
    p = worker_profile(worker(skills=[SkillData(name="叉车", certified=True)]), NORM)
    assert e.jobs.best_training(p, None, TODAY, None) is None


def test_rebuilding_the_indexes_in_another_order_ranks_the_same() -> None:
    ws = [
        worker(skills=[SkillData(name=name, level=lvl)])
        for name, lvl in (("平车", 2), ("拷边工", 4), ("车工", 3), ("缝纫（熟练）", 1), ("电焊", 3))
    ]
    posting = job(skills=["缝纫工", "整烫"])
    a, b = Engine(), Engine()
    for w in ws:
        a.add_worker(w)
    for w in reversed(ws):
        b.add_worker(w)
    ra, rb = a.rank(posting), b.rank(posting)
    assert [(r.worker_id, r.score, r.breakdown) for r in ra] == [
        (r.worker_id, r.score, r.breakdown) for r in rb
    ]
    assert len(ra) == 4


def test_trades_offices_write_as_one_meet_the_requirement_in_full() -> None:
    # 食堂厨师 and 中式烹调师 are kept apart in the data, but a canteen cook is a cook: full credit, no
    # neighbour discount (both hold the 健康证 a kitchen legally needs).
    e = Engine()
    canteen = e.add_worker(worker(skills=[SkillData(name="食堂厨师", level=3, certified=True)]))
    cook = e.add_worker(worker(skills=[SkillData(name="中式烹调师", level=3, certified=True)]))
    ranked = {r.worker_id: r for r in e.rank(job(title="厨师", skills=["厨师"]))}
    assert canteen.worker_id in ranked and cook.worker_id in ranked
    assert ranked[canteen.worker_id].breakdown["skill"] == ranked[cook.worker_id].breakdown["skill"]
    assert "skill_neighbour" not in ranked[canteen.worker_id].breakdown
