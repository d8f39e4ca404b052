"""Pure parts of the growing vocabulary: which spellings of a profile are unknown, and alias conflicts."""

from __future__ import annotations

from anju_common.events import SkillData
from matching.aliases import _reads_as_other, alias_key, unknown_terms
from matching.engine.profiles import job_profile, worker_profile

from tests.matching.helpers import NORM, job, worker


def test_a_profiles_unknown_spellings_with_the_entry_they_were_written_in() -> None:
    w = worker(skills=[SkillData(name="缝纫工"), SkillData(name="码边佬3年")])
    terms = unknown_terms(worker_profile(w, NORM), [s.name for s in w.skills])
    assert terms == {"码边佬": "码边佬3年"}
    j = job(skills=["拷边工", "刺梨果脯熬制"])
    assert unknown_terms(job_profile(j, NORM), j.skills) == {"刺梨果脯熬制": "刺梨果脯熬制"}
    assert unknown_terms(worker_profile(worker(), NORM), ["缝纫工"]) == {}


def test_an_alias_key_is_the_spelling_as_the_vocabulary_compares_it() -> None:
    assert alias_key("  ＭＡＢＩＡＮ  ") == "mabian"
    assert alias_key("碼邊佬") == "码边佬"


def test_a_spelling_already_read_as_another_trade_is_a_conflict() -> None:
    assert _reads_as_other(NORM, "缝纫", "welder") == ["缝纫工 (sewing_machinist)"]
    assert _reads_as_other(NORM, "缝纫", "sewing_machinist") == []
    assert _reads_as_other(NORM, "码边佬", "overlock_operator") == [], "unknown: free to map"
    assert _reads_as_other(NORM, "码边佬缝纫", "overlock_operator") == [], "partly unknown: free to map"
